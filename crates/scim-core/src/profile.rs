//! IdP profiles: what each connection's identity provider needs, expressed
//! only through the core's named tolerances and response options.
//!
//! `auto` (the default) accepts every tolerated form. `strict` is pure RFC.
//! `interop` follows the SCIM interoperability profile
//! (draft-zollner-scim-interop-profile-01) to the letter: `strict`, less the
//! RFC behaviours the draft removes (path-less PATCH, merging `replace` of
//! a complex attribute), undefined attributes always `invalidSyntax`; its
//! connections cannot soft-disable on DELETE, and its tokens see
//! `interopProfileConformant: true` (`docs/idp/interop.md`).
//! Each named profile (`entra`, `okta`, `onelogin`, `jumpcloud`) turns on
//! the switches its identity provider needs for what its documentation
//! shows it sending (`docs/idp/research-notes.md`, `docs/idp/*.md`). A
//! switch left off mostly refuses the form with a 400 that names it; the
//! exception that matters is `remove_by_value`, without which a `remove`
//! with a `value` array empties the attribute, so a profile keeps it on
//! unless its IdP's member removal is documented without one. A profile
//! may also choose response details (Entra prefers 204 for group PATCH).
//!
//! A connection stores its profile as this type (`scim_store::Connection`);
//! its text form is [`Profile::name`], and a name that is not a profile is
//! refused wherever it comes from (command line, console, database).

use crate::tolerance::Tolerances;
use crate::{ScimError, ScimResult};
use std::fmt;
use std::str::FromStr;

/// Lower-case phrases that identify Entra ID's provisioning client in a
/// User-Agent. Microsoft does not document the header; these are the
/// product names it could carry. Whole phrases, so that a word such as
/// "central" never matches.
pub const ENTRA_AGENTS: [&str; 4] = [
    "azure ad scim",
    "microsoft azure ad",
    "azure active directory",
    "microsoft entra",
];

/// A connection's IdP profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    #[default]
    Auto,
    Entra,
    Okta,
    OneLogin,
    JumpCloud,
    Strict,
    Interop,
}

impl Profile {
    /// Every profile, in documentation order.
    pub const ALL: [Profile; 7] = [
        Profile::Auto,
        Profile::Entra,
        Profile::Okta,
        Profile::OneLogin,
        Profile::JumpCloud,
        Profile::Strict,
        Profile::Interop,
    ];

    /// Parses a profile name.
    pub fn parse(s: &str) -> ScimResult<Profile> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ScimError::InvalidValue(format!("unknown IdP profile {s:?}: use auto, entra, okta, onelogin, jumpcloud, strict or interop")))
    }

    /// The profile name.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Auto => "auto",
            Profile::Entra => "entra",
            Profile::Okta => "okta",
            Profile::OneLogin => "onelogin",
            Profile::JumpCloud => "jumpcloud",
            Profile::Strict => "strict",
            Profile::Interop => "interop",
        }
    }

    /// The tolerances of the PATCH engine, validator and filter parser.
    pub fn tolerances(self) -> Tolerances {
        // What every IdP profile accepts of group members and projections:
        // a stale member reference skipped, bare-string members and
        // `displayName`, value filters in `attributes`.
        let none = Tolerances {
            skip_unknown_members: true,
            loose_member_values: true,
            attribute_value_filters: true,
            ..Tolerances::strict()
        };
        match self {
            Profile::Auto => Tolerances::lenient(),
            Profile::Strict => Tolerances::strict(),
            Profile::Interop => Tolerances::interop(),
            // Microsoft's tutorial, its known-issues page (both PATCH
            // dialects) and its attribute-mapping page: everything but
            // readOnly values in a path-less PATCH and a loose envelope,
            // which Entra never sends.
            Profile::Entra => Tolerances {
                op_any_case: true,
                string_booleans: true,
                dotted_keys: true,
                remove_by_value: true,
                filtered_write_creates: true,
                bare_value_for_complex: true,
                ignore_unknown_attributes: true,
                ignore_unknown_schemas: true,
                json_in_strings: true,
                single_for_multi: true,
                unquoted_filter_strings: true,
                ..none
            },
            // Okta's SCIM 2.0 reference is RFC-shaped except for group push:
            // the rename's path-less value carries the read-only `id`.
            // (Its members' `display` is an RFC 7643 §2.4 default
            // sub-attribute, which every profile accepts.)
            // Custom attributes arrive under the extension URN the admin
            // typed in Okta's profile editor.
            Profile::Okta => Tolerances {
                ignore_read_only_in_value: true,
                ignore_unknown_attributes: true,
                ignore_unknown_schemas: true,
                ..none
            },
            // OneLogin sends a body built from the admin's JSON template:
            // `"active": "true"` as a string, attributes and schema URNs
            // (even SCIM 1.1's core URN) scimd may not know. Its group PATCH
            // body is undocumented: a `remove` with a `value` array removes
            // only those members rather than, read literally, all of them.
            Profile::OneLogin => Tolerances {
                string_booleans: true,
                remove_by_value: true,
                ignore_unknown_attributes: true,
                ignore_unknown_schemas: true,
                ..none
            },
            // JumpCloud removes group members Entra-style, with a `value`
            // array and no filter.
            Profile::JumpCloud => Tolerances {
                remove_by_value: true,
                ..none
            },
        }
    }

    /// The profile in effect for one request: an explicit profile stays;
    /// `auto` recognises Entra ID (the `aadOptscim062020` flag, or a
    /// User-Agent naming Azure AD or Entra, see [`ENTRA_AGENTS`]) and Okta
    /// (a User-Agent starting `Okta SCIM Client`).
    pub fn effective(self, user_agent: Option<&str>, entra_flag: bool) -> Profile {
        if self != Profile::Auto {
            return self;
        }
        let ua = user_agent.unwrap_or("").to_ascii_lowercase();
        if entra_flag || ENTRA_AGENTS.iter().any(|a| ua.contains(a)) {
            Profile::Entra
        } else if ua.starts_with("okta scim client") {
            Profile::Okta
        } else {
            Profile::Auto
        }
    }

    /// Whether a successful group PATCH answers 204 without a body.
    pub fn group_patch_no_content(self) -> bool {
        self == Profile::Entra
    }

    /// Whether the connection claims conformance with the SCIM
    /// interoperability profile (`interopProfileConformant` in
    /// `/ServiceProviderConfig`, for its tokens only).
    pub fn interop_conformant(self) -> bool {
        self == Profile::Interop
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = ScimError;

    fn from_str(s: &str) -> ScimResult<Profile> {
        Profile::parse(s)
    }
}

