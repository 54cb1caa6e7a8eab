//! `scimd replay`: runs the documented request sequence of an identity
//! provider against any SCIM base URL and token, and prints a check-by-check
//! report ending with `N passed, M failed`. Run it against your own
//! deployment before connecting a real IdP.
//!
//! The sequences live in `scenarios/*.json` (see [`scenario`]); every
//! request a scenario sends is taken from the IdP's public documentation
//! (`docs/idp/research-notes.md`). Each run tags the names it creates with a
//! random suffix and deletes what it created at the end.

pub mod scenario;

use scenario::{Check, Scenario, Step};
use serde_json::Value;
use std::collections::HashMap;
use std::io::Write;

/// What a replay found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
    /// Optional scenarios not run (their extension is not defined).
    pub skipped: usize,
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    // Without randomness the run tag is still unique enough per process.
    if getrandom::fill(&mut b).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        return format!("{t:x}");
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn uuid() -> String {
    let h = random_hex(16);
    format!(
        "{}-{}-4{}-8{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// Runs scenarios against one server.
pub struct Runner {
    base: String,
    token: String,
    agent: ureq::Agent,
    vars: HashMap<String, String>,
}

impl Runner {
    pub fn new(base: &str, token: &str) -> Runner {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(30)))
            .build()
            .into();
        let mut vars = HashMap::new();
        vars.insert("run".to_string(), random_hex(4));
        vars.insert("base".to_string(), base.trim_end_matches('/').to_string());
        Runner {
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            agent,
            vars,
        }
    }

    /// Replaces the placeholders in a string; an unknown one is an error.
    fn text(&self, s: &str) -> Result<String, String> {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| format!("unclosed placeholder in {s:?}"))?;
            let name = &after[..end];
            if name == "uuid" {
                out.push_str(&uuid());
            } else {
                out.push_str(
                    self.vars
                        .get(name)
                        .ok_or_else(|| format!("{{{{{name}}}}} was never saved"))?,
                );
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn value(&self, v: &Value) -> Result<Value, String> {
        Ok(match v {
            Value::String(s) => Value::String(self.text(s)?),
            Value::Array(a) => {
                Value::Array(a.iter().map(|x| self.value(x)).collect::<Result<_, _>>()?)
            }
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, x)| Ok((self.text(k)?, self.value(x)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }

    fn send(&self, step: &Step, user_agent: Option<&str>) -> Result<(u16, Option<Value>), String> {
        let path = self.text(&step.path)?;
        // A saved `location` is already an absolute URL.
        let url = if path.starts_with("http://") || path.starts_with("https://") {
            path
        } else {
            format!("{}{}", self.base, path)
        };
        let mut req = ureq::http::Request::builder()
            .method(step.method.as_str())
            .uri(&url)
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Accept", "application/scim+json");
        if let Some(ua) = user_agent {
            req = req.header("User-Agent", ua);
        }
        let result = match &step.body {
            Some(b) => {
                let body = serde_json::to_string(&self.value(b)?).map_err(|e| e.to_string())?;
                let r = req
                    .header("Content-Type", "application/scim+json")
                    .body(body)
                    .map_err(|e| e.to_string())?;
                self.agent.run(r)
            }
            // Sized, not chunked: a server that answers from the head alone
            // then keeps the connection open.
            None if matches!(step.method.as_str(), "POST" | "PUT" | "PATCH") => self
                .agent
                .run(req.body(String::new()).map_err(|e| e.to_string())?),
            None => self.agent.run(req.body(()).map_err(|e| e.to_string())?),
        };
        let mut resp = result.map_err(|e| format!("{} {url}: {e}", step.method))?;
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        let body = if text.trim().is_empty() {
            None
        } else {
            Some(serde_json::from_str(&text).map_err(|_| {
                format!(
                    "the response is not JSON: {}",
                    text.chars().take(200).collect::<String>()
                )
            })?)
        };
        Ok((status, body))
    }

    fn check(&self, c: &Check, body: &Value) -> Result<(), String> {
        let at = body.pointer(&self.text(&c.at)?);
        if let Some(want) = c.exists {
            if at.is_some() != want {
                return Err(format!(
                    "{} should {}exist",
                    c.at,
                    if want { "" } else { "not " }
                ));
            }
        }
        if let Some(want) = &c.equals {
            let want = self.value(want)?;
            if at != Some(&want) {
                return Err(format!(
                    "{} is {}, expected {want}",
                    c.at,
                    at.map_or("missing".to_string(), Value::to_string)
                ));
            }
        }
        if let Some(n) = c.length {
            let len = at.and_then(Value::as_array).map(Vec::len);
            if len != Some(n) {
                return Err(format!(
                    "{} has {} elements, expected {n}",
                    c.at,
                    len.map_or("no".into(), |l| l.to_string())
                ));
            }
        }
        Ok(())
    }

    fn step(&mut self, step: &Step, ua: Option<&str>) -> Result<u16, String> {
        let (status, body) = self.send(step, ua)?;
        if !step.expect.contains(&status) {
            let detail = body
                .as_ref()
                .and_then(|b| b.get("detail"))
                .and_then(Value::as_str)
                .unwrap_or("");
            return Err(format!("expected {:?}, got {status} {detail}", step.expect));
        }
        match &body {
            None if step.if_body => return Ok(status),
            None if !step.checks.is_empty() || !step.save.is_empty() => {
                return Err(format!("{status} without a body"))
            }
            None => return Ok(status),
            Some(b) => {
                for c in &step.checks {
                    self.check(c, b)?;
                }
                for (name, pointer) in &step.save {
                    let p = pointer.as_str().unwrap_or("");
                    let v = b
                        .pointer(p)
                        .ok_or_else(|| format!("nothing at {p} to save as {name}"))?;
                    let s = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                    self.vars.insert(name.clone(), s);
                }
            }
        }
        Ok(status)
    }

    /// Whether the server publishes the schema `id` (`GET /Schemas/{id}`).
    fn has_schema(&self, id: &str) -> Result<bool, String> {
        let step = Step {
            name: String::new(),
            method: "GET".into(),
            path: format!("/Schemas/{id}"),
            body: None,
            expect: vec![200],
            save: Default::default(),
            checks: Vec::new(),
            if_body: false,
        };
        Ok(self.send(&step, None)?.0 == 200)
    }

    /// Runs a scenario, printing one line per step to `out`. A scenario
    /// whose required extension the server does not publish is skipped
    /// (optional) or counted as one failure, with the document to define.
    pub fn run(&mut self, s: &Scenario, out: &mut impl Write) -> Tally {
        let mut tally = Tally::default();
        if let Some((id, doc)) = scenario::required_extension(s) {
            let missing = match self.has_schema(id) {
                Ok(true) => None,
                Ok(false) => Some(format!("this tenant has no schema extension {id}")),
                Err(e) => Some(e),
            };
            if let Some(why) = missing {
                let how = format!(
                    "{why}; define it to replay this scenario: scimd schema add --tenant T --file EXT.json, where EXT.json holds {doc}"
                );
                if s.optional {
                    tally.skipped += 1;
                    let _ = writeln!(out, "SKIP [{}] {}: {how}", s.profile, s.description);
                } else {
                    tally.failed += 1;
                    let _ = writeln!(out, "FAIL [{}] {}: {how}", s.profile, s.description);
                }
                return tally;
            }
        }
        for step in &s.steps {
            let shown = self.text(&step.path).unwrap_or_else(|_| step.path.clone());
            let line = match self.step(step, s.user_agent.as_deref()) {
                Ok(status) => {
                    tally.passed += 1;
                    format!(
                        "PASS [{}] {}: {} {} -> {status}",
                        s.profile, step.name, step.method, shown
                    )
                }
                Err(why) => {
                    tally.failed += 1;
                    format!(
                        "FAIL [{}] {}: {} {}: {why}",
                        s.profile, step.name, step.method, shown
                    )
                }
            };
            let _ = writeln!(out, "{line}");
        }
        tally
    }
}
