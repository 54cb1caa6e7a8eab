//! scimd's SCIM 2.0 HTTP API (RFC 7644) on axum.
//!
//! [`app`] builds the service: path normalisation (any case, no trailing
//! slash), then the [`router`] under `/scim/v2`. Handlers live one per file
//! in [`endpoints`]; extractors in [`extract`]; responses and the SCIM error
//! mapping in [`response`].
//!
//! Invariant: handlers hold no business rules, SQL or authorisation logic:
//! they extract, call one `ScimService` method and map the result.

pub mod endpoints;
pub mod extract;
pub mod metrics;
pub mod normalize;
pub mod observe;
pub mod response;

use axum::routing::{any, get, post, MethodRouter};
use axum::Router;
use endpoints::*;
use scim_service::ScimService;
use tower::Layer;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub service: ScimService,
    /// The public base URL (e.g. `https://scim.example.com`), when set;
    /// otherwise `scheme://Host` of each request.
    pub public_url: Option<String>,
    /// `http` or `https`, for base URLs built from `Host`.
    pub scheme: &'static str,
    /// Limits of the HTTP layer.
    pub limits: HttpLimits,
    /// Request metrics, shared by every handler.
    pub metrics: std::sync::Arc<metrics::Metrics>,
}

/// Limits of the HTTP layer.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// The largest request body, in bytes (Bulk may use up to its own
    /// advertised `maxPayloadSize`).
    pub max_body: usize,
    /// The longest a request may take before it is abandoned with 503.
    pub request_timeout: std::time::Duration,
    /// The largest request head (request line and headers), in bytes.
    pub max_header_bytes: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            max_body: 1024 * 1024,
            request_timeout: std::time::Duration::from_secs(30),
            max_header_bytes: 32 * 1024,
        }
    }
}

fn with_405(r: MethodRouter<AppState>) -> MethodRouter<AppState> {
    r.fallback(not_allowed::method)
}

/// The SCIM routes under `/scim/v2`.
pub fn router(state: AppState) -> Router {
    let scim = Router::new()
        .route(
            "/ServiceProviderConfig",
            with_405(get(service_provider_config::handler)),
        )
        .route(
            "/ResourceTypes",
            with_405(get(resource_types_list::handler)),
        )
        .route(
            "/ResourceTypes/{id}",
            with_405(get(resource_type_get::handler)),
        )
        .route("/Schemas", with_405(get(schemas_list::handler)))
        .route("/Schemas/{id}", with_405(get(schema_get::handler)))
        .route("/Bulk", with_405(post(bulk::handler)))
        .route("/Events", with_405(get(events::handler)))
        .route("/.search", with_405(post(search::root)))
        .route("/Me", any(me::handler))
        .route("/Me/{*rest}", any(me::handler))
        .route(
            "/{resource}",
            with_405(get(resource_list::handler).post(resource_create::handler)),
        )
        .route("/{resource}/.search", with_405(post(search::typed)))
        .route(
            "/{resource}/{id}",
            with_405(
                get(resource_get::handler)
                    .put(resource_replace::handler)
                    .patch(resource_patch::handler)
                    .delete(resource_delete::handler),
            ),
        );
    Router::new()
        .nest("/scim/v2", scim)
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback(not_allowed::path)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            observe::observe,
        ))
        .with_state(state)
}

/// The complete HTTP service: path normalisation around the router. `B`
/// is the request body type of the server that runs it.
#[allow(clippy::type_complexity)]
pub fn app<B>(
    state: AppState,
) -> tower::util::MapRequest<Router, fn(axum::http::Request<B>) -> axum::http::Request<B>> {
    let layer = tower::util::MapRequestLayer::new(
        normalize::rewrite::<B> as fn(axum::http::Request<B>) -> axum::http::Request<B>,
    );
    layer.layer(router(state))
}
