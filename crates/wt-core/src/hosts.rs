//! Which `Host` a request may name (SECURITY.md #63): the defence against DNS rebinding.
//!
//! A page on `rebind.attacker.example` can make its name resolve to 127.0.0.1 and then talk
//! to a loopback daemon "same-origin": the browser sends `Host: rebind.attacker.example`.
//! So the daemon serves only host names it was configured with: the `--public-url`'s host,
//! loopback names (`localhost`, `127.0.0.0/8`, `[::1]`: no browser names those for a site
//! on the internet, and local tools and reverse proxies use them), and the listener's own
//! IP when it is bound to one specific address (an IP literal cannot be rebound). Ports are
//! not compared: the name is what rebinding forges.

use std::net::IpAddr;

/// A request's host without its port: an IP address or a lower-cased DNS name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Ip(IpAddr),
    Name(String),
}

/// Splits `host[:port]`, `[v6][:port]` (a `Host` header or a URL's authority) and returns
/// the host. `None` for anything else (empty, user info, stray characters, a bad port).
pub fn parse_host(authority: &str) -> Option<Host> {
    let port_ok = |p: &str| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = authority.strip_prefix('[') {
        let (inner, after) = rest.split_once(']')?;
        if !(after.is_empty() || after.strip_prefix(':').is_some_and(port_ok)) {
            return None;
        }
        return inner
            .parse::<std::net::Ipv6Addr>()
            .ok()
            .map(|ip| Host::Ip(ip.into()));
    }
    let host = match authority.split_once(':') {
        Some((h, p)) if port_ok(p) => h,
        Some(_) => return None,
        None => authority,
    };
    if host.is_empty()
        || host.len() > 253
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return None;
    }
    Some(match host.parse::<std::net::Ipv4Addr>() {
        Ok(ip) => Host::Ip(ip.into()),
        Err(_) => Host::Name(host.to_ascii_lowercase()),
    })
}

/// The host of an `http(s)://host[:port][/path]` URL.
pub fn url_host(url: &str) -> Option<Host> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    parse_host(authority)
}

/// The hosts this daemon serves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostPolicy {
    /// The `--public-url`'s host, when configured.
    public: Option<Host>,
    /// The listener's address when bound to one specific, non-loopback IP.
    bound: Option<IpAddr>,
}

impl HostPolicy {
    /// Loopback names only (no public URL, a loopback or wildcard listener).
    pub fn loopback_only() -> Self {
        Self::default()
    }

    /// From the configuration: the public URL (if any) and the listener's IP. A wildcard
    /// listener (`0.0.0.0`, `::`) adds nothing: which of its addresses a client used is
    /// not known, so set `--public-url`.
    pub fn new(public_url: Option<&str>, listen: IpAddr) -> Result<Self, String> {
        let public = match public_url {
            None => None,
            Some(u) => Some(url_host(u).ok_or_else(|| {
                format!("--public-url {u:?} is not an http(s)://host[:port] URL")
            })?),
        };
        let bound = (!listen.is_unspecified() && !listen.to_canonical().is_loopback())
            .then_some(listen.to_canonical());
        Ok(Self { public, bound })
    }

    /// Whether a request naming `authority` (its `Host`) is served.
    pub fn allows(&self, authority: &str) -> bool {
        let Some(host) = parse_host(authority) else {
            return false;
        };
        if self.public.as_ref() == Some(&host) {
            return true;
        }
        match host {
            Host::Name(n) => n == "localhost",
            Host::Ip(ip) => {
                let ip = ip.to_canonical();
                ip.is_loopback() || self.bound == Some(ip)
            }
        }
    }

    /// The hosts served, for error messages.
    pub fn describe(&self) -> String {
        let mut names = vec!["localhost".to_string(), "127.0.0.1".into(), "[::1]".into()];
        for h in [self.public.clone(), self.bound.map(Host::Ip)]
            .into_iter()
            .flatten()
        {
            names.push(match h {
                Host::Name(n) => n,
                Host::Ip(IpAddr::V6(ip)) => format!("[{ip}]"),
                Host::Ip(ip) => ip.to_string(),
            });
        }
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn hosts_parse_with_and_without_ports() {
        assert_eq!(
            parse_host("LocalHost:8470"),
            Some(Host::Name("localhost".into()))
        );
        assert_eq!(parse_host("127.0.0.1"), Some(Host::Ip(ip("127.0.0.1"))));
        assert_eq!(parse_host("[::1]:80"), Some(Host::Ip(ip("::1"))));
        assert_eq!(parse_host("[::1]"), Some(Host::Ip(ip("::1"))));
        for bad in [
            "",
            ":80",
            "a:b",
            "a:80:90",
            "::1",
            "[::1",
            "[::1]x",
            "[::1]:",
            "user@host",
            "host/path",
            "h st",
            "a:999999",
        ] {
            assert_eq!(parse_host(bad), None, "{bad}");
        }
    }

    #[test]
    fn without_a_public_url_only_loopback_hosts_are_served() {
        let p = HostPolicy::new(None, ip("127.0.0.1")).unwrap_or_default();
        for ok in [
            "localhost",
            "localhost:8470",
            "127.0.0.1:8470",
            "127.9.9.9",
            "[::1]:8470",
            "[::ffff:127.0.0.1]",
        ] {
            assert!(p.allows(ok), "{ok}");
        }
        for bad in [
            "rebind.attacker.example",
            "rebind.attacker.example:8470",
            "localhost.attacker.example",
            "evil.localhost",
            "127.0.0.1.nip.io",
            "10.0.0.5:8470",
            "0.0.0.0",
            "",
        ] {
            assert!(!p.allows(bad), "{bad}");
        }
    }

    #[test]
    fn a_listener_on_one_ip_serves_that_literal_and_a_wildcard_does_not() {
        let p = HostPolicy::new(None, ip("10.0.0.5")).unwrap_or_default();
        assert!(p.allows("10.0.0.5:8470") && p.allows("localhost"));
        assert!(!p.allows("10.0.0.6") && !p.allows("wt.internal"));
        let any = HostPolicy::new(None, ip("0.0.0.0")).unwrap_or_default();
        assert!(!any.allows("10.0.0.5"));
        let v6 = HostPolicy::new(None, ip("2001:db8::5")).unwrap_or_default();
        assert!(v6.allows("[2001:db8::5]:8470"));
    }

    #[test]
    fn with_a_public_url_its_host_and_loopback_are_served() {
        let p = HostPolicy::new(Some("https://WT.acme.example:8443/"), ip("0.0.0.0"))
            .unwrap_or_default();
        assert!(p.allows("wt.acme.example"));
        assert!(p.allows("wt.acme.example:8443"));
        assert!(p.allows("127.0.0.1:8470"));
        assert!(!p.allows("rebind.attacker.example"));
        assert!(!p.allows("acme.example"));
        assert!(p.describe().contains("wt.acme.example"));
        assert!(HostPolicy::new(Some("ftp://x"), ip("127.0.0.1")).is_err());
        assert!(HostPolicy::new(Some("https://"), ip("127.0.0.1")).is_err());
    }
}
