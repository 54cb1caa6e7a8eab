//! `scimd healthcheck [--url URL]`: exits 0 when a running scimd answers
//! `GET /healthz` with 200 within five seconds, else 1. The container
//! image's HEALTHCHECK (a scratch image has no curl). Without `--url` it
//! asks `/healthz` on loopback at the port of `--listen` (`SCIMD_LISTEN`).

use crate::cli::HealthcheckArgs;
use crate::config::DEFAULT_LISTEN;
use crate::output::outln;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// The `/healthz` URL of a server listening on `listen`.
pub fn url_for(listen: &str) -> Result<String, String> {
    let addr: SocketAddr = listen
        .parse()
        .map_err(|_| format!("cannot tell the address from --listen {listen:?}; give --url"))?;
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    Ok(format!(
        "http://{}/healthz",
        SocketAddr::new(ip, addr.port())
    ))
}

pub fn run(args: &HealthcheckArgs) -> Result<(), String> {
    let url = match &args.url {
        Some(u) => u.clone(),
        None => url_for(args.listen.as_deref().unwrap_or(DEFAULT_LISTEN))?,
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    match agent.get(&url).call() {
        Ok(r) if r.status().as_u16() == 200 => {
            outln!("ok");
            Ok(())
        }
        Ok(r) => Err(format!("{url} answered HTTP {}", r.status().as_u16())),
        Err(e) => Err(format!("{url}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::url_for;

    #[test]
    fn loopback_for_wildcard_addresses() {
        let cases = [
            ("0.0.0.0:8080", "http://127.0.0.1:8080/healthz"),
            ("127.0.0.1:9000", "http://127.0.0.1:9000/healthz"),
            ("10.1.2.3:80", "http://10.1.2.3:80/healthz"),
            ("[::]:8080", "http://[::1]:8080/healthz"),
        ];
        for (listen, url) in cases {
            assert_eq!(url_for(listen).unwrap(), url, "{listen}");
        }
        assert!(url_for("localhost:8080").is_err());
    }
}
