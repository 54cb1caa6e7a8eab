//! The client's address: the TCP peer, or, when the peer is a configured
//! trusted proxy (`--trusted-proxy`), the address that proxy reports in
//! `X-Forwarded-For`. Rate limits keyed by address (failed bearer
//! authentication, console sign-in) use it.
//!
//! Invariant: forwarding headers are read only when the peer is a trusted
//! proxy, and only as far as the chain of trusted proxies goes: the
//! address is the rightmost `X-Forwarded-For` entry that is not itself a
//! trusted proxy, so a client cannot choose its address by sending the
//! header itself.

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses addresses and networks (`10.0.0.7`, `10.0.0.0/8`, `fd00::/8`).
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<TrustedProxies, String> {
        items
            .iter()
            .map(|s| {
                let s = s.as_ref().trim();
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map(|n| n.trunc())
                    .map_err(|_| format!("--trusted-proxy: {s:?} is not an address or a network"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, a: IpAddr) -> bool {
        let a = canonical(a);
        self.0.iter().any(|n| n.contains(&a))
    }

    /// The client's address, given the TCP peer and the request headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut current = canonical(peer);
        if !self.trusts(current) {
            return current;
        }
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .flat_map(|v| v.to_str().unwrap_or("").split(','))
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .collect::<Vec<_>>();
        for hop in hops.iter().rev() {
            let Some(addr) = parse_hop(hop) else {
                // Garbage from beyond the last trusted proxy: keep that proxy.
                return current;
            };
            current = canonical(addr);
            if !self.trusts(current) {
                return current;
            }
        }
        current
    }
}

/// IPv4-mapped IPv6 addresses as IPv4, so that one client has one address.
fn canonical(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(a, IpAddr::V4),
        v4 => v4,
    }
}

/// One `X-Forwarded-For` entry: an address, maybe with a port
/// (`203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1`, `[2001:db8::1]:4711`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The client's address of a request (`None` when the server did not
/// record the peer, as in tests that call the router directly).
pub fn client_addr(parts: &Parts, proxies: &TrustedProxies) -> Option<IpAddr> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    Some(proxies.client(peer, &parts.headers))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;

    fn check(trusted: &[&str], peer: &str, xff: &[&str], expected: &str) {
        let proxies = TrustedProxies::parse(trusted).unwrap();
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        assert_eq!(
            proxies.client(peer.parse().unwrap(), &h),
            expected.parse::<IpAddr>().unwrap(),
            "trusted {trusted:?}, peer {peer}, X-Forwarded-For {xff:?}"
        );
    }

    #[test]
    fn forwarding_headers_only_from_trusted_proxies() {
        // (trusted, peer, X-Forwarded-For, client)
        check(&[], "198.51.100.9", &["203.0.113.7"], "198.51.100.9");
        check(
            &["10.0.0.0/8"],
            "198.51.100.9",
            &["203.0.113.7"],
            "198.51.100.9",
        );
        check(&["10.0.0.0/8"], "10.1.2.3", &["203.0.113.7"], "203.0.113.7");
        // A client's own X-Forwarded-For is to the left of what the proxy appended.
        check(
            &["10.0.0.0/8"],
            "10.1.2.3",
            &["1.2.3.4, 203.0.113.7"],
            "203.0.113.7",
        );
        // A chain of trusted proxies, across repeated headers.
        check(
            &["10.0.0.0/8", "192.0.2.1"],
            "10.1.2.3",
            &["1.2.3.4, 203.0.113.7", "192.0.2.1"],
            "203.0.113.7",
        );
        // Ports, IPv6, IPv4-mapped peers.
        check(
            &["10.0.0.1"],
            "10.0.0.1",
            &["203.0.113.7:4711"],
            "203.0.113.7",
        );
        check(
            &["fd00::/8"],
            "fd00::1",
            &["[2001:db8::1]:80"],
            "2001:db8::1",
        );
        check(
            &["10.0.0.1"],
            "::ffff:10.0.0.1",
            &["2001:db8::2"],
            "2001:db8::2",
        );
        // Garbage or nothing beyond a trusted proxy: the proxy itself.
        check(&["10.0.0.1"], "10.0.0.1", &["unknown"], "10.0.0.1");
        check(&["10.0.0.1"], "10.0.0.1", &[], "10.0.0.1");
        assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
        assert!(TrustedProxies::parse(&["proxy.internal"]).is_err());
    }
}
