//! The comparison baseline of the performance targets: a bare axum handler
//! that answers every request with a fixed ~590-byte SCIM User body, on the
//! same stack as scimd (tokio, hyper, axum) but with no routing logic,
//! parsing, authentication or storage.
//! Usage: bare-axum [--addr 127.0.0.1:19091]

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::Router;

const BODY: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"id":"2819c223-7f76-453a-919d-413861904646","externalId":"701984","userName":"bjensen@example.com","name":{"givenName":"Barbara","familyName":"Jensen","formatted":"Barbara Jensen"},"displayName":"Barbara Jensen","emails":[{"value":"bjensen@example.com","type":"work","primary":true}],"active":true,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"E0000701","department":"Engineering"},"meta":{"resourceType":"User","version":"W/\"1\""}}"#;

async fn fixed() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/scim+json")], BODY)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let addr = args
        .iter()
        .position(|a| a == "--addr")
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:19091".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
        let app = Router::new().fallback(fixed);
        axum::serve(listener, app).await.expect("serve");
    });
}
