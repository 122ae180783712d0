//! X-Forwarded-For: never panics; an untrusted peer is always the client; otherwise the
//! answer is the peer or an address written in the header.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr};

fuzz_target!(|data: &[u8]| {
    if data.len() < 5 {
        return;
    }
    let peer = IpAddr::V4(Ipv4Addr::new(data[0], data[1], data[2], data[3]));
    let trust = data[4] % 2 == 0;
    let Ok(header) = std::str::from_utf8(&data[5..]) else {
        return;
    };
    let trusted: Vec<ipnet::IpNet> = if trust {
        vec![ipnet::IpNet::from(peer)]
    } else {
        vec![]
    };
    let got = wt_core::netaddr::client_ip(peer, Some(header), &trusted);
    if !trust {
        assert_eq!(got, peer);
    } else {
        let hops: Vec<IpAddr> = header
            .split(',')
            .filter_map(|h| {
                h.trim()
                    .parse::<IpAddr>()
                    .ok()
                    .map(wt_core::netaddr::normalize_ip)
            })
            .collect();
        assert!(got == peer || hops.contains(&got));
    }
});
