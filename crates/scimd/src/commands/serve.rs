//! `scimd serve`: binds the listener, bootstraps an empty database, serves
//! the SCIM API, the admin console and API (`/admin`) and `/openapi.json`
//! until SIGINT or SIGTERM, then drains in-flight requests.
//!
//! Stdout carries what a person needs (the base URL, a first token);
//! logs go to stderr. `/metrics` adds the webhook gauges and, on
//! PostgreSQL, the connection pool's (`scimd_db_pool_*`).

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

/// Purges soft-deleted resources, audit entries and events past their
/// retention, at start and then hourly. With several replicas each purges;
/// the deletes are idempotent.
fn spawn_purger(service: scim_service::ScimService) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        let (audit_days, event_days) = (
            service.config().audit_retention_days,
            service.config().event_retention_days,
        );
        loop {
            tick.tick().await;
            match service.purge_trash().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "purged soft-deleted resources past retention"),
                Err(e) => tracing::warn!(error = %e, "purging the trash failed"),
            }
            if let Err(e) = service.purge_admin_sessions().await {
                tracing::warn!(error = %e, "purging expired admin sessions failed");
            }
            match service.expire_journal(audit_days, event_days).await {
                Ok((0, 0)) => {}
                Ok((a, e)) => {
                    tracing::info!(audit = a, events = e, "expired audit entries and events")
                }
                Err(e) => tracing::warn!(error = %e, "expiring the audit log failed"),
            }
        }
    });
}

/// Starts webhook delivery (`docs/events.md`); its metrics join `/metrics`.
fn spawn_webhooks(
    service: &scim_service::ScimService,
    cfg: &crate::config::WebhookSettings,
    issuer: &str,
    metrics: &scim_http::metrics::Metrics,
) {
    let counters = std::sync::Arc::new(scim_webhooks::WebhookMetrics::default());
    let worker = scim_webhooks::Worker::new(
        service.store().clone(),
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
            keys: service.config().webhook_keys.clone(),
            ..scim_webhooks::WorkerConfig::default()
        },
        counters.clone(),
    );
    tracing::info!(owner = worker.owner(), "webhook delivery started");
    worker.spawn();
    metrics.add_source(move |out| counters.render(out));
}

/// The PostgreSQL connection pool's gauges, in the Prometheus text format.
fn pool_metrics(s: &scim_store_postgres::PoolStatus, out: &mut String) {
    use std::fmt::Write;
    let gauges = [
        (
            "scimd_db_pool_max_connections",
            "Connections the pool may open (pool_size).",
            s.max_size,
        ),
        (
            "scimd_db_pool_connections",
            "Database connections open (in use or idle).",
            s.size,
        ),
        (
            "scimd_db_pool_available",
            "Idle database connections.",
            s.available,
        ),
        (
            "scimd_db_pool_waiting",
            "Requests waiting for a database connection.",
            s.waiting,
        ),
    ];
    for (name, help, value) in gauges {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        let _ = writeln!(out, "{name} {value}");
    }
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
    let service =
        scim_service::ScimService::new(store, cfg.service.clone()).map_err(|e| e.to_string())?;
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
    let listener = std::net::TcpListener::bind(&cfg.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let public = cfg
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{addr}"));
    let base = format!("{}/scim/v2", public.trim_end_matches('/'));
    if let Some(issued) = service.bootstrap().await.map_err(|e| e.to_string())? {
        println!("Created tenant \"default\" in a new database.");
        println!("SCIM base URL: {base}");
        println!("Bearer token (shown once; keep it secret):");
        println!("{}", issued.token);
    }
    // Webhook secrets stored in clear by an earlier release, or sealed
    // under a key that is no longer the first: sealed with the first now.
    match service.seal_webhook_secrets().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(webhooks = n, "webhook secrets sealed with the current key"),
        Err(e) => tracing::error!(error = %e, "sealing webhook secrets failed"),
    }
    if !service.config().webhook_keys.can_seal() {
        tracing::warn!("no webhook key file (--webhook-key-file): webhooks cannot be created");
    }
    spawn_purger(service.clone());
    let metrics: std::sync::Arc<scim_http::metrics::Metrics> = Default::default();
    spawn_webhooks(&service, &cfg.webhooks, &base, &metrics);
    if let Some(pg) = postgres {
        metrics.add_source(move |out| pool_metrics(&pg.pool_status(), out));
    }
    let trips = service.clone();
    metrics.add_source(move |out| {
        out.push_str("# HELP scimd_breaker_trips_total Mass-deprovisioning circuit breakers this process tripped.\n");
        out.push_str("# TYPE scimd_breaker_trips_total counter\n");
        out.push_str(&format!("scimd_breaker_trips_total {}\n", trips.breaker_trips()));
    });
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
        state,
        scim_admin::routes(),
    ));
    let handle = axum_server::Handle::new();
    let plain_handle = axum_server::Handle::new();
    let shutdown = (handle.clone(), plain_handle.clone());
    tokio::spawn(async move {
        shutdown_signal().await;
        for h in [shutdown.0, shutdown.1] {
            h.graceful_shutdown(Some(std::time::Duration::from_secs(30)));
        }
    });
    let main_conns = crate::net::cap::ConnStats::new("scim", cfg.net.max_connections);
    let mut listeners = vec![main_conns.clone()];
    if let Some(plain_addr) = &cfg.http_listen {
        let target = redirect?;
        let plain = std::net::TcpListener::bind(plain_addr)
            .map_err(|e| format!("cannot listen on {plain_addr}: {e}"))?;
        println!(
            "scimd plain HTTP on http://{} ({})",
            plain.local_addr().map_err(|e| e.to_string())?,
            cfg.http_mode
        );
        let router = axum::Router::new().fallback(move |req: axum::extract::Request| {
            crate::tls::plain(mode, target.clone(), req)
        });
        let conns = crate::net::cap::ConnStats::new("redirect", cfg.net.max_connections);
        listeners.push(conns.clone());
        let net = cfg.net;
        tokio::spawn(async move {
            let make = router.into_make_service();
            if let Err(e) = crate::net::serve(plain, None, make, &net, plain_handle, conns).await {
                tracing::error!(error = %e, "the plain HTTP listener failed");
            }
        });
    }
    metrics.add_source(move |out| crate::net::cap::render(&listeners, out));
    println!("scimd admin console on {public}/admin");
    println!("scimd listening on {scheme}://{addr}/scim/v2");
    let _ = std::io::stdout().flush();
    tracing::info!(%addr, scheme, "listening");
    let config = match tls {
        Some(files) => {
            let config = crate::tls::load(&files).await?;
            crate::tls::reload_on_sighup(config.clone(), files);
            Some(config)
        }
        None => None,
    };
    let served = crate::net::serve(listener, config, svc, &cfg.net, handle, main_conns).await;
    served.map_err(|e| format!("server error: {e}"))
}
