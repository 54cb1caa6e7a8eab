//! `dateTime` values (RFC 7643 §2.3.5): an instant, read from `xsd:dateTime`
//! text with a time zone (RFC 3339) and written in UTC with milliseconds.

use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// An instant in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Parses RFC 3339 text such as `2011-05-13T04:42:34Z`. A value without a
    /// zone is read as UTC, as IdPs sometimes send it.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let text = text.trim();
        if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
            return Some(Timestamp(t.to_offset(UtcOffset::UTC)));
        }
        let with_zone = format!("{text}Z");
        OffsetDateTime::parse(&with_zone, &Rfc3339)
            .ok()
            .map(|t| Timestamp(t.to_offset(UtcOffset::UTC)))
    }

    /// From milliseconds since the Unix epoch.
    pub fn from_unix_millis(ms: i64) -> Option<Timestamp> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .ok()
            .map(Timestamp)
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(self) -> i64 {
        i64::try_from(self.0.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
    }

    /// The current time, read from the system clock. Services use an
    /// injected clock instead; this is for that clock's implementation.
    pub fn now_utc() -> Timestamp {
        let t = OffsetDateTime::now_utc();
        Timestamp::from_unix_millis(
            i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0),
        )
        .unwrap_or(Timestamp(t))
    }
}

impl fmt::Display for Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`: fixed width, so text order is time order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn round_trip() {
        let t = Timestamp::parse("2011-05-13T04:42:34Z").unwrap();
        assert_eq!(t.to_string(), "2011-05-13T04:42:34.000Z");
        assert_eq!(Timestamp::parse(&t.to_string()), Some(t));
        let z = Timestamp::parse("2011-05-13T06:42:34.5+02:00").unwrap();
        assert_eq!(z.to_string(), "2011-05-13T04:42:34.500Z");
        assert_eq!(Timestamp::parse("2011-05-13T04:42:34").unwrap(), t);
        assert!(Timestamp::parse("yesterday").is_none());
        assert_eq!(Timestamp::from_unix_millis(t.unix_millis()), Some(t));
    }
}
