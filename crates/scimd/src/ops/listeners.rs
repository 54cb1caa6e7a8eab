//! The listeners `serve` may add beside the SCIM listener, both plain
//! HTTP (put them on loopback or an internal network), each served by
//! `net::serve` under the same connection limits as the SCIM listener:
//!
//! - `--ops-listen ADDR`: `/metrics` (which names tenants and connections,
//!   so it is not served on the SCIM listener), `/healthz` and `/readyz`;
//! - `--admin-listen ADDR`: the admin console and API (`/admin`,
//!   `/admin/api`, `/openapi.json`), which then leave the SCIM listener.

use crate::net::Listeners;
use axum::extract::Request;
use axum::ServiceExt;
use scim_http::AppState;
use std::net::{SocketAddr, TcpListener};

fn bind(addr: &str) -> Result<(TcpListener, SocketAddr), String> {
    let l = TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = l.local_addr().map_err(|e| e.to_string())?;
    Ok((l, local))
}

/// The operations and admin listeners, bound (so that a taken port fails
/// `serve` before it says anything is listening) but not yet served.
pub struct Bound {
    ops: Option<(TcpListener, SocketAddr)>,
    admin: Option<(TcpListener, SocketAddr)>,
}

/// Binds the operations and admin listeners that are configured.
pub fn bind_all(cfg: &crate::config::ServeConfig) -> Result<Bound, String> {
    Ok(Bound {
        ops: cfg.ops_listen.as_deref().map(bind).transpose()?,
        admin: cfg.admin_listen.as_deref().map(bind).transpose()?,
    })
}

/// The routes the SCIM listener serves beside the SCIM API: the admin
/// console and API, unless they have a listener of their own.
pub fn scim_listener_extras(cfg: &crate::config::ServeConfig) -> Vec<scim_http::Route> {
    if cfg.admin_listen.is_some() {
        Vec::new()
    } else {
        scim_admin::routes()
    }
}

/// Serves the bound operations and admin listeners; returns the lines
/// that say where the console and the operations endpoints are.
pub fn spawn(
    bound: Bound,
    state: &AppState,
    public: &str,
    listeners: &mut Listeners,
) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some((listener, local)) = bound.ops {
        let app = scim_http::ops_app(state.clone());
        listeners.spawn("ops", listener, app.into_make_service());
        lines.push(format!(
            "scimd operations on http://{local} (/metrics, /healthz, /readyz)"
        ));
    }
    match bound.admin {
        Some((listener, local)) => {
            let app =
                scim_http::app_only::<hyper::body::Incoming>(state.clone(), scim_admin::routes());
            let svc =
                ServiceExt::<Request<hyper::body::Incoming>>::into_make_service_with_connect_info::<
                    SocketAddr,
                >(app);
            listeners.spawn("admin", listener, svc);
            lines.push(format!("scimd admin console on http://{local}/admin"));
        }
        None => lines.push(format!("scimd admin console on {public}/admin")),
    }
    lines
}
