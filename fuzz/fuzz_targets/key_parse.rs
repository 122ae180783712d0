//! Ingestion key parsing and checksum: never panics; whatever parses has the published shape.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if wt_core::apikey::parse(s).is_ok() {
            assert!(s.starts_with("wtk_live_") || s.starts_with("wtk_test_"));
            assert_eq!(s.len(), 9 + 49);
            assert!(s[9..].bytes().all(|b| b.is_ascii_alphanumeric()));
        }
        let _ = wt_core::apikey::display_hint(s);
    }
});
