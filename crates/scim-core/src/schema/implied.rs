//! The default sub-attributes of multi-valued complex attributes
//! (RFC 7643 §2.4): `type`, `primary`, `display`, `value` and `$ref`.
//!
//! RFC 7643 §2.4 says they apply "if not otherwise defined", and the RFC's
//! own examples use them where the published schema of §8.7.1 omits them
//! (`addresses[].primary` in §8.2 and PATCH example 09 of RFC 7644
//! §3.5.2.3; `members[].display` in §8.4 and the group PATCH examples). The
//! published schemas stay exactly as the RFC prints them (that is what
//! `/Schemas` serves); the registry resolves attributes against a copy in
//! which every multi-valued complex attribute also has the defaults it
//! does not declare, with these characteristics:
//! - `type`: string, readWrite;
//! - `primary`: boolean, readWrite (at most one `true`, §2.4);
//! - `display`: string, immutable (§2.4: "having a mutability of
//!   'immutable'"; RFC 7643 §4.2 also makes every sub-attribute of
//!   `members` immutable);
//! - `value`: string, readWrite;
//! - `$ref`: reference to a URI, readWrite.
//!
//! Under a readOnly parent (`User.groups`) every implied sub-attribute is
//! readOnly too.

use super::{AttrType, Attribute, Mutability, Schema};

/// The schema with the implied sub-attributes added to each top-level
/// multi-valued complex attribute.
pub(crate) fn with_implied(schema: &Schema) -> Schema {
    let mut s = schema.clone();
    for a in &mut s.attributes {
        imply(a);
    }
    s
}

fn imply(a: &mut Attribute) {
    if !(a.multi_valued && a.is_complex()) {
        return;
    }
    for mut d in defaults() {
        if a.sub(&d.name).is_some() {
            continue;
        }
        if a.mutability == Mutability::ReadOnly {
            d.mutability = Mutability::ReadOnly;
        }
        a.sub_attributes.push(d);
    }
}

fn defaults() -> [Attribute; 5] {
    let kind = Attribute::simple("type", AttrType::String);
    let primary = Attribute::simple("primary", AttrType::Boolean);
    let mut display = Attribute::simple("display", AttrType::String);
    display.mutability = Mutability::Immutable;
    let value = Attribute::simple("value", AttrType::String);
    let mut reference = Attribute::simple("$ref", AttrType::Reference);
    reference.reference_types = vec!["uri".into()];
    [kind, primary, display, value, reference]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SchemaRegistry;

    #[test]
    fn only_missing_defaults_are_added() {
        let reg = SchemaRegistry::builtin().unwrap();
        let user = reg.view("User").unwrap();
        let names = |attr: &str| -> Vec<String> {
            let a = user.core.attribute(attr).unwrap();
            a.sub_attributes.iter().map(|s| s.name.clone()).collect()
        };
        // addresses declares type only among the defaults.
        let addresses = user.core.attribute("addresses").unwrap();
        assert_eq!(addresses.sub("primary").unwrap().kind, AttrType::Boolean);
        assert_eq!(
            addresses.sub("display").unwrap().mutability,
            Mutability::Immutable
        );
        assert_eq!(addresses.sub("$ref").unwrap().kind, AttrType::Reference);
        // Declared ones keep their published characteristics.
        let emails = user.core.attribute("emails").unwrap();
        assert_eq!(
            emails.sub("display").unwrap().mutability,
            Mutability::ReadWrite
        );
        assert_eq!(names("emails").len(), 5);
        // A readOnly parent makes the implied ones readOnly.
        let groups = user.core.attribute("groups").unwrap();
        assert_eq!(
            groups.sub("primary").unwrap().mutability,
            Mutability::ReadOnly
        );
        // Single-valued complex attributes get none.
        assert!(user.core.attribute("name").unwrap().sub("value").is_none());
        // The published schema is untouched.
        let published = reg.schema(crate::schema::USER_SCHEMA).unwrap();
        assert!(published
            .attribute("addresses")
            .unwrap()
            .sub("primary")
            .is_none());
        let group = reg.view("Group").unwrap();
        let members = group.core.attribute("members").unwrap();
        assert_eq!(
            members.sub("display").unwrap().mutability,
            Mutability::Immutable
        );
    }
}
