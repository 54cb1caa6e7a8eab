//! Discovery (RFC 7644 §4): `/ServiceProviderConfig` (RFC 7643 §5, with the
//! RFC 9865 §4 `pagination` attribute), `/ResourceTypes` (RFC 7643 §6) and
//! `/Schemas` (RFC 7643 §7), each also by id. The configuration states what
//! scimd really does, including the RFC 9967 §4 `securityEvents` it emits
//! and, for an `interop` connection's token, `interopProfileConformant`.
//! `/Schemas` leaves out what the registry knows but scimd does not serve
//! (`scim_core::schema::UNPUBLISHED`: the User's `password`);
//! For an `interop` connection's token, `/ResourceTypes/User` also declares
//! the provenance extension that responses carry when asked for it by name
//! (the other profiles leave it out: clients that exercise every declared
//! extension would try to write its read-only, server-set values).

use crate::context::RequestCtx;
use crate::internal;
use crate::scim::Scim;
use scim_core::list::{list_response, Paging};
use scim_core::schema::{
    ResourceType, Schema, RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA,
    UNPUBLISHED,
};
use scim_core::{ScimError, ScimResult};
use serde_json::{json, Value};

fn base(ctx: &RequestCtx) -> &str {
    ctx.base_url.trim_end_matches('/')
}

impl Scim<'_> {
    /// `GET /ServiceProviderConfig` as the principal's tenant sees it: with
    /// RFC 9967 §4 `securityEvents` once the tenant has a webhook (a SET
    /// stream) configured; absent means "not currently configured".
    pub async fn service_provider_config(&self) -> ScimResult<Value> {
        let mut v = self.base_config(self.ctx);
        if !self
            .core
            .store
            .list_webhooks(Some(self.who.tenant()))
            .await?
            .is_empty()
        {
            v["securityEvents"] =
                json!({"asyncRequest": "none", "eventUris": crate::set::event_uris()});
        }
        // The interop profile's claim, for that connection's tokens only
        // (the other profiles say nothing, as the draft allows).
        if self.who.profile().interop_conformant() {
            v["interopProfileConformant"] = json!(true);
        }
        Ok(v)
    }

    /// The configuration every tenant shares.
    fn base_config(&self, ctx: &RequestCtx) -> Value {
        let c = &self.core.config;
        let mut v = json!({
            "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
            "patch": {"supported": true},
            "bulk": {"supported": true, "maxOperations": c.bulk.max_operations, "maxPayloadSize": c.bulk.max_payload_size},
            "filter": {"supported": true, "maxResults": c.list.max_count},
            "changePassword": {"supported": false},
            "sort": {"supported": true},
            "etag": {"supported": true},
            "pagination": {
                "cursor": true,
                "index": true,
                "defaultPaginationMethod": "index",
                "defaultPageSize": c.list.default_count,
                "maxPageSize": c.list.max_count
            },
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "Authentication with a bearer token issued by scimd (RFC 6750)",
                "specUri": "https://www.rfc-editor.org/info/rfc6750",
                "primary": true
            }],
            "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{}/ServiceProviderConfig", base(ctx))}
        });
        if let Some(uri) = &c.documentation_uri {
            v["documentationUri"] = json!(uri);
        }
        v
    }

    fn resource_type_json(&self, rt: &ResourceType, ctx: &RequestCtx) -> Value {
        let mut extensions: Vec<Value> = rt
            .schema_extensions
            .iter()
            .map(|e| json!({"schema": e.schema, "required": e.required}))
            .collect();
        // Server-set and read-only; returned when asked for by name.
        if rt.id == "User" && self.who.profile().interop_conformant() {
            extensions
                .push(json!({"schema": crate::provenance::PROVENANCE_SCHEMA, "required": false}));
        }
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": rt.id,
            "name": rt.name,
            "endpoint": rt.endpoint,
            "description": rt.description,
            "schema": rt.schema,
            "schemaExtensions": extensions,
            "meta": {"resourceType": "ResourceType", "location": format!("{}/ResourceTypes/{}", base(ctx), rt.id)}
        })
    }

    fn schema_json(&self, s: &Schema, ctx: &RequestCtx) -> ScimResult<Value> {
        let mut v =
            serde_json::to_value(s).map_err(|e| internal(&format!("schema serialisation: {e}")))?;
        if let Value::Object(m) = &mut v {
            if let Some(Value::Array(attrs)) = m.get_mut("attributes") {
                attrs.retain(|a| {
                    !UNPUBLISHED
                        .iter()
                        .any(|(urn, name)| *urn == s.id && a["name"] == *name)
                });
            }
            m.shift_insert(0, "schemas".into(), json!([SCHEMA_SCHEMA]));
            m.insert("meta".into(), json!({"resourceType": "Schema", "location": format!("{}/Schemas/{}", base(ctx), s.id)}));
        }
        Ok(v)
    }

    /// `GET /ResourceTypes`.
    pub fn resource_types(&self) -> Value {
        let ctx = self.ctx;
        let items: Vec<Value> = self
            .who
            .schemas()
            .registry()
            .resource_types()
            .iter()
            .map(|rt| self.resource_type_json(rt, ctx))
            .collect();
        let n = items.len() as u64;
        list_response(items, n, &Paging::Index { start_index: 1 }, None, None)
    }

    /// `GET /ResourceTypes/{id}`.
    pub fn resource_type(&self, id: &str) -> ScimResult<Value> {
        let ctx = self.ctx;
        self.who
            .schemas()
            .registry()
            .resource_types()
            .iter()
            .find(|rt| rt.id.eq_ignore_ascii_case(id))
            .map(|rt| self.resource_type_json(rt, ctx))
            .ok_or_else(|| ScimError::NotFound(format!("no resource type {id:?}")))
    }

    /// `GET /Schemas`.
    pub fn schemas(&self) -> ScimResult<Value> {
        let ctx = self.ctx;
        let items = self
            .who
            .schemas()
            .registry()
            .schemas()
            .iter()
            .map(|s| self.schema_json(s, ctx))
            .collect::<ScimResult<Vec<_>>>()?;
        let n = items.len() as u64;
        Ok(list_response(
            items,
            n,
            &Paging::Index { start_index: 1 },
            None,
            None,
        ))
    }

    /// `GET /Schemas/{id}`.
    pub fn schema(&self, id: &str) -> ScimResult<Value> {
        let s = self
            .who
            .schemas()
            .registry()
            .schema(id)
            .ok_or_else(|| ScimError::NotFound(format!("no schema {id:?}")))?;
        self.schema_json(s, self.ctx)
    }
}
