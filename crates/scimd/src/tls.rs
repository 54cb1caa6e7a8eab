//! TLS termination with rustls (TLS 1.2 and 1.3 only; rustls has no older
//! versions): certificate and key from PEM files, reloaded on SIGHUP without
//! dropping connections. An optional plain-HTTP listener redirects clients
//! to the `https` public URL (308; never to the request's `Host`) or
//! refuses them (403 with a SCIM error).

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

/// What is wrong with the certificate and key files, in words about the
/// files (rustls's own messages, such as "peer sent no certificates" for a
/// file without a certificate, speak of a handshake): `None` if each holds
/// a PEM block of its kind.
pub fn check_files(files: &TlsFiles) -> Option<String> {
    let read = |p: &std::path::Path, what: &str| {
        std::fs::read(p)
            .map_err(|e| format!("cannot read the TLS {what} file {}: {e}", p.display()))
    };
    let cert = match read(&files.cert, "certificate") {
        Ok(c) => c,
        Err(e) => return Some(e),
    };
    let key = match read(&files.key, "key") {
        Ok(k) => k,
        Err(e) => return Some(e),
    };
    let has = |text: &[u8], begin: &str, end: &str| {
        let t = String::from_utf8_lossy(text);
        t.lines()
            .any(|l| l.trim_start().starts_with(begin) && l.trim_end().ends_with(end))
    };
    if !has(&cert, "-----BEGIN CERTIFICATE", "-----") {
        return Some(format!(
            "the TLS certificate file {} holds no PEM certificate (a \"-----BEGIN CERTIFICATE-----\" block){}",
            files.cert.display(),
            if has(&cert, "-----BEGIN", "PRIVATE KEY-----") {
                ": it holds a private key; are --tls-cert and --tls-key swapped?"
            } else {
                ""
            }
        ));
    }
    if !has(&key, "-----BEGIN", "PRIVATE KEY-----") {
        return Some(format!(
            "the TLS key file {} holds no PEM private key (a \"-----BEGIN PRIVATE KEY-----\" block)",
            files.key.display()
        ));
    }
    None
}

/// Loads the certificate and key.
pub async fn load(files: &TlsFiles) -> Result<RustlsConfig, String> {
    // With the no-provider build of axum-server, rustls needs one chosen once.
    let _ = rustls::crypto::ring::default_provider().install_default();
    if let Some(why) = check_files(files) {
        return Err(why);
    }
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
            if let Some(why) = check_files(&files) {
                tracing::error!(error = %why, "TLS certificate reload failed; keeping the current one");
                continue;
            }
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

/// Where the plain-HTTP listener redirects: the public URL (`--public-url`,
/// which must be `https`), never anything taken from the request, so a
/// forged `Host` cannot send clients elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectTarget(Option<String>);

impl RedirectTarget {
    /// The target for `mode`: redirecting needs an `https` public URL.
    pub fn new(mode: PlainMode, public_url: Option<&str>) -> Result<RedirectTarget, String> {
        if mode == PlainMode::Refuse {
            return Ok(RedirectTarget(None));
        }
        match public_url {
            Some(u) if u.starts_with("https://") && u.parse::<Uri>().is_ok() => {
                Ok(RedirectTarget(Some(u.trim_end_matches('/').to_string())))
            }
            Some(u) => Err(format!(
                "--http-mode redirect sends clients to --public-url, which must be an https URL, not {u:?}"
            )),
            None => Err(
                "--http-mode redirect needs --public-url (the https address clients are sent to)"
                    .into(),
            ),
        }
    }
}

fn refusal(status: StatusCode, e: scim_core::ScimError) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/scim+json")],
        e.to_body().to_string(),
    )
        .into_response()
}

/// The handler of the plain-HTTP listener.
pub async fn plain(mode: PlainMode, target: RedirectTarget, req: Request) -> Response {
    match (mode, target.0) {
        (PlainMode::Redirect, Some(base)) => {
            let pq = req.uri().path_and_query().map_or("/", |p| p.as_str());
            match format!("{base}{pq}").parse::<Uri>() {
                Ok(uri) => (
                    StatusCode::PERMANENT_REDIRECT,
                    [(header::LOCATION, uri.to_string())],
                )
                    .into_response(),
                Err(_) => refusal(
                    StatusCode::BAD_REQUEST,
                    scim_core::ScimError::BadRequest("the request target is not valid".into()),
                ),
            }
        }
        _ => refusal(
            StatusCode::FORBIDDEN,
            scim_core::ScimError::Forbidden("this server accepts HTTPS only".into()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn answer(
        mode: PlainMode,
        public: Option<&str>,
        host: &str,
        target: &str,
    ) -> (u16, Option<String>) {
        let t = RedirectTarget::new(mode, public).unwrap();
        let req = Request::builder()
            .uri(target)
            .header(header::HOST, host)
            .body(axum::body::Body::empty())
            .unwrap();
        let r = plain(mode, t, req).await;
        let loc = r
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        (r.status().as_u16(), loc)
    }

    #[tokio::test]
    async fn redirects_go_to_the_public_url_whatever_the_host() {
        let public = Some("https://scim.example.com/");
        for (host, target, location) in [
            (
                "evil.example.com",
                "/scim/v2/Users?count=1",
                "https://scim.example.com/scim/v2/Users?count=1",
            ),
            (
                "scim.example.com:80",
                "/admin",
                "https://scim.example.com/admin",
            ),
            ("", "/", "https://scim.example.com/"),
        ] {
            assert_eq!(
                answer(PlainMode::Redirect, public, host, target).await,
                (308, Some(location.to_string())),
                "{host} {target}"
            );
        }
        assert_eq!(
            answer(PlainMode::Refuse, None, "a", "/x").await,
            (403, None)
        );
        for bad in [
            None,
            Some("http://scim.example.com"),
            Some("https://bad host"),
        ] {
            assert!(
                RedirectTarget::new(PlainMode::Redirect, bad).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn files_without_pem_blocks_are_named() {
        let dir = std::env::temp_dir().join(format!("scimd-tls-check-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let key = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
        // (certificate file, key file, words the error must hold)
        let table = [
            (write("c1", cert), write("k1", key), None),
            (
                write("c2", "not pem"),
                write("k2", key),
                Some("holds no PEM certificate"),
            ),
            (write("c3", key), write("k3", key), Some("swapped")),
            (
                write("c4", cert),
                write("k4", cert),
                Some("holds no PEM private key"),
            ),
            (
                dir.join("missing"),
                write("k5", key),
                Some("cannot read the TLS certificate file"),
            ),
        ];
        for (cert, key, want) in table {
            let files = TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            };
            match (want, check_files(&files)) {
                (None, None) => {}
                (Some(w), Some(g)) => {
                    let named = [&cert, &key]
                        .iter()
                        .any(|p| g.contains(&*p.to_string_lossy()));
                    assert!(g.contains(w) && named, "{g}")
                }
                (w, g) => panic!("{cert:?}: want {w:?}, got {g:?}"),
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
