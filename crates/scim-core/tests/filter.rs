//! Filter parsing, display, lowering and evaluation (RFC 7644 §3.4.2.2).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_core::filter::{lower, Filter, FilterOptions, Limits};
use scim_core::schema::SchemaRegistry;
use serde_json::{json, Value};

/// Parses `input` and compares the canonical display (or the error) with `expected`.
fn check(input: &str, expected: &str) {
    let got = match Filter::parse(input) {
        Ok(f) => f.to_string(),
        Err(e) => format!("error: {e}"),
    };
    assert_eq!(got, expected, "input: {input}");
}

#[test]
fn rfc7644_figure2_examples_parse() {
    let text = include_str!("fixtures/rfc7644/filters.txt");
    let mut n = 0;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let f = Filter::parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(Filter::parse(&f.to_string()).unwrap(), f, "{line}");
        n += 1;
    }
    assert_eq!(n, 17);
}

#[test]
fn grammar() {
    check(r#"userName eq "bjensen""#, r#"userName eq "bjensen""#);
    check(r#"userName Eq "john""#, r#"userName eq "john""#);
    check(r#"Username EQ "john""#, r#"Username eq "john""#);
    check(
        r#"name.familyName co "O'Malley""#,
        r#"name.familyName co "O'Malley""#,
    );
    check(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
    );
    check("title pr", "title pr");
    check("title PR", "title pr");
    check(
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    );
    check(
        r#"title pr and userType eq "Employee""#,
        r#"title pr and userType eq "Employee""#,
    );
    check(
        r#"title pr or userType eq "Intern""#,
        r#"title pr or userType eq "Intern""#,
    );
    // Precedence: and binds tighter than or.
    check("a pr and b pr or c pr", "a pr and b pr or c pr");
    check("a pr or b pr and c pr", "a pr or b pr and c pr");
    check("(a pr or b pr) and c pr", "(a pr or b pr) and c pr");
    check("a pr or (b pr or c pr)", "a pr or (b pr or c pr)");
    check("((a pr))", "a pr");
    check(
        r#"not (emails co "example.com")"#,
        r#"not (emails co "example.com")"#,
    );
    check(r#"NOT(emails co "x")"#, r#"not (emails co "x")"#);
    check(r#"not pr"#, "not pr");
    check(
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
    );
    check(
        r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
        r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
    );
    // Values.
    check("x eq true", "x eq true");
    check("x eq False", "x eq false");
    check("x eq null", "x eq null");
    check("x gt -1.5e3", "x gt -1.5e3");
    check(
        r#"x eq "with \"quotes\" and \\ and é""#,
        r#"x eq "with \"quotes\" and \\ and é""#,
    );
    check(r#"x eq """#, r#"x eq """#);
    check(r#"x eq "\u00e9""#, r#"x eq "é""#);
}

#[test]
fn idp_tolerances() {
    // Qase's outer parentheses.
    check(
        r#"(userName eq "alex@example.com")"#,
        r#"userName eq "alex@example.com""#,
    );
    // Entra's unquoted values.
    check("externalId eq abc-123", r#"externalId eq "abc-123""#);
    check("externalId eq 00123", r#"externalId eq "00123""#);
    check("externalId eq 123", "externalId eq 123");
    // Entra's value filter followed by a sub-attribute.
    check(
        r#"emails[type eq "work"].value eq "user@contoso.com""#,
        r#"emails[type eq "work" and value eq "user@contoso.com"]"#,
    );
    check(
        r#"emails[type eq "a" or type eq "b"].value pr"#,
        r#"emails[(type eq "a" or type eq "b") and value pr]"#,
    );
    // RFC 7644 §3.5.2.2 itself omits a space.
    check(
        r#"members[value eq"2819c223"]"#,
        r#"members[value eq "2819c223"]"#,
    );
    check("  a   pr   and\tb pr ", "a pr and b pr");
    check(
        r#"id eq "g1" and members eq "u1""#,
        r#"id eq "g1" and members eq "u1""#,
    );
    check("members.$ref pr", "members.$ref pr");
}

#[test]
fn errors_name_the_position() {
    check(
        "",
        "error: 400 invalidFilter: empty filter at position 1 (end of input)",
    );
    check("userName", "error: 400 invalidFilter: expected a space and an operator after the attribute path at position 9 (end of input)");
    check(
        r#"userName regex "x""#,
        r#"error: 400 invalidFilter: unknown operator "regex" at position 10 (near "regex \"x\"")"#,
    );
    check(
        "userName eq",
        "error: 400 invalidFilter: expected a value at position 12 (end of input)",
    );
    check(
        r#"userName eq "x"#,
        r#"error: 400 invalidFilter: unterminated string at position 13 (near "\"x")"#,
    );
    check(
        r#"(a pr"#,
        "error: 400 invalidFilter: expected ')' at position 6 (end of input)",
    );
    check(
        r#"a pr)"#,
        r#"error: 400 invalidFilter: unexpected text after filter at position 5 (near ")")"#,
    );
    check(
        r#"a pr and"#,
        "error: 400 invalidFilter: expected an attribute expression at position 9 (end of input)",
    );
    check(
        r#"emails[x[y pr]]"#,
        r#"error: 400 invalidFilter: value filters cannot be nested at position 9 (near "[y pr]]")"#,
    );
    check(
        r#"emails.type[value pr]"#,
        r#"error: 400 invalidFilter: a value filter applies to an attribute, not a sub-attribute at position 12 (near "[value pr]")"#,
    );
    check(
        "1abc pr",
        r#"error: 400 invalidFilter: expected an attribute name at position 1 (near "1abc pr")"#,
    );
    check(
        "a pr and or b pr",
        r#"error: 400 invalidFilter: unknown operator "b" at position 13 (near "b pr")"#,
    );
}

#[test]
fn strict_options_refuse_unquoted_strings() {
    let err = Filter::parse_with("externalId eq abc", &FilterOptions::strict()).unwrap_err();
    assert_eq!(err.scim_type(), Some("invalidFilter"));
    assert!(Filter::parse_with("externalId eq 12", &FilterOptions::strict()).is_ok());
}

#[test]
fn limits() {
    let deep = format!("{}a pr{}", "(".repeat(33), ")".repeat(33));
    assert!(Filter::parse(&deep)
        .unwrap_err()
        .detail()
        .starts_with("filter nests deeper than 32 levels"));
    let ok = format!("{}a pr{}", "(".repeat(32), ")".repeat(32));
    assert!(Filter::parse(&ok).is_ok());
    let nots = format!("{}a pr{}", "not (".repeat(40), ")".repeat(40));
    assert!(Filter::parse(&nots).is_err());
    let many = vec!["a pr"; 513].join(" or ");
    assert!(Filter::parse(&many)
        .unwrap_err()
        .detail()
        .contains("more than 512 comparisons"));
    let long = format!("a eq \"{}\"", "x".repeat(20_000));
    assert!(Filter::parse(&long)
        .unwrap_err()
        .detail()
        .contains("bytes long"));
    let tight = FilterOptions {
        limits: Limits {
            max_len: 10,
            max_depth: 1,
            max_terms: 1,
        },
        unquoted_strings: true,
    };
    assert!(Filter::parse_with("a pr and b pr", &tight).is_err());
}

fn users() -> Vec<Value> {
    vec![
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "1", "userName": "bjensen", "title": "Tour Guide",
               "userType": "Employee", "active": true, "name": {"familyName": "Jensen", "givenName": "Barbara"},
               "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}, {"value": "babs@jensen.org", "type": "home"}],
               "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"1\""}}),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
               "id": "2", "userName": "O'Malley", "externalId": "ABC", "userType": "Intern", "active": false, "name": {"familyName": "O'Malley"},
               "emails": [{"value": "om@example.org", "type": "work"}],
               "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984", "manager": {"value": "1"}},
               "meta": {"resourceType": "User", "created": "2012-01-23T04:56:22Z", "lastModified": "2012-05-13T04:42:34Z", "version": "W/\"1\""}}),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "3", "userName": "Zoë", "title": "",
               "meta": {"resourceType": "User", "created": "2013-01-23T04:56:22Z", "lastModified": "2013-05-13T04:42:34Z", "version": "W/\"1\""}}),
    ]
}

/// Evaluates `filter` over [`users`] and compares the matching ids (or the error).
fn check_eval(filter: &str, expected: &str) {
    let reg = SchemaRegistry::builtin().unwrap();
    let view = reg.view("User").unwrap();
    let got = match Filter::parse(filter).and_then(|f| lower(&f, &view)) {
        Ok(l) => users()
            .iter()
            .filter(|u| l.matches(u))
            .map(|u| u["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join(","),
        Err(e) => format!("error: {e}"),
    };
    assert_eq!(got, expected, "filter: {filter}");
}

#[test]
fn evaluation() {
    check_eval(r#"userName eq "BJENSEN""#, "1");
    check_eval(r#"userName eq "zoë""#, "3");
    check_eval(r#"externalId eq "abc""#, ""); // caseExact
    check_eval(r#"externalId eq "ABC""#, "2");
    check_eval("externalId eq ABC", "2");
    check_eval(r#"name.familyName co "O'Malley""#, "2");
    check_eval(r#"userName sw "J""#, "");
    check_eval(r#"userName sw "B""#, "1");
    check_eval(r#"userName ew "EY""#, "2");
    check_eval(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "b""#,
        "1",
    );
    check_eval("title pr", "1"); // an empty string is not present
    check_eval(r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, "2,3");
    check_eval(r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, "1,2,3");
    check_eval(r#"meta.lastModified lt "2012-05-13T06:42:34+02:00""#, "1");
    check_eval(r#"meta.lastModified le "2012-05-13T04:42:34Z""#, "1,2");
    check_eval(r#"title pr and userType eq "Employee""#, "1");
    check_eval(r#"title pr or userType eq "Intern""#, "1,2");
    check_eval(
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        "2",
    );
    check_eval(
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        "1",
    );
    check_eval(
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        "3",
    );
    check_eval(r#"userType eq "Employee" and (emails.type eq "work")"#, "1");
    check_eval(
        r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
        "1",
    );
    check_eval(
        r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
        "1",
    );
    check_eval(r#"emails[type eq "work"].value eq "om@example.org""#, "2");
    check_eval(r#"emails[type eq "home"].value eq "om@example.org""#, "");
    // User 3 has no `active`: a user's absent `active` is true
    // (scim_core::resource::defaults).
    check_eval("active eq true", "1,3");
    check_eval("active pr", "1,2,3");
    check_eval("active eq false", "2");
    check_eval("not (active eq true)", "2");
    check_eval(r#"active eq "False""#, "2");
    check_eval("userType eq null", "3");
    check_eval("userType ne null", "1,2");
    check_eval(r#"userType ne "Intern""#, "1,3");
    check_eval(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
        "2",
    );
    check_eval(r#"employeeNumber eq "701984""#, "2");
    check_eval(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "1""#,
        "2",
    );
    check_eval(r#"manager eq "1""#, "2");
    check_eval(r#"emails[primary eq true].value co "jensen""#, "1");
    check_eval(r#"id eq "2" or id eq "3""#, "2,3");
}

#[test]
fn lowering_errors() {
    check_eval(
        r#"nosuch eq "x""#,
        r#"error: 400 invalidFilter: unknown attribute "nosuch""#,
    );
    check_eval(
        r#"name.nosuch eq "x""#,
        r#"error: 400 invalidFilter: unknown attribute "name.nosuch""#,
    );
    check_eval("active gt true", "error: 400 invalidFilter: active gt true: the operator is not supported for boolean attributes");
    check_eval(
        r#"active eq "maybe""#,
        r#"error: 400 invalidFilter: active eq "maybe": the value does not fit a boolean attribute"#,
    );
    check_eval(
        r#"meta.created gt "yesterday""#,
        r#"error: 400 invalidFilter: meta.created gt "yesterday": expected a dateTime such as "2011-05-13T04:42:34Z""#,
    );
    check_eval(
        r#"meta.created co "2011""#,
        r#"error: 400 invalidFilter: meta.created co "2011": the operator is not supported for dateTime attributes"#,
    );
    check_eval(
        r#"name eq "x""#,
        r#"error: 400 invalidFilter: name is complex: compare one of its sub-attributes"#,
    );
    check_eval(
        "userName gt null",
        "error: 400 invalidFilter: userName gt null: null can only be compared with eq or ne",
    );
    check_eval(r#"userName[value eq "x"]"#, "error: 400 invalidFilter: userName is neither complex nor multi-valued; a value filter does not apply");
    check_eval(
        r#"emails[nosuch eq "x"]"#,
        r#"error: 400 invalidFilter: unknown attribute "nosuch""#,
    );
}

#[test]
fn rfc7644_section_3_4_2_and_3_7_1_examples() {
    // §3.4.2: a root query over every resource type.
    check(
        "(meta.resourceType eq User) or (meta.resourceType eq Group)",
        r#"meta.resourceType eq "User" or meta.resourceType eq "Group""#,
    );
    check_eval(
        "(meta.resourceType eq User) or (meta.resourceType eq Group)",
        "1,2,3",
    );
    check_eval("meta.resourceType eq Group", "");
    // The unquoted values are Entra's tolerance; the strict grammar wants quotes.
    assert!(Filter::parse_with(
        "(meta.resourceType eq User) or (meta.resourceType eq Group)",
        &FilterOptions::strict()
    )
    .is_err());
    check_eval(
        r#"(meta.resourceType eq "User") or (meta.resourceType eq "Group")"#,
        "1,2,3",
    );
    // §3.7.1 writes `displayName sw 'Group'`, but the ABNF's compValue has
    // only JSON strings (double quotes): a single-quoted value is refused
    // with 400 invalidFilter at its position, never read as a bare word.
    check(
        "displayName sw 'Group'",
        r#"error: 400 invalidFilter: single quotes do not delimit a string; use "…" at position 16 (near "'Group'")"#,
    );
    check(
        "externalId eq 'abc'",
        r#"error: 400 invalidFilter: single quotes do not delimit a string; use "…" at position 15 (near "'abc'")"#,
    );
    // An apostrophe inside a quoted string is fine.
    check(
        r#"displayName sw "O'Malley""#,
        r#"displayName sw "O'Malley""#,
    );
}

const TYPED: &str = "urn:example:scim:typed:1.0:User";

/// Evaluates `filter` over users with integer and decimal extension attributes.
fn check_typed(filter: &str, expected: &str) {
    let mut reg = SchemaRegistry::builtin().unwrap();
    let ext = json!({"id": TYPED, "name": "Typed", "attributes": [
        {"name": "level", "type": "integer"}, {"name": "score", "type": "decimal"}]});
    reg.add_extension(&ext, "User", false).unwrap();
    let view = reg.view("User").unwrap();
    let users = [
        json!({"id": "1", "userName": "a", TYPED: {"level": 2, "score": 9.5}}),
        json!({"id": "2", "userName": "b", TYPED: {"level": 10, "score": 10}}),
        json!({"id": "3", "userName": "c", TYPED: {"level": -1, "score": -0.25}}),
        json!({"id": "4", "userName": "d"}),
    ];
    let got = match Filter::parse(filter).and_then(|f| lower(&f, &view)) {
        Ok(l) => users
            .iter()
            .filter(|u| l.matches(u))
            .map(|u| u["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join(","),
        Err(e) => format!("error: {e}"),
    };
    assert_eq!(got, expected, "filter: {filter}");
}

#[test]
fn numeric_comparisons_on_extension_attributes() {
    // Numbers compare as numbers, not as text ("10" > "2").
    check_typed("level gt 2", "2");
    check_typed("level ge 2", "1,2");
    check_typed("level lt 2", "3");
    check_typed("level le -1", "3");
    check_typed(&format!("{TYPED}:level gt 9"), "2");
    check_typed("level eq 10", "2");
    check_typed("level ne 10", "1,3,4");
    check_typed("score gt 9.5", "2");
    check_typed("score ge 9.5", "1,2");
    check_typed("score lt 0", "3");
    check_typed("score le 10", "1,2,3");
    check_typed("score gt 1e1", "");
    check_typed("score ge 1e1", "2");
    check_typed("level pr", "1,2,3");
    check_typed(
        "level gt 2.5",
        "error: 400 invalidFilter: level gt 2.5: expected an integer",
    );
    check_typed(
        "level co 1",
        "error: 400 invalidFilter: level co 1: the operator is not supported for integer attributes",
    );
}

/// Found by fuzzing (the `path` target): display escapes control characters
/// (`\u0001` takes six bytes) of an unquoted value, so a filter under the
/// length limit can display over it; re-parsing that display is refused by
/// length, never misread.
#[test]
fn a_display_can_outgrow_the_length_limit() {
    let text = format!("externalId eq a{}", "\u{1}".repeat(3000));
    let f = Filter::parse(&text).unwrap();
    let shown = f.to_string();
    assert!(
        text.len() < 16 * 1024 && shown.len() > 16 * 1024,
        "{}",
        shown.len()
    );
    let err = Filter::parse(&shown).unwrap_err();
    assert!(format!("{err:?}").contains("limit"), "{err:?}");
}
