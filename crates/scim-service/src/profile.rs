//! IdP profiles: what each connection's identity provider needs, expressed
//! only through the core's named tolerances and response options.
//!
//! `auto` (the default) accepts every tolerated form. `strict` is pure RFC.
//! The named profiles (`entra`, `okta`, `onelogin`, `jumpcloud`) accept
//! everything `auto` does and may choose response details (Entra prefers
//! 204 for group PATCH).

use scim_core::tolerance::Tolerances;
use scim_core::{ScimError, ScimResult};

/// A connection's IdP profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Auto,
    Entra,
    Okta,
    OneLogin,
    JumpCloud,
    Strict,
}

impl Profile {
    /// Every profile, in documentation order.
    pub const ALL: [Profile; 6] = [
        Profile::Auto,
        Profile::Entra,
        Profile::Okta,
        Profile::OneLogin,
        Profile::JumpCloud,
        Profile::Strict,
    ];

    /// Parses a profile name.
    pub fn parse(s: &str) -> ScimResult<Profile> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ScimError::InvalidValue(format!("unknown IdP profile {s:?}: use auto, entra, okta, onelogin, jumpcloud or strict")))
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
        }
    }

    /// The tolerances of the PATCH engine, validator and filter parser.
    pub fn tolerances(self) -> Tolerances {
        match self {
            Profile::Strict => Tolerances::strict(),
            _ => Tolerances::lenient(),
        }
    }

    /// Whether a successful group PATCH answers 204 without a body.
    pub fn group_patch_no_content(self) -> bool {
        self == Profile::Entra
    }
}
