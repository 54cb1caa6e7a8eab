//! Each tenant's schemas: the registry scimd serves ([`crate::registry`])
//! plus the tenant's extensions (`scim_store::schemas`), with what follows
//! from them: the secrets redaction goes by (`scim_core::redact`) and the
//! indexed extension attributes (`scim_store::index`). While the tenant
//! maps groups to roles they include the roles extension
//! ([`crate::roles::ROLES_SCHEMA`]); a mapping change moves the tenant's
//! schema version, so whether it does is known with the schemas.
//!
//! Built once per tenant and schema version and cached ([`SchemaCache`]):
//! a request compares the version its principal's tenant row carries (read
//! with the token) with the cached one, so a change made through any
//! replica takes effect at the next request, without a query of its own.
//!
//! Invariant: every SCIM operation validates, projects, filters, indexes
//! and redacts with its tenant's schemas; tenant B never sees A's.

use crate::internal;
use scim_core::redact::Secrets;
use scim_core::schema::{check_extension, wants_index, ResourceSchema, SchemaRegistry};
use scim_core::ScimResult;
use scim_store::index::{keys_with, ExtIndex, ExtIndexed};
use scim_store::{ExtensionRecord, IndexKeys, ResourceKind, Store, TenantId};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The schemas of one tenant at one schema version.
pub struct TenantSchemas {
    version: i64,
    registry: SchemaRegistry,
    secrets: Arc<Secrets>,
    users: ExtIndex,
    groups: ExtIndex,
    extensions: Vec<ExtensionRecord>,
    /// Whether the tenant maps roles (the roles extension is in).
    roles: bool,
}

impl std::fmt::Debug for TenantSchemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TenantSchemas(v{}, {} extensions, roles {})",
            self.version,
            self.extensions.len(),
            self.roles
        )
    }
}

impl PartialEq for TenantSchemas {
    fn eq(&self, other: &TenantSchemas) -> bool {
        self.version == other.version
            && self.extensions == other.extensions
            && self.roles == other.roles
    }
}

impl Eq for TenantSchemas {}

impl TenantSchemas {
    /// The schemas of `base` and `extensions`, with the roles extension
    /// when `roles` (the tenant maps roles). An extension that no longer
    /// fits (a URN a newer scimd defines itself) is left out, logged.
    pub fn build(
        base: &SchemaRegistry,
        version: i64,
        extensions: Vec<ExtensionRecord>,
        roles: bool,
    ) -> TenantSchemas {
        let mut registry = base.clone();
        let (mut users, mut groups) = (Vec::new(), Vec::new());
        let roles = roles && {
            let added = crate::roles::schema()
                .and_then(|s| registry.add_extension_schema(s, "User", false));
            if let Err(e) = &added {
                tracing::warn!(error = %e, "the roles extension is left out");
            }
            added.is_ok()
        };
        if roles {
            users.push(crate::roles::indexed());
        }
        let mut kept = Vec::new();
        for ext in extensions {
            let def = &ext.definition;
            let mut schema = match check_extension(&def.schema, base) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(urn = %ext.urn, error = %e, "a stored schema extension is left out");
                    continue;
                }
            };
            let mut index = Vec::new();
            for a in &mut schema.attributes {
                a.index = def.index.get(&a.name).copied().filter(|_| wants_index(a));
                if let Some(code) = a.index {
                    index.push(ExtIndexed {
                        urn: schema.id.clone(),
                        name: a.name.clone(),
                        code,
                        case_exact: a.case_exact,
                    });
                }
            }
            if let Err(e) = registry.add_extension_schema(schema, ext.kind.name(), def.required) {
                tracing::warn!(urn = %ext.urn, error = %e, "a stored schema extension is left out");
                continue;
            }
            match ext.kind {
                ResourceKind::User => users.extend(index),
                ResourceKind::Group => groups.extend(index),
            }
            kept.push(ext);
        }
        TenantSchemas {
            version,
            secrets: Arc::new(Secrets::of(&registry)),
            registry,
            users: ExtIndex(Arc::new(users)),
            groups: ExtIndex(Arc::new(groups)),
            extensions: kept,
            roles,
        }
    }

    /// Whether the tenant maps roles: users carry `effectiveRoles`, and
    /// the roles extension is published and filterable.
    pub fn roles(&self) -> bool {
        self.roles
    }

    /// The tenant's schema version these were built at.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// The registry: built-in schemas and the tenant's extensions.
    pub fn registry(&self) -> &SchemaRegistry {
        &self.registry
    }

    /// The tenant's extensions, as stored.
    pub fn extensions(&self) -> &[ExtensionRecord] {
        &self.extensions
    }

    /// The view of a resource type.
    pub fn view(&self, kind: ResourceKind) -> ScimResult<ResourceSchema<'_>> {
        self.registry
            .view(kind.name())
            .ok_or_else(|| internal("resource type missing from the registry"))
    }

    /// What redaction goes by (every writeOnly or never-returned attribute).
    pub fn secrets(&self) -> &Arc<Secrets> {
        &self.secrets
    }

    /// The indexed extension attributes of a kind.
    pub fn ext_index(&self, kind: ResourceKind) -> &ExtIndex {
        match kind {
            ResourceKind::User => &self.users,
            ResourceKind::Group => &self.groups,
        }
    }

    /// The index keys of a canonical document.
    pub fn keys(
        &self,
        kind: ResourceKind,
        doc: &Map<String, Value>,
        unique_groups: bool,
    ) -> IndexKeys {
        keys_with(kind, doc, unique_groups, self.ext_index(kind))
    }
}

/// The tenants' schemas this process built, by tenant.
pub(crate) struct SchemaCache {
    builtin: Arc<TenantSchemas>,
    tenants: Mutex<HashMap<TenantId, Arc<TenantSchemas>>>,
}

impl SchemaCache {
    pub(crate) fn new(base: &SchemaRegistry) -> SchemaCache {
        SchemaCache {
            builtin: Arc::new(TenantSchemas::build(base, 0, Vec::new(), false)),
            tenants: Mutex::new(HashMap::new()),
        }
    }

    /// The schemas of `tenant` at `version` (its row's `schema_version`),
    /// built from the store (its extensions and whether it maps roles)
    /// when this process has none at that version. Version 0: a tenant
    /// that never changed either.
    pub(crate) async fn of(
        &self,
        store: &dyn Store,
        base: &SchemaRegistry,
        tenant: TenantId,
        version: i64,
    ) -> ScimResult<Arc<TenantSchemas>> {
        if version == 0 {
            return Ok(self.builtin.clone());
        }
        if let Some(s) = self.cached(tenant).filter(|s| s.version == version) {
            return Ok(s);
        }
        let records = store.schema_extensions(tenant).await?;
        let roles = !store.role_mappings(tenant).await?.is_empty();
        let built = Arc::new(TenantSchemas::build(base, version, records, roles));
        if let Ok(mut map) = self.tenants.lock() {
            let newer = map.get(&tenant).is_some_and(|s| s.version > version);
            if !newer {
                map.insert(tenant, built.clone());
            }
        }
        Ok(built)
    }

    fn cached(&self, tenant: TenantId) -> Option<Arc<TenantSchemas>> {
        self.tenants.lock().ok()?.get(&tenant).cloned()
    }
}
