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

    /// The profile in effect for one request: an explicit profile stays;
    /// `auto` recognises Entra ID (its User-Agent or the `aadOptscim062020`
    /// flag) and Okta (`Okta SCIM Client …`).
    pub fn effective(self, user_agent: Option<&str>, entra_flag: bool) -> Profile {
        if self != Profile::Auto {
            return self;
        }
        let ua = user_agent.unwrap_or("").to_ascii_lowercase();
        if entra_flag
            || ua.contains("azure ad scim")
            || ua.contains("microsoft azure")
            || ua.contains("entra")
        {
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
}

#[cfg(test)]
mod tests {
    use super::Profile;

    #[test]
    fn detection() {
        assert_eq!(
            Profile::Auto.effective(Some("Microsoft Azure AD SCIM provisioning 1.0.0"), false),
            Profile::Entra
        );
        assert_eq!(Profile::Auto.effective(None, true), Profile::Entra);
        assert_eq!(
            Profile::Auto.effective(Some("Okta SCIM Client 1.0.0"), false),
            Profile::Okta
        );
        assert_eq!(
            Profile::Auto.effective(Some("curl/8"), false),
            Profile::Auto
        );
        assert_eq!(
            Profile::Strict.effective(Some("Okta SCIM Client 1.0.0"), true),
            Profile::Strict
        );
        assert_eq!(Profile::parse("ENTRA").unwrap(), Profile::Entra);
        assert!(Profile::parse("azure").is_err());
    }
}
