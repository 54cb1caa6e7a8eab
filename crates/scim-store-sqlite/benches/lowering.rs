//! Criterion micro-benchmarks of filter-to-SQL lowering: the IdPs' lookups
//! (`userName eq`, `externalId eq`, a value-path email match) and a
//! compound filter, from a lowered core filter to the SQLite page
//! statement. Run: `cargo bench -p scim-store-sqlite`.

#![allow(clippy::expect_used)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use scim_core::filter::{lower, Filter};
use scim_core::schema::SchemaRegistry;
use scim_store::ResourceKind;
use scim_store_sql::dialect::SQLITE;
use scim_store_sql::query::{page_statement, where_clause};

fn benches(c: &mut Criterion) {
    let reg = SchemaRegistry::builtin().expect("schemas");
    let view = reg.view("User").expect("User");
    let cases = [
        (
            "userName eq",
            r#"userName eq "barbara.jensen.42@acme.example.com""#,
        ),
        (
            "externalId eq",
            r#"externalId eq "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0""#,
        ),
        (
            "emails[type eq work].value eq",
            r#"emails[type eq "work"].value eq "bjensen@example.com""#,
        ),
        (
            "compound",
            r#"(userName sw "bar" or displayName co "Jensen") and active eq true and not (title pr)"#,
        ),
    ];
    for (name, text) in cases {
        let lowered = lower(&Filter::parse(text).expect("filter"), &view).expect("lower");
        c.bench_function(&format!("lower to SQL: {name}"), |b| {
            b.iter(|| {
                let w = where_clause(&SQLITE, 7, ResourceKind::User, Some(black_box(&lowered)));
                black_box(page_statement(&SQLITE, &w, None, None, 101, 0))
            })
        });
    }
}

criterion_group!(core, benches);
criterion_main!(core);
