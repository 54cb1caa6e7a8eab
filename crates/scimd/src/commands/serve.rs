//! `scimd serve`: binds the listener, bootstraps an empty database, serves
//! the SCIM API, the admin console and API (`/admin`) and `/openapi.json`
//! until SIGINT or SIGTERM, then drains in-flight requests.
//!
//! Stdout carries what a person needs (the base URL, a first token);
//! logs go to stderr. Before it says anything is listening, `serve` has
//! opened the database, loaded the TLS certificate and bound every port it
//! was given: a missing certificate or a taken port ends it with that
//! error and no "listening" line. The operations and admin listeners, metrics beyond
//! HTTP's, systemd readiness and the first token's file: `crate::ops`.
//! Every listener (SCIM, plain-HTTP redirect, operations, admin) is served
//! by `crate::net` under the same connection limits.

use crate::cli::ServeArgs;
use crate::config::{Database, FileConfig, ServeConfig};
use crate::tls::{PlainMode, TlsFiles};
use axum::http::Request;
use axum::ServiceExt;
use scim_http::{app_with, AppState};
use std::io::Write;

fn init_logging(cfg: &ServeConfig) {
    let filter = tracing_subscriber::EnvFilter::try_new(&cfg.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: journald, files and pipes get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let _ = if cfg.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Registers SIGINT and SIGTERM at once (before scimd says it is ready, so
/// that neither ends it undrained) and returns the future that resolves at
/// the first of them.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{signal, SignalKind};
        [
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        ]
    };
    async move {
        #[cfg(unix)]
        {
            async fn recv(s: Option<tokio::signal::unix::Signal>) {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            let [int, term] = signals;
            tokio::select! {
                () = recv(int) => {},
                () = recv(term) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: draining in-flight requests");
    }
}

/// Purges soft-deleted resources, audit entries and events past their
/// retention, at start and then hourly. With several replicas each purges;
/// the deletes are idempotent.
fn spawn_purger(op: scim_service::Operator) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        let (audit_days, event_days) = (
            op.config().audit_retention_days,
            op.config().event_retention_days,
        );
        loop {
            tick.tick().await;
            let maintenance = op.maintenance();
            match maintenance.purge_trash().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "purged soft-deleted resources past retention"),
                Err(e) => tracing::warn!(error = %e, "purging the trash failed"),
            }
            if let Err(e) = maintenance.purge_sessions().await {
                tracing::warn!(error = %e, "purging expired admin sessions failed");
            }
            match maintenance.expire_journal(audit_days, event_days).await {
                Ok((0, 0)) => {}
                Ok((a, e)) => {
                    tracing::info!(audit = a, events = e, "expired audit entries and events")
                }
                Err(e) => tracing::warn!(error = %e, "expiring the audit log failed"),
            }
        }
    });
}

/// Runs the queued recomputations of effective roles (`docs/roles.md`):
/// the command line's mapping changes, and any cut short. Polls every
/// second; a poll with nothing due is one indexed read.
fn spawn_role_refresher(op: scim_service::Operator) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match op.maintenance().role_refreshes(16).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(recomputations = n, "recomputed queued effective roles"),
                Err(e) => tracing::warn!(error = %e, "recomputing effective roles failed"),
            }
        }
    });
}

/// Starts webhook delivery (`docs/events.md`); its metrics join `/metrics`.
fn spawn_webhooks(
    store: std::sync::Arc<dyn scim_store::Store>,
    keys: scim_service::webhook_keys::Keyring,
    cfg: &crate::config::WebhookSettings,
    issuer: &str,
    metrics: &scim_http::metrics::Metrics,
) {
    let counters = std::sync::Arc::new(scim_webhooks::WebhookMetrics::default());
    let worker = scim_webhooks::Worker::new(
        store,
        std::sync::Arc::new(scim_service::SystemClock),
        std::sync::Arc::new(scim_webhooks::HttpTransport::new(
            cfg.timeout,
            cfg.allow_private,
        )),
        scim_webhooks::WorkerConfig {
            poll: cfg.poll,
            lease: cfg.lease,
            backoff: cfg.backoff,
            max_attempts: cfg.max_attempts,
            issuer: issuer.to_string(),
            keys,
            ..scim_webhooks::WorkerConfig::default()
        },
        counters.clone(),
    );
    tracing::info!(owner = worker.owner(), "webhook delivery started");
    worker.spawn();
    metrics.register_collector(counters);
}

