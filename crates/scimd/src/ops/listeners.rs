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

/// Serves the operations endpoints on `addr`; returns the bound address.
pub fn spawn_ops(
    addr: &str,
    state: AppState,
    listeners: &mut Listeners,
) -> Result<SocketAddr, String> {
    let (listener, local) = bind(addr)?;
    let app = scim_http::ops_app(state);
    listeners.spawn("ops", listener, app.into_make_service());
    Ok(local)
}

/// Serves the admin console and API on `addr`; returns the bound address.
pub fn spawn_admin(
    addr: &str,
    state: AppState,
    listeners: &mut Listeners,
) -> Result<SocketAddr, String> {
    let (listener, local) = bind(addr)?;
    let app = scim_http::app_only::<hyper::body::Incoming>(state, scim_admin::routes());
    let svc = ServiceExt::<Request<hyper::body::Incoming>>::into_make_service_with_connect_info::<
        SocketAddr,
    >(app);
    listeners.spawn("admin", listener, svc);
    Ok(local)
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

/// Starts the operations and admin listeners that are configured and
/// says on stdout where the console and the operations endpoints are.
pub fn spawn(
    cfg: &crate::config::ServeConfig,
    state: &AppState,
    public: &str,
    listeners: &mut Listeners,
) -> Result<(), String> {
    use std::io::Write;
    let mut lines = Vec::new();
    if let Some(addr) = &cfg.ops_listen {
        let local = spawn_ops(addr, state.clone(), listeners)?;
        lines.push(format!(
            "scimd operations on http://{local} (/metrics, /healthz, /readyz)"
        ));
    }
    match &cfg.admin_listen {
        Some(addr) => {
            let local = spawn_admin(addr, state.clone(), listeners)?;
            lines.push(format!("scimd admin console on http://{local}/admin"));
        }
        None => lines.push(format!("scimd admin console on {public}/admin")),
    }
    let mut out = std::io::stdout().lock();
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    Ok(())
}
