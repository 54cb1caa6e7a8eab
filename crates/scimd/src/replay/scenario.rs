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
//!
//! `requires` names a schema extension (an RFC 7643 §7 document, as
//! `scimd schema add` takes it) that the scenario's requests carry: the
//! custom-attribute scenarios. The runner asks `/Schemas/{id}` first; a
//! tenant without it skips the scenario under `auto` and fails it under
//! `--custom`, printing the document to define.

use serde::Deserialize;
use serde_json::Value;

/// One scenario.
#[derive(Debug, Clone, Deserialize)]
pub struct Scenario {
    pub profile: String,
    pub description: String,
    #[serde(default)]
    pub user_agent: Option<String>,
    /// The schema extension the steps need (custom-attribute scenarios).
    #[serde(default)]
    pub requires: Option<Value>,
    pub steps: Vec<Step>,
    /// Whether a missing `requires` extension skips the scenario rather
    /// than failing it (set by [`built_in`], never by the document).
    #[serde(skip)]
    pub optional: bool,
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

/// The custom-attribute scenarios, by profile: `auto` runs them where
/// their extension is defined, `--custom` requires it.
pub const CUSTOM: &[(&str, &str)] = &[
    ("entra", include_str!("scenarios/entra-custom.json")),
    ("okta", include_str!("scenarios/okta-custom.json")),
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
/// the interop profile's, with the custom-attribute scenarios optional;
/// `custom` adds the profile's custom-attribute scenarios, required.
pub fn built_in(profile: &str, custom: bool) -> Result<Vec<Scenario>, String> {
    let auto = profile.eq_ignore_ascii_case("auto");
    let chosen = |p: &&(&str, &str)| {
        if auto {
            !NOT_AUTO.contains(&p.0)
        } else {
            p.0.eq_ignore_ascii_case(profile)
        }
    };
    let wanted: Vec<&(&str, &str)> = BUILT_IN.iter().filter(chosen).collect();
    if wanted.is_empty() {
        return Err(format!("no replay for profile {profile:?}: use auto, entra, okta, onelogin, jumpcloud, strict or interop"));
    }
    let mut out = wanted
        .into_iter()
        .map(|(_, text)| parse(text))
        .collect::<Result<Vec<_>, _>>()?;
    if auto || custom {
        let extra: Vec<&(&str, &str)> = CUSTOM.iter().filter(chosen).collect();
        if custom && extra.is_empty() {
            return Err(format!(
                "no custom-attribute replay for profile {profile:?}: use entra, okta or auto"
            ));
        }
        for (_, text) in extra {
            let mut s = parse(text)?;
            s.optional = !custom;
            out.push(s);
        }
    }
    Ok(out)
}

/// The `id` of the extension a scenario requires, with its document.
pub fn required_extension(s: &Scenario) -> Option<(&str, &Value)> {
    let doc = s.requires.as_ref()?;
    Some((doc.get("id")?.as_str()?, doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scenarios `built_in(profile, custom)` gives: (profile, optional,
    /// requires an extension).
    fn check(profile: &str, custom: bool, expected: &[(&str, bool, bool)]) {
        let got: Vec<(String, bool, bool)> = built_in(profile, custom)
            .unwrap()
            .iter()
            .map(|s| (s.profile.clone(), s.optional, s.requires.is_some()))
            .collect();
        let want: Vec<(String, bool, bool)> = expected
            .iter()
            .map(|(p, o, r)| (p.to_string(), *o, *r))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn custom_attribute_scenarios_are_optional_under_auto_and_required_on_request() {
        check("entra", false, &[("entra", false, false)]);
        check(
            "entra",
            true,
            &[("entra", false, false), ("entra", false, true)],
        );
        check(
            "okta",
            true,
            &[("okta", false, false), ("okta", false, true)],
        );
        check(
            "auto",
            false,
            &[
                ("entra", false, false),
                ("okta", false, false),
                ("onelogin", false, false),
                ("jumpcloud", false, false),
                ("strict", false, false),
                ("entra", true, true),
                ("okta", true, true),
            ],
        );
        assert!(built_in("onelogin", true).is_err());
        for (_, text) in CUSTOM {
            let s = parse(text).unwrap();
            let (id, doc) = required_extension(&s).unwrap();
            assert!(id.starts_with("urn:"), "{id}");
            assert!(doc["attributes"].is_array());
        }
    }
}
