//! Property tests of the parsers that face hostile input: ingestion keys and
//! their checksum, CIDRs and allowlist matching, X-Forwarded-For, TOTP codes. Bounded case
//! counts keep them in the normal test run; `PROPTEST_CASES=100000 cargo test -p wt-core
//! proptests` runs them longer on demand.

use crate::apikey::Environment;
use crate::{apikey, mfa, netaddr};
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn any_ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<u32>().prop_map(|v| IpAddr::V4(Ipv4Addr::from(v))),
        any::<u128>().prop_map(|v| IpAddr::V6(Ipv6Addr::from(v))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000)
    ))]

    #[test]
    fn key_parsing_never_panics(s in ".{0,80}") {
        let _ = apikey::parse(&s);
        let _ = apikey::display_hint(&s);
    }

    #[test]
    fn keys_round_trip_and_every_single_character_change_is_caught(
        prod in any::<bool>(), pos in 0usize..58, c in "[0-9A-Za-z]",
    ) {
        let env = if prod { Environment::Production } else { Environment::Sandbox };
        let key = apikey::generate(env);
        let k = key.expose();
        prop_assert_eq!(apikey::parse(k), Ok(env));
        let mut chars: Vec<char> = k.chars().collect();
        let new = c.chars().next().unwrap_or('0');
        prop_assume!(pos < chars.len() && chars[pos] != new);
        chars[pos] = new;
        let typo: String = chars.into_iter().collect();
        prop_assert!(apikey::parse(&typo).is_err(), "{typo} accepted");
    }

    #[test]
    fn cidr_parsing_never_panics_and_normalises_idempotently(s in ".{0,70}") {
        if let Ok(net) = netaddr::parse_cidr(&s) {
            let again = netaddr::parse_cidr(&net.to_string());
            prop_assert_eq!(again, Ok(net));
        }
    }

    #[test]
    fn a_network_contains_exactly_the_addresses_under_its_mask(
        addr in any::<u32>(), prefix in 0u8..=32, probe in any::<u32>(),
    ) {
        let text = format!("{}/{prefix}", Ipv4Addr::from(addr));
        let net = netaddr::parse_cidr(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
        let inside = probe & mask == addr & mask;
        prop_assert_eq!(netaddr::allows(&[net], IpAddr::V4(Ipv4Addr::from(probe))), inside);
        // The same address as IPv4-mapped IPv6 matches the same way.
        let mapped = IpAddr::V6(Ipv4Addr::from(probe).to_ipv6_mapped());
        prop_assert_eq!(netaddr::allows(&[net], mapped), inside);
    }

    #[test]
    fn the_client_address_is_the_peer_unless_the_peer_is_trusted(
        peer in any_ip(), header in ".{0,200}", trust_peer in any::<bool>(),
    ) {
        let trusted = if trust_peer {
            vec![netaddr::parse_cidr(&peer.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?]
        } else {
            vec![netaddr::parse_cidr("203.0.113.0/24").map_err(|e| TestCaseError::fail(e.to_string()))?]
        };
        let got = netaddr::client_ip(peer, Some(&header), &trusted);
        let peer_n = netaddr::normalize_ip(peer);
        if !trusted.iter().any(|n| n.contains(&peer_n)) {
            prop_assert_eq!(got, peer_n);
        } else {
            // Either the peer, or an address written in the header.
            let hops: Vec<IpAddr> = header
                .split(',')
                .filter_map(|h| h.trim().parse::<IpAddr>().ok().map(netaddr::normalize_ip))
                .collect();
            prop_assert!(got == peer_n || hops.contains(&got), "{got} from {header:?}");
        }
    }

    #[test]
    fn totp_verification_never_panics_and_refuses_non_codes(code in ".{0,20}", now in 0i64..4_000_000_000) {
        let secret = [7u8; 20];
        let r = mfa::verify_totp(&secret, &code, now, None);
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            prop_assert!(r.is_err());
        }
    }
}
