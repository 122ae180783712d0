//! What a session is bound to, and which sign-ins are from a new device.

use serde::{Deserialize, Serialize};

/// Which kind of client a session belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    /// `wt` and scripts: a bearer token in the response body.
    Cli,
    /// The web console: an HttpOnly cookie, never a token in the body.
    Console,
}

impl ClientKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientKind::Cli => "cli",
            ClientKind::Console => "console",
        }
    }
}

/// How long a device stays known after a sign-in from it: a sign-in from a device not
/// seen in this many seconds of the user's sign-in history mails a notice.
pub const KNOWN_DEVICE_WINDOW: i64 = 90 * 86_400;

/// What makes a sign-in "from the same device" for the new-device notice: the client kind,
/// the user agent's family (browser and operating system, never its version, so an update
/// is not a new device) and the network (the address's /24 for IPv4, /48 for IPv6, so a
/// new lease from the same provider is not one either).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub client: ClientKind,
    pub agent: String,
    pub network: String,
}

impl Device {
    /// The device of a sign-in with this client, `User-Agent` and address (as text; an
    /// address that does not parse is its own network).
    pub fn of(client: ClientKind, user_agent: Option<&str>, ip: &str) -> Device {
        Device {
            client,
            agent: agent_family(user_agent),
            network: network(ip),
        }
    }
}

/// Whether a sign-in from `device` is from a new device, given the devices of the user's
/// earlier sign-ins within [`KNOWN_DEVICE_WINDOW`] and whether they ever signed in before.
/// The very first sign-in is not "new": there is nothing to compare it with, and its owner
/// just joined. After a long absence (nothing in the window) every device is new.
pub fn is_new_device(device: &Device, recent: &[Device], signed_in_before: bool) -> bool {
    signed_in_before && !recent.contains(device)
}

/// A user agent's family, without versions: "wt CLI", "Chrome on Linux", "Firefox",
/// "curl"; "Unknown device" without one; an unrecognised one is its first 40 characters.
pub fn agent_family(ua: Option<&str>) -> String {
    let Some(ua) = ua.map(str::trim).filter(|u| !u.is_empty()) else {
        return "Unknown device".into();
    };
    if ua.starts_with("wt/") {
        return "wt CLI".into();
    }
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    let os = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    match (browser, os) {
        (Some(b), Some(o)) => format!("{b} on {o}"),
        (Some(b), None) => b.to_string(),
        _ => ua.chars().take(40).collect(),
    }
}

/// The network an address is in for [`Device`]: its /24 (IPv4, IPv4-mapped IPv6 included)
/// or /48 (IPv6).
pub fn network(ip: &str) -> String {
    match ip
        .parse::<std::net::IpAddr>()
        .map(crate::netaddr::normalize_ip)
    {
        Ok(std::net::IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0);
            format!("{net}/48")
        }
        Err(_) => ip.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    const CHROME_NEXT: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36";
    const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

    #[test]
    fn networks_are_slash_24_and_slash_48() {
        assert_eq!(network("203.0.113.7"), "203.0.113.0/24");
        assert_eq!(network("::ffff:203.0.113.9"), "203.0.113.0/24");
        assert_eq!(network("2001:db8:1:2::5"), "2001:db8:1::/48");
        assert_eq!(network("not an ip"), "not an ip");
    }

    #[test]
    fn families_ignore_versions() {
        assert_eq!(agent_family(Some(CHROME)), "Chrome on Linux");
        assert_eq!(agent_family(Some(CHROME_NEXT)), agent_family(Some(CHROME)));
        assert_eq!(agent_family(Some(FIREFOX)), "Firefox on Linux");
        assert_eq!(agent_family(Some("wt/0.1.0")), "wt CLI");
        assert_eq!(agent_family(None), "Unknown device");
        assert_eq!(agent_family(Some(&"x".repeat(100))).len(), 40);
    }

    #[test]
    fn a_new_device_is_one_not_in_the_history() {
        let home = Device::of(ClientKind::Console, Some(CHROME), "203.0.113.7");
        // The first sign-in ever: nothing to compare with, no notice.
        assert!(!is_new_device(&home, &[], false));
        // After a long absence: nothing recent, so every device is new.
        assert!(is_new_device(&home, &[], true));
        let history = vec![home.clone()];
        // A browser update and another address in the same /24: the same device.
        let same = Device::of(ClientKind::Console, Some(CHROME_NEXT), "203.0.113.200");
        assert!(!is_new_device(&same, &history, true));
        // Another network, browser or client kind: new.
        for other in [
            Device::of(ClientKind::Console, Some(CHROME), "198.51.100.7"),
            Device::of(ClientKind::Console, Some(FIREFOX), "203.0.113.7"),
            Device::of(ClientKind::Cli, Some(CHROME), "203.0.113.7"),
        ] {
            assert!(is_new_device(&other, &history, true), "{other:?}");
        }
    }
}
