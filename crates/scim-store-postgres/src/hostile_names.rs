//! Attribute names are data: tenant-defined schemas may name an attribute
//! anything, so the SQL a filter or a sort lowers to must address exactly
//! that name, whatever it contains (`'`, `"`, `\`, `.`, `[`, control
//! characters), and never end a literal. These tests lower hostile names
//! and run the statements on a real database (PostgreSQL cannot store
//! NUL in `jsonb`, so that name is SQLite's test only).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::exec::binds;
use crate::testing::admin_url;
use crate::{Postgres, PostgresStore};
use scim_core::filter::{CompareOp, LAttr, LValue, Lowered};
use scim_core::schema::AttrType;
use scim_core::sort::SortSpec;
use scim_store::ResourceKind;
use scim_store_sql::dialect::POSTGRES;
use scim_store_sql::query::{count_statement, where_clause};
use scim_store_sql::sort::order_by;
use serde_json::json;
use tokio_postgres::types::ToSql;

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

async fn db() -> Option<PostgresStore> {
    let admin = match admin_url() {
        Ok(a) => a,
        Err((true, why)) => panic!("{why}"),
        Err((false, why)) => {
            eprintln!("note: {why}");
            return None;
        }
    };
    let store = Postgres::open_fresh(&admin).await.unwrap();
    let mut doc = serde_json::Map::new();
    let mut ext = serde_json::Map::new();
    for (i, n) in HOSTILE.iter().enumerate() {
        doc.insert((*n).to_string(), json!(format!("v{i}")));
        ext.insert((*n).to_string(), json!(format!("x{i}")));
        doc.insert(format!("m{n}"), json!([{ *n: format!("s{i}") }]));
    }
    doc.insert("urn:o'x:\"ext\"".into(), json!(ext));
    let body = serde_json::Value::Object(doc).to_string();
    store
        .client()
        .await
        .unwrap()
        .execute(
            "INSERT INTO resources (tenant_id, kind, id, version, created, last_modified, active, body)
             VALUES (1, 0, 'u1', 1, 0, 0, true, $1)",
            &[&body],
        )
        .await
        .unwrap();
    Some(store)
}

async fn count(store: &PostgresStore, f: &Lowered) -> i64 {
    let w = where_clause(&POSTGRES, 1, ResourceKind::User, Some(f));
    let sql = count_statement(&w);
    let c = store.client().await.unwrap();
    let binds = binds(&w.params);
    let args: Vec<&(dyn ToSql + Sync)> = binds.iter().map(|b| b as _).collect();
    c.query_one(sql.as_str(), &args)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

fn eq(a: LAttr, v: &str) -> Lowered {
    Lowered::Cmp {
        attr: a,
        op: CompareOp::Eq,
        value: LValue::Str(v.to_string()),
    }
}

#[tokio::test]
async fn hostile_attribute_names_address_exactly_their_attribute() {
    let Some(c) = db().await else { return };
    let ext = Some("urn:o'x:\"ext\"");
    for (i, n) in HOSTILE.iter().enumerate() {
        let top = attr(n, None, false, None);
        assert_eq!(
            count(&c, &eq(top.clone(), &format!("v{i}"))).await,
            1,
            "{n:?}"
        );
        assert_eq!(count(&c, &eq(top.clone(), "v-none")).await, 0, "{n:?}");
        assert_eq!(count(&c, &Lowered::Present(top)).await, 1, "{n:?} pr");
        let e = attr(n, ext, false, None);
        assert_eq!(count(&c, &eq(e, &format!("x{i}"))).await, 1, "{n:?} in ext");
        // A multi-valued attribute and a hostile sub-attribute name.
        let m = format!("m{n}");
        let sub = eq(attr(n, None, false, None), &format!("s{i}"));
        let any = Lowered::Any {
            attr: attr(&m, None, true, None),
            filter: Box::new(sub),
        };
        assert_eq!(count(&c, &any).await, 1, "{n:?} value filter");
        let dotted = eq(attr(&m, None, true, Some(n)), &format!("s{i}"));
        assert_eq!(count(&c, &dotted).await, 1, "{n:?} dotted");
        let present = Lowered::Present(attr(&m, None, true, Some(n)));
        assert_eq!(count(&c, &present).await, 1, "{n:?} sub pr");
        // Sorting by it runs, and finds the value.
        for multi in [false, true] {
            let a = if multi {
                attr(&m, None, true, Some(n))
            } else {
                attr(n, None, false, None)
            };
            let order = order_by(
                &POSTGRES,
                Some(&SortSpec {
                    attr: a,
                    descending: false,
                }),
            );
            let sql = format!("SELECT r.id FROM resources r {order}");
            let id: String = c
                .client()
                .await
                .unwrap()
                .query_one(sql.as_str(), &[])
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .get(0);
            assert_eq!(id, "u1");
        }
    }
    let tables: i64 = c
        .client()
        .await
        .unwrap()
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE tablename = 'resources'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 1);
}
