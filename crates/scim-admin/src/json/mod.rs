//! The admin API's JSON representations: one Rust type per body the API
//! sends, built from the console's views. The handlers serialise these
//! types, and `/openapi.json` describes them (`utoipa::ToSchema`), so the
//! document's schemas are the bodies' own types.
//!
//! - [`tenants`]: the signed-in admin, tenants, seats, connections with
//!   their tokens and health, a new token.
//! - [`directory`]: searches, audit entries, a resource's detail, the trash.
//! - [`manage`]: webhooks, admin accounts, the outcomes of changes, errors.
//! - [`provlog`]: the provisioning log's rows (JSON, JSON lines, CSV).

pub mod directory;
pub mod manage;
pub mod provlog;
pub mod tenants;

pub use directory::*;
pub use manage::*;
pub use provlog::*;
pub use tenants::*;

use scim_core::timestamp::Timestamp;

pub(crate) fn at_ms(ms: i64) -> Option<String> {
    Timestamp::from_unix_millis(ms).map(|t| t.to_string())
}

pub(crate) fn opt_at(t: Option<Timestamp>) -> Option<String> {
    t.map(|t| t.to_string())
}
