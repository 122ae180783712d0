//! TOTP input: never panics; anything but six ASCII digits (after trimming surrounding
//! whitespace) is refused.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let now = i64::from_le_bytes(data[..8].try_into().unwrap_or([0; 8])).rem_euclid(1 << 40);
    let Ok(code) = std::str::from_utf8(&data[8..]) else {
        return;
    };
    let r = wt_core::mfa::verify_totp(&[7u8; 20], code, now, None);
    // Surrounding whitespace is trimmed (pasted codes); what is left must be six digits.
    let t = code.trim();
    if t.len() != 6 || !t.bytes().all(|b| b.is_ascii_digit()) {
        assert!(r.is_err());
    }
});
