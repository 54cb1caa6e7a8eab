//! `scimd import --tenant T FILE`: loads local accounts (not managed by any
//! connection) from CSV or JSON, with a progress bar on stderr. Every row
//! is accounted for: created, skipped (its userName is taken) or failed
//! (with its row number and reason). A fatal error stops the import with
//! the row it stopped at; re-running it skips what was already imported.
//!
//! - CSV: a header with any of `userName,email,givenName,familyName,
//!   externalId,active,authProvider,displayName`.
//! - JSON: an array of SCIM User representations, or one per line.

use crate::cli::ImportArgs;
use crate::output::outln;
use scim_service::admin_users::Imported;
use scim_service::Operator;
use serde_json::{json, Map, Value};
use std::io::{IsTerminal, Write};

/// One row to import: its number (1-based, data rows) and a SCIM body, or why it is unreadable.
type Row = (usize, Result<(Value, Option<String>), String>);

fn csv_rows(text: &str) -> Result<Vec<Row>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("cannot read the CSV header: {e}"))?
        .clone();
    if !headers.iter().any(|h| h.eq_ignore_ascii_case("userName")) {
        return Err("the CSV header needs a userName column".into());
    }
    Ok(reader
        .records()
        .enumerate()
        .map(|(i, rec)| {
            let row = rec.map_err(|e| e.to_string()).and_then(|rec| {
                let mut fields = Map::new();
                for (h, v) in headers.iter().zip(rec.iter()) {
                    if !v.is_empty() {
                        fields.insert(h.to_ascii_lowercase(), Value::String(v.to_string()));
                    }
                }
                csv_user(&fields)
            });
            (i + 1, row)
        })
        .collect())
}

fn csv_user(f: &Map<String, Value>) -> Result<(Value, Option<String>), String> {
    let get = |k: &str| f.get(k).and_then(Value::as_str).map(str::to_string);
    let user_name = get("username").ok_or("userName is empty")?;
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
    });
    if let Some(e) = get("email") {
        body["emails"] = json!([{"value": e, "type": "work", "primary": true}]);
    }
    if get("givenname").is_some() || get("familyname").is_some() {
        body["name"] = json!({"givenName": get("givenname"), "familyName": get("familyname")});
    }
    if let Some(x) = get("externalid") {
        body["externalId"] = json!(x);
    }
    if let Some(d) = get("displayname") {
        body["displayName"] = json!(d);
    }
    if let Some(a) = get("active") {
        let active = match a.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            _ => return Err(format!("active must be true or false, not {a:?}")),
        };
        body["active"] = json!(active);
    }
    Ok((body, get("authprovider")))
}

fn json_rows(text: &str) -> Result<Vec<Row>, String> {
    let trimmed = text.trim_start();
    let items: Vec<Result<Value, String>> = if trimmed.starts_with('[') {
        match serde_json::from_str::<Vec<Value>>(trimmed) {
            Ok(v) => v.into_iter().map(Ok).collect(),
            Err(e) => return Err(format!("the JSON array is malformed: {e}")),
        }
    } else {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).map_err(|e| format!("malformed JSON: {e}")))
            .collect()
    };
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let row = v.and_then(|v| {
                if !v.is_object() {
                    return Err("each entry must be a JSON object".to_string());
                }
                let provider = v
                    .get("authProvider")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let mut body = v;
                if let Some(m) = body.as_object_mut() {
                    m.remove("authProvider");
                    m.remove("id");
                }
                Ok((body, provider))
            });
            (i + 1, row)
        })
        .collect())
}

struct Progress {
    total: usize,
    tty: bool,
    last: usize,
}

impl Progress {
    fn show(&mut self, done: usize, created: usize, skipped: usize, failed: usize) {
        let step = (self.total / 100).max(1);
        if done != self.total && done < self.last + step {
            return;
        }
        self.last = done;
        let width = 30;
        let filled = (done * width).checked_div(self.total).unwrap_or(width);
        let bar = format!("{}{}", "#".repeat(filled), ".".repeat(width - filled));
        let line = format!(
            "[{bar}] {done}/{} created {created} skipped {skipped} failed {failed}",
            self.total
        );
        let mut err = std::io::stderr();
        if self.tty {
            let _ = write!(err, "\r{line}");
            if done == self.total {
                let _ = writeln!(err);
            }
        } else if done == self.total || done.is_multiple_of(step * 10) {
            let _ = writeln!(err, "{line}");
        }
    }
}

pub async fn run(op: &Operator, args: &ImportArgs) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let is_json = args
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("jsonl"))
        || text.trim_start().starts_with(['[', '{']);
    let rows = if is_json {
        json_rows(&text)?
    } else {
        csv_rows(&text)?
    };
    let tenant = op
        .tenant(&args.tenant)
        .await
        .map_err(|e| e.detail().to_string())?;
    let mut progress = Progress {
        total: rows.len(),
        tty: std::io::stderr().is_terminal(),
        last: 0,
    };
    let (mut created, mut skipped, mut failed) = (0, 0, 0);
    let total = rows.len();
    for (done, (n, row)) in rows.into_iter().enumerate() {
        let outcome = match row {
            Err(why) => Err(why),
            Ok((body, provider)) => {
                let provider = provider.or_else(|| args.auth_provider.clone());
                match tenant.import_user(&body, provider.as_deref()).await {
                    Ok(o) => Ok(o),
                    Err(e) if e.status() >= 500 => {
                        return Err(format!(
                            "stopped at row {n} of {total}: {}; rows before it were processed ({created} created, {skipped} skipped, {failed} failed); re-running skips accounts already imported",
                            e.detail()
                        ));
                    }
                    Err(e) => Err(e.detail().to_string()),
                }
            }
        };
        match outcome {
            Ok(Imported::Created(_)) => created += 1,
            Ok(Imported::Skipped(why)) => {
                skipped += 1;
                eprintln!("row {n}: skipped: {why}");
            }
            Err(why) => {
                failed += 1;
                eprintln!("row {n}: failed: {why}");
            }
        }
        progress.show(done + 1, created, skipped, failed);
    }
    outln!("imported {total} rows: {created} created, {skipped} skipped, {failed} failed");
    Ok(())
}
