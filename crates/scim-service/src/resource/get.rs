//! Read a resource: `GET /Users/{id}`, `GET /Groups/{id}` (RFC 7644 §3.4.1),
//! with `attributes` / `excludedAttributes` and `If-None-Match` (304).

use super::{not_found, parse_id, Preconditions, Reply, RequestCtx};
use crate::{Principal, ScimService};
use scim_core::project::Projection;
use scim_core::ScimResult;
use scim_store::ResourceKind;

impl ScimService {
    /// Reads one resource.
    pub async fn get(
        &self,
        who: &Principal,
        kind: ResourceKind,
        id: &str,
        ctx: &RequestCtx,
        projection: &Projection,
        pre: &Preconditions,
    ) -> ScimResult<Reply> {
        let rid = parse_id(kind, id)?;
        projection.check(&who.profile().tolerances())?;
        let load = self.load_for(kind, projection)?;
        let record = self
            .store
            .resources(who.tenant())
            .get(kind, &rid, load)
            .await?
            .ok_or_else(|| not_found(kind, id))?;
        if pre
            .if_none_match
            .as_ref()
            .is_some_and(|c| c.matches(record.version))
        {
            return Ok(Reply {
                status: 304,
                body: None,
                etag: Some(record.version.etag()),
                location: None,
            });
        }
        self.reply(&record, ctx, projection, 200)
    }
}
