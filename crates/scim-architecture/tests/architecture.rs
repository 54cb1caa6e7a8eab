//! What ARCHITECTURE.md says and code can check:
//!
//! - every source file under `crates/`, `bench/` and `fuzz/` opens with a
//!   `//!` doc and has at most [`MAX_LINES`] lines;
//! - the crate graph points inward: `scim-core` depends on no workspace
//!   crate and on no async, HTTP or SQL crate; `scim-store` only on
//!   `scim-core`; the storage backends only on the store and the core (and
//!   each other's shared layer); the service on no backend, HTTP or SQL
//!   crate; the HTTP and admin crates on no backend or SQL crate; and only
//!   the binary (`scimd`) on the backends;
//! - no type of the service has more than [`MAX_METHODS`] `pub` or
//!   `pub(crate)` methods, and no function of the service, HTTP or admin
//!   crates needs `too_many_arguments`.
//!
//! The manifests are read with a TOML parser; the sources as rustfmt
//! formats them (CI checks that it does).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The longest a source file may be.
const MAX_LINES: usize = 500;

/// The most `pub` and `pub(crate)` methods one type of the service may have.
const MAX_METHODS: usize = 25;

/// Files that may be longer for now, each with the reason. Only the
/// storage backends, which the shared SQL layer is reworking in parallel.
const LONG_FILES: &[(&str, &str)] = &[(
    "crates/scim-store-sqlite/src/schema.rs",
    "the migrations; split with the shared SQL layer",
)];

