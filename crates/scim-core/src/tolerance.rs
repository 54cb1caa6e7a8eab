//! Named tolerances for what real identity providers send that strict
//! RFC 7643/7644 refuses. Each switch is documented with the client that
//! needs it; [`Tolerances::strict`] turns them all off (the `strict` IdP
//! profile), [`Tolerances::lenient`] turns them all on (the `auto` profile).
//! IdP profiles choose a combination; handlers never special-case an IdP.

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
