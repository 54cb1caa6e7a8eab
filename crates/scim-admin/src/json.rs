//! The admin API's JSON representations of console views.

use scim_core::timestamp::Timestamp;
use scim_service::admin::IssuedToken;
use scim_service::admin_connections::Seats;
use scim_service::console::{
    AdminPrincipal, ConnectionView, ResourceDetail, SearchPage, TenantView, Timeline,
};
use scim_store::{AuditRecord, Connection, Tenant, TokenRecord};
use serde_json::{json, Value};

fn at_ms(ms: i64) -> Value {
    Timestamp::from_unix_millis(ms).map_or(Value::Null, |t| json!(t.to_string()))
}

fn opt_at(t: Option<Timestamp>) -> Value {
    t.map_or(Value::Null, |t| json!(t.to_string()))
}

pub fn principal(p: &AdminPrincipal) -> Value {
    json!({
        "username": p.username(),
        "role": p.role().name(),
        "superAdmin": p.is_super(),
        "tenant": p.tenant_name(),
        "csrfToken": p.csrf(),
    })
}

pub fn tenant(t: &Tenant) -> Value {
    json!({
        "name": t.name,
        "created": t.created.to_string(),
        "settings": serde_json::to_value(&t.settings).unwrap_or(Value::Null),
    })
}

pub fn seats(s: &Seats) -> Value {
    json!({"used": s.used, "limit": s.limit})
}

pub fn connection(c: &Connection) -> Value {
    json!({
        "name": c.name,
        "profile": c.profile,
        "created": c.created.to_string(),
        "policy": serde_json::to_value(&c.policy).unwrap_or(Value::Null),
        "paused": c.policy.paused_since.is_some(),
        "pausedSince": c.policy.paused_since.map_or(Value::Null, at_ms),
    })
}

pub fn tenant_view(v: &TenantView) -> Value {
    let mut t = tenant(&v.tenant);
    t["seats"] = seats(&v.seats);
    t["connections"] = v.connections.iter().map(connection).collect();
    t
}

pub fn token(t: &TokenRecord) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "prefix": t.prefix,
        "created": t.created.to_string(),
        "expires": opt_at(t.expires),
        "revoked": opt_at(t.revoked),
    })
}

pub fn connection_view(v: &ConnectionView) -> Value {
    let mut c = connection(&v.connection);
    c["undefinedAttributes"] = v
        .undefined
        .iter()
        .map(|u| {
            json!({
                "name": u.name,
                "count": u.count,
                "lastSeen": u.last_seen.to_string(),
                "example": u.example,
            })
        })
        .collect();
    c["tokens"] = v
        .tokens
        .iter()
        .map(|t| {
            let mut j = token(&t.record);
            j["state"] = json!(t.state.name());
            j
        })
        .collect();
    c
}

/// A new token: the secret (shown once) and the base URL the IdP needs.
pub fn issued(i: &IssuedToken, base_url: &str) -> Value {
    let mut t = token(&i.record);
    t["token"] = json!(i.token);
    t["baseUrl"] = json!(base_url);
    t
}

pub fn search(p: &SearchPage) -> Value {
    json!({
        "totalResults": p.total,
        "startIndex": p.start,
        "itemsPerPage": p.items.len(),
        "filter": p.filter,
        "Resources": p.items,
    })
}

pub fn audit_entry(r: &AuditRecord, t: &Timeline) -> Value {
    let e = &r.entry;
    json!({
        "seq": r.seq,
        "at": at_ms(e.at),
        "connection": e.connection.map(|c| t.connections.get(&c).cloned().unwrap_or_else(|| format!("#{c}"))),
        "requestId": e.request_id,
        "method": e.method,
        "path": e.path,
        "profile": e.profile,
        "status": e.status,
        "action": e.action,
        "resourceType": e.resource_type,
        "resourceId": e.resource_id,
        "detail": e.detail,
        "diff": e.diff,
        "sent": e.sent,
        "sentTruncated": e.sent_truncated,
        "admin": e.admin,
    })
}

pub fn timeline(t: &Timeline) -> Value {
    json!({
        "entries": t.entries.iter().map(|r| audit_entry(r, t)).collect::<Vec<_>>(),
        "next": t.entries.last().map(|r| r.seq),
    })
}

pub fn detail(d: &ResourceDetail) -> Value {
    json!({
        "resource": d.resource,
        "managed": d.provenance.managed,
        "managedNote": d.managed_note,
        "authProvider": if d.provenance.auth_provider.is_empty() { "local" } else { d.provenance.auth_provider.as_str() },
        "provisionedBy": d.provenance.provisioned_by,
        "lastSyncedAt": d.provenance.last_synced.map_or(Value::Null, at_ms),
        "lastSyncedBy": d.provenance.last_synced_by(),
        "timeline": timeline(&d.timeline)["entries"],
    })
}
