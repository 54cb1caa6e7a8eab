//! Unit tests of the provisioning log's redaction of paths and queries
//! (`provlog.rs`): data-driven, one `check(path, query, expected)`.

use super::*;

fn check(path: &str, query: &str, expected: (&str, &str)) {
    let p = redact_path(path).path;
    let (q, _) = redact_query(query);
    assert_eq!((p.as_str(), q.as_str()), expected, "{path}?{query}");
}

#[test]
fn paths_and_queries_are_redacted() {
    check("/Users", "", ("/Users", ""));
    check("/users/abc", "", ("/Users/abc", ""));
    check(
        "/Users/abc/password/hunter22",
        "",
        ("/Users/abc/[redacted]/[redacted]", ""),
    );
    check("/hunter22", "", ("/[redacted]", ""));
    check(
        "/Users",
        "filter=userName%20eq%20%22a%40b%22&count=1",
        ("/Users", "filter=userName eq \"a@b\"&count=1"),
    );
    check(
        "/Users",
        "filter=password%20eq%20%22hunter22%22",
        ("/Users", "filter=password eq \"[redacted]\""),
    );
    check(
        "/Users",
        "filter=password%20eq%20%22hunter22",
        ("/Users", "filter=[redacted]"),
    );
    check(
        "/Users",
        "password=hunter22&attributes=userName",
        ("/Users", "[redacted]=[redacted]&attributes=userName"),
    );
    assert_eq!(
        scrub("bad hunter22 here", &["hunter22".into()]),
        "bad [redacted] here"
    );
}
