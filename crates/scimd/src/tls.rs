//! TLS termination with rustls (TLS 1.2 and 1.3 only; rustls has no older
//! versions): certificate and key from PEM files, reloaded on SIGHUP without
//! dropping connections. An optional plain-HTTP listener redirects clients
//! to HTTPS (308) or refuses them (403 with a SCIM error).

use axum::extract::Request;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum_server::tls_rustls::RustlsConfig;
use std::path::PathBuf;

/// Where the certificate and key live.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// What the plain-HTTP listener does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainMode {
    Redirect,
    Refuse,
}

impl PlainMode {
    pub fn parse(s: &str) -> Result<PlainMode, String> {
        match s {
            "redirect" => Ok(PlainMode::Redirect),
            "refuse" => Ok(PlainMode::Refuse),
            other => Err(format!(
                "--http-mode must be redirect or refuse, not {other:?}"
            )),
        }
    }
}

/// Loads the certificate and key.
pub async fn load(files: &TlsFiles) -> Result<RustlsConfig, String> {
    // With the no-provider build of axum-server, rustls needs one chosen once.
    let _ = rustls::crypto::ring::default_provider().install_default();
    RustlsConfig::from_pem_file(&files.cert, &files.key)
        .await
        .map_err(|e| {
            format!(
                "cannot load TLS certificate {} and key {}: {e}",
                files.cert.display(),
                files.key.display()
            )
        })
}

/// Reloads the certificate and key on every SIGHUP; a failed reload keeps
/// the current ones and is logged.
pub fn reload_on_sighup(config: RustlsConfig, files: TlsFiles) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            tracing::warn!("cannot listen for SIGHUP: TLS certificates will not be reloaded");
            return;
        };
        while hup.recv().await.is_some() {
            match config.reload_from_pem_file(&files.cert, &files.key).await {
                Ok(()) => tracing::info!(cert = %files.cert.display(), "TLS certificate reloaded"),
                Err(e) => {
                    tracing::error!(error = %e, "TLS certificate reload failed; keeping the current one")
                }
            }
        }
    });
    #[cfg(not(unix))]
    let _ = (config, files);
}

/// The handler of the plain-HTTP listener.
pub async fn plain(mode: PlainMode, https_port: u16, req: Request) -> Response {
    match mode {
        PlainMode::Refuse => {
            let e = scim_core::ScimError::Forbidden("this server accepts HTTPS only".into());
            let body = e.to_body().to_string();
            (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_TYPE, "application/scim+json")],
                body,
            )
                .into_response()
        }
        PlainMode::Redirect => {
            let host = req
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(|h| h.rsplit_once(':').map_or(h, |(name, _)| name))
                .unwrap_or("localhost")
                .to_string();
            let pq = req.uri().path_and_query().map_or("/", |p| p.as_str());
            let target = format!("https://{host}:{https_port}{pq}");
            match target.parse::<Uri>() {
                Ok(uri) => (
                    StatusCode::PERMANENT_REDIRECT,
                    [(header::LOCATION, uri.to_string())],
                )
                    .into_response(),
                Err(_) => StatusCode::BAD_REQUEST.into_response(),
            }
        }
    }
}
