//! Every console page rendered with hostile values in every field a
//! client controls (userName, displayName, name, externalId, emails,
//! member and group display, ids, connection and token names, the audit
//! log's path, detail, diff and sent body, webhook URLs and errors,
//! query parameters, the Host the base URL comes from): each value comes
//! out escaped, nothing it carries becomes markup. And the templates
//! themselves: no value marked safe, no inline script or style.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::admins::{AdminRow, AdminsPage};
use super::audit::AuditPage;
use super::breaker::{BreakerPage, PausedView};
use super::connection::{ConnectionPage, TokenPage};
use super::connections::{ConnectionRow, ConnectionsPage, PolicyForm};
use super::directory::{GroupRow, GroupsPage, Pager, UserRow, UsersPage};
use super::login::LoginPage;
use super::resource::{ResourcePage, TimelineView};
use super::seats::SeatsPage;
use super::tenants::{TenantRow, TenantsPage};
use super::trash::{section, TrashPage};
use super::webhooks::{HookRow, WebhookCreatedPage, WebhooksPage};
use super::*;
use scim_core::timestamp::Timestamp;
use scim_service::admin_webhooks::WebhookStatus;
use scim_service::console::{
    AdminKind, AdminView, BreakerState, ConnectionHealth, ConnectionView, ResourceDetail, Timeline,
    TokenState, TokenView,
};
use scim_service::provenance::PROVENANCE_SCHEMA;
use scim_store::memory::MemoryStore;
use scim_store::*;
use serde_json::json;
use std::sync::Arc;

/// A value that breaks out of text, of double- and single-quoted
/// attributes and of URLs, numbered so that each field can be found.
pub(super) fn h(n: u32) -> String {
    format!("<script>alert({n})</script>\"'&<img src=x{n} onerror=alert({n})>")
}

/// How [`h`]`(n)` looks escaped, in part (inside JSON text, its quote
/// is preceded by a backslash).
fn escaped(n: u32) -> String {
    format!("&#60;script&#62;alert({n})&#60;/script&#62;")
}

/// The page holds no markup from a hostile value, and shows each of
/// `shown` escaped.
pub(super) fn check(what: &str, html: &str, shown: &[u32]) {
    for bad in ["<script>alert", "<img src=x", "\"'&<", "onerror=alert(\""] {
        assert!(!html.contains(bad), "{what}: {bad:?} unescaped in {html}");
    }
    for n in shown {
        assert!(
            html.contains(&escaped(*n)) || html.contains(&percent(*n)),
            "{what}: value {n} missing or not escaped once in {html}"
        );
    }
}

/// [`h`]`(n)` as a URL path segment or query value.
fn percent(n: u32) -> String {
    url(&h(n))
}

pub(super) fn at() -> Timestamp {
    Timestamp::from_unix_millis(1_700_000_000_000).unwrap()
}

pub(super) async fn admin() -> scim_service::console::AdminPrincipal {
    let op = scim_service::Operator::new(Arc::new(MemoryStore::new()), Default::default()).unwrap();
    op.system()
        .create_admin("root", "correct horse battery", AdminKind::Super, None)
        .await
        .unwrap();
    op.service()
        .sessions()
        .login("root", "correct horse battery", "127.0.0.1")
        .await
        .unwrap()
        .principal
}

fn connection(name: String) -> Connection {
    Connection {
        id: ConnectionId::from_db(3),
        tenant: TenantId::from_db(1),
        name,
        profile: scim_service::Profile::Auto,
        policy: ConnectionPolicy {
            paused_since: Some(at().unix_millis()),
            ..ConnectionPolicy::default()
        },
        created: at(),
    }
}

fn entries() -> Timeline {
    let sent = AuditEntry {
        at: at().unix_millis(),
        connection: Some(3),
        method: h(16),
        path: h(15),
        status: 200,
        action: h(17),
        resource_type: Some("User".into()),
        resource_id: Some(h(23)),
        sent: Some(json!({"userName": h(21)})),
        diff: json!([{"op": "add", "path": h(18), "old": h(19), "new": h(20)}]),
        ..AuditEntry::default()
    };
    let cut = AuditEntry {
        status: 400,
        action: "refused".into(),
        detail: Some(h(14)),
        sent: Some(json!(h(50))),
        sent_truncated: true,
        admin: Some(h(22)),
        resource_type: Some(h(51)),
        resource_id: Some(h(52)),
        ..AuditEntry::default()
    };
    let record = |seq, entry| AuditRecord {
        seq,
        tenant: TenantId::from_db(1),
        entry,
    };
    Timeline {
        entries: vec![record(2, cut), record(1, sent)],
        connections: [(3, h(24))].into_iter().collect(),
    }
}

