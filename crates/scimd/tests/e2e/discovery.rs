//! Discovery endpoints (RFC 7644 §4).

use crate::server::*;
use serde_json::json;

const ROLES: &str = "urn:scimd:params:scim:schemas:extension:roles:2.0:User";

#[test]
fn service_provider_config_states_capabilities() {
    let s = Server::start();
    let r = s.get("/ServiceProviderConfig");
    assert_eq!(r.status, 200);
    let b = &r.body;
    assert_eq!(
        b["schemas"][0],
        "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
    );
    for f in ["patch", "bulk", "filter", "sort", "etag"] {
        assert_eq!(b[f]["supported"], true, "{f}");
    }
    assert_eq!(b["changePassword"]["supported"], false);
    assert_eq!(b["filter"]["maxResults"], 1000);
    assert_eq!(b["pagination"]["cursor"], true);
    assert_eq!(b["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(
        b["meta"]["location"],
        format!("{}/ServiceProviderConfig", s.base)
    );
}

#[test]
fn schemas_and_resource_types_by_id() {
    let s = Server::start();
    let list = s.get("/Schemas");
    assert_eq!(
        list.body["totalResults"], 7,
        "the provenance schema is published"
    );
    let user = s.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User");
    assert_eq!(user.status, 200);
    assert_eq!(user.body["id"], USER);
    assert_eq!(user.body["attributes"][0]["name"], "userName");
    assert_eq!(user.body["meta"]["resourceType"], "Schema");
    assert_eq!(
        s.get(&format!("/Schemas/{ENT}")).body["name"],
        "EnterpriseUser"
    );
    assert_error(&s.get("/Schemas/urn:nope"), 404, None);
    let rts = s.get("/ResourceTypes");
    assert_eq!(rts.body["totalResults"], 2);
    let rt = s.get("/ResourceTypes/User");
    assert_eq!(rt.body["endpoint"], "/Users");
    assert_eq!(rt.body["schemaExtensions"][0]["schema"], ENT);
    // The provenance extension is declared for `interop` tokens only
    // (e2e/interop.rs); the roles extension only while the tenant maps
    // roles (e2e/roles.rs, docs/roles.md).
    let exts = rt.body["schemaExtensions"].as_array().unwrap();
    assert_eq!(exts.len(), 1, "{exts:?}");
    assert_error(&s.get(&format!("/Schemas/{ROLES}")), 404, None);
    let p = s.get(&format!("/Schemas/{PROVENANCE}"));
    assert_eq!(p.status, 200);
    assert_eq!(p.body["attributes"][0]["name"], "authProvider");
    assert_eq!(p.body["attributes"][0]["mutability"], "readOnly");
    assert_eq!(s.get("/ResourceTypes/Group").body["schema"], GROUP);
    assert_error(&s.get("/ResourceTypes/Device"), 404, None);
}

#[test]
fn write_methods_on_discovery_answer_405() {
    let s = Server::start();
    for path in [
        "/ServiceProviderConfig",
        "/Schemas",
        "/ResourceTypes",
        "/ResourceTypes/User",
        &format!("/Schemas/{USER}"),
    ] {
        for m in ["POST", "PUT", "PATCH", "DELETE"] {
            let r = s.req(m, path, Some(&json!({})));
            assert_error(&r, 405, None);
        }
    }
}
