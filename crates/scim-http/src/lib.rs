//! scimd's SCIM 2.0 HTTP API (RFC 7644) on axum.
//!
//! [`app`] builds the service: path normalisation (any case, no trailing
//! slash), then the [`router`] under `/scim/v2`. Handlers live one per file
//! in [`endpoints`]; extractors in [`extract`]; responses and the SCIM error
//! mapping in [`response`].
//!
//! Invariant: handlers hold no business rules, SQL or authorisation logic:
//! they extract, call one service method and map the result. What the
//! service answers is a domain outcome; status codes and headers are made
//! here ([`response`]).

pub mod client;
pub mod endpoints;
pub mod extract;
pub mod hsts;
pub mod metrics;
pub mod normalize;
pub mod observe;
pub mod refusal;
pub mod response;

use axum::routing::{any, get, post, MethodRouter};
use axum::Router;
use endpoints::*;
use scim_service::Service;
use tower::Layer;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    /// The public base URL (e.g. `https://scim.example.com`), when set;
    /// otherwise `scheme://Host` of each request.
    pub public_url: Option<String>,
    /// `http` or `https`, for base URLs built from `Host`.
    pub scheme: &'static str,
    /// Limits of the HTTP layer.
    pub limits: HttpLimits,
    /// Request metrics, shared by every handler.
    pub metrics: std::sync::Arc<metrics::Metrics>,
    /// The proxies whose `X-Forwarded-For` names the client (none by default).
    pub proxies: std::sync::Arc<client::TrustedProxies>,
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

/// One route: its path, the methods it serves (each with a one-line
/// summary), an OpenAPI tag, and its handlers. Routers are built only from
/// these tables, so the OpenAPI document made from them lists exactly the
/// served routes.
pub struct Route {
    pub path: &'static str,
    pub tag: &'static str,
    /// (method, summary) pairs, methods in upper case.
    pub methods: &'static [(&'static str, &'static str)],
    pub handler: MethodRouter<AppState>,
}

impl Route {
    /// A route of `tag`.
    pub fn new(
        tag: &'static str,
        path: &'static str,
        methods: &'static [(&'static str, &'static str)],
        handler: MethodRouter<AppState>,
    ) -> Route {
        Route {
            path,
            tag,
            methods,
            handler,
        }
    }
}

/// Where the SCIM API is served.
pub const SCIM_BASE: &str = "/scim/v2";

/// The SCIM routes under `/scim/v2` (full paths).
pub fn scim_routes() -> Vec<Route> {
    let r = |path, methods, handler| Route::new("SCIM", path, methods, with_405(handler));
    vec![
        r(
            "/scim/v2/ServiceProviderConfig",
            &[("GET", "The service provider's configuration (RFC 7644 §4)")],
            get(service_provider_config::handler),
        ),
        r(
            "/scim/v2/ResourceTypes",
            &[("GET", "The resource types")],
            get(resource_types_list::handler),
        ),
        r(
            "/scim/v2/ResourceTypes/{id}",
            &[("GET", "One resource type")],
            get(resource_type_get::handler),
        ),
        r(
            "/scim/v2/Schemas",
            &[("GET", "The schemas")],
            get(schemas_list::handler),
        ),
        r(
            "/scim/v2/Schemas/{id}",
            &[("GET", "One schema")],
            get(schema_get::handler),
        ),
        r(
            "/scim/v2/Bulk",
            &[("POST", "Several operations in one request (RFC 7644 §3.7)")],
            post(bulk::handler),
        ),
        r(
            "/scim/v2/Events",
            &[("GET", "The change feed: RFC 9967 SETs after a cursor")],
            get(events::handler),
        ),
        r(
            "/scim/v2/.search",
            &[("POST", "Search every resource type")],
            post(search::root),
        ),
        Route::new("SCIM", "/scim/v2/Me", ME_METHODS, any(me::handler)),
        Route::new("SCIM", "/scim/v2/Me/{*rest}", ME_METHODS, any(me::handler)),
        r(
            "/scim/v2/{resource}",
            &[
                ("GET", "List or filter Users or Groups"),
                ("POST", "Create a User or Group"),
            ],
            get(resource_list::handler).post(resource_create::handler),
        ),
        r(
            "/scim/v2/{resource}/.search",
            &[("POST", "Search Users or Groups")],
            post(search::typed),
        ),
        r(
            "/scim/v2/{resource}/{id}",
            &[
                ("GET", "Read a User or Group"),
                ("PUT", "Replace a User or Group"),
                ("PATCH", "Modify a User or Group (RFC 7644 §3.5.2)"),
                ("DELETE", "Delete (or deprovision) a User or Group"),
            ],
            get(resource_get::handler)
                .put(resource_replace::handler)
                .patch(resource_patch::handler)
                .delete(resource_delete::handler),
        ),
    ]
}

