//! Operations endpoints outside the SCIM API: `GET /healthz` (the process
//! serves), `GET /readyz` (the database answers), `GET /metrics` (Prometheus; served on the
//! operations listener only).

use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// `GET /healthz`: liveness.
pub async fn healthz() -> Response {
    (StatusCode::OK, "ok\n").into_response()
}

/// `GET /readyz`: readiness: the store answers a query.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.service.status().ready().await {
        Ok(_) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// `GET /metrics` (operations listener only: it names tenants and
/// connections). The circuit breaker gauge is read from the database, so
/// every replica shows a pause until an admin releases it.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut scrape = prometheus_client::registry::Registry::default();
    match state.service.status().breaker_states().await {
        Ok(states) => breaker_gauge(&states, &mut scrape),
        Err(e) => tracing::warn!(error = %e, "cannot read the circuit breakers for /metrics"),
    }
    let body = state.metrics.render(Some(&scrape));
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        body,
    )
        .into_response()
}

/// `scimd_breaker_paused{tenant, connection}`: 1 while the mass-deprovisioning
/// circuit breaker pauses the connection, else 0.
fn breaker_gauge(
    states: &[scim_service::resource::breaker::BreakerState],
    registry: &mut prometheus_client::registry::Registry,
) {
    use prometheus_client::metrics::{family::Family, gauge::Gauge};
    let family = Family::<[(&'static str, String); 2], Gauge>::default();
    for s in states {
        family
            .get_or_create(&[
                ("tenant", s.tenant.clone()),
                ("connection", s.connection.clone()),
            ])
            .set(i64::from(s.paused));
    }
    registry.register(
        "scimd_breaker_paused",
        "1 while the mass-deprovisioning circuit breaker pauses a connection's deprovisioning, until an admin confirms or rejects",
        family,
    );
}