pub async fn run(
    db: &Database,
    file: &FileConfig,
    args: &ServeArgs,
    webhook_keys: scim_service::webhook_keys::Keyring,
) -> Result<(), String> {
    let mut cfg = ServeConfig::resolve(args, file);
    cfg.service.webhook_keys = webhook_keys;
    init_logging(&cfg);
    let (store, postgres) = super::open_store(db).await?;
    // The binary alone opens the store, so it alone holds the operator
    // principal; the HTTP layer gets the request-facing service.
    let op = scim_service::Operator::new(store.clone(), cfg.service.clone())
        .map_err(|e| e.to_string())?;
    let service = op.service();
    let tls = match (&cfg.tls_cert, &cfg.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert: cert.into(),
            key: key.into(),
        }),
        (None, None) => None,
        _ => return Err("--tls-cert and --tls-key go together".into()),
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let proxies = scim_http::client::TrustedProxies::parse(&cfg.trusted_proxies)?;
    let mode = PlainMode::parse(&cfg.http_mode)?;
    let redirect = crate::tls::RedirectTarget::new(mode, cfg.public_url.as_deref());
    if cfg.http_listen.is_some() {
        redirect.clone()?;
    }
    // Certificates, then ports: each failure ends `serve` before anything
    // is announced.
    let config = match &tls {
        Some(files) => Some(crate::tls::load(files).await?),
        None => None,
    };
    let listener = std::net::TcpListener::bind(&cfg.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
    let plain = match &cfg.http_listen {
        Some(a) => {
            Some(std::net::TcpListener::bind(a).map_err(|e| format!("cannot listen on {a}: {e}"))?)
        }
        None => None,
    };
    let bound = crate::ops::listeners::bind_all(&cfg)?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let public = cfg
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{addr}"));
    let base = format!("{}/scim/v2", public.trim_end_matches('/'));
    if let Some(issued) = op.bootstrap().await.map_err(|e| e.to_string())? {
        let default = crate::ops::first_token::default_path(db);
        crate::ops::first_token::announce(
            &base,
            &issued.token,
            cfg.first_token_file.as_deref(),
            &default,
        );
    }
    // Webhook secrets stored in clear by an earlier release, or sealed
    // under a key that is no longer the first: sealed with the first now.
    match op.maintenance().seal_webhook_secrets().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(webhooks = n, "webhook secrets sealed with the current key"),
        Err(e) => tracing::error!(error = %e, "sealing webhook secrets failed"),
    }
    if !op.config().webhook_keys.can_seal() {
        tracing::warn!("no webhook key file (--webhook-key-file): webhooks cannot be created");
    }
    let keys = op.config().webhook_keys.clone();
    spawn_role_refresher(op.clone());
    spawn_purger(op);
    // The provisioning log's writer: batches off the request path.
    if let Some(writer) = service.log_writer() {
        tokio::spawn(writer);
    }
    let metrics: std::sync::Arc<scim_http::metrics::Metrics> = Default::default();
    spawn_webhooks(store, keys, &cfg.webhooks, &base, &metrics);
    crate::ops::metrics::register(&metrics, &service, postgres);
    let state = AppState {
        service,
        public_url: cfg.public_url.clone(),
        scheme,
        limits: cfg.http,
        metrics: metrics.clone(),
        proxies: std::sync::Arc::new(proxies),
    };
    let svc = ServiceExt::<Request<hyper::body::Incoming>>::into_make_service_with_connect_info::<
        std::net::SocketAddr,
    >(app_with::<hyper::body::Incoming>(
        state.clone(),
        crate::ops::listeners::scim_listener_extras(&cfg),
    ));
    let mut listeners = crate::net::Listeners::new(cfg.net);
    let (handle, main_conns) = listeners.add("scim");
    let mut lines = Vec::new();
    if let Some(plain) = plain {
        let target = redirect?;
        lines.push(format!(
            "scimd plain HTTP on http://{} ({})",
            plain.local_addr().map_err(|e| e.to_string())?,
            cfg.http_mode
        ));
        let router = axum::Router::new().fallback(move |req: axum::extract::Request| {
            crate::tls::plain(mode, target.clone(), req)
        });
        listeners.spawn("redirect", plain, router.into_make_service());
    }
    lines.extend(crate::ops::listeners::spawn(
        bound,
        &state,
        &public,
        &mut listeners,
    ));
    metrics.register_collector(listeners.metrics());
    let handles = listeners.handles();
    let signal = shutdown_signal();
    tokio::spawn(async move {
        signal.await;
        crate::ops::notify::stopping();
        for h in handles {
            h.graceful_shutdown(Some(std::time::Duration::from_secs(30)));
        }
    });
    if let (Some(config), Some(files)) = (&config, tls) {
        crate::tls::reload_on_sighup(config.clone(), files);
    }
    {
        let mut out = std::io::stdout().lock();
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "scimd listening on {scheme}://{addr}/scim/v2");
        let _ = out.flush();
    }
    tracing::info!(%addr, scheme, "listening");
    crate::ops::notify::ready(&format!("serving {scheme}://{addr}/scim/v2"));
    let served = crate::net::serve(listener, config, svc, &cfg.net, handle, main_conns).await;
    served.map_err(|e| format!("server error: {e}"))
}
