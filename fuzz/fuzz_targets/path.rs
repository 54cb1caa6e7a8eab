//! Fuzz target: attribute and PATCH path parsing never panics, and a parsed
//! PATCH path survives display and re-parse.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_core::path::{AttrPath, PatchPath};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = AttrPath::parse(text);
    if let Ok(p) = PatchPath::parse(text) {
        let again = PatchPath::parse(&p.to_string());
        assert_eq!(again.as_ref(), Ok(&p), "round trip of {text:?}");
    }
});
