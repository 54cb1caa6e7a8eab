//! IdP profiles at the service boundary: what each connection's profile
//! accepts of the forms real IdPs send (the tolerances of
//! `scim_core::profile`, seen through requests), what it records as a new
//! user's `authProvider`, and the profile in effect that the audit log
//! names. One table per rule; the profile's own tables (switches,
//! detection, names) are unit tests of `scim-core/src/profile.rs`.

use crate::harness::*;
use serde_json::{json, Value};

const PROFILES: [&str; 6] = ["auto", "entra", "okta", "onelogin", "jumpcloud", "strict"];

/// A client of a connection with this profile (`auto`: the default one).
/// Its undefined attributes go as the profile says (the `drop` policy;
/// `keep` and `reject` decide for themselves, whatever the profile).
async fn client(h: &Harness, profile: &str) -> Idp {
    match profile {
        "auto" => h.idp.clone(),
        p => {
            h.connection(p, p, |c| c.undefined = scim_store::UndefinedPolicy::Drop)
                .await
        }
    }
}

/// What a profile answers to one request form: (form, request builder,
/// the codes for auto, entra, okta, onelogin, jumpcloud, strict).
type Form = (
    &'static str,
    fn(&str, &str) -> (&'static str, String, Value),
);

fn forms() -> Vec<(Form, [u16; 6])> {
    vec![
        // `"active": "true"`: a string boolean (Entra, OneLogin).
        (
            ("string boolean", |_, n| {
                (
                    "POST",
                    "/Users".into(),
                    json!({"schemas": [USER], "userName": format!("sb-{n}"), "active": "true"}),
                )
            }),
            [201, 201, 400, 201, 400, 400],
        ),
        // An attribute scimd does not know (Okta's custom attributes, OneLogin's template).
        (
            ("unknown attribute", |_, n| {
                (
                    "POST",
                    "/Users".into(),
                    json!({"schemas": [USER], "userName": format!("ua-{n}"), "favouriteColour": "teal"}),
                )
            }),
            [201, 201, 201, 201, 400, 400],
        ),
        // `"op": "Replace"`: a capitalised operation (Entra).
        (
            ("capitalised op", |id, _| {
                (
                    "PATCH",
                    format!("/Users/{id}"),
                    patch(json!([{"op": "Replace", "path": "title", "value": "x"}])),
                )
            }),
            [200, 200, 400, 400, 400, 400],
        ),
        // A dotted key in a path-less value (Entra); Okta and OneLogin
        // ignore it as an unknown attribute (see below).
        (
            ("dotted key", |id, _| {
                (
                    "PATCH",
                    format!("/Users/{id}"),
                    patch(json!([{"op": "replace", "value": {"name.givenName": "G"}}])),
                )
            }),
            [200, 200, 200, 200, 400, 400],
        ),
        // The read-only `id` in a path-less value (Okta's group rename).
        (
            ("read-only id in value", |id, _| {
                (
                    "PATCH",
                    format!("/Users/{id}"),
                    patch(json!([{"op": "replace", "value": {"id": id, "title": "y"}}])),
                )
            }),
            [200, 400, 200, 400, 400, 400],
        ),
        // An unquoted filter string (Entra).
        (
            ("unquoted filter string", |_, _| {
                (
                    "GET",
                    "/Users?filter=userName%20eq%20nobody".into(),
                    Value::Null,
                )
            }),
            [200, 200, 400, 400, 400, 400],
        ),
    ]
}

#[tokio::test]
async fn each_profile_accepts_what_its_idp_sends() {
    let h = Harness::new().await;
    for (p, profile) in PROFILES.into_iter().enumerate() {
        let idp = client(&h, profile).await;
        let id = idp.create_user(&format!("base-{profile}")).await;
        for ((form, request), codes) in forms() {
            let (method, path, body) = request(&id, profile);
            let body = (!body.is_null()).then_some(body);
            let r = idp.call(method, &path, body.as_ref()).await;
            assert_eq!(r.code, codes[p], "{profile}: {form}: {}", r.body);
        }
        // Only the profiles that understand dotted keys applied one.
        let given = &idp.get(&format!("/Users/{id}")).await.body["name"]["givenName"];
        assert_eq!(
            given == "G",
            matches!(profile, "auto" | "entra"),
            "{profile}: {given}"
        );
    }
}

#[tokio::test]
async fn auth_provider_and_audited_profile() {
    let h = Harness::new().await;
    let entra_ua = "Microsoft Azure AD SCIM Client";
    // (connection profile, User-Agent, authProvider recorded, profile audited)
    let table: &[(&str, Option<&str>, &str, &str)] = &[
        ("auto", None, "default", "auto"),
        ("auto", Some(entra_ua), "entra", "entra"),
        ("auto", Some("Okta SCIM Client 1.0.0"), "okta", "okta"),
        ("okta", None, "okta", "okta"),
        ("okta", Some(entra_ua), "okta", "okta"),
        ("strict", None, "strict", "strict"),
        ("strict", Some(entra_ua), "strict", "strict"),
    ];
    let mut idps = std::collections::HashMap::new();
    for (i, (profile, agent, provider, audited_as)) in table.iter().enumerate() {
        if !idps.contains_key(profile) {
            idps.insert(*profile, client(&h, profile).await);
        }
        let mut idp = idps[profile].clone();
        idp.agent = agent.map(str::to_string);
        let id = idp.create_user(&format!("who-{i}")).await;
        let row = format!("row {i}: {profile} {agent:?}");
        // A connection named after its profile: `strict` records its name.
        assert_eq!(
            idp.provenance(&id).await["authProvider"],
            *provider,
            "{row}"
        );
        let entry = audited(&h.audit().await, "create", Some(&id));
        assert_eq!(entry["profile"], *audited_as, "{row}");
    }
}
