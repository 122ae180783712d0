//! CIDR parsing and allowlist matching: never panics; normalisation is idempotent; a parsed
//! network contains its own address.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data)
        && let Ok(net) = wt_core::netaddr::parse_cidr(s)
    {
        assert_eq!(wt_core::netaddr::parse_cidr(&net.to_string()), Ok(net));
        assert!(wt_core::netaddr::allows(&[net], net.network()));
    }
});
