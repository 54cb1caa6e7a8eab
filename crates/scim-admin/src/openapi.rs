//! `GET /openapi.json`: an OpenAPI 3.1 document of every route scimd
//! serves (the SCIM API, the admin API, the console pages, operations),
//! made from the route tables the routers are built from, so it cannot
//! list a route that is not served or miss one that is (`tests/openapi.rs`
//! checks both against the real router).

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use scim_http::Route;
use serde_json::{json, Map, Value};

/// The (path, method) pairs of routes, methods in upper case.
pub fn operations(routes: &[Route]) -> Vec<(String, String)> {
    routes
        .iter()
        .flat_map(|r| {
            r.methods
                .iter()
                .map(|(m, _)| (r.path.to_string(), m.to_string()))
        })
        .collect()
}

fn parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            let name = name.trim_start_matches('*');
            json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}})
        })
        .collect()
}

fn operation(route: &Route, method: &str, summary: &str) -> Value {
    let (security, content) = match route.tag {
        "SCIM" => (json!([{"bearer": []}]), "application/scim+json"),
        "Admin API" if route.path == "/admin/api/login" => (json!([]), "application/json"),
        "Admin API" => (json!([{"session": [], "csrf": []}]), "application/json"),
        "Console" => (json!([{"session": []}]), "text/html"),
        _ => (json!([]), "application/json"),
    };
    let mut op = json!({
        "tags": [route.tag],
        "summary": summary,
        "operationId": format!("{} {}", method, route.path),
        "parameters": parameters(route.path),
        "security": security,
        "responses": {
            "default": {"description": "the response", "content": {content: {}}},
        },
    });
    if matches!(method, "POST" | "PUT" | "PATCH") && route.tag != "Console" {
        op["requestBody"] = json!({"content": {content: {"schema": {"type": "object"}}}});
    }
    op
}

/// The document for `routes`.
pub fn document(routes: &[Route]) -> Value {
    let mut paths = Map::new();
    for route in routes {
        let item = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        for (method, summary) in route.methods {
            item[method.to_lowercase()] = operation(route, method, summary);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "scimd",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A SCIM 2.0 server (RFC 7643, RFC 7644) and its admin API. SCIM calls authenticate with a connection's bearer token; admin API calls with the session cookie from POST /admin/api/login, and changes also with the session's CSRF token in X-CSRF-Token.",
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": scim_service::console::SESSION_COOKIE},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            }
        },
        "paths": paths,
    })
}

/// Every route of the served application.
pub fn all_routes() -> Vec<Route> {
    let mut all = scim_http::scim_routes();
    all.extend(scim_http::ops_routes());
    all.extend(crate::routes());
    all
}

/// `GET /openapi.json`.
pub async fn handler() -> Response {
    let doc = document(&all_routes());
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        doc.to_string(),
    )
        .into_response()
}
