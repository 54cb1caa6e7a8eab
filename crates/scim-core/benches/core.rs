//! Criterion micro-benchmarks of the protocol core's hot paths: filter
//! parsing, lowering and evaluation, request validation, PATCH apply,
//! projection and serialisation. Run: `cargo bench -p scim-core`.

#![allow(clippy::expect_used)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use scim_core::filter::{lower, Filter};
use scim_core::patch::{apply, PatchRequest};
use scim_core::project::Projection;
use scim_core::resource::normalize;
use scim_core::schema::{SchemaRegistry, GROUP_SCHEMA};
use scim_core::tolerance::Tolerances;
use serde_json::{json, Value};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn user() -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT], "userName": "barbara.jensen.42@acme.example.com",
        "externalId": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "active": true,
        "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Barbara Jensen"}, "displayName": "Barbara Jensen",
        "emails": [{"value": "barbara.jensen.42@acme.example.com", "type": "work", "primary": true}],
        ENT: {"employeeNumber": "E0000042", "department": "Engineering"}})
}

fn benches(c: &mut Criterion) {
    let mut reg = SchemaRegistry::builtin().expect("schemas");
    reg.mark_external(GROUP_SCHEMA, "members").expect("members");
    let view = reg.view("User").expect("User");
    let tol = Tolerances::lenient();

    let lookup = r#"userName eq "barbara.jensen.42@acme.example.com""#;
    let complex = r#"userType eq "Employee" and (emails[type eq "work" and value co "@example.com"] or not (title pr)) and meta.lastModified gt "2011-05-13T04:42:34Z""#;
    c.bench_function("filter/parse/lookup", |b| {
        b.iter(|| Filter::parse(black_box(lookup)))
    });
    c.bench_function("filter/parse/complex", |b| {
        b.iter(|| Filter::parse(black_box(complex)))
    });
    let parsed = Filter::parse(complex).expect("filter");
    c.bench_function("filter/lower/complex", |b| {
        b.iter(|| lower(black_box(&parsed), &view))
    });
    let lowered = lower(&Filter::parse(lookup).expect("filter"), &view).expect("lower");
    let doc = user();
    c.bench_function("filter/eval/lookup", |b| {
        b.iter(|| lowered.matches(black_box(&doc)))
    });

    let body = user();
    c.bench_function("resource/normalize/user", |b| {
        b.iter(|| normalize(black_box(&body), &view, &tol))
    });
    let stored = normalize(&body, &view, &tol).expect("normalize");

    let deactivate = PatchRequest::parse(
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": false}]}),
        &tol,
    )
    .expect("patch");
    c.bench_function("patch/apply/replace-active", |b| {
        b.iter(|| apply(black_box(&stored), &deactivate, &view, &tol))
    });
    let entra = PatchRequest::parse(
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@acme.example.com"},
            {"op": "Replace", "value": {"name.givenName": "Babs", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales"}},
            {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "m-1"}]}),
        &tol,
    )
    .expect("patch");
    c.bench_function("patch/apply/entra-mixed", |b| {
        b.iter(|| apply(black_box(&stored), &entra, &view, &tol))
    });
    let patch_body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": false}]});
    c.bench_function("patch/parse/replace-active", |b| {
        b.iter(|| PatchRequest::parse(black_box(&patch_body), &tol))
    });

    let projection = Projection::parse(Some("userName,emails.value"), None).expect("projection");
    c.bench_function("project/attributes", |b| {
        b.iter(|| projection.apply(black_box(&body), &view))
    });
    c.bench_function("serialize/user", |b| {
        b.iter(|| serde_json::to_vec(black_box(&body)))
    });
    let text = serde_json::to_vec(&body).expect("json");
    c.bench_function("deserialize/user", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&text)))
    });
}

criterion_group!(core, benches);
criterion_main!(core);
