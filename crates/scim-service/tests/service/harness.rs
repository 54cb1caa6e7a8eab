//! The service on the memory store, with a manual clock and sequential
//! ids: what every service-level test starts from.
//!
//! [`Harness::new`] bootstraps as `serve` does (tenant `default`, its
//! `default` connection, a token). [`Idp`] is a client of one connection:
//! it calls the SCIM API as an HTTP request would, authenticating its
//! token anew for each call (so it sees the connection's and the tenant's
//! policies as they are now), and addresses resources by the paths of the
//! HTTP API (`POST /Users`, `PATCH /Groups/{id}`, `GET /Users?filter=…`),
//! so cases read like the requests an IdP sends. [`Answer::code`] is the
//! error's status, or for a success the status RFC 7644 gives the outcome.

#![allow(dead_code)] // each area uses a part

use scim_core::project::Projection;
use scim_core::resource::EtagCondition;
use scim_core::{ScimError, ScimResult};
use scim_service::console::{AdminKind, LoginOutcome};
use scim_service::resource::ListSource;
use scim_service::webhook_keys::Keyring;
use scim_service::{
    AdminPrincipal, ManualClock, Operator, Outcome, Preconditions, Principal, RequestCtx,
    Sequential, Service, ServiceConfig, TenantAdmin,
};
use scim_store::memory::MemoryStore;
use scim_store::{ConnectionPolicy, ResourceKind, TenantSettings};
use serde_json::{json, Value};
use std::sync::Arc;

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub const PROVENANCE: &str = "urn:scimd:schemas:extension:provenance:2.0:User";
pub const BASE: &str = "https://scim.test/scim/v2";
/// The password of every admin account the tests make.
pub const PW: &str = "correct horse battery";
/// The manual clock's start: 2023-11-14T22:13:20Z.
pub const START_MS: i64 = 1_700_000_000_000;
pub const DAY_MS: i64 = 86_400_000;

/// A user body.
pub fn user(name: &str, active: bool) -> Value {
    json!({"schemas": [USER], "userName": name, "active": active})
}

/// A group body with members.
pub fn group(name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    json!({"schemas": [GROUP], "displayName": name, "members": members})
}

/// An error's `scimType` (empty when none).
pub fn scim_type(a: &Answer) -> &str {
    a.body["scimType"].as_str().unwrap_or("")
}

/// Asserts an answer's code, showing the body when it differs.
#[track_caller]
pub fn expect(a: &Answer, code: u16, what: &str) {
    assert_eq!(a.code, code, "{what}: {}", a.body);
}

