//! Replay scenarios: the documented request sequence of one identity
//! provider, as data.
//!
//! A scenario is JSON:
//!
//! ```json
//! {"profile": "okta", "description": "…", "user_agent": "Okta SCIM Client 1.0.0",
//!  "steps": [{"name": "…", "method": "POST", "path": "/Users", "body": {…},
//!             "expect": [201], "save": {"user": "/id"},
//!             "checks": [{"at": "/active", "equals": false}]}]}
//! ```
//!
//! `path` and string values in `body` and checks may use placeholders:
//! `{{run}}` (a random tag unique to this run, so that replays never collide
//! with real data), `{{uuid}}` (a fresh random UUID at each use),
//! `{{base}}` (the base URL) and `{{name}}` for any value saved earlier.
//! Checks: `equals`, `exists` (true/false) and `length` at a JSON pointer;
//! `if_body` skips the checks when the server answered without a body
//! (allowed, e.g., for PATCH with 204).

use serde::Deserialize;
use serde_json::Value;

/// One scenario.
#[derive(Debug, Clone, Deserialize)]
pub struct Scenario {
    pub profile: String,
    pub description: String,
    #[serde(default)]
    pub user_agent: Option<String>,
    pub steps: Vec<Step>,
}

/// One request and what its answer must show.
#[derive(Debug, Clone, Deserialize)]
pub struct Step {
    pub name: String,
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub body: Option<Value>,
    /// Acceptable statuses.
    pub expect: Vec<u16>,
    #[serde(default)]
    pub save: serde_json::Map<String, Value>,
    #[serde(default)]
    pub checks: Vec<Check>,
    #[serde(default)]
    pub if_body: bool,
}

/// An assertion on the response body.
#[derive(Debug, Clone, Deserialize)]
pub struct Check {
    /// A JSON pointer (RFC 6901), e.g. `/Resources/0/id`.
    pub at: String,
    #[serde(default)]
    pub equals: Option<Value>,
    #[serde(default)]
    pub exists: Option<bool>,
    #[serde(default)]
    pub length: Option<usize>,
}

/// The built-in scenarios, by profile.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("entra", include_str!("scenarios/entra.json")),
    ("okta", include_str!("scenarios/okta.json")),
    ("onelogin", include_str!("scenarios/onelogin.json")),
    ("jumpcloud", include_str!("scenarios/jumpcloud.json")),
    ("strict", include_str!("scenarios/strict.json")),
    ("interop", include_str!("scenarios/interop.json")),
];

/// Profiles whose scenario `auto` does not run: the interop profile's
/// checks require what the default profile deliberately does otherwise
/// (path-less PATCH, undefined attributes dropped).
const NOT_AUTO: &[&str] = &["interop"];

/// Parses a scenario document.
pub fn parse(text: &str) -> Result<Scenario, String> {
    serde_json::from_str(text).map_err(|e| format!("invalid scenario: {e}"))
}

/// The built-in scenarios for a profile name; `auto` means all of them but
/// the interop profile's.
pub fn built_in(profile: &str) -> Result<Vec<Scenario>, String> {
    let wanted: Vec<&(&str, &str)> = if profile.eq_ignore_ascii_case("auto") {
        BUILT_IN
            .iter()
            .filter(|(p, _)| !NOT_AUTO.contains(p))
            .collect()
    } else {
        BUILT_IN
            .iter()
            .filter(|(p, _)| p.eq_ignore_ascii_case(profile))
            .collect()
    };
    if wanted.is_empty() {
        return Err(format!("no replay for profile {profile:?}: use auto, entra, okta, onelogin, jumpcloud, strict or interop"));
    }
    wanted.into_iter().map(|(_, text)| parse(text)).collect()
}
