//! One file per SCIM endpoint. Each handler extracts the request, calls one
//! service method and maps the result.

pub mod bulk;
pub mod events;
pub mod me;
pub mod not_allowed;
pub mod ops;
pub mod resource_create;
pub mod resource_delete;
pub mod resource_get;
pub mod resource_list;
pub mod resource_patch;
pub mod resource_replace;
pub mod resource_type_get;
pub mod resource_types_list;
pub mod schema_get;
pub mod schemas_list;
pub mod search;
pub mod service_provider_config;

use crate::response::ApiError;
use scim_core::ScimError;
use scim_service::resource::kind_of;
use scim_store::ResourceKind;

/// The resource kind of an endpoint segment (`Users`, `Groups`), or 404.
pub(crate) fn kind(segment: &str) -> Result<ResourceKind, ApiError> {
    segment
        .strip_suffix('s')
        .and_then(kind_of)
        .ok_or_else(|| ApiError(ScimError::NotFound(format!("no endpoint /{segment}"))))
}
