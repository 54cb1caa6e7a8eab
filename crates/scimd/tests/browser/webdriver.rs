//! A small W3C WebDriver client over HTTP (ureq) for chromedriver and
//! headless Chromium: sessions, navigation, elements, scripts,
//! screenshots. Waits poll with a deadline; nothing sleeps a fixed time.

use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the browser and its driver are, if installed.
pub fn find() -> Option<(PathBuf, PathBuf)> {
    let which = |names: &[&str]| {
        names.iter().find_map(|n| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|p| p.join(n))
                    .find(|p| p.is_file())
            })
        })
    };
    let browser = std::env::var_os("SCIMD_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| which(&["chromium", "chromium-browser", "google-chrome"]))?;
    let driver = std::env::var_os("SCIMD_CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| which(&["chromedriver"]))?;
    Some((browser, driver))
}

pub struct Driver {
    child: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
}

fn read(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Value {
    match r {
        Ok(mut r) => serde_json::from_str(&r.body_mut().read_to_string().unwrap_or_default())
            .unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

fn post_json(agent: &ureq::Agent, url: &str, body: &Value) -> Value {
    read(
        agent
            .post(url)
            .header("content-type", "application/json")
            .send(body.to_string()),
    )
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

impl Driver {
    /// Starts chromedriver on a free port and a headless browser session.
    pub fn start(browser: &PathBuf, driver: &PathBuf) -> Driver {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        // A port is picked by the OS; another process may take it before
        // chromedriver binds, so a few are tried.
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(driver)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let base = format!("http://127.0.0.1:{port}");
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut ready = false;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                let v = read(agent.get(format!("{base}/status")).call());
                if v["value"]["ready"] == true {
                    ready = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if !ready {
                let _ = child.kill();
                let _ = child.wait();
                continue;
            }
            let caps = json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": browser,
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,900"]
                }
            }}});
            let v = post_json(&agent, &format!("{base}/session"), &caps);
            let session = v["value"]["sessionId"]
                .as_str()
                .unwrap_or_else(|| panic!("no session: {v}"))
                .to_string();
            return Driver {
                child,
                base,
                session,
                agent,
            };
        }
        panic!("chromedriver did not start");
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_cmd(method, path, body)
            .unwrap_or_else(|e| panic!("webdriver {method} {path}: {e}"))
    }

    fn try_cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, Value> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let v = match (method, body) {
            ("GET", _) => read(self.agent.get(&url).call()),
            ("DELETE", _) => read(self.agent.delete(&url).call()),
            (_, b) => post_json(&self.agent, &url, &b.unwrap_or(json!({}))),
        };
        if v["value"]["error"].is_string() {
            return Err(v["value"].clone());
        }
        Ok(v["value"].clone())
    }

    /// Runs an element command on the element matching `css`, finding it
    /// again when the page replaced it in between (a navigation or a
    /// re-render makes the old reference stale).
    fn on_element(&self, css: &str, method: &str, action: &str, body: Option<Value>) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let id = self.find(css);
            match self.try_cmd(method, &format!("/element/{id}{action}"), body.clone()) {
                Ok(v) => return v,
                Err(e) if is_stale(&e) && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("webdriver {method} {css}{action}: {e}"),
            }
        }
    }

    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url})));
    }

    /// The element matching a CSS selector, waiting for it to appear.
    pub fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = format!("{}/session/{}/element", self.base, self.session);
            let v = post_json(
                &self.agent,
                &url,
                &json!({"using": "css selector", "value": css}),
            );
            if let Some(obj) = v["value"].as_object() {
                if let Some(id) = obj
                    .iter()
                    .find(|(k, _)| k.starts_with("element-"))
                    .and_then(|(_, v)| v.as_str())
                {
                    return id.to_string();
                }
            }
            assert!(Instant::now() < deadline, "no element {css}: {v}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// How many elements match a CSS selector now.
    pub fn count(&self, css: &str) -> usize {
        self.cmd(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )
        .as_array()
        .map_or(0, Vec::len)
    }

    pub fn click(&self, css: &str) {
        self.on_element(css, "POST", "/click", Some(json!({})));
    }

    pub fn type_into(&self, css: &str, text: &str) {
        self.on_element(css, "POST", "/clear", Some(json!({})));
        self.on_element(css, "POST", "/value", Some(json!({"text": text})));
    }

    pub fn text(&self, css: &str) -> String {
        self.on_element(css, "GET", "/text", None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// Selects an option of a `<select>` by its value.
    pub fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]"));
    }

    pub fn run(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Waits until the page's text contains `needle`; returns the text.
    pub fn wait_text(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let body = self.text("body");
            if body.contains(needle) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "the page never showed {needle:?}; it shows:\n{body}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Saves a PNG screenshot under `target/screenshots/`.
    pub fn screenshot(&self, name: &str) {
        let b64 = self.cmd("GET", "/screenshot", None);
        let bytes = decode_base64(b64.as_str().unwrap_or(""));
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), bytes).unwrap();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self
            .agent
            .delete(format!("{}/session/{}", self.base, self.session))
            .call();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Whether a WebDriver error says the element left the page: the
/// standard `stale element reference`, or Chromium's inspector error for
/// a node of a document the page has replaced while it was read.
fn is_stale(e: &Value) -> bool {
    let message = e["message"].as_str().unwrap_or("");
    e["error"] == "stale element reference"
        || (e["error"] == "unknown error"
            && (message.contains("does not belong to the document")
                || message.contains("No node with given id")))
}
