//! Query parameters and bodies shared by the admin API and the console:
//! searches, audit filters, connection forms.

use scim_core::timestamp::Timestamp;
use scim_core::{ScimError, ScimResult};
use scim_http::extract::QueryPairs;
use scim_service::admin_audit::AuditFilter;
use scim_service::console::{ConnectionForm, SearchParams};
use scim_service::provlog_read::LogFilter;
use scim_store::{DeactivatePolicy, DeletePolicy, Ownership, ResourceKind, UndefinedPolicy};
use serde::Deserialize;
use utoipa::ToSchema;

/// The page size when none is asked for.
pub const PAGE: u64 = 25;

fn number<T: std::str::FromStr>(q: &QueryPairs, name: &str) -> ScimResult<Option<T>> {
    q.get(name)
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| ScimError::InvalidValue(format!("{name} must be a number")))
        })
        .transpose()
}

fn time(q: &QueryPairs, name: &str) -> ScimResult<Option<Timestamp>> {
    q.get(name)
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            Timestamp::parse(v).ok_or_else(|| {
                ScimError::InvalidValue(format!(
                    "{name} must be a date and time such as 2026-01-31T12:00:00Z"
                ))
            })
        })
        .transpose()
}

fn text(q: &QueryPairs, name: &str) -> Option<String> {
    q.get(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// `filter`, `q` (quick search), `startIndex`, `count`.
pub fn search(q: &QueryPairs) -> ScimResult<SearchParams> {
    Ok(SearchParams {
        filter: text(q, "filter"),
        quick: text(q, "q"),
        start: number(q, "startIndex")?.unwrap_or(1),
        count: number(q, "count")?.unwrap_or(PAGE),
    })
}

/// `connection`, `since`, `until`, `outcome` (`succeeded` | `refused`),
/// `resourceType` with `resourceId`, `before` (a sequence number), `limit`.
pub fn audit(q: &QueryPairs) -> ScimResult<AuditFilter> {
    let succeeded = match q.get("outcome").unwrap_or("") {
        "" | "any" => None,
        "succeeded" => Some(true),
        "refused" => Some(false),
        other => {
            return Err(ScimError::InvalidValue(format!(
                "unknown outcome {other:?}: use succeeded or refused"
            )))
        }
    };
    let resource = match (text(q, "resourceType"), text(q, "resourceId")) {
        (Some(k), Some(id)) => Some((k.to_lowercase(), id)),
        (None, None) => None,
        _ => {
            return Err(ScimError::InvalidValue(
                "resourceType and resourceId go together".into(),
            ))
        }
    };
    Ok(AuditFilter {
        resource,
        connection: text(q, "connection"),
        since: time(q, "since")?,
        until: time(q, "until")?,
        succeeded,
        before_seq: number(q, "before")?,
        limit: number(q, "limit")?.unwrap_or(50),
    })
}

/// The provisioning log's filters: `connection`, `status` (`4xx` …),
/// `method`, `resource`, `user`, `requestId`, `since`, `until`, `after`,
/// `before`, `limit`.
pub fn log(q: &QueryPairs) -> ScimResult<LogFilter> {
    let status = text(q, "status").filter(|s| s != "any");
    if let Some(s) = &status {
        scim_service::provlog_read::status_class(s)?;
    }
    Ok(LogFilter {
        connection: text(q, "connection"),
        status,
        method: text(q, "method").filter(|s| s != "any"),
        resource: text(q, "resource").filter(|s| s != "any"),
        user: text(q, "user"),
        request_id: text(q, "requestId"),
        since: time(q, "since")?,
        until: time(q, "until")?,
        after: number(q, "after")?,
        before: number(q, "before")?,
        limit: number(q, "limit")?.unwrap_or(100),
    })
}

fn default_profile() -> String {
    "auto".into()
}

fn default_max_tokens() -> u32 {
    3
}

/// `users` or `groups` in a path.
pub fn trash_kind(segment: &str) -> ScimResult<ResourceKind> {
    match segment {
        "users" => Ok(ResourceKind::User),
        "groups" => Ok(ResourceKind::Group),
        other => Err(ScimError::NotFound(format!(
            "no resource type {other:?}: use users or groups"
        ))),
    }
}

/// A connection as the API and the console forms send it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionBody {
    /// 1 to 64 letters, digits, `-`, `_` or `.`.
    pub name: String,
    /// The IdP profile: `auto`, `entra`, `okta`, `onelogin`, `jumpcloud`
    /// or `strict`.
    #[serde(default = "default_profile")]
    pub profile: String,
    #[serde(default)]
    pub deactivate: DeactivatePolicy,
    #[serde(default)]
    pub delete: DeletePolicy,
    #[serde(default)]
    pub ownership: Ownership,
    /// How many live tokens it may hold.
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// `reject`, `drop` or `keep` (a new connection's default: keep).
    #[serde(default)]
    pub undefined: Option<UndefinedPolicy>,
}

impl ConnectionBody {
    pub fn form(self) -> ConnectionForm {
        ConnectionForm {
            name: self.name,
            profile: self.profile,
            deactivate: self.deactivate,
            delete: self.delete,
            ownership: self.ownership,
            max_tokens: self.max_tokens,
            undefined: self.undefined,
        }
    }
}

fn choice<T: for<'de> Deserialize<'de> + Default>(v: Option<&str>) -> ScimResult<T> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(T::default()),
        Some(v) => serde_json::from_value(serde_json::Value::String(v.to_string()))
            .map_err(|_| ScimError::InvalidValue(format!("unknown choice {v:?}"))),
    }
}

/// A connection from console form fields.
pub fn connection_form(f: &crate::session::Form) -> ScimResult<ConnectionForm> {
    Ok(ConnectionForm {
        name: f.text("name"),
        profile: Some(f.text("profile"))
            .filter(|p| !p.is_empty())
            .unwrap_or_else(default_profile),
        deactivate: choice(f.get("deactivate"))?,
        delete: choice(f.get("delete"))?,
        ownership: choice(f.get("ownership"))?,
        undefined: match f.get("undefined").map(str::trim).filter(|v| !v.is_empty()) {
            None => None,
            Some(v) => Some(
                serde_json::from_value(serde_json::Value::String(v.to_string()))
                    .map_err(|_| ScimError::InvalidValue(format!("unknown choice {v:?}")))?,
            ),
        },
        max_tokens: match f.text("max_tokens").as_str() {
            "" => default_max_tokens(),
            n => n
                .parse()
                .map_err(|_| ScimError::InvalidValue("max tokens must be a number".into()))?,
        },
    })
}
