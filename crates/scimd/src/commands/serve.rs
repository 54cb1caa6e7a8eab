//! `scimd serve`: binds the listener, bootstraps an empty database, serves
//! the SCIM API until SIGINT or SIGTERM, then drains in-flight requests.
//!
//! Stdout carries what a person needs (the base URL, a first token);
//! logs go to stderr.

use crate::cli::ServeArgs;
use crate::config::{Database, FileConfig, ServeConfig};
use axum::extract::Request;
use axum::ServiceExt;
use scim_http::{app, AppState};
use std::io::Write;
use tokio::net::TcpListener;

fn init_logging(cfg: &ServeConfig) {
    let filter = tracing_subscriber::EnvFilter::try_new(&cfg.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if cfg.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: draining in-flight requests");
}

pub async fn run(db: &Database, file: &FileConfig, args: &ServeArgs) -> Result<(), String> {
    let cfg = ServeConfig::resolve(args, file);
    init_logging(&cfg);
    let service = super::open_with(db, cfg.service.clone())?;
    let listener = TcpListener::bind(&cfg.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let public = cfg
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let base = format!("{}/scim/v2", public.trim_end_matches('/'));
    if let Some(issued) = service.bootstrap().await.map_err(|e| e.to_string())? {
        println!("Created tenant \"default\" in a new database.");
        println!("SCIM base URL: {base}");
        println!("Bearer token (shown once; keep it secret):");
        println!("{}", issued.token);
    }
    println!("scimd listening on http://{addr}/scim/v2");
    let _ = std::io::stdout().flush();
    tracing::info!(%addr, "listening");
    let state = AppState {
        service,
        public_url: cfg.public_url.clone(),
        scheme: "http",
        limits: cfg.http,
        metrics: Default::default(),
    };
    let svc = app(state);
    axum::serve(listener, ServiceExt::<Request>::into_make_service(svc))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))
}