const ME_METHODS: &[(&str, &str)] = &[
    ("GET", "/Me is not supported (501)"),
    ("POST", "/Me is not supported (501)"),
    ("PUT", "/Me is not supported (501)"),
    ("PATCH", "/Me is not supported (501)"),
    ("DELETE", "/Me is not supported (501)"),
];

/// The operations routes of the SCIM listener: health and readiness, for
/// load balancers. Metrics are served only by [`ops_app`].
pub fn ops_routes() -> Vec<Route> {
    vec![
        Route::new(
            "Operations",
            "/healthz",
            &[("GET", "Liveness")],
            get(ops::healthz),
        ),
        Route::new(
            "Operations",
            "/readyz",
            &[("GET", "Readiness: the database answers")],
            get(ops::readyz),
        ),
    ]
}

/// The SCIM routes under `/scim/v2` and the operations routes.
pub fn router(state: AppState) -> Router {
    router_with(state, Vec::new())
}

/// [`router`] plus `extra` routes (the admin console and API), under the
/// same observation layer and 404 fallback.
pub fn router_with(state: AppState, extra: Vec<Route>) -> Router {
    // The SCIM routes are nested, so handlers see paths relative to the
    // base URL (`/Users/…`, as the audit log records them).
    let mut scim = Router::new();
    for route in scim_routes() {
        let relative = route.path.strip_prefix(SCIM_BASE).unwrap_or(route.path);
        scim = scim.route(relative, route.handler);
    }
    // Refusals before the service (rate limits, bodies) are audited here.
    let scim = scim.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        refusal::record,
    ));
    let mut r = Router::new().nest(SCIM_BASE, scim);
    for route in ops_routes().into_iter().chain(extra) {
        r = r.route(route.path, route.handler);
    }
    r.fallback(not_allowed::path)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            observe::observe,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            hsts::hsts,
        ))
        .with_state(state)
}

/// The complete HTTP service: path normalisation around the router. `B`
/// is the request body type of the server that runs it.
#[allow(clippy::type_complexity)]
pub fn app<B>(
    state: AppState,
) -> tower::util::MapRequest<Router, fn(axum::http::Request<B>) -> axum::http::Request<B>> {
    app_with(state, Vec::new())
}

/// [`app`] with `extra` routes (see [`router_with`]).
#[allow(clippy::type_complexity)]
pub fn app_with<B>(
    state: AppState,
    extra: Vec<Route>,
) -> tower::util::MapRequest<Router, fn(axum::http::Request<B>) -> axum::http::Request<B>> {
    let layer = tower::util::MapRequestLayer::new(
        normalize::rewrite::<B> as fn(axum::http::Request<B>) -> axum::http::Request<B>,
    );
    layer.layer(router_with(state, extra))
}

/// The operations listener (`--ops-listen`): `/healthz`, `/readyz` and
/// `/metrics`, which names tenants and connections and so is not served on
/// the SCIM listener. Scrapes are neither logged nor counted.
pub fn ops_app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback(not_allowed::path)
        .with_state(state)
}

/// `routes` alone, without the SCIM API, under the same observation
/// layer, fallback and path normalisation as [`app_with`]: the admin
/// console and API on a listener of their own (`--admin-listen`).
#[allow(clippy::type_complexity)]
pub fn app_only<B>(
    state: AppState,
    routes: Vec<Route>,
) -> tower::util::MapRequest<Router, fn(axum::http::Request<B>) -> axum::http::Request<B>> {
    let mut r = Router::new();
    for route in routes {
        r = r.route(route.path, route.handler);
    }
    let router = r
        .fallback(not_allowed::path)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            observe::observe,
        ))
        .with_state(state);
    let layer = tower::util::MapRequestLayer::new(
        normalize::rewrite::<B> as fn(axum::http::Request<B>) -> axum::http::Request<B>,
    );
    layer.layer(router)
}
