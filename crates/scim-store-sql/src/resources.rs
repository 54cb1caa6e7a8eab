//! [`SqlResources`]: one tenant's resources (`scim_store::ResourceStore`)
//! on every SQL backend. Writes run on the tenant's lane; point reads (by
//! id, or a filter an index answers without a sort) may run on the
//! calling thread.

use crate::backend::{task, Backend, Write};
use crate::exec::Fail;
use crate::rows::{self, ts};
use crate::trash::Restore;
use crate::write::{self, Insert, Known};
use crate::{query, trash};
use async_trait::async_trait;
use scim_core::resource::{ResourceId, Version};
use scim_core::timestamp::Timestamp;
use scim_store::policy::to_text;
use scim_store::*;
use std::sync::Arc;

/// The resources of one tenant.
pub struct SqlResources<B> {
    pub(crate) b: Arc<B>,
    pub(crate) tenant: i64,
}

impl<B: Backend> SqlResources<B> {
    /// Where deleting a resource leaves its index rows, what the delete
    /// needs to know of them, read now (outside the write).
    async fn known(&self, kind: ResourceKind, id: &ResourceId) -> StoreResult<Option<Known>> {
        if self.b.dialect().cascades() {
            return Ok(None);
        }
        Ok(self
            .get(kind, id, Load::NONE)
            .await?
            .as_ref()
            .map(Known::of))
    }
}

#[async_trait]
impl<B: Backend> ResourceStore for SqlResources<B> {
    async fn insert(&self, mut rec: NewRecord) -> StoreResult<Record> {
        let (t, i) = (self.tenant, Insert::new(&mut rec)?);
        let how = Write::tenant(t, i.cost());
        let job = task(i, move |x, i| Box::pin(write::insert(x, t, i)));
        let members = self.b.write(how, job).await?;
        Ok(Record {
            kind: rec.kind,
            id: rec.id,
            version: Version::FIRST,
            created: rec.created,
            last_modified: rec.created,
            provenance: rec.provenance,
            doc: rec.doc,
            members,
            groups: None,
        })
    }

    async fn get(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        load: Load,
    ) -> StoreResult<Option<Record>> {
        let t = self.tenant;
        let job = task((kind, id.to_string(), load), move |x, (kind, id, load)| {
            Box::pin(async move {
                let found = rows::by_id(x, t, *kind, id, *load).await?;
                Ok(found.map(|(_, r)| r))
            })
        });
        self.b.read(true, job).await
    }

    async fn apply(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        plan: Plan,
    ) -> StoreResult<Option<Applied>> {
        let t = self.tenant;
        let how = Write::tenant(t, plan.cost());
        let job = task((kind, id.to_string(), plan), move |x, (kind, id, plan)| {
            Box::pin(write::apply(x, t, *kind, id, plan))
        });
        self.b.write(how, job).await
    }

    async fn delete(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        base: Option<Version>,
        journal: Journal,
    ) -> StoreResult<bool> {
        let t = self.tenant;
        let known = self.known(kind, id).await?;
        let journal = PreparedJournal::new(journal)?;
        let input = (kind, id.to_string(), base, known, journal);
        let job = task(input, move |x, (kind, id, base, known, journal)| {
            Box::pin(write::delete(
                x,
                t,
                *kind,
                id,
                *base,
                known.as_ref(),
                journal,
            ))
        });
        self.b.write(Write::tenant(t, 4), job).await
    }

    async fn query(&self, kind: ResourceKind, q: &Query) -> StoreResult<Page> {
        let t = self.tenant;
        // Lookups driven by an index (the IdPs' `userName eq` …) touch a
        // few rows; scans and sorts do not.
        let point = q
            .filter
            .as_ref()
            .is_some_and(|f| scim_store::index::driven_by_index(f, kind))
            && q.sort.is_none();
        let job = task((kind, q.clone()), move |x, (kind, q)| {
            Box::pin(query::run(x, t, *kind, q))
        });
        self.b.read(point, job).await
    }

    async fn count(&self, kind: ResourceKind, active_only: bool) -> StoreResult<u64> {
        let t = self.tenant;
        let job = task((kind, active_only), move |x, (kind, active)| {
            Box::pin(query::count(x, t, *kind, *active))
        });
        self.b.read(false, job).await
    }

    async fn trash(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        base: Option<Version>,
        deleted: Timestamp,
        purge_after: Timestamp,
        journal: Journal,
    ) -> StoreResult<bool> {
        let t = self.tenant;
        let known = self.known(kind, id).await?;
        let journal = PreparedJournal::new(journal)?;
        let input = (
            kind,
            id.to_string(),
            base,
            (deleted, purge_after),
            known,
            journal,
        );
        let job = task(input, move |x, (kind, id, base, when, known, j)| {
            Box::pin(trash::trash(
                x,
                t,
                *kind,
                id,
                *base,
                *when,
                known.as_ref(),
                j,
            ))
        });
        self.b.write(Write::tenant(t, 4), job).await
    }

    async fn list_trash(&self, kind: ResourceKind) -> StoreResult<Vec<Trashed>> {
        let t = self.tenant;
        let job = task(kind, move |x, kind| Box::pin(trash::list(x, t, *kind)));
        self.b.read(false, job).await
    }

    async fn restore(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        keys: IndexKeys,
        provenance: Provenance,
        now: Timestamp,
        journal: Journal,
    ) -> StoreResult<Option<Record>> {
        let t = self.tenant;
        let how = Write::tenant(t, 2 + keys.entries.len());
        let r = Restore {
            kind,
            id: id.to_string(),
            keys,
            provenance: to_text(&provenance)?,
            now,
            journal: PreparedJournal::new(journal)?,
        };
        let job = task(r, move |x, r| Box::pin(trash::restore(x, t, r)));
        let Some((version, created, doc)) = self.b.write(how, job).await? else {
            return Ok(None);
        };
        // The document is parsed here, after the commit, not in the write.
        Ok(Some(Record {
            kind,
            id: id.clone(),
            version,
            created: ts(created)?,
            last_modified: now,
            provenance,
            doc: rows::doc(&doc).map_err(Fail::into_store)?,
            members: None,
            groups: None,
        }))
    }
}
