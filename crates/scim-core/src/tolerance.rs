//! Named tolerances for what real identity providers send that strict
//! RFC 7643/7644 refuses. Each switch is documented with the client that
//! needs it; [`Tolerances::strict`] turns them all off (the `strict` IdP
//! profile), [`Tolerances::lenient`] turns them all on (the `auto` profile).
//! IdP profiles choose a combination; handlers never special-case an IdP.
//!
//! Four more switches are RFC behaviours that the SCIM interoperability
//! profile (draft-zollner-scim-interop-profile-01) removes: every profile
//! but `interop` keeps them on; [`Tolerances::interop`] is `strict` with
//! them off.

use crate::filter::FilterOptions;

/// The tolerance switches of the resource validator, the filter parser and
/// the PATCH engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tolerances {
    /// PATCH `op` in any case: `Replace`, `Add`, `Remove` (Entra ID).
    pub op_any_case: bool,
    /// Booleans sent as the strings `"True"` / `"False"` (Entra ID).
    pub string_booleans: bool,
    /// A path-less add or replace whose value keys are dotted
    /// (`name.givenName`) or URN-qualified (Entra ID).
    pub dotted_keys: bool,
    /// `remove` on a multi-valued attribute with a `value` array removes
    /// exactly those values, never all of them (Entra ID, JumpCloud).
    pub remove_by_value: bool,
    /// A filtered add or replace (`emails[type eq "work"].value`) that
    /// matches nothing creates the element from the filter's equalities (Entra ID).
    pub filtered_write_creates: bool,
    /// A complex attribute with a `value` sub-attribute given as a bare
    /// string, e.g. the enterprise `manager` as an id; an empty string or
    /// object removes it (Entra ID).
    pub bare_value_for_complex: bool,
    /// Read-only `id`, `meta` (and other read-only attributes) inside a
    /// path-less replace value are ignored, not rejected (Okta group push).
    pub ignore_read_only_in_value: bool,
    /// Unknown attributes in a body are dropped instead of refused (Entra ID
    /// sends typos in extension URNs and custom attributes).
    pub ignore_unknown_attributes: bool,
    /// Unknown schema URNs in `schemas` are dropped instead of refused.
    pub ignore_unknown_schemas: bool,
    /// A multi-valued attribute given as a JSON document inside a string
    /// (`"roles": "[{\"value\":\"admin\"}]"`) is parsed (Entra ID app roles).
    pub json_in_strings: bool,
    /// A single value where an array is expected is wrapped into an array,
    /// and a one-element array where a single value is expected is unwrapped
    /// (Entra's `manager` add).
    pub single_for_multi: bool,
    /// Filter values may be unquoted words: `externalId eq abc` (Entra ID).
    pub unquoted_filter_strings: bool,
    /// A PATCH body without the PatchOp `schemas` entry, or with
    /// `operations` in another case, is accepted.
    pub loose_patch_envelope: bool,
    /// A group member id that matches no resource of the tenant is
    /// skipped (and recorded in the audit entry) rather than refusing the
    /// whole write with 400 `invalidValue` (a stale reference in a group
    /// push; every IdP).
    pub skip_unknown_members: bool,
    /// Group members given as bare id strings (`"members": ["2819c…"]`,
    /// `{"value": "2819c…"}` elsewhere), and `displayName` where the member
    /// element has `display`.
    pub loose_member_values: bool,
    /// A value filter in `attributes`/`excludedAttributes`
    /// (`emails[type eq "work"]`) projects the matching values only; without
    /// it such a parameter is 400 `invalidValue`.
    pub attribute_value_filters: bool,
    /// RFC 7644 §3.5.2: a PATCH operation may omit `path` (the value's keys
    /// name the attributes). The interop profile (§6.5.1.1) refuses it with
    /// 400 `invalidSyntax`.
    pub patch_without_path: bool,
    /// RFC 7644 §3.5.2.3: `replace` of a whole complex attribute merges the
    /// given sub-attributes and keeps the others. The interop profile
    /// (§6.5.2.1) replaces the attribute with the value given.
    pub merge_complex_replace: bool,
    /// A PATCH path naming an attribute the resource type does not define
    /// is 400 `invalidPath` (RFC 7644 §3.12); the interop profile (§5.3)
    /// answers `invalidSyntax`, as for undefined attributes in a body.
    pub undefined_path_is_invalid_path: bool,
    /// RFC 7643 §4.1.1 defines `password`; scimd stores none, does not
    /// publish it in `/Schemas`, and drops one sent (IdPs send placeholder
    /// passwords). The interop profile (§5.3) refuses it as an attribute the
    /// schemas do not define: 400 `invalidSyntax`.
    pub discard_password: bool,
}

impl Tolerances {
    /// Pure RFC behaviour: every switch off.
    pub const fn strict() -> Tolerances {
        Tolerances {
            op_any_case: false,
            string_booleans: false,
            dotted_keys: false,
            remove_by_value: false,
            filtered_write_creates: false,
            bare_value_for_complex: false,
            ignore_read_only_in_value: false,
            ignore_unknown_attributes: false,
            ignore_unknown_schemas: false,
            json_in_strings: false,
            single_for_multi: false,
            unquoted_filter_strings: false,
            loose_patch_envelope: false,
            skip_unknown_members: false,
            loose_member_values: false,
            attribute_value_filters: false,
            patch_without_path: true,
            merge_complex_replace: true,
            undefined_path_is_invalid_path: true,
            discard_password: true,
        }
    }

    /// The SCIM interoperability profile to the letter: `strict`, without
    /// the RFC behaviours the profile removes.
    pub const fn interop() -> Tolerances {
        Tolerances {
            patch_without_path: false,
            merge_complex_replace: false,
            undefined_path_is_invalid_path: false,
            discard_password: false,
            ..Tolerances::strict()
        }
    }

    /// Every switch on: accept every form any known IdP sends.
    pub const fn lenient() -> Tolerances {
        Tolerances {
            op_any_case: true,
            string_booleans: true,
            dotted_keys: true,
            remove_by_value: true,
            filtered_write_creates: true,
            bare_value_for_complex: true,
            ignore_read_only_in_value: true,
            ignore_unknown_attributes: true,
            ignore_unknown_schemas: true,
            json_in_strings: true,
            single_for_multi: true,
            unquoted_filter_strings: true,
            loose_patch_envelope: true,
            skip_unknown_members: true,
            loose_member_values: true,
            attribute_value_filters: true,
            patch_without_path: true,
            merge_complex_replace: true,
            undefined_path_is_invalid_path: true,
            discard_password: true,
        }
    }

    /// The filter parser options these tolerances imply.
    pub fn filter_options(&self) -> FilterOptions {
        FilterOptions {
            unquoted_strings: self.unquoted_filter_strings,
            ..FilterOptions::default()
        }
    }
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances::lenient()
    }
}
