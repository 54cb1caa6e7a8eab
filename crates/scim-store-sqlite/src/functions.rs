//! SQL functions that make SQLite compare exactly as the core's evaluator:
//! `scim_fold` (Unicode lower case, as `scim_core::filter::fold`),
//! `scim_co` / `scim_sw` / `scim_ew` (substring tests) and `scim_ts`
//! (a dateTime as Unix milliseconds, whatever its offset).

use rusqlite::functions::FunctionFlags;
use rusqlite::types::{Value, ValueRef};
use rusqlite::Connection;
use scim_core::filter::fold;
use scim_core::timestamp::Timestamp;

fn text(v: ValueRef<'_>) -> Option<&str> {
    match v {
        ValueRef::Text(t) => std::str::from_utf8(t).ok(),
        _ => None,
    }
}

/// Registers the functions on a connection.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("scim_fold", 1, flags, |ctx| {
        Ok(match text(ctx.get_raw(0)) {
            Some(s) => Value::Text(fold(s).into_owned()),
            None => Value::Null,
        })
    })?;
    for (name, test) in [
        (
            "scim_co",
            (|a: &str, b: &str| a.contains(b)) as fn(&str, &str) -> bool,
        ),
        ("scim_sw", |a: &str, b: &str| a.starts_with(b)),
        ("scim_ew", |a: &str, b: &str| a.ends_with(b)),
    ] {
        conn.create_scalar_function(name, 2, flags, move |ctx| {
            Ok(match (text(ctx.get_raw(0)), text(ctx.get_raw(1))) {
                (Some(a), Some(b)) => Value::Integer(i64::from(test(a, b))),
                _ => Value::Null,
            })
        })?;
    }
    conn.create_scalar_function("scim_ts", 1, flags, |ctx| {
        Ok(match text(ctx.get_raw(0)).and_then(Timestamp::parse) {
            Some(t) => Value::Integer(t.unix_millis()),
            None => Value::Null,
        })
    })?;
    Ok(())
}