impl serde::Serialize for Profile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Profile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Profile, D::Error> {
        let text = String::deserialize(d)?;
        Profile::parse(&text).map_err(|e| serde::de::Error::custom(e.detail()))
    }
}

#[cfg(test)]
mod tests {
    use super::Profile;
    use crate::tolerance::Tolerances;

    type Switch = fn(&Tolerances) -> bool;

    /// Which switch each profile turns on; columns in the order of
    /// `Profile::ALL`: auto, entra, okta, onelogin, jumpcloud, strict, interop.
    #[rustfmt::skip]
    const TABLE: &[(&str, Switch, [bool; 7])] = &[
        ("op_any_case",               |t| t.op_any_case,                [true , true , false, false, false, false, false]),
        ("string_booleans",           |t| t.string_booleans,            [true , true , false, true , false, false, false]),
        ("dotted_keys",               |t| t.dotted_keys,                [true , true , false, false, false, false, false]),
        ("remove_by_value",           |t| t.remove_by_value,            [true , true , false, true , true , false, false]),
        ("filtered_write_creates",    |t| t.filtered_write_creates,     [true , true , false, false, false, false, false]),
        ("bare_value_for_complex",    |t| t.bare_value_for_complex,     [true , true , false, false, false, false, false]),
        ("ignore_read_only_in_value", |t| t.ignore_read_only_in_value,  [true , false, true , false, false, false, false]),
        ("ignore_unknown_attributes", |t| t.ignore_unknown_attributes,  [true , true , true , true , false, false, false]),
        ("ignore_unknown_schemas",    |t| t.ignore_unknown_schemas,     [true , true , true , true , false, false, false]),
        ("json_in_strings",           |t| t.json_in_strings,            [true , true , false, false, false, false, false]),
        ("single_for_multi",          |t| t.single_for_multi,           [true , true , false, false, false, false, false]),
        ("unquoted_filter_strings",   |t| t.unquoted_filter_strings,    [true , true , false, false, false, false, false]),
        ("loose_patch_envelope",      |t| t.loose_patch_envelope,       [true , false, false, false, false, false, false]),
        ("skip_unknown_members",      |t| t.skip_unknown_members,       [true , true , true , true , true , false, false]),
        ("loose_member_values",       |t| t.loose_member_values,        [true , true , true , true , true , false, false]),
        ("attribute_value_filters",   |t| t.attribute_value_filters,    [true , true , true , true , true , false, false]),
        // RFC behaviours the interop profile removes.
        ("patch_without_path",        |t| t.patch_without_path,         [true , true , true , true , true , true , false]),
        ("merge_complex_replace",     |t| t.merge_complex_replace,      [true , true , true , true , true , true , false]),
        ("undefined_path_is_invalid_path", |t| t.undefined_path_is_invalid_path, [true , true , true , true , true , true , false]),
        ("discard_password",          |t| t.discard_password,           [true , true , true , true , true , true , false]),
    ];

