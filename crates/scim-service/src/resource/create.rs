//! Create a resource: `POST /Users`, `POST /Groups` (RFC 7644 §3.3).
//! Answers 201 with the resource, `Location` and `ETag`; a taken `userName`
//! (or group name) is 409 `uniqueness`.

use super::{Reply, RequestCtx};
use crate::{Principal, ScimService};
use scim_core::project::Projection;
use scim_core::ScimResult;
use scim_store::index::keys;
use scim_store::{NewRecord, ResourceKind};
use serde_json::Value;

impl ScimService {
    /// Creates a resource from a request body.
    pub async fn create(
        &self,
        who: &Principal,
        kind: ResourceKind,
        body: &Value,
        ctx: &RequestCtx,
        projection: &Projection,
    ) -> ScimResult<Reply> {
        let tol = who.profile().tolerances();
        let (doc, members) = self.prepare(kind, body, &tol)?;
        let record = NewRecord {
            kind,
            id: self.ids.new_id(),
            created: self.clock.now(),
            keys: keys(kind, &doc, self.config.unique_group_names),
            doc,
            members,
        };
        let stored = self.store.resources(who.tenant()).insert(record).await?;
        self.reply(&stored, ctx, projection, 201)
    }
}