/// A PatchOp body.
pub fn patch(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

/// The PatchOp that deactivates a user.
pub fn deactivate() -> Value {
    patch(json!([{"op": "replace", "path": "active", "value": false}]))
}

/// The service, its operator and the store underneath.
pub struct Harness {
    pub store: Arc<MemoryStore>,
    pub clock: Arc<ManualClock>,
    pub op: Operator,
    pub svc: Service,
    /// The `default` connection of tenant `default`.
    pub idp: Idp,
}

impl Harness {
    /// Tenant `default` with its `default` connection and a token, as on
    /// the first start.
    pub async fn new() -> Harness {
        Harness::with(ServiceConfig::default()).await
    }

    /// [`Harness::new`] with service settings.
    pub async fn with(config: ServiceConfig) -> Harness {
        let mut config = config;
        if !config.webhook_keys.can_seal() {
            let keys = Keyring::generate_file().unwrap();
            config.webhook_keys = Keyring::parse(&keys).unwrap();
        }
        let store = Arc::new(MemoryStore::new());
        let clock = Arc::new(ManualClock::at(START_MS));
        let op = Operator::with(
            store.clone(),
            config,
            clock.clone(),
            Arc::new(Sequential::new("id")),
        )
        .unwrap();
        let issued = op.bootstrap().await.unwrap().unwrap();
        let svc = op.service();
        let idp = Idp::new(&svc, &issued.token);
        Harness {
            store,
            clock,
            op,
            svc,
            idp,
        }
    }

    /// The administration of a tenant, as the command line has it.
    pub async fn tenant(&self, name: &str) -> TenantAdmin<'_> {
        self.op.tenant(name).await.unwrap()
    }

    /// Changes tenant `default`'s settings.
    pub async fn settings(&self, edit: impl FnOnce(&mut TenantSettings)) {
        self.tenant("default")
            .await
            .update_settings(|s| {
                edit(s);
                Ok(())
            })
            .await
            .unwrap();
    }

    /// A new connection of tenant `default` with a profile and policies,
    /// and a client with a token of it.
    pub async fn connection(
        &self,
        name: &str,
        profile: &str,
        edit: impl FnOnce(&mut ConnectionPolicy),
    ) -> Idp {
        let mut policy = ConnectionPolicy::default();
        edit(&mut policy);
        let t = self.tenant("default").await;
        t.create_connection(name, profile, policy).await.unwrap();
        self.token("default", name).await
    }

    /// Changes a connection of tenant `default`.
    pub async fn policy(&self, connection: &str, edit: impl FnOnce(&mut ConnectionPolicy)) {
        self.tenant("default")
            .await
            .update_connection(connection, |c| {
                edit(&mut c.policy);
                Ok(())
            })
            .await
            .unwrap();
    }

    /// A client with a new token of a connection.
    pub async fn token(&self, tenant: &str, connection: &str) -> Idp {
        let t = self.tenant(tenant).await;
        let issued = t.issue_token(Some(connection), "test", None).await.unwrap();
        Idp::new(&self.svc, &issued.token)
    }

    /// Creates an admin account.
    pub async fn admin(&self, username: &str, kind: AdminKind, tenant: Option<&str>) {
        self.op
            .system()
            .create_admin(username, PW, kind, tenant)
            .await
            .unwrap();
    }

    /// Signs an admin in.
    pub async fn login(&self, username: &str) -> LoginOutcome {
        self.svc
            .sessions()
            .login(username, PW, "127.0.0.1")
            .await
            .unwrap()
    }

    /// An admin account and its principal, signed in.
    pub async fn signed_in(
        &self,
        username: &str,
        kind: AdminKind,
        tenant: Option<&str>,
    ) -> AdminPrincipal {
        self.admin(username, kind, tenant).await;
        self.login(username).await.principal
    }

    /// Tenant `default`'s audit entries, newest first, as JSON.
    pub async fn audit(&self) -> Vec<Value> {
        let f = scim_service::admin_audit::AuditFilter {
            limit: 1000,
            ..Default::default()
        };
        self.tenant("default")
            .await
            .audit(&f)
            .await
            .unwrap()
            .into_iter()
            .map(|r| serde_json::to_value(&r.entry).unwrap())
            .collect()
    }

    /// Moves the clock forward.
    pub fn advance(&self, ms: i64) {
        self.clock.advance(ms);
    }
}

/// The audit entry with `action` for the resource `id` (any when `None`).
pub fn audited(entries: &[Value], action: &str, id: Option<&str>) -> Value {
    entries
        .iter()
        .find(|e| e["action"] == action && id.is_none_or(|id| e["resourceId"] == id))
        .unwrap_or_else(|| {
            let seen: Vec<_> = entries
                .iter()
                .map(|e| (&e["action"], &e["resourceId"]))
                .collect();
            panic!("no {action:?} for {id:?} in the audit log: {seen:?}")
        })
        .clone()
}

/// What a call answered.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The error's status, or the status RFC 7644 gives the outcome.
    pub code: u16,
    /// The representation, the list, or the SCIM error body.
    pub body: Value,
    pub outcome: Option<Outcome>,
    pub error: Option<ScimError>,
}

impl Answer {
    fn of(r: ScimResult<Outcome>) -> Answer {
        match r {
            Ok(o) => Answer {
                code: match &o {
                    Outcome::Created(..) => 201,
                    Outcome::Found(..) | Outcome::Replaced(..) | Outcome::Patched(..) => 200,
                    Outcome::NotModified(_) => 304,
                    Outcome::Changed(_) | Outcome::Deleted(..) => 204,
                },
                body: o.body().cloned().unwrap_or(Value::Null),
                outcome: Some(o),
                error: None,
            },
            Err(e) => Answer::error(e),
        }
    }

    fn value(r: ScimResult<Value>) -> Answer {
        match r {
            Ok(body) => Answer {
                code: 200,
                body,
                outcome: None,
                error: None,
            },
            Err(e) => Answer::error(e),
        }
    }

    fn error(e: ScimError) -> Answer {
        Answer {
            code: e.status(),
            body: e.to_body(),
            outcome: None,
            error: Some(e),
        }
    }

    /// The error's detail ("" on success).
    pub fn detail(&self) -> String {
        self.error
            .as_ref()
            .map(|e| e.detail().to_string())
            .unwrap_or_default()
    }

    /// The resource's id.
    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {}", self.body))
            .to_string()
    }

    /// The version's entity tag, when the outcome names one.
    pub fn etag(&self) -> Option<String> {
        self.outcome
            .as_ref()
            .and_then(Outcome::version)
            .map(|v| v.etag())
    }
}

#[path = "idp.rs"]
mod idp;
pub use idp::*;
