//! Service settings that shape SCIM behaviour and are advertised in
//! `/ServiceProviderConfig`.

use scim_core::list::ListLimits;

/// Limits of `/Bulk` (RFC 7644 §3.7.4), advertised and enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkLimits {
    pub max_operations: usize,
    pub max_payload_size: usize,
}

impl Default for BulkLimits {
    fn default() -> Self {
        BulkLimits {
            max_operations: 1000,
            max_payload_size: 1_048_576,
        }
    }
}

/// Service-wide SCIM settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceConfig {
    pub list: ListLimits,
    pub bulk: BulkLimits,
    /// Whether group `displayName` must be unique within a tenant (Entra's
    /// validator expects it; RFC 7643 does not require it).
    pub unique_group_names: bool,
    /// Where the documentation lives, for `/ServiceProviderConfig`.
    pub documentation_uri: Option<String>,
    /// Request rate limits per token and per tenant.
    pub rate_limits: crate::ratelimit::RateLimits,
    /// Days audit entries are kept.
    pub audit_retention_days: u32,
    /// Days change events are kept (never before every webhook has them).
    pub event_retention_days: u32,
    /// Hours an admin console session lasts.
    pub session_hours: u32,
    /// Console sign-in attempts per username and per client address.
    pub login_limits: crate::console::limit::LoginLimits,
    /// The keys webhook secrets are sealed with (none: webhooks cannot be
    /// created; secrets stored in clear by earlier releases still open).
    pub webhook_keys: crate::webhook_keys::Keyring,
    /// The bytes one list page may hold (`scim_store::query::record_bytes`):
    /// a page ends after the resource that reaches it, with `itemsPerPage`
    /// saying how many it holds (RFC 7644 §3.4.2.4), at least one.
    pub max_page_bytes: u64,
    /// The longest string (an attribute value, or a key) a request body
    /// may carry, in bytes; longer is a 400 `invalidValue`.
    pub max_value_bytes: usize,
    /// Failed bearer authentications per client address (`auth_limit`).
    pub auth_failures: crate::ratelimit::Rate,
    /// The provisioning log's bounds, and whether it is on.
    pub provisioning_log: crate::provlog::LogSettings,
}

/// Default of [`ServiceConfig::max_page_bytes`]: 4 MiB.
pub const MAX_PAGE_BYTES: u64 = 4 * 1024 * 1024;
/// Default of [`ServiceConfig::max_value_bytes`]: 64 KiB.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            list: ListLimits::default(),
            bulk: BulkLimits::default(),
            unique_group_names: true,
            documentation_uri: None,
            rate_limits: crate::ratelimit::RateLimits::default(),
            audit_retention_days: 365,
            event_retention_days: 30,
            session_hours: 12,
            login_limits: crate::console::limit::LoginLimits::default(),
            webhook_keys: crate::webhook_keys::Keyring::empty(),
            max_page_bytes: MAX_PAGE_BYTES,
            max_value_bytes: MAX_VALUE_BYTES,
            auth_failures: crate::auth_limit::DEFAULT_RATE,
            provisioning_log: crate::provlog::LogSettings::default(),
        }
    }
}