/// Crates of the async, HTTP and SQL worlds.
const ASYNC: &[&str] = &["tokio", "async-trait", "futures", "futures-util"];
const HTTP: &[&str] = &[
    "axum",
    "axum-server",
    "hyper",
    "hyper-util",
    "http",
    "http-body",
    "http-body-util",
    "tower",
    "tower-service",
    "reqwest",
    "ureq",
];
const SQL: &[&str] = &[
    "rusqlite",
    "tokio-postgres",
    "postgres",
    "deadpool-postgres",
    "sqlx",
    "diesel",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Every `.rs` file under `dir`, outside build output.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                sources(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

fn all_sources() -> Vec<(String, String)> {
    let root = root();
    let mut files = Vec::new();
    for dir in ["crates", "bench", "fuzz"] {
        sources(&root.join(dir), &mut files);
    }
    assert!(files.len() > 100, "found only {} source files", files.len());
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).unwrap().to_string_lossy().to_string();
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn every_source_file_opens_with_a_doc_comment() {
    let missing: Vec<String> = all_sources()
        .into_iter()
        .filter(|(_, text)| !text.starts_with("//!"))
        .map(|(path, _)| path)
        .collect();
    assert!(missing.is_empty(), "no `//!` doc first: {missing:#?}");
}

#[test]
fn no_source_file_is_longer_than_500_lines() {
    let long: Vec<String> = all_sources()
        .into_iter()
        .filter(|(path, text)| {
            text.lines().count() > MAX_LINES && !LONG_FILES.iter().any(|(p, _)| p == path)
        })
        .map(|(path, text)| format!("{path}: {} lines", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "split these files: {long:#?}");
}

/// The workspace crates (by name) with their normal and dev dependencies.
fn manifests() -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(root().join("crates")).unwrap() {
        let path = e.unwrap().path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let doc: toml::Table = toml::from_str(&text).unwrap();
        let name = doc["package"]["name"].as_str().unwrap().to_string();
        let mut deps = Vec::new();
        for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
            if let Some(t) = doc.get(section).and_then(|d| d.as_table()) {
                deps.extend(t.keys().cloned());
            }
        }
        deps.retain(|d| *d != name);
        out.insert(name, deps);
    }
    assert!(out.contains_key("scim-core") && out.contains_key("scimd"));
    out
}

/// A storage backend, or a layer shared by backends (named `scim-store-*`
/// or `scim-sql*`).
fn is_backend(name: &str) -> bool {
    name.starts_with("scim-store-") || name.starts_with("scim-sql")
}

/// What breaks the dependency rules in a crate graph (crate → its
/// normal, dev and build dependencies).
fn violations(crates: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let workspace: Vec<&String> = crates.keys().collect();
    let mut broken = Vec::new();
    let mut forbid = |krate: &str, dep: &str, why: &str| {
        broken.push(format!("{krate} depends on {dep}: {why}"));
    };
    for (krate, deps) in crates {
        for dep in deps {
            let inside = workspace.contains(&dep);
            let d = dep.as_str();
            match krate.as_str() {
                "scim-core" if inside => forbid(krate, d, "the core depends on no workspace crate"),
                "scim-core" if ASYNC.contains(&d) || HTTP.contains(&d) || SQL.contains(&d) => {
                    forbid(krate, d, "the core does no async work, HTTP or SQL")
                }
                "scim-store" if inside && d != "scim-core" => {
                    forbid(krate, d, "the storage port depends only on the core")
                }
                k if is_backend(k)
                    && inside
                    && !(d == "scim-core" || d == "scim-store" || is_backend(d)) =>
                {
                    forbid(krate, d, "a backend depends only on the store and the core")
                }
                "scim-service" if is_backend(d) || HTTP.contains(&d) || SQL.contains(&d) => {
                    forbid(krate, d, "the service knows no backend, HTTP or SQL")
                }
                "scim-http" | "scim-admin" if is_backend(d) || SQL.contains(&d) => {
                    forbid(krate, d, "HTTP and admin code never touch a backend or SQL")
                }
                k if k != "scimd" && !is_backend(k) && is_backend(d) => {
                    forbid(krate, d, "only the binary knows the backends")
                }
                _ => {}
            }
        }
    }
    broken
}

#[test]
fn crate_dependencies_point_inward() {
    let broken = violations(&manifests());
    assert!(broken.is_empty(), "{broken:#?}");
}

/// The rules catch each kind of edge they forbid, and let the allowed ones be.
#[test]
fn the_rules_catch_what_they_forbid() {
    // (crate, dependency, forbidden)
    let table = [
        ("scim-core", "scim-store", true),
        ("scim-core", "tokio", true),
        ("scim-core", "serde_json", false),
        ("scim-store", "scim-service", true),
        ("scim-store", "async-trait", false),
        ("scim-store-sqlite", "scim-service", true),
        ("scim-store-sqlite", "scim-sql", false),
        ("scim-service", "scim-store-sqlite", true),
        ("scim-service", "axum", true),
        ("scim-service", "rusqlite", true),
        ("scim-http", "scim-store-postgres", true),
        ("scim-admin", "tokio-postgres", true),
        ("scim-http", "axum", false),
        ("scim-webhooks", "scim-store-sqlite", true),
        ("scimd", "scim-store-sqlite", false),
    ];
    for (krate, dep, forbidden) in table {
        let mut graph: BTreeMap<String, Vec<String>> = [
            "scim-core",
            "scim-store",
            "scim-store-sqlite",
            "scim-store-postgres",
            "scim-sql",
            "scim-service",
            "scim-http",
            "scim-admin",
            "scim-webhooks",
            "scimd",
        ]
        .iter()
        .map(|c| (c.to_string(), Vec::new()))
        .collect();
        graph.get_mut(krate).unwrap().push(dep.to_string());
        assert_eq!(!violations(&graph).is_empty(), forbidden, "{krate} → {dep}");
    }
}

/// `impl X` blocks of a rustfmt-formatted file with the number of `pub`
/// and `pub(crate)` methods each holds: inherent impls start at column 0
/// and end at the next `}` there; their methods sit four spaces in.
fn methods_per_type(text: &str, counts: &mut BTreeMap<String, Vec<String>>) {
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(t) = &current {
            if line == "}" {
                current = None;
                continue;
            }
            let l = line.strip_prefix("    ").unwrap_or("");
            let visible = [
                "pub fn ",
                "pub async fn ",
                "pub(crate) fn ",
                "pub(crate) async fn ",
            ]
            .iter()
            .chain(["pub(super) fn ", "pub(super) async fn "].iter())
            .find_map(|p| l.strip_prefix(p));
            if let Some(rest) = visible {
                let name = rest.split(['(', '<']).next().unwrap_or("").to_string();
                counts.entry(t.clone()).or_default().push(name);
            }
        } else if let Some(rest) = line.strip_prefix("impl") {
            if !(rest.starts_with(' ') || rest.starts_with('<')) || rest.contains(" for ") {
                continue;
            }
            // `impl<'a> Name<'a> {` → `Name`.
            let rest = match rest.strip_prefix('<') {
                Some(r) => r.split_once("> ").map_or("", |(_, t)| t),
                None => rest.trim_start(),
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && line.ends_with('{') {
                current = Some(name);
            }
        }
    }
}

#[test]
fn no_service_type_has_more_than_25_methods() {
    let mut counts = BTreeMap::new();
    for (path, text) in all_sources() {
        if path.starts_with("crates/scim-service/src/") {
            methods_per_type(&text, &mut counts);
        }
    }
    assert!(
        !counts.contains_key("ScimService"),
        "one type for everything is back"
    );
    for must in [
        "Scim",
        "Service",
        "Operator",
        "TenantReader",
        "TenantAdmin",
        "SystemAdmin",
    ] {
        assert!(
            counts.contains_key(must),
            "no methods found for {must}: {counts:?}"
        );
    }
    for (t, m) in &counts {
        println!("{t}: {}", m.len());
    }
    let large: Vec<String> = counts
        .iter()
        .filter(|(_, m)| m.len() > MAX_METHODS)
        .map(|(t, m)| format!("{t}: {} methods: {m:?}", m.len()))
        .collect();
    assert!(large.is_empty(), "split these types: {large:#?}");
}

#[test]
fn no_long_argument_lists_in_the_service_and_its_handlers() {
    let allowed: Vec<String> = all_sources()
        .into_iter()
        .filter(|(path, text)| {
            [
                "crates/scim-service/",
                "crates/scim-http/",
                "crates/scim-admin/",
            ]
            .iter()
            .any(|c| path.starts_with(c))
                && text.contains("too_many_arguments")
        })
        .map(|(path, _)| path)
        .collect();
    assert!(allowed.is_empty(), "use a context struct: {allowed:#?}");
}
