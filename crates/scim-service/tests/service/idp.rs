//! [`Idp`]: a client of one connection, calling the SCIM API as the HTTP
//! endpoints would (authenticated anew for each call, resources addressed
//! by their HTTP paths).

use super::*;

/// A client of one connection: its token and what its requests carry.
#[derive(Clone)]
pub struct Idp {
    svc: Service,
    pub token: String,
    /// The `User-Agent` its requests carry.
    pub agent: Option<String>,
    /// Whether its requests carry Entra's `aadOptscim062020` flag.
    pub entra_flag: bool,
    /// `If-Match` for the next calls.
    pub if_match: Option<String>,
}

impl Idp {
    pub fn new(svc: &Service, token: &str) -> Idp {
        Idp {
            svc: svc.clone(),
            token: token.to_string(),
            agent: None,
            entra_flag: false,
            if_match: None,
        }
    }

    /// This client with a `User-Agent`.
    pub fn with_agent(&self, agent: &str) -> Idp {
        Idp {
            agent: Some(agent.to_string()),
            ..self.clone()
        }
    }

    /// This client with Entra's flag.
    pub fn with_entra_flag(&self) -> Idp {
        Idp {
            entra_flag: true,
            ..self.clone()
        }
    }

    /// This client sending `If-Match`.
    pub fn if_match(&self, etag: &str) -> Idp {
        Idp {
            if_match: Some(etag.to_string()),
            ..self.clone()
        }
    }

    /// The principal its token names now.
    pub async fn who(&self) -> ScimResult<Principal> {
        self.svc
            .authenticate(Some(&format!("Bearer {}", self.token)))
            .await
    }

    /// The request context of a request `method path`.
    pub fn ctx(&self, method: &str, path: &str) -> RequestCtx {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let q = pairs(query);
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        RequestCtx {
            base_url: BASE.into(),
            user_agent: self.agent.clone(),
            entra_flag: self.entra_flag,
            request_id: format!("req-{method}-{path}"),
            method: method.into(),
            path: path.into(),
            projection: Projection::parse(get("attributes"), get("excludedAttributes"))
                .unwrap_or_default(),
            pre: Preconditions {
                if_match: self.if_match.as_deref().map(EtagCondition::parse),
                if_none_match: None,
            },
        }
    }

    /// Calls the SCIM API as `method path` with a body, as the HTTP
    /// endpoints would.
    pub async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Answer {
        let who = match self.who().await {
            Ok(w) => w,
            Err(e) => return Answer::error(e),
        };
        let ctx = self.ctx(method, path);
        let scim = self.svc.scim(&who, &ctx);
        let (p, query) = path.split_once('?').unwrap_or((path, ""));
        let segs: Vec<&str> = p.trim_matches('/').split('/').collect();
        let kind = |s: &str| match s {
            "Users" => ResourceKind::User,
            "Groups" => ResourceKind::Group,
            _ => panic!("no endpoint {s}"),
        };
        let none = json!(null);
        let body = body.unwrap_or(&none);
        match (method, segs.as_slice()) {
            ("POST", ["Bulk"]) => Answer::value(scim.bulk(body, body.to_string().len()).await),
            ("GET", ["Events"]) => Answer::value(scim.feed(&pairs(query)).await),
            ("GET", ["ServiceProviderConfig"]) => {
                Answer::value(scim.service_provider_config().await)
            }
            ("POST", [".search"]) => Answer::value(scim.list(None, ListSource::Search(body)).await),
            ("POST", [k, ".search"]) => {
                Answer::value(scim.list(Some(kind(k)), ListSource::Search(body)).await)
            }
            ("GET", [k]) => {
                let q = pairs(query);
                Answer::value(scim.list(Some(kind(k)), ListSource::Query(&q)).await)
            }
            ("POST", [k]) => Answer::of(scim.create(kind(k), body).await),
            ("GET", [k, id]) => Answer::of(scim.get(kind(k), id).await),
            ("PUT", [k, id]) => Answer::of(scim.replace(kind(k), id, body).await),
            ("PATCH", [k, id]) => Answer::of(scim.patch(kind(k), id, body).await),
            ("DELETE", [k, id]) => Answer::of(scim.delete(kind(k), id).await),
            _ => panic!("no route {method} {path}"),
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.call("POST", path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        self.call("PUT", path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Answer {
        self.call("PATCH", path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.call("DELETE", path, None).await
    }

    /// Creates a user; returns its id.
    pub async fn create_user(&self, name: &str) -> String {
        let r = self.post("/Users", &user(name, true)).await;
        assert_eq!(r.code, 201, "{}", r.body);
        r.id()
    }

    /// Creates a user with a name and a work email, as the end-to-end
    /// tests' `create_user` does; returns its id.
    pub async fn create_person(&self, name: &str) -> String {
        let body = json!({"schemas": [USER], "userName": name,
            "name": {"givenName": "Given", "familyName": name},
            "emails": [{"value": format!("{name}@example.com"), "type": "work", "primary": true}]});
        let r = self.post("/Users", &body).await;
        assert_eq!(r.code, 201, "{}", r.body);
        r.id()
    }

    /// Creates a group with members; returns its id.
    pub async fn create_group(&self, name: &str, members: &[&str]) -> String {
        let r = self.post("/Groups", &group(name, members)).await;
        assert_eq!(r.code, 201, "{}", r.body);
        r.id()
    }

    /// A user's provenance extension (asked for by name).
    pub async fn provenance(&self, id: &str) -> Value {
        let r = self
            .get(&format!("/Users/{id}?attributes=userName,{PROVENANCE}"))
            .await;
        assert_eq!(r.code, 200, "{}", r.body);
        r.body[PROVENANCE].clone()
    }
}

/// Decoded query pairs (`a=b&c=d`; `%20` and `+` are spaces).
pub fn pairs(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        let mut out = Vec::new();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 2 < b.len() {
                if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                    out.push(v);
                    i += 3;
                    continue;
                }
            }
            out.push(b[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}
