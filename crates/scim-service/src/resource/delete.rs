//! Delete a resource: `DELETE /Users/{id}`, `DELETE /Groups/{id}`
//! (RFC 7644 §3.6). Answers 204; a second delete answers 404. Deleting a
//! user or group removes it from every group.

use super::{not_found, parse_id, Preconditions, Reply};
use crate::{Principal, ScimService};
use scim_core::ScimResult;
use scim_store::{Load, ResourceKind};

impl ScimService {
    /// Deletes one resource (honouring `If-Match`).
    pub async fn delete(
        &self,
        who: &Principal,
        kind: ResourceKind,
        id: &str,
        pre: &Preconditions,
    ) -> ScimResult<Reply> {
        let rid = parse_id(kind, id)?;
        let store = self.store.resources(who.tenant());
        if pre.if_match.is_some() {
            let current = store
                .get(kind, &rid, Load::NONE)
                .await?
                .ok_or_else(|| not_found(kind, id))?;
            pre.check_match(current.version)?;
        }
        if store.delete(kind, &rid).await? {
            Ok(Reply::no_content())
        } else {
            Err(not_found(kind, id))
        }
    }
}
