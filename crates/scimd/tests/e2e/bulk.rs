//! Bulk (RFC 7644 §3.7).

use crate::server::*;
use serde_json::json;

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

#[test]
fn bulk_resolves_bulk_ids() {
    let s = Server::start();
    let r = s.post("/Bulk", &json!({"schemas": [BULK], "Operations": [
        {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {"schemas": [GROUP], "displayName": "Tour Guides", "members": [{"type": "User", "value": "bulkId:u"}]}},
        {"method": "POST", "path": "/Users", "bulkId": "u", "data": {"schemas": [USER], "userName": "alice"}},
        {"method": "PATCH", "path": "/Users/bulkId:u", "data": {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "Guide"}]}},
        {"method": "DELETE", "path": "/Users/missing"}
    ]}));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
    );
    let ops = r.body["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 4);
    assert_eq!(ops[0]["status"], "201");
    assert_eq!(ops[0]["bulkId"], "g");
    assert_eq!(ops[1]["status"], "201");
    assert_eq!(ops[2]["status"], "200");
    assert_eq!(ops[3]["status"], "404");
    assert_eq!(ops[3]["response"]["status"], "404");
    let gid = ops[0]["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let uid = ops[1]["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        s.get(&format!("/Groups/{gid}")).body["members"][0]["value"],
        uid.as_str()
    );
    assert_eq!(s.get(&format!("/Users/{uid}")).body["title"], "Guide");
}

#[test]
fn bulk_limits_fail_on_errors_and_cycles() {
    let s = Server::start();
    let many: Vec<_> = (0..1001)
        .map(|i| json!({"method": "DELETE", "path": format!("/Users/{i}")}))
        .collect();
    assert_error(
        &s.post("/Bulk", &json!({"schemas": [BULK], "Operations": many})),
        413,
        None,
    );
    let r = s.post(
        "/Bulk",
        &json!({"schemas": [BULK], "failOnErrors": 1, "Operations": [
            {"method": "POST", "path": "/Users", "data": {"schemas": [USER]}},
            {"method": "POST", "path": "/Users", "data": {"schemas": [USER], "userName": "never"}}
        ]}),
    );
    assert_eq!(
        r.body["Operations"].as_array().unwrap().len(),
        1,
        "{}",
        r.text
    );
    assert_eq!(s.get("/Users").body["totalResults"], 0);
    let cyc = s.post("/Bulk", &json!({"schemas": [BULK], "Operations": [
        {"method": "POST", "path": "/Groups", "bulkId": "a", "data": {"schemas": [GROUP], "displayName": "A", "members": [{"value": "bulkId:b"}]}},
        {"method": "POST", "path": "/Groups", "bulkId": "b", "data": {"schemas": [GROUP], "displayName": "B", "members": [{"value": "bulkId:a"}]}}
    ]}));
    let ops = cyc.body["Operations"].as_array().unwrap();
    assert!(ops.iter().all(|o| o["status"] == "409"), "{}", cyc.text);
    assert_error(
        &s.post("/Bulk", &json!({"schemas": [BULK]})),
        400,
        Some("invalidSyntax"),
    );
    let spc = s.get("/ServiceProviderConfig");
    assert_eq!(spc.body["bulk"]["maxOperations"], 1000);
    assert_eq!(spc.body["bulk"]["maxPayloadSize"], 1_048_576);
}
