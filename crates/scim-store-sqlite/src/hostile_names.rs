//! Attribute names are data: tenant-defined schemas may name an attribute
//! anything, so the SQL a filter or a sort lowers to must address exactly
//! that name, whatever it contains (`'`, `"`, `\`, `.`, `[`, control
//! characters), and never end a literal. These tests lower hostile names
//! and run the statements on a real database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::exec::{numbered, Bind};
use crate::{functions, schema};
use rusqlite::{params_from_iter, Connection};
use scim_core::filter::{CompareOp, LAttr, LValue, Lowered};
use scim_core::schema::AttrType;
use scim_core::sort::SortSpec;
use scim_store::ResourceKind;
use scim_store_sql::dialect::SQLITE;
use scim_store_sql::query::{count_statement, where_clause};
use scim_store_sql::sort::order_by;
use serde_json::json;

const HOSTILE: &[&str] = &[
    "x'); DROP TABLE resources; --",
    "o'brien",
    "quote\"d",
    "back\\slash",
    "trailing\\",
    "dot.ted",
    "brack[0]",
    "dollar$",
    "tab\tnew\nline",
    "nul\u{0}byte",
    "é'ü",
];

fn attr(name: &str, ext: Option<&str>, multi: bool, sub: Option<&str>) -> LAttr {
    LAttr {
        ext_urn: ext.map(str::to_string),
        name: name.to_string(),
        sub: sub.map(str::to_string),
        kind: AttrType::String,
        case_exact: true,
        multi_valued: multi,
        external: false,
        index: None,
    }
}

fn db() -> Connection {
    let mut c = Connection::open_in_memory().unwrap();
    functions::register(&c).unwrap();
    schema::migrate(&mut c).unwrap();
    let mut doc = serde_json::Map::new();
    let mut ext = serde_json::Map::new();
    for (i, n) in HOSTILE.iter().enumerate() {
        doc.insert((*n).to_string(), json!(format!("v{i}")));
        ext.insert((*n).to_string(), json!(format!("x{i}")));
        doc.insert(format!("m{n}"), json!([{ *n: format!("s{i}") }]));
    }
    doc.insert("urn:o'x:\"ext\"".into(), json!(ext));
    c.execute(
        "INSERT INTO resources (seq, tenant_id, kind, id, version, created, last_modified, active, doc)
         VALUES (1, 1, 0, 'u1', 1, 0, 0, 1, ?1)",
        [serde_json::Value::Object(doc).to_string()],
    )
    .unwrap();
    c
}

fn count(c: &Connection, f: &Lowered) -> i64 {
    let w = where_clause(&SQLITE, 1, ResourceKind::User, Some(f));
    let sql = numbered(&count_statement(&w)).into_owned();
    c.query_row(&sql, params_from_iter(w.params.iter().map(Bind)), |r| {
        r.get(0)
    })
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn eq(a: LAttr, v: &str) -> Lowered {
    Lowered::Cmp {
        attr: a,
        op: CompareOp::Eq,
        value: LValue::Str(v.to_string()),
    }
}

#[test]
fn hostile_attribute_names_address_exactly_their_attribute() {
    let c = db();
    let ext = Some("urn:o'x:\"ext\"");
    for (i, n) in HOSTILE.iter().enumerate() {
        let top = attr(n, None, false, None);
        assert_eq!(count(&c, &eq(top.clone(), &format!("v{i}"))), 1, "{n:?}");
        assert_eq!(count(&c, &eq(top.clone(), "v-none")), 0, "{n:?}");
        assert_eq!(count(&c, &Lowered::Present(top)), 1, "{n:?} pr");
        let e = attr(n, ext, false, None);
        assert_eq!(count(&c, &eq(e, &format!("x{i}"))), 1, "{n:?} in ext");
        // A multi-valued attribute and a hostile sub-attribute name.
        let m = format!("m{n}");
        let sub = eq(attr(n, None, false, None), &format!("s{i}"));
        let any = Lowered::Any {
            attr: attr(&m, None, true, None),
            filter: Box::new(sub),
        };
        assert_eq!(count(&c, &any), 1, "{n:?} value filter");
        let dotted = eq(attr(&m, None, true, Some(n)), &format!("s{i}"));
        assert_eq!(count(&c, &dotted), 1, "{n:?} dotted");
        let present = Lowered::Present(attr(&m, None, true, Some(n)));
        assert_eq!(count(&c, &present), 1, "{n:?} sub pr");
        // Sorting by it runs, and finds the value.
        for multi in [false, true] {
            let a = if multi {
                attr(&m, None, true, Some(n))
            } else {
                attr(n, None, false, None)
            };
            let order = order_by(
                &SQLITE,
                Some(&SortSpec {
                    attr: a,
                    descending: false,
                }),
            );
            let sql = format!("SELECT r.id FROM resources r {order}");
            let id: String = c
                .query_row(&sql, [], |r| r.get(0))
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            assert_eq!(id, "u1");
        }
    }
    let tables: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'resources'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1);
}
