//! Newtypes for resource identifiers and versions.
//!
//! - [`ResourceId`]: the server-assigned `id` (RFC 7643 §3.1), opaque,
//!   non-empty, without `/` or control characters.
//! - [`Version`]: the `meta.version` of RFC 7643 §3.1, a counter shown as
//!   the weak entity tag `W/"n"` (RFC 7644 §3.14).

use std::fmt;

/// A resource `id`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId(String);

impl ResourceId {
    /// Accepts an id if it could have been issued by the server.
    pub fn parse(s: &str) -> Option<ResourceId> {
        let ok = !s.is_empty()
            && s.len() <= 128
            && !s
                .chars()
                .any(|c| c == '/' || c.is_control() || c.is_whitespace());
        ok.then(|| ResourceId(s.to_string()))
    }

    /// A UUID id from 16 bytes, stamped as version 4 (random) per RFC 9562.
    pub fn from_uuid(b: [u8; 16]) -> ResourceId {
        Self::uuid_with_version(b, 4)
    }

    /// A time-ordered (version 7, RFC 9562 §5.7) UUID from 16 bytes whose
    /// first six are the Unix time in milliseconds, big-endian, and the
    /// rest random. Ids issued one after another sort one after another, so
    /// an index over them grows at its end instead of at random pages.
    pub fn from_time_ordered_uuid(b: [u8; 16]) -> ResourceId {
        Self::uuid_with_version(b, 7)
    }

    fn uuid_with_version(mut b: [u8; 16], version: u8) -> ResourceId {
        b[6] = (b[6] & 0x0f) | (version << 4);
        b[8] = (b[8] & 0x3f) | 0x80;
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        ResourceId(format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        ))
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A resource version: incremented on every change that alters the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub u64);

impl Version {
    /// The first version of a new resource.
    pub const FIRST: Version = Version(1);

    /// The next version.
    pub fn next(self) -> Version {
        Version(self.0.saturating_add(1))
    }

    /// The weak entity tag `W/"n"`.
    pub fn etag(self) -> String {
        format!("W/\"{}\"", self.0)
    }

    /// Parses one entity tag (`W/"3"` or `"3"`); `None` for anything else.
    pub fn from_etag(tag: &str) -> Option<Version> {
        let tag = tag.trim();
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        let inner = tag.strip_prefix('"')?.strip_suffix('"')?;
        inner.parse().ok().map(Version)
    }
}

/// A parsed `If-Match` / `If-None-Match` header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EtagCondition {
    /// `*`: any current version.
    Any,
    /// A list of entity tags; tags that are not ours never match.
    Versions(Vec<Version>),
}

impl EtagCondition {
    /// Parses a header value: `*`, or a comma-separated list of entity tags.
    pub fn parse(header: &str) -> EtagCondition {
        if header.trim() == "*" {
            return EtagCondition::Any;
        }
        EtagCondition::Versions(header.split(',').filter_map(Version::from_etag).collect())
    }

    /// Whether the current version satisfies the condition (weak comparison).
    pub fn matches(&self, current: Version) -> bool {
        match self {
            EtagCondition::Any => true,
            EtagCondition::Versions(v) => v.contains(&current),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags() {
        assert_eq!(Version(3).etag(), "W/\"3\"");
        assert_eq!(Version::from_etag("W/\"3\""), Some(Version(3)));
        assert_eq!(Version::from_etag("\"12\""), Some(Version(12)));
        assert_eq!(Version::from_etag("W/\"abc\""), None);
        assert_eq!(Version::from_etag("3"), None);
        let c = EtagCondition::parse("W/\"1\", W/\"2\"");
        assert!(c.matches(Version(2)) && !c.matches(Version(3)));
        assert!(EtagCondition::parse("*").matches(Version(9)));
        assert!(!EtagCondition::parse("garbage").matches(Version(1)));
    }

    #[test]
    fn ids() {
        assert!(ResourceId::parse("2819c223-7f76-453a-919d-413861904646").is_some());
        for bad in ["", "a/b", "a b", "x\n", &"a".repeat(129)] {
            assert!(ResourceId::parse(bad).is_none(), "{bad:?}");
        }
    }
}
