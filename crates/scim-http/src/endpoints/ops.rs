//! Operations endpoints outside the SCIM API: `GET /healthz` (the process
//! serves), `GET /readyz` (the database answers), `GET /metrics` (Prometheus).

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
    match state.service.store().list_tenants().await {
        Ok(_) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// `GET /metrics`. The circuit breaker gauge is read from the database,
/// so every replica shows a pause until an admin releases it.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut body = state.metrics.render(&[]);
    match state.service.breaker_states().await {
        Ok(states) => breaker_gauge(&states, &mut body),
        Err(e) => tracing::warn!(error = %e, "cannot read the circuit breakers for /metrics"),
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        body,
    )
        .into_response()
}

/// `scimd_breaker_paused{tenant, connection}`: 1 while the mass-deprovisioning
/// circuit breaker pauses the connection, else 0.
fn breaker_gauge(states: &[scim_service::resource::breaker::BreakerState], out: &mut String) {
    use std::fmt::Write;
    let _ = writeln!(
        out,
        "# HELP scimd_breaker_paused 1 while the mass-deprovisioning circuit breaker pauses a connection's deprovisioning, until an admin confirms or rejects."
    );
    let _ = writeln!(out, "# TYPE scimd_breaker_paused gauge");
    let label = |v: &str| {
        v.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    };
    for s in states {
        let _ = writeln!(
            out,
            "scimd_breaker_paused{{tenant=\"{}\",connection=\"{}\"}} {}",
            label(&s.tenant),
            label(&s.connection),
            u8::from(s.paused)
        );
    }
}
