//! Scrubbing audit entries written before secrets were redacted by
//! schema: the SQL backends' scrub migration reads every entry that might
//! hold a secret and writes back what [`scrub_entry`] returns.
//!
//! Before, redaction looked at key names only, so a PATCH `{"op":
//! "replace", "path": "password", "value": …}` (and its value-object,
//! URN-prefixed, Bulk and refused forms) kept the value in the entry's
//! `sent`. Entries of that time were written under the built-in schemas
//! (no tenant-defined schema existed), so [`secrets`] are theirs.

use crate::error::{StoreError, StoreResult};
use scim_core::redact::{Secrets, REDACTED};
use scim_core::schema::SchemaRegistry;
use serde_json::Value;

/// The secrets of the built-in schemas (everything, should they fail to
/// load: then every candidate entry loses its `sent`).
pub fn secrets() -> Secrets {
    match SchemaRegistry::builtin() {
        Ok(r) => Secrets::of(&r),
        Err(_) => Secrets::everything(),
    }
}

/// The names to pre-select candidate rows by (case-insensitive substring
/// of the entry or `sent` text): an entry that names none of them holds no
/// secret, since stored JSON text never escapes ASCII letters.
pub fn candidate_names(secrets: &Secrets) -> Vec<String> {
    secrets.names()
}

/// The scrubbed texts of an audit row (`entry` column, `sent` column), or
/// `None` when it holds no secret. A `sent` that was cut (not JSON) and
/// names a secret attribute cannot be redacted piecewise: it becomes
/// `[redacted]…`, still a cut body.
pub fn scrub_entry(
    secrets: &Secrets,
    entry: &str,
    sent: Option<&str>,
) -> StoreResult<Option<(String, Option<String>)>> {
    let bad = |e: serde_json::Error| StoreError::Backend(format!("bad audit entry: {e}"));
    let mut removed = Vec::new();
    let mut changed = false;
    let new_sent = sent.map(|t| match serde_json::from_str::<Value>(t) {
        Ok(v) => {
            let (r, gone) = secrets.redact_body(&v);
            removed = gone;
            if r == v {
                t.to_string()
            } else {
                changed = true;
                r.to_string()
            }
        }
        Err(_) => {
            let lower = t.to_ascii_lowercase();
            if candidate_names(secrets)
                .iter()
                .any(|n| lower.contains(n.as_str()))
            {
                changed = true;
                format!("{REDACTED}…")
            } else {
                t.to_string()
            }
        }
    });
    let old: Value = serde_json::from_str(entry).map_err(bad)?;
    let mut value = old.clone();
    if let Some(m) = value.as_object_mut() {
        if let Some(d) = m.get("diff") {
            let d = secrets.redact_diff(d);
            m.insert("diff".into(), d);
        }
        if let Some(s) = m.get("sent") {
            let (r, gone) = secrets.redact_body(s);
            removed.extend(gone);
            m.insert("sent".into(), r);
        }
        if let Some(Value::String(detail)) = m.get("detail") {
            let mut d = detail.clone();
            for v in removed.iter().filter(|v| v.chars().count() >= 4) {
                d = d.replace(v.as_str(), REDACTED);
            }
            m.insert("detail".into(), Value::String(d));
        }
    }
    if value == old && !changed {
        return Ok(None);
    }
    let entry = if value == old {
        entry.to_string()
    } else {
        value.to_string()
    };
    Ok(Some((entry, new_sent)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn old_entries_lose_their_secrets_and_nothing_else() {
        let s = secrets();
        let sent =
            json!({"Operations": [{"op": "Replace", "path": "PASSWORD", "value": "Hunter2-old"}]});
        let entry = json!({"action": "refused", "detail": "no: Hunter2-old", "diff": [
            {"op": "replace", "path": "password", "old": "a", "new": "b"},
            {"op": "replace", "path": "title", "old": "c", "new": "d"}]});
        let (e, t) = scrub_entry(&s, &entry.to_string(), Some(&sent.to_string()))
            .unwrap()
            .unwrap();
        assert!(!e.contains("Hunter2") && !t.as_deref().unwrap().contains("Hunter2"));
        let e: Value = serde_json::from_str(&e).unwrap();
        assert_eq!(e["diff"][0]["old"], REDACTED);
        assert_eq!(e["diff"][1]["old"], "c");
        assert_eq!(e["detail"], "no: [redacted]");
        // A cut body naming a secret attribute goes whole.
        let cut = "{\"Operations\":[{\"op\":\"add\",\"path\":\"password\",\"value\":\"Hunt…";
        let (_, t) = scrub_entry(&s, "{}", Some(cut)).unwrap().unwrap();
        assert_eq!(t.as_deref(), Some("[redacted]…"));
        // Nothing secret: nothing to write.
        let plain = json!({"userName": "a"}).to_string();
        assert!(scrub_entry(&s, "{\"action\":\"create\"}", Some(&plain))
            .unwrap()
            .is_none());
        assert!(scrub_entry(&s, "{}", Some("{\"userName\":\"a…"))
            .unwrap()
            .is_none());
        assert_eq!(candidate_names(&s), ["password"]);
    }
}
