//! Client addresses and CIDR lists (SECURITY.md G.53, H.54-55).
//!
//! - [`parse_cidr`] accepts `10.0.0.0/8`, `2001:db8::/32` or a bare address, refuses
//!   malformed input and out-of-range prefixes, normalises host bits away (`10.0.0.1/8` ->
//!   `10.0.0.0/8`) and IPv4-mapped IPv6 to IPv4 (`::ffff:1.2.3.0/120` -> `1.2.3.0/24`).
//! - [`client_ip`] is the socket peer, unless the peer is a trusted proxy: then
//!   `X-Forwarded-For` is read right to left and the first untrusted hop is the client.
//! - [`allows`]: an empty list allows everything; otherwise the address must be inside one.

use ipnet::{IpNet, Ipv4Net};
use std::net::IpAddr;

/// Why a CIDR was refused (the message is shown to the user).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{input:?} is not an IPv4 or IPv6 network (examples: 10.0.0.0/8, 2001:db8::/32, 192.0.2.7)"
)]
pub struct CidrError {
    pub input: String,
}

/// IPv4-mapped IPv6 (`::ffff:a.b.c.d`) as plain IPv4; everything else unchanged.
pub fn normalize_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// Parses and normalises a network (see the module docs).
pub fn parse_cidr(input: &str) -> Result<IpNet, CidrError> {
    let err = || CidrError {
        input: input.chars().take(100).collect(),
    };
    let s = input.trim();
    if s.len() > 64 {
        return Err(err());
    }
    let net: IpNet = match s.parse::<IpNet>() {
        Ok(n) => n,
        Err(_) => {
            let ip: IpAddr = s.parse().map_err(|_| err())?;
            IpNet::from(ip)
        }
    };
    let net = match net {
        IpNet::V6(v6) => match v6.addr().to_ipv4_mapped() {
            Some(v4) if v6.prefix_len() >= 96 => {
                IpNet::V4(Ipv4Net::new(v4, v6.prefix_len() - 96).map_err(|_| err())?)
            }
            _ => IpNet::V6(v6),
        },
        v4 => v4,
    };
    Ok(net.trunc())
}

/// Whether `ip` may pass a list (empty = everyone).
pub fn allows(list: &[IpNet], ip: IpAddr) -> bool {
    let ip = normalize_ip(ip);
    list.is_empty() || list.iter().any(|n| n.contains(&ip))
}

/// The client's address: the socket peer, or — only when the peer is a trusted proxy — the
/// rightmost address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let peer = normalize_ip(peer);
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let Some(header) = forwarded_for else {
        return peer;
    };
    let mut last = peer;
    for hop in header.rsplit(',') {
        match hop.trim().parse::<IpAddr>().map(normalize_ip) {
            Ok(ip) if is_trusted(&ip) => last = ip,
            Ok(ip) => return ip,
            // A malformed hop: stop trusting the chain there.
            Err(_) => return last,
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        parse_cidr(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn networks_are_parsed_and_normalised() {
        assert_eq!(net("10.0.0.0/8").to_string(), "10.0.0.0/8");
        assert_eq!(
            net("10.1.2.3/8").to_string(),
            "10.0.0.0/8",
            "host bits dropped"
        );
        assert_eq!(net("192.0.2.7").to_string(), "192.0.2.7/32");
        assert_eq!(net(" 2001:db8::1/32 ").to_string(), "2001:db8::/32");
        assert_eq!(net("::ffff:1.2.3.4/128").to_string(), "1.2.3.4/32");
        assert_eq!(net("::ffff:1.2.3.0/120").to_string(), "1.2.3.0/24");
        assert_eq!(net("::ffff:1.2.3.4").to_string(), "1.2.3.4/32");
    }

    #[test]
    fn invalid_networks_are_refused_with_examples() {
        for bad in [
            "10.0.0.1/33",
            "::ffff:1.2.3.4/129",
            "garbage",
            "",
            "10.0.0.0/",
            "1.2.3",
            "10.0.0.0/8/8",
            "::/300",
        ] {
            let e = parse_cidr(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains("10.0.0.0/8"), "{bad:?}: {e}");
        }
        assert!(parse_cidr(&"1".repeat(10_000)).is_err());
    }

    #[test]
    fn an_empty_list_allows_all_and_mapped_addresses_match_ipv4_rules() {
        let ip: IpAddr = "10.9.8.7".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert!(allows(&[], ip));
        let list = [net("10.0.0.0/8")];
        assert!(allows(&list, ip));
        let mapped: IpAddr = "::ffff:10.9.8.7".parse().unwrap_or(ip);
        assert!(allows(&list, mapped));
        let outside: IpAddr = "127.0.0.1".parse().unwrap_or(ip);
        assert!(!allows(&list, outside));
    }

    #[test]
    fn forwarded_for_counts_only_behind_trusted_proxies_rightmost_untrusted_hop() {
        let p = |s: &str| s.parse::<IpAddr>().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let proxies = [net("10.0.0.0/24")];
        // An untrusted peer's header is ignored (spoofing changes nothing).
        assert_eq!(
            client_ip(p("203.0.113.9"), Some("10.1.2.3"), &proxies),
            p("203.0.113.9")
        );
        // Through a trusted proxy: the rightmost untrusted hop, not the leftmost (spoofable).
        assert_eq!(
            client_ip(
                p("10.0.0.5"),
                Some("6.6.6.6, 198.51.100.4, 10.0.0.7"),
                &proxies
            ),
            p("198.51.100.4")
        );
        // Trusted proxy without a header, or with a garbage hop.
        assert_eq!(client_ip(p("10.0.0.5"), None, &proxies), p("10.0.0.5"));
        assert_eq!(
            client_ip(p("10.0.0.5"), Some("nonsense"), &proxies),
            p("10.0.0.5")
        );
        // No proxies configured: always the peer.
        assert_eq!(
            client_ip(p("10.0.0.5"), Some("198.51.100.4"), &[]),
            p("10.0.0.5")
        );
    }
}