#[tokio::test]
async fn every_page_escapes_what_clients_send() {
    let who = admin().await;
    let tenant = h(30);
    let nav = |section| Nav {
        who: &who,
        tenant: Some(&tenant),
        section,
    };
    let csrf = who.csrf().to_string();

    let error = error_page(404, &h(1));
    check("error", &error, &[1]);

    let login = LoginPage {
        layout: Layout::bare("Sign in"),
        error: Some(Note {
            kind: "error",
            text: h(41),
        }),
        username: h(40),
        csrf: csrf.clone(),
    };
    check("login", &login.render().unwrap(), &[40, 41]);

    let t = Tenant {
        id: TenantId::from_db(1),
        name: tenant.clone(),
        created: at(),
        settings: TenantSettings::default(),
        schema_version: 0,
    };
    let tenants = TenantsPage {
        layout: Layout::new("Tenants", &nav("tenants")),
        csrf: csrf.clone(),
        rows: vec![TenantRow::from(&t)],
        can_create: true,
    };
    check("tenants", &tenants.render().unwrap(), &[30]);

    let view = AdminView {
        username: h(42),
        kind: "owner",
        tenant: Some(h(43)),
        created: at(),
        disabled: Some(at()),
    };
    let admins = AdminsPage {
        layout: Layout::new("Admin accounts", &nav("admins")),
        csrf: csrf.clone(),
        rows: vec![AdminRow::of(&who, &view)],
        role: Select::of("role", "Role", &["owner"], "owner"),
        tenant: Select::of("tenant", "Tenant", &[&h(43)], ""),
    };
    check("admins", &admins.render().unwrap(), &[30, 42, 43]);

    let token = TokenRecord {
        id: 7,
        tenant: TenantId::from_db(1),
        connection: ConnectionId::from_db(3),
        name: h(27),
        prefix: h(28),
        hash: vec![0; 32],
        created: at(),
        expires: Some(at()),
        revoked: None,
        last_used: Some(at()),
    };
    let mut refusal = entries().entries.remove(0);
    refusal.entry.detail = Some(h(29));
    let cv = ConnectionView {
        connection: connection(h(25)),
        tokens: vec![TokenView {
            record: token,
            state: TokenState::Active,
        }],
        health: ConnectionHealth {
            last_used: Some(at()),
            breaker: BreakerState::Paused(at()),
            last_error: Some(refusal),
            hour: LogCounts {
                requests: 3,
                errors: 1,
            },
            day: LogCounts::default(),
        },
        undefined: vec![scim_store::UndefinedSeen {
            name: h(56),
            count: 2,
            last_seen: at(),
            example: h(57),
        }],
    };
    let connections = ConnectionsPage {
        layout: Layout::new("Connections", &nav("connections")),
        csrf: csrf.clone(),
        rows: vec![ConnectionRow::of(&tenant, &cv)],
        breaker_href: format!("/admin/t/{}/breaker", url(&tenant)),
        create_action: format!("/admin/t/{}/connections", url(&tenant)),
        form: Some(PolicyForm::of(Some(&cv.connection))),
    };
    check("connections", &connections.render().unwrap(), &[25, 29, 30]);
    let page = ConnectionPage::of(&who, &tenant, &cv);
    check(
        "connection",
        &page.render().unwrap(),
        &[25, 27, 28, 29, 56, 57],
    );

    let issued = TokenPage {
        layout: Layout::new("New token", &nav("connections")),
        back_href: format!("/admin/t/{}/connections/{}", url(&tenant), url(&h(25))),
        connection: h(25),
        base_url: h(45),
        label: h(44),
        token: "scimd_x".into(),
        rotated: Some(3),
    };
    check("token", &issued.render().unwrap(), &[25, 44, 45]);

    let user = json!({
        "id": h(7),
        "userName": h(31), "displayName": h(2), "externalId": h(4),
        "name": {"formatted": h(3)},
        "emails": [{"value": h(5)}],
        "groups": [{"value": h(6), "display": h(8)}],
        PROVENANCE_SCHEMA: {"managed": true, "provisionedBy": h(9), "authProvider": h(10)},
    });
    let group = json!({
        "id": h(11), "displayName": h(12), "externalId": h(13),
        "members": [{"value": h(32), "display": h(33), "type": "User"}],
    });
    let pager = || Pager {
        range: "1–1 of 1".into(),
        prev: Some(format!("/x?q={}", url(&h(34)))),
        next: None,
    };
    let users = UsersPage {
        layout: Layout::new("Users", &nav("users")),
        base: "/admin/t/x/users".into(),
        q: h(34),
        filter: h(35),
        pager: pager(),
        rows: vec![UserRow::of(&tenant, &user)],
    };
    check(
        "users",
        &users.render().unwrap(),
        &[3, 5, 7, 9, 10, 31, 34, 35],
    );
    let groups = GroupsPage {
        layout: Layout::new("Groups", &nav("groups")),
        base: "/admin/t/x/groups".into(),
        q: h(34),
        filter: h(35),
        pager: pager(),
        rows: vec![GroupRow::of(&tenant, &group)],
    };
    check("groups", &groups.render().unwrap(), &[11, 12, 13, 34, 35]);

    let provenance = Provenance {
        managed: true,
        provisioned_by: Some(h(9)),
        auth_provider: h(10),
        ..Provenance::default()
    };
    for (kind, doc, shown) in [
        (
            ResourceKind::User,
            &user,
            &[
                2, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 19, 20, 21, 22, 24, 31, 50,
            ][..],
        ),
        (ResourceKind::Group, &group, &[11, 12, 13, 32, 33][..]),
    ] {
        let d = ResourceDetail {
            kind,
            resource: doc.clone(),
            provenance: provenance.clone(),
            managed_note: Some(h(49)),
            timeline: entries(),
        };
        let id = doc["id"].as_str().unwrap();
        let page = ResourcePage::of(&who, &tenant, id, &d);
        let mut want = shown.to_vec();
        want.push(49);
        check("resource", &page.render().unwrap(), &want);
    }

    let sel = |name, v: u32| Select::of(name, "x", &["", &h(v)], &h(v));
    let audit = AuditPage {
        layout: Layout::new("Audit log", &nav("audit")),
        base: "/admin/t/x/audit".into(),
        connection: sel("connection", 39),
        outcome: sel("outcome", 53),
        since: h(36),
        until: h(37),
        resource_type: sel("resourceType", 54),
        resource_id: h(38),
        timeline: TimelineView::of(&entries(), &tenant, true),
        older: Some(format!("/x?before=1&resourceId={}", url(&h(38)))),
    };
    check(
        "audit",
        &audit.render().unwrap(),
        &[
            14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 36, 37, 38, 39, 50, 51, 52,
        ],
    );

    let seats = SeatsPage {
        layout: Layout::new("Seats", &nav("seats")),
        csrf: csrf.clone(),
        action: format!("/admin/t/{}/settings", url(&tenant)),
        used: 3,
        seat_limit: Some(10),
        high: 9,
        can_change: true,
        retention_days: 30,
        breaker: BreakerPolicy::default(),
    };
    check("seats", &seats.render().unwrap(), &[30]);

    let breaker = BreakerPage {
        layout: Layout::new("Circuit breaker", &nav("breaker")),
        csrf: csrf.clone(),
        can_change: true,
        paused: vec![PausedView {
            name: h(47),
            since: at().to_string(),
            action: format!("/admin/t/{}/breaker/{}", url(&tenant), url(&h(47))),
        }],
    };
    check("breaker", &breaker.render().unwrap(), &[47]);

    let hook = Webhook {
        id: 5,
        tenant: TenantId::from_db(1),
        url: h(46),
        secret: "sealed".into(),
        format: WebhookFormat::Signed,
        full: false,
        created: at(),
        cursor: 0,
        failures: 2,
        last_error: Some(h(48)),
        next_attempt: Some(at()),
        dead: 1,
        allow_private: false,
        disabled: None,
    };
    let webhooks = WebhooksPage {
        layout: Layout::new("Webhooks", &nav("webhooks")),
        csrf: csrf.clone(),
        can_change: true,
        may_allow_private: true,
        create_action: "/admin/t/x/webhooks".into(),
        format: Select::of("format", "Format", &["signed"], "signed"),
        rows: vec![HookRow::of(
            &tenant,
            &WebhookStatus {
                hook: hook.clone(),
                pending: 4,
            },
        )],
    };
    check("webhooks", &webhooks.render().unwrap(), &[30, 46, 48]);
    let created = WebhookCreatedPage {
        layout: Layout::new("New webhook", &nav("webhooks")),
        back_href: "/admin/t/x/webhooks".into(),
        id: 5,
        url: h(46),
        format: "signed",
        secret: "whsec_x".into(),
    };
    check("webhook created", &created.render().unwrap(), &[46]);

    let trashed = Trashed {
        kind: ResourceKind::User,
        id: scim_core::resource::ResourceId::parse("u-1").unwrap(),
        display: Some(h(55)),
        created: at(),
        version: scim_core::resource::Version(1),
        deleted: at(),
        purge_after: at(),
        doc: serde_json::Map::new(),
        provenance: Provenance::default(),
    };
    let trash = TrashPage {
        layout: Layout::new("Trash", &nav("trash")),
        csrf,
        can_change: true,
        sections: vec![section(&tenant, "users", "Users", &[trashed])],
    };
    check("trash", &trash.render().unwrap(), &[30, 55]);
}

#[test]
fn templates_mark_nothing_safe_and_carry_no_inline_script_or_style() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.display();
        for bad in [
            "|safe",
            "| safe",
            "escape=\"none\"",
            "style=",
            "<style",
            " on",
        ] {
            let found = match bad {
                // Event handler attributes (onclick=…), not words like "one".
                " on" => text.match_indices(" on").any(|(i, _)| {
                    text[i + 3..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphabetic())
                        .count()
                        > 0
                        && text[i + 3..]
                            .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                            .starts_with('=')
                }),
                b => text.contains(b),
            };
            assert!(!found, "{name} contains {bad:?}");
        }
        let scripts = text.matches("<script").count();
        let external = text
            .matches(r#"<script src="/admin/assets/console.js" defer></script>"#)
            .count();
        assert_eq!(scripts, external, "{name}: an inline script");
        n += 1;
    }
    assert!(n >= 15, "{n} templates");
}
