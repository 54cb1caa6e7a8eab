//! Sending a webhook request: the [`Transport`] port and its HTTP
//! implementation on `ureq` (blocking, run on tokio's blocking pool).
//! Redirects are not followed: a webhook URL must answer itself.

use async_trait::async_trait;
use std::time::Duration;

/// One webhook request, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub url: String,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

/// Sends webhook requests; answers the HTTP status or why there is none.
#[async_trait]
pub trait Transport: Send + Sync {
    async fn post(&self, req: Outgoing) -> Result<u16, String>;
}

/// HTTP(S) with a timeout per request.
pub struct HttpTransport {
    agent: ureq::Agent,
}

impl HttpTransport {
    pub fn new(timeout: Duration) -> HttpTransport {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(timeout))
            .user_agent(concat!("scimd-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        HttpTransport { agent }
    }
}

#[async_trait]
impl Transport for HttpTransport {
    async fn post(&self, req: Outgoing) -> Result<u16, String> {
        let agent = self.agent.clone();
        tokio::task::spawn_blocking(move || {
            let mut r = agent
                .post(&req.url)
                .header("Content-Type", req.content_type)
                .header("Accept", "application/json");
            for (k, v) in &req.headers {
                r = r.header(*k, v);
            }
            match r.send(req.body.as_bytes()) {
                Ok(resp) => Ok(resp.status().as_u16()),
                Err(e) => Err(e.to_string()),
            }
        })
        .await
        .map_err(|e| format!("delivery task failed: {e}"))?
    }
}
