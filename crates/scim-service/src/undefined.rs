//! Undefined attributes: what a connection sends that its tenant's
//! schemas do not define (`docs/custom-attributes.md`). Whatever the
//! connection's `undefined` policy, every one is counted per connection
//! (name, how often, when last, one redacted example), after the write,
//! so that an admin sees what to define (`TenantReader::connection_view`).

use crate::scim::Scim;
use scim_core::resource::undefined::Undefined;
use serde_json::Value;

/// The longest example kept, in bytes of JSON.
const EXAMPLE_BYTES: usize = 200;

/// A value's shape without its content: each string is its first
/// character and `…`; numbers, booleans and the structure stay.
pub fn redacted_example(v: &Value) -> String {
    fn shape(v: &Value) -> Value {
        match v {
            Value::String(s) => {
                Value::String(s.chars().next().map_or(String::new(), |c| format!("{c}…")))
            }
            Value::Array(items) => Value::Array(items.iter().take(3).map(shape).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .take(10)
                    .map(|(k, v)| (k.clone(), shape(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    let mut text = shape(v).to_string();
    if text.len() > EXAMPLE_BYTES {
        let mut cut = EXAMPLE_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

impl Scim<'_> {
    /// Counts the undefined attributes of this request. Never fails it.
    pub(crate) async fn count_undefined(&self, undefined: &[Undefined]) {
        if undefined.is_empty() {
            return;
        }
        let seen: Vec<(String, String)> = undefined
            .iter()
            .map(|u| {
                (
                    u.name.chars().take(512).collect(),
                    redacted_example(&u.value),
                )
            })
            .collect();
        let at = self.core.clock.now();
        if let Err(e) = self
            .core
            .store
            .note_undefined(self.who.connection(), &seen, at)
            .await
        {
            tracing::warn!(error = %e, "cannot count undefined attributes");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn examples_keep_the_shape() {
        assert_eq!(redacted_example(&json!("secret-value")), "\"s…\"");
        assert_eq!(
            redacted_example(&json!({"a": "xy", "n": 3})),
            "{\"a\":\"x…\",\"n\":3}"
        );
        let many = Value::Array(vec![json!({"k": "v"}); 50]);
        assert!(redacted_example(&many).len() < 60);
        let long: serde_json::Map<String, Value> = (0..10)
            .map(|i| (format!("{i}{}", "k".repeat(40)), json!(true)))
            .collect();
        assert!(redacted_example(&Value::Object(long)).len() <= EXAMPLE_BYTES + 3);
    }
}
