//! Property tests: filter display/parse round trip, PATCH never panics, and
//! the evaluator agrees with PATCH value-filter selection.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use scim_core::filter::{lower, CompValue, CompareOp, Filter};
use scim_core::patch::{apply, PatchRequest};
use scim_core::path::AttrPath;
use scim_core::resource::normalize;
use scim_core::schema::SchemaRegistry;
use scim_core::tolerance::Tolerances;
use serde_json::{json, Value};

const NAMES: &[&str] = &[
    "userName", "title", "a", "emails", "value", "type", "x1_y-z", "$ref", "not", "and", "or", "pr",
];
const URNS: &[&str] = &[
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:x",
];

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(NAMES).prop_map(str::to_string)
}

fn attr_path(relative: bool) -> impl Strategy<Value = AttrPath> {
    let urn = if relative {
        Just(None).boxed()
    } else {
        prop::option::of(prop::sample::select(URNS).prop_map(str::to_string)).boxed()
    };
    let sub = if relative {
        Just(None).boxed()
    } else {
        prop::option::of(name()).boxed()
    };
    (urn, name(), sub).prop_map(|(urn, name, sub)| AttrPath { urn, name, sub })
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|i| CompValue::Num(i.to_string())),
        (-1.0e10f64..1.0e10).prop_map(|f| CompValue::Num(format!("{f:e}"))),
        any::<String>().prop_map(CompValue::Str),
    ]
}

fn op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ])
}

fn filter(relative: bool) -> impl Strategy<Value = Filter> {
    let leaf =
        prop_oneof![
            (attr_path(relative), op(), comp_value())
                .prop_map(|(path, op, value)| Filter::Compare { path, op, value }),
            attr_path(relative).prop_map(Filter::Present),
        ];
    leaf.prop_recursive(5, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::and(a, b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::or(a, b)),
            inner.prop_map(|a| Filter::Not(Box::new(a))),
        ]
    })
}

fn top_filter() -> impl Strategy<Value = Filter> {
    prop_oneof![
        3 => filter(false),
        1 => (name(), filter(true)).prop_map(|(n, f)| Filter::ValuePath { path: AttrPath::new(None, &n, None), filter: Box::new(f) }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn display_then_parse_is_identity(f in top_filter()) {
        let text = f.to_string();
        let back = Filter::parse(&text);
        prop_assert_eq!(back.as_ref(), Ok(&f), "text: {}", text);
    }

    #[test]
    fn parse_never_panics(s in "\\PC{0,64}") {
        if let Ok(f) = Filter::parse(&s) {
            prop_assert_eq!(Filter::parse(&f.to_string()), Ok(f));
        }
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|i| json!(i)),
        prop::sample::select(vec![
            "",
            "work",
            "home",
            "x@y",
            "True",
            "false",
            "[{\"value\":\"a\"}]",
            "m1"
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "value",
                        "type",
                        "primary",
                        "givenName",
                        "display",
                        "active",
                        "emails",
                        "name.givenName",
                        "id"
                    ]),
                    inner
                ),
                0..4
            )
            .prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

const PATHS: &[&str] = &[
    "",
    "userName",
    "active",
    "name",
    "name.givenName",
    "emails",
    "emails.value",
    "emails[type eq \"work\"]",
    "emails[type eq \"work\"].value",
    "emails[value co \"x\"].primary",
    "addresses[type eq \"home\"].locality",
    "groups",
    "id",
    "meta.version",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "manager",
    "roles",
    "x509Certificates[value pr]",
    "emails[",
    "nosuch",
    "password",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn patch_never_panics(ops in prop::collection::vec((prop::sample::select(vec!["add", "remove", "replace", "Replace", "bogus"]), prop::sample::select(PATHS), prop::option::of(json_value())), 1..5), strict in any::<bool>()) {
        let reg = SchemaRegistry::builtin().unwrap();
        let view = reg.view("User").unwrap();
        let tol = if strict { Tolerances::strict() } else { Tolerances::lenient() };
        let doc = normalize(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "u",
            "emails": [{"value": "x@y", "type": "work", "primary": true}], "name": {"givenName": "G"}}), &view, &Tolerances::lenient()).unwrap();
        let ops: Vec<Value> = ops.into_iter().map(|(op, path, value)| {
            let mut o = json!({"op": op});
            if !path.is_empty() { o["path"] = json!(path); }
            if let Some(v) = value { o["value"] = v; }
            o
        }).collect();
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
        if let Ok(req) = PatchRequest::parse(&body, &tol) {
            if let Ok(out) = apply(&doc, &req, &view, &tol) {
                // Whatever PATCH produced is itself a valid document.
                prop_assert!(normalize(&Value::Object(out.doc.clone()), &view, &Tolerances::strict()).is_ok(), "{:?}", out.doc);
                prop_assert!(out.doc.contains_key("userName"));
            }
        }
    }
}

