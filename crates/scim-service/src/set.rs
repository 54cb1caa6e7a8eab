//! Security Event Tokens (RFC 8417) for scimd's change events, in the
//! RFC 9967 provisioning profile (§2.4): `prov:create`, `prov:patch`,
//! `prov:put`, `prov:delete`, `prov:activate`, `prov:deactivate`, with the
//! `full` (the resource in `data`) or `notice` (the changed `attributes`)
//! form for the first three. The `txn` claim is the correlation id of the
//! request that caused the change; `jti` is unique per event and stable, so
//! a receiver can drop duplicates after a redelivery: `scimd-<tenant>-n<n>`
//! with the event's number among its tenant's, which tells nothing of
//! other tenants' activity. A user's `roles` event (`docs/roles.md`) is
//! scimd's [`ROLES_CHANGED`], its payload what was gained and lost in both
//! forms.

use scim_store::{ResourceKind, StoredEvent};
use serde_json::{json, Map, Value};

/// The URN prefix of provisioning events.
pub const PROV: &str = "urn:ietf:params:scim:event:prov:";

/// The event of `scimd webhook test` (not a provisioning event).
pub const TEST_EVENT: &str = "urn:scimd:event:test";

/// Every event URI scimd emits on its SET streams (webhooks and the change
/// feed), advertised in ServiceProviderConfig: the RFC 9967 events and
/// scimd's alert. (The test event is only sent on request.)
pub fn event_uris() -> Vec<String> {
    let mut v = Vec::new();
    for e in ["create", "patch", "put"] {
        v.push(format!("{PROV}{e}:full"));
        v.push(format!("{PROV}{e}:notice"));
    }
    for e in ["delete", "activate", "deactivate"] {
        v.push(format!("{PROV}{e}"));
    }
    v.push(BREAKER_TRIPPED.to_string());
    v.push(ROLES_CHANGED.to_string());
    v
}

/// The `jti` of a stored event: its tenant and its number there.
pub fn jti(e: &StoredEvent) -> String {
    format!("scimd-{}-n{}", e.tenant.db_key(), e.seq)
}

/// The SET of a stored event. `issuer` is the SCIM base URL; `audience`
/// names the receiver (a webhook URL, or the feed).
pub fn security_event(e: &StoredEvent, issuer: &str, audience: &str, full: bool) -> Value {
    let ev = &e.event;
    if ev.event.starts_with("urn:") {
        return alert(e, issuer, audience);
    }
    let with_form = matches!(ev.event.as_str(), "create" | "patch" | "put");
    let roles = ev.event == "roles";
    let payload = if roles {
        ev.data.clone().unwrap_or_else(|| json!({}))
    } else if !with_form {
        json!({})
    } else if full {
        json!({"data": ev.data.clone().unwrap_or_else(|| json!({}))})
    } else {
        json!({"attributes": ev.attributes})
    };
    let uri = match (with_form, full) {
        _ if roles => ROLES_CHANGED.to_string(),
        (false, _) => format!("{PROV}{}", ev.event),
        (true, true) => format!("{PROV}{}:full", ev.event),
        (true, false) => format!("{PROV}{}:notice", ev.event),
    };
    let endpoint = if ev.resource_type == ResourceKind::Group.name() {
        "Groups"
    } else {
        "Users"
    };
    let mut sub = Map::new();
    sub.insert("format".into(), json!("scim"));
    sub.insert(
        "uri".into(),
        json!(format!("/{endpoint}/{}", ev.resource_id)),
    );
    if let Some(x) = &ev.external_id {
        sub.insert("externalId".into(), json!(x));
    }
    let mut events = Map::new();
    events.insert(uri, payload);
    let mut set = json!({
        "jti": jti(e),
        "iat": ev.at / 1000,
        "iss": issuer,
        "aud": [audience],
        "sub_id": Value::Object(sub),
        "events": Value::Object(events),
    });
    if !ev.request_id.is_empty() {
        set["txn"] = json!(ev.request_id);
    }
    set
}

/// The URI of a user's `roles` event: its effective roles changed; the
/// payload is `{"id", "gained", "lost", "effectiveRoles"}` (not an RFC
/// 9967 event).
pub const ROLES_CHANGED: &str = "urn:scimd:event:roles";

/// The URI of scimd's circuit-breaker alert (not an RFC 9967 event).
pub const BREAKER_TRIPPED: &str = "urn:scimd:event:breaker:tripped";

/// A scimd alert event: its URI and data as recorded, about a connection.
fn alert(e: &StoredEvent, issuer: &str, audience: &str) -> Value {
    let ev = &e.event;
    let mut events = Map::new();
    events.insert(
        ev.event.clone(),
        ev.data.clone().unwrap_or_else(|| json!({})),
    );
    json!({
        "jti": jti(e),
        "iat": ev.at / 1000,
        "iss": issuer,
        "aud": [audience],
        "sub_id": {"format": "opaque", "id": format!("{}/{}", ev.resource_type, ev.resource_id)},
        "events": Value::Object(events),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_store::{ChangeEvent, TenantId};

    fn stored(event: &str) -> StoredEvent {
        StoredEvent {
            seq: 42,
            tenant: TenantId::from_db(3),
            event: ChangeEvent {
                event: event.into(),
                resource_type: "User".into(),
                resource_id: "u1".into(),
                external_id: Some("jdoe".into()),
                at: 1_458_496_404_000,
                request_id: "req-1".into(),
                data: Some(json!({"userName": "jdoe", "id": "u1"})),
                attributes: vec!["userName".into()],
            },
        }
    }

    #[test]
    fn full_and_notice_forms() {
        let full = security_event(
            &stored("create"),
            "https://scim.example.com/scim/v2",
            "https://hook",
            true,
        );
        assert_eq!(
            full,
            json!({
                "jti": "scimd-3-n42", "iat": 1_458_496_404, "iss": "https://scim.example.com/scim/v2",
                "aud": ["https://hook"], "txn": "req-1",
                "sub_id": {"format": "scim", "uri": "/Users/u1", "externalId": "jdoe"},
                "events": {"urn:ietf:params:scim:event:prov:create:full": {"data": {"userName": "jdoe", "id": "u1"}}}
            })
        );
        let notice = security_event(&stored("patch"), "i", "a", false);
        assert_eq!(
            notice["events"]["urn:ietf:params:scim:event:prov:patch:notice"],
            json!({"attributes": ["userName"]})
        );
        let off = security_event(&stored("deactivate"), "i", "a", true);
        assert_eq!(
            off["events"]["urn:ietf:params:scim:event:prov:deactivate"],
            json!({})
        );
        let mut roles = stored("roles");
        roles.event.data = Some(json!({"id": "u1", "gained": [], "lost": ["dev"]}));
        let roles = security_event(&roles, "i", "a", false);
        assert_eq!(
            roles["events"][ROLES_CHANGED],
            json!({"id": "u1", "gained": [], "lost": ["dev"]})
        );
        assert_eq!(roles["sub_id"]["uri"], "/Users/u1");
        assert_eq!(event_uris().len(), 11);
        assert!(event_uris().contains(&BREAKER_TRIPPED.to_string()));
    }
}