    #[test]
    fn tolerances_per_profile() {
        for (name, switch, want) in TABLE {
            for (profile, want) in Profile::ALL.into_iter().zip(want) {
                assert_eq!(
                    switch(&profile.tolerances()),
                    *want,
                    "{} {name}",
                    profile.name()
                );
            }
        }
        // The table names every switch: a profile equal to `auto` on all of
        // them is `auto` itself, and the same for `strict`.
        let all_on = |t: &Tolerances| TABLE.iter().all(|(_, s, _)| s(t));
        let all_off = |t: &Tolerances| TABLE.iter().all(|(_, s, _)| !s(t));
        assert!(all_on(&Tolerances::lenient()) && all_off(&Tolerances::interop()));
        assert_eq!(Profile::Auto.tolerances(), Tolerances::lenient());
        assert_eq!(Profile::Strict.tolerances(), Tolerances::strict());
        assert_eq!(Profile::Interop.tolerances(), Tolerances::interop());
        // Every explicit IdP profile differs from both ends.
        for p in [
            Profile::Entra,
            Profile::Okta,
            Profile::OneLogin,
            Profile::JumpCloud,
            Profile::Strict,
        ] {
            assert!(
                !all_on(&p.tolerances()) && !all_off(&p.tolerances()),
                "{}",
                p.name()
            );
        }
    }

    #[test]
    fn detection() {
        use Profile::*;
        // (connection profile, User-Agent, aadOptscim062020, profile in effect)
        let table: &[(Profile, Option<&str>, bool, Profile)] = &[
            (
                Auto,
                Some("Microsoft Azure AD SCIM provisioning 1.0.0"),
                false,
                Entra,
            ),
            (Auto, Some("Microsoft Azure AD SCIM Client"), false, Entra),
            (
                Auto,
                Some("Azure Active Directory provisioning"),
                false,
                Entra,
            ),
            (
                Auto,
                Some("Microsoft Entra ID provisioning/2.0"),
                false,
                Entra,
            ),
            (Auto, None, true, Entra),
            (Auto, Some("curl/8.5.0"), true, Entra),
            (Auto, Some("Okta SCIM Client 1.0.0"), true, Entra),
            (Auto, Some("Okta SCIM Client 1.0.0"), false, Okta),
            (Auto, Some("okta scim client 2.3"), false, Okta),
            (Auto, None, false, Auto),
            (Auto, Some(""), false, Auto),
            (Auto, Some("curl/8.5.0"), false, Auto),
            // Words that merely contain "entra" or "azure" are not Entra.
            (Auto, Some("Central Provisioning/1.0"), false, Auto),
            (Auto, Some("SCIM-Entrance 3"), false, Auto),
            (Auto, Some("Microsoft Azure Storage/12"), false, Auto),
            // The Okta tester and look-alikes are not Okta's client.
            (Auto, Some("OKTA SCIM Integration"), false, Auto),
            (Auto, Some("Not Okta SCIM Client 1.0.0"), false, Auto),
            // An explicit profile is never overridden.
            (Strict, Some("Okta SCIM Client 1.0.0"), true, Strict),
            (
                Strict,
                Some("Microsoft Azure AD SCIM Client"),
                false,
                Strict,
            ),
            (Okta, None, true, Okta),
            (Entra, Some("Okta SCIM Client 1.0.0"), false, Entra),
            (
                OneLogin,
                Some("Microsoft Azure AD SCIM Client"),
                true,
                OneLogin,
            ),
            (JumpCloud, None, true, JumpCloud),
        ];
        for (profile, ua, flag, want) in table {
            assert_eq!(
                profile.effective(*ua, *flag),
                *want,
                "{profile:?} {ua:?} flag={flag}"
            );
        }
        // Only Entra asks for 204 on group PATCH.
        for p in Profile::ALL {
            assert_eq!(p.group_patch_no_content(), p == Entra, "{}", p.name());
        }
    }

    #[test]
    fn names() {
        for p in Profile::ALL {
            assert_eq!(Profile::parse(p.name()).unwrap(), p);
            assert_eq!(
                Profile::parse(&format!(" {} ", p.name().to_uppercase())).unwrap(),
                p
            );
        }
        assert!(Profile::parse("azure").is_err());
        assert!(Profile::parse("").is_err());
        // Text and JSON forms are the name; anything else is refused.
        for p in Profile::ALL {
            assert_eq!(p.to_string().parse::<Profile>().unwrap(), p);
            let json = serde_json::to_value(p).unwrap();
            assert_eq!(json, serde_json::json!(p.name()));
            assert_eq!(serde_json::from_value::<Profile>(json).unwrap(), p);
        }
        assert!(serde_json::from_value::<Profile>(serde_json::json!("azure")).is_err());
    }
}
