//! Where webhooks may deliver. A webhook is a request scimd makes on a
//! tenant's behalf, so without a check its URL could reach what only scimd
//! reaches: the loopback interface, the link-local network (cloud metadata
//! services at 169.254.169.254) and private networks. Those addresses are
//! refused unless an operator allows them (`--webhook-allow-private` for
//! every webhook, `scimd webhook create --allow-private` for one).
//!
//! The check runs when a webhook is created (a literal address, or every
//! address its name resolves to now) and again at each delivery, on the
//! addresses the connection is actually made to (`scim-webhooks`'
//! transport), because a name can resolve differently later.

use scim_core::{ScimError, ScimResult};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether deliveries to `a` are refused unless allowed: anything but a
/// global unicast address (loopback, private, link-local, shared
/// carrier-grade NAT space, unspecified, "this network", broadcast,
/// multicast, unique-local and site-local IPv6, and IPv4 addresses of
/// these kinds embedded in IPv6: mapped, compatible or NAT64).
pub fn restricted(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(v4) => restricted_v4(v4),
        IpAddr::V6(v6) => restricted_v6(v6),
    }
}

fn restricted_v4(a: Ipv4Addr) -> bool {
    let [b0, b1, ..] = a.octets();
    a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || a.is_unspecified()
        || a.is_broadcast()
        || a.is_multicast()
        || b0 == 0
        // 100.64.0.0/10, shared address space (RFC 6598).
        || (b0 == 100 && (64..128).contains(&b1))
}

fn restricted_v6(a: Ipv6Addr) -> bool {
    if let Some(v4) = a.to_ipv4_mapped() {
        return restricted_v4(v4);
    }
    let seg = a.segments();
    // 64:ff9b::/96 (NAT64) and ::/96 (IPv4-compatible) carry an IPv4 address.
    let embedded = (seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || seg[..6] == [0; 6])
        && !a.is_loopback()
        && !a.is_unspecified();
    if embedded {
        let o = a.octets();
        return restricted_v4(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
    }
    a.is_loopback()
        || a.is_unspecified()
        || a.is_multicast()
        || a.is_unique_local()
        || a.is_unicast_link_local()
        // fec0::/10, the deprecated site-local addresses.
        || (seg[0] & 0xffc0) == 0xfec0
}

/// The host and port of an `http://` or `https://` URL (the host of an
/// IPv6 literal without its brackets).
pub fn host_port(url: &str) -> Option<(String, u16)> {
    let (rest, default) = match url.split_once("://")? {
        (s, rest) if s.eq_ignore_ascii_case("https") => (rest, 443),
        (s, rest) if s.eq_ignore_ascii_case("http") => (rest, 80),
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => p.parse().ok()?,
        None => default,
    };
    (!host.is_empty()).then(|| (host.to_ascii_lowercase(), port))
}

fn refusal(url: &str, addr: IpAddr) -> ScimError {
    ScimError::InvalidValue(format!(
        "webhook URL {url:?} reaches {addr}, a loopback, link-local or private address: \
         refused (an operator may allow it with `scimd webhook create --allow-private` \
         or `scimd serve --webhook-allow-private`)"
    ))
}

/// Refuses a webhook URL that reaches a restricted address now: a literal
/// one, or a name any of whose addresses is. A name that does not resolve
/// yet passes (each delivery checks again).
pub async fn check(url: &str, allow_private: bool) -> ScimResult<()> {
    if allow_private {
        return Ok(());
    }
    let (host, port) = host_port(url)
        .ok_or_else(|| ScimError::InvalidValue(format!("invalid webhook URL {url:?}")))?;
    if let Ok(addr) = host.parse::<IpAddr>() {
        return if restricted(addr) {
            Err(refusal(url, addr))
        } else {
            Ok(())
        };
    }
    let Ok(addrs) = tokio::net::lookup_host((host.as_str(), port)).await else {
        return Ok(());
    };
    for a in addrs {
        if restricted(a.ip()) {
            return Err(refusal(url, a.ip()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn restricted_addresses() {
        for (addr, refused) in [
            ("127.0.0.1", true),
            ("127.9.9.9", true),
            ("10.1.2.3", true),
            ("172.16.0.1", true),
            ("172.31.255.255", true),
            ("172.32.0.1", false),
            ("192.168.1.1", true),
            ("169.254.169.254", true),
            ("100.64.0.1", true),
            ("100.128.0.1", false),
            ("0.0.0.0", true),
            ("0.1.2.3", true),
            ("255.255.255.255", true),
            ("224.0.0.1", true),
            ("8.8.8.8", false),
            ("203.0.113.7", false),
            ("::1", true),
            ("::", true),
            ("fe80::1", true),
            ("fd00::1", true),
            ("fc00::1", true),
            ("fec0::1", true),
            ("ff02::1", true),
            ("::ffff:127.0.0.1", true),
            ("::ffff:10.0.0.1", true),
            ("::ffff:8.8.8.8", false),
            ("::10.0.0.1", true),
            ("64:ff9b::a9fe:a9fe", true),
            ("64:ff9b::808:808", false),
            ("2001:db8::1", false),
            ("2606:4700::1111", false),
        ] {
            assert_eq!(restricted(addr.parse().unwrap()), refused, "{addr}");
        }
    }

    #[test]
    fn hosts_and_ports() {
        for (url, expected) in [
            (
                "https://hooks.example.com/x",
                Some(("hooks.example.com", 443)),
            ),
            (
                "http://Hooks.Example.com:8080",
                Some(("hooks.example.com", 8080)),
            ),
            ("http://[::1]:9000/a?b", Some(("::1", 9000))),
            ("https://[fd00::1]/", Some(("fd00::1", 443))),
            ("http://user:pw@10.0.0.1/x", Some(("10.0.0.1", 80))),
            ("http://127.0.0.1#frag", Some(("127.0.0.1", 80))),
            ("ftp://example.com", None),
            ("http://:80/", None),
            ("http://host:port/", None),
        ] {
            let got = host_port(url);
            assert_eq!(
                got.as_ref().map(|(h, p)| (h.as_str(), *p)),
                expected,
                "{url}"
            );
        }
    }

    #[tokio::test]
    async fn creation_checks_literals_and_resolved_names() {
        for url in [
            "http://127.0.0.1:9/hook",
            "http://[::1]/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://localhost:8080/hook",
        ] {
            let e = check(url, false).await.unwrap_err();
            assert_eq!(e.status(), 400, "{url}");
            assert!(e.detail().contains("--allow-private"), "{}", e.detail());
            check(url, true).await.unwrap();
        }
        check("https://203.0.113.7/hook", false).await.unwrap();
    }
}