fn email() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["a@x.com", "B@x.com", "c@y.org"]),
        prop::option::of(prop::sample::select(vec!["work", "home", "Work"])),
        any::<bool>(),
    )
        .prop_map(|(v, t, p)| {
            let mut e = json!({"value": v, "display": v.to_uppercase()});
            if let Some(t) = t {
                e["type"] = json!(t);
            }
            if p {
                e["primary"] = json!(true);
            }
            e
        })
}

fn email_filter() -> impl Strategy<Value = Filter> {
    let leaf = prop_oneof![
        (
            prop::sample::select(vec!["value", "type", "display"]),
            op(),
            prop::sample::select(vec!["a", "x.com", "work", "B@X.COM", "home"])
        )
            .prop_map(|(n, op, v)| Filter::Compare {
                path: AttrPath::new(None, n, None),
                op,
                value: CompValue::Str(v.into())
            }),
        (op(), any::<bool>())
            .prop_filter("eq/ne only", |(op, _)| matches!(
                op,
                CompareOp::Eq | CompareOp::Ne
            ))
            .prop_map(|(op, b)| Filter::Compare {
                path: AttrPath::new(None, "primary", None),
                op,
                value: CompValue::Bool(b)
            }),
        prop::sample::select(vec!["type", "primary", "value"])
            .prop_map(|n| Filter::Present(AttrPath::new(None, n, None))),
    ];
    leaf.prop_recursive(3, 8, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::and(a, b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::or(a, b)),
            inner.prop_map(|a| Filter::Not(Box::new(a))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// An element is removed by `remove emails[f]` exactly when a user holding
    /// only that element matches the resource filter `emails[f]`.
    #[test]
    fn evaluator_agrees_with_patch_selection(emails in prop::collection::vec(email(), 1..5), f in email_filter()) {
        let reg = SchemaRegistry::builtin().unwrap();
        let view = reg.view("User").unwrap();
        let tol = Tolerances::lenient();
        let vp = Filter::ValuePath { path: AttrPath::new(None, "emails", None), filter: Box::new(f) };
        let lowered = lower(&vp, &view).unwrap();
        let mut emails = emails;
        // At most one primary, as the schema requires.
        let mut seen = false;
        for e in emails.iter_mut() {
            if e.get("primary").is_some() { if seen { e.as_object_mut().unwrap().remove("primary"); } seen = true; }
        }
        let doc = normalize(&json!({"userName": "u", "emails": emails}), &view, &tol).unwrap();
        let items = doc["emails"].as_array().unwrap().clone();
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": format!("emails[{}]", match &vp { Filter::ValuePath { filter, .. } => filter.to_string(), _ => unreachable!() })}]});
        let out = apply(&doc, &PatchRequest::parse(&body, &tol).unwrap(), &view, &tol).unwrap();
        let kept = out.doc.get("emails").and_then(Value::as_array).cloned().unwrap_or_default();
        for e in &items {
            let single = json!({"userName": "u", "emails": [e]});
            let selected = lowered.matches(&single);
            prop_assert_eq!(!kept.contains(e), selected, "element {} filter {}", e, vp);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// A run of `add emails` operations in one request does what the same
    /// operations do one request each (the engine merges such runs).
    #[test]
    fn a_run_of_adds_equals_its_operations_one_by_one(
        start in prop::collection::vec(email(), 0..4),
        adds in prop::collection::vec(prop::collection::vec(email(), 1..3), 2..6),
    ) {
        let reg = SchemaRegistry::builtin().unwrap();
        let view = reg.view("User").unwrap();
        let tol = Tolerances::lenient();
        let mut start = start;
        let mut seen = false;
        for e in start.iter_mut() {
            if e.get("primary").is_some() { if seen { e.as_object_mut().unwrap().remove("primary"); } seen = true; }
        }
        let doc = normalize(&json!({"userName": "u", "emails": start}), &view, &tol).unwrap();
        let op = |v: &Vec<Value>| json!({"op": "add", "path": "emails", "value": v});
        let request = |ops: Vec<Value>| {
            PatchRequest::parse(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}), &tol).unwrap()
        };
        let together = apply(&doc, &request(adds.iter().map(op).collect()), &view, &tol);
        let mut one_by_one = Ok(doc.clone());
        for a in &adds {
            one_by_one = one_by_one.and_then(|d| apply(&d, &request(vec![op(a)]), &view, &tol).map(|o| o.doc));
        }
        match (together, one_by_one) {
            (Ok(t), Ok(o)) => prop_assert_eq!(t.doc, o),
            (Err(t), Err(o)) => prop_assert_eq!(t.status(), o.status()),
            (t, o) => prop_assert!(false, "together {:?}, one by one {:?}", t.map(|x| x.doc), o),
        }
    }
}
