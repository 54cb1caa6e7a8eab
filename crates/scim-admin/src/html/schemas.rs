//! The console's custom attributes page (`docs/custom-attributes.md`):
//! `GET /admin/t/{tenant}/schemas` (the tenant's extension schemas with
//! their attributes; the add form for owners),
//! `POST /admin/t/{tenant}/schemas` (`schema`: an RFC 7643 §7 document,
//! `resource_type`, `required`) and
//! `POST /admin/t/{tenant}/schemas/remove` (`urn`, `drop_values`: refused
//! while resources carry values unless it is checked).

use super::{ok, see_other, url, Layout, Nav, Select};
use crate::error::PageError;
use crate::session::{PageAdmin, PageForm};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use scim_core::ScimError;
use scim_http::AppState;
use scim_service::admin_schemas::ExtensionView;
use serde_json::Value;

/// One attribute of an extension, as the page lists it.
pub struct AttrRow {
    pub name: String,
    pub kind: String,
    pub multi: bool,
    pub required: bool,
    pub mutability: String,
    pub returned: String,
    pub uniqueness: String,
    pub indexed: bool,
}

/// One extension.
pub struct ExtensionRow {
    pub urn: String,
    pub resource_type: String,
    pub required: bool,
    pub created: String,
    pub attributes: Vec<AttrRow>,
}

fn text(a: &Value, key: &str, default: &str) -> String {
    a.get(key)
        .and_then(Value::as_str)
        .unwrap_or(default)
        .to_string()
}

impl ExtensionRow {
    pub(crate) fn of(e: &ExtensionView) -> ExtensionRow {
        let attributes = e
            .schema
            .get("attributes")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|a| {
                        let name = text(a, "name", "");
                        AttrRow {
                            indexed: e.indexed.iter().any(|i| i.eq_ignore_ascii_case(&name)),
                            name,
                            kind: text(a, "type", "string"),
                            multi: a.get("multiValued") == Some(&Value::Bool(true)),
                            required: a.get("required") == Some(&Value::Bool(true)),
                            mutability: text(a, "mutability", "readWrite"),
                            returned: text(a, "returned", "default"),
                            uniqueness: text(a, "uniqueness", "none"),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        ExtensionRow {
            urn: e.urn.clone(),
            resource_type: e.resource_type.clone(),
            required: e.required,
            created: e.created.clone(),
            attributes,
        }
    }
}

/// The custom attributes page.
#[derive(Template)]
#[template(path = "schemas.html")]
pub struct SchemasPage {
    pub layout: Layout,
    pub csrf: String,
    pub can_change: bool,
    pub add_action: String,
    pub remove_action: String,
    pub resource_type: Select,
    pub rows: Vec<ExtensionRow>,
}

/// `GET /admin/t/{tenant}/schemas`.
pub async fn show(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
    Path(tenant): Path<String>,
) -> Result<Response, PageError> {
    let list = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .extensions()
        .list()
        .await?;
    let nav = Nav {
        who: &who,
        tenant: Some(&tenant),
        section: "schemas",
    };
    let base = format!("/admin/t/{}/schemas", url(&tenant));
    Ok(ok(&SchemasPage {
        layout: Layout::new("Custom attributes", &nav),
        csrf: who.csrf().to_string(),
        can_change: who.may_change(&tenant),
        remove_action: format!("{base}/remove"),
        add_action: base,
        resource_type: Select::of("resource_type", "Extends", &["User", "Group"], "User"),
        rows: list.iter().map(ExtensionRow::of).collect(),
    }))
}

/// `POST /admin/t/{tenant}/schemas` with `schema`, `resource_type` and
/// `required`.
pub async fn add(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let document: Value = serde_json::from_str(&form.text("schema"))
        .map_err(|e| ScimError::InvalidSyntax(format!("the schema is not JSON: {e}")))?;
    let kind = Some(form.text("resource_type"))
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| "User".into());
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .extension_admin()
        .add(&document, &kind, form.get("required") == Some("on"))
        .await?;
    Ok(see_other(&format!("/admin/t/{}/schemas", url(&tenant))))
}

/// `POST /admin/t/{tenant}/schemas/remove` with `urn` and `drop_values`.
pub async fn remove(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .extension_admin()
        .remove(&form.text("urn"), form.get("drop_values") == Some("on"))
        .await?;
    Ok(see_other(&format!("/admin/t/{}/schemas", url(&tenant))))
}
