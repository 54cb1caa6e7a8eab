//! Read a resource: `GET /Users/{id}`, `GET /Groups/{id}` (RFC 7644 §3.4.1),
//! with `attributes` / `excludedAttributes` and `If-None-Match`
//! ([`Outcome::NotModified`]).

use super::{not_found, parse_id};
use crate::outcome::{Outcome, ResourceRef};
use crate::scim::Scim;
use scim_core::ScimResult;
use scim_store::ResourceKind;

impl Scim<'_> {
    /// Reads one resource.
    pub async fn get(&self, kind: ResourceKind, id: &str) -> ScimResult<Outcome> {
        let rid = parse_id(kind, id)?;
        self.ctx
            .projection
            .check(&self.who.profile().tolerances())?;
        let load = self.core.load_for(kind, &self.ctx.projection)?;
        let record = self
            .core
            .store
            .resources(self.who.tenant())
            .get(kind, &rid, load)
            .await?
            .ok_or_else(|| not_found(kind, id))?;
        if self
            .ctx
            .pre
            .if_none_match
            .as_ref()
            .is_some_and(|c| c.matches(record.version))
        {
            return Ok(Outcome::NotModified(ResourceRef {
                kind,
                id: record.id,
                version: record.version,
            }));
        }
        let (r, body) = self.shown(&record)?;
        Ok(Outcome::Found(r, body))
    }
}
