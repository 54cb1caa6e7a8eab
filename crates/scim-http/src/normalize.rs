//! Resource paths match in any case (`/scim/v2/users` is `/scim/v2/Users`)
//! and without a trailing slash. Applied before routing.

use axum::http::Uri;

const NAMES: &[&str] = &[
    "Users",
    "Groups",
    "Schemas",
    "ResourceTypes",
    "ServiceProviderConfig",
    "Bulk",
    "Me",
    ".search",
];

fn canonical(seg: &str) -> Option<&'static str> {
    if seg.eq_ignore_ascii_case("ServiceProviderConfigs") {
        return Some("ServiceProviderConfig");
    }
    NAMES.iter().copied().find(|n| n.eq_ignore_ascii_case(seg))
}

/// The canonical form of a request path, if it differs.
pub fn canonical_path(path: &str) -> Option<String> {
    let trimmed = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let mut segs: Vec<String> = trimmed.split('/').map(str::to_string).collect();
    // segs[0] is empty (leading slash): ["", "scim", "v2", "Users", id, ...]
    if segs.len() >= 3 && segs[1].eq_ignore_ascii_case("scim") && segs[2].eq_ignore_ascii_case("v2")
    {
        segs[1] = "scim".into();
        segs[2] = "v2".into();
        if let Some(c) = segs.get(3).and_then(|s| canonical(s)) {
            segs[3] = c.into();
        }
        // `/Users/.search`: the fourth segment is an id unless it is `.search`.
        if let Some(s) = segs.get_mut(4) {
            if s.eq_ignore_ascii_case(".search") {
                *s = ".search".into();
            }
        }
    }
    let out = segs.join("/");
    (out != path).then_some(out)
}

/// Rewrites the request URI to the canonical path.
pub fn rewrite<B>(mut req: axum::http::Request<B>) -> axum::http::Request<B> {
    if let Some(p) = canonical_path(req.uri().path()) {
        let pq = match req.uri().query() {
            Some(q) => format!("{p}?{q}"),
            None => p,
        };
        let mut parts = req.uri().clone().into_parts();
        if let Ok(pq) = pq.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
    req
}

#[cfg(test)]
mod tests {
    use super::canonical_path;

    #[test]
    fn paths() {
        assert_eq!(
            canonical_path("/scim/v2/users").as_deref(),
            Some("/scim/v2/Users")
        );
        assert_eq!(
            canonical_path("/SCIM/V2/groups/abc/").as_deref(),
            Some("/scim/v2/Groups/abc")
        );
        assert_eq!(
            canonical_path("/scim/v2/users/.SEARCH").as_deref(),
            Some("/scim/v2/Users/.search")
        );
        assert_eq!(
            canonical_path("/scim/v2/serviceproviderconfigs").as_deref(),
            Some("/scim/v2/ServiceProviderConfig")
        );
        assert_eq!(canonical_path("/scim/v2/Users"), None);
        assert_eq!(canonical_path("/scim/v2/Users/AbC"), None);
        assert_eq!(canonical_path("/"), None);
    }
}
