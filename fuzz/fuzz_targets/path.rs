//! Fuzz target: attribute and PATCH path parsing never panics, and a parsed
//! PATCH path survives display and re-parse when its display is within the
//! filter length limit (display escapes control characters, so it can be
//! longer than the input; a longer one is refused by length, not misparsed).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_core::path::{AttrPath, PatchPath};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = AttrPath::parse(text);
    if let Ok(p) = PatchPath::parse(text) {
        let shown = p.to_string();
        if shown.len() > scim_core::filter::Limits::default().max_len {
            return;
        }
        let again = PatchPath::parse(&shown);
        assert_eq!(again.as_ref(), Ok(&p), "round trip of {text:?}");
    }
});
