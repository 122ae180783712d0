//! Passkeys (WebAuthn): the rules, no I/O. Which origins may use them (the relying party
//! comes from the configured public URL, never from a request), names, which second
//! factors an account has and whether one may go, the signature counter's clone signal,
//! and what the authenticator data says about the authenticator.
//!
//! The ceremonies themselves (challenges, signatures, attestation) are `webauthn-rs`'s,
//! in the daemon (`service/passkeys.rs`).

use crate::permissions::Role;

/// How long a started ceremony (the browser's prompt) may take before it lapses.
pub const CEREMONY_TTL: i64 = 5 * 60;
/// Longest passkey name, in characters.
pub const NAME_MAX: usize = 64;
/// Most passkeys one account may register.
pub const MAX_PER_USER: usize = 20;
/// What a ceremony is for (stored with it; a ceremony answers only its own purpose).
pub const PURPOSE_REGISTER: &str = "register";
pub const PURPOSE_LOGIN: &str = "login";
pub const PURPOSE_STEP_UP: &str = "step_up";
/// Approving a device login (`wt login --web`, `wt_core::device`).
pub const PURPOSE_DEVICE: &str = "device";
/// A passwordless sign-in: the account is learnt from the passkey the browser picks.
pub const PURPOSE_PASSWORDLESS: &str = "passwordless";

/// The relying party: the RP ID (a domain name) and the one origin assertions must
/// come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty {
    pub id: String,
    pub origin: String,
}

/// Why this installation cannot offer passkeys; the message says what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable(pub String);

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The relying party of an installation served at `public_url` (`--public-url`).
/// Browsers allow WebAuthn only in a secure context on a domain name: `https://` on
/// any domain, or `http://` on `localhost` (and `*.localhost`), which browsers treat as
/// secure. An IP address is never a valid RP ID, and without a public URL there is no
/// origin to bind to (the `Host` header is never trusted for it).
pub fn relying_party(public_url: Option<&str>) -> Result<RelyingParty, Unavailable> {
    let Some(raw) = public_url else {
        return Err(Unavailable(
            "passkeys need the console's public address: start wtd with --public-url https://<your domain>".into(),
        ));
    };
    let url = url::Url::parse(raw).map_err(|_| {
        Unavailable(format!(
            "passkeys are off: the public URL {raw:?} is not a URL"
        ))
    })?;
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_ascii_lowercase(),
        Some(_) => {
            return Err(Unavailable(format!(
                "passkeys are off: the public URL {raw:?} is an IP address, and browsers bind passkeys to a domain name (use https://<domain>, or http://localhost for local use)"
            )));
        }
        None => {
            return Err(Unavailable(format!(
                "passkeys are off: the public URL {raw:?} has no host"
            )));
        }
    };
    let loopback = host == "localhost" || host.ends_with(".localhost");
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => {
            return Err(Unavailable(format!(
                "passkeys are off: the console is not served over HTTPS ({raw}); browsers allow passkeys only on https:// origins (or http://localhost)"
            )));
        }
    }
    let origin = url.origin().ascii_serialization();
    Ok(RelyingParty { id: host, origin })
}

/// A passkey's name, trimmed: 1 to [`NAME_MAX`] characters, no control characters.
pub fn validate_name(name: &str) -> Result<String, &'static str> {
    let n = name.trim();
    if n.is_empty() {
        return Err("give the passkey a name (for example the device it is on)");
    }
    if n.chars().count() > NAME_MAX {
        return Err("the name is too long: at most 64 characters");
    }
    if n.chars().any(char::is_control) {
        return Err("the name cannot contain control characters");
    }
    Ok(n.to_string())
}

/// Which second factors an account has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Factors {
    /// A confirmed TOTP authenticator.
    pub totp: bool,
    /// Registered passkeys.
    pub passkeys: u32,
}

impl Factors {
    /// Whether the account has any second factor (what `mfa_required_roles` asks for).
    pub fn any(&self) -> bool {
        self.totp || self.passkeys > 0
    }

    /// The methods, as listings show them: `totp`, `passkey`, `totp+passkey` or `none`.
    pub fn describe(&self) -> &'static str {
        match (self.totp, self.passkeys > 0) {
            (true, true) => "totp+passkey",
            (true, false) => "totp",
            (false, true) => "passkey",
            (false, false) => "none",
        }
    }
}

/// A second factor being removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Totp,
    Passkey,
}

/// Whether the member's role requires a second factor (the org's `mfa_required_roles`).
pub fn required(role: Role, required_roles: &[Role]) -> bool {
    required_roles.contains(&role)
}

/// An org's passkey policy (beside `mfa_required_roles`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PasskeyPolicy {
    /// Roles whose members must have a passkey: TOTP does not satisfy them.
    pub phishing_resistant_roles: Vec<Role>,
    /// The authenticator models (AAGUIDs) new passkeys may come from; empty: any.
    pub aaguids: Vec<String>,
}

/// What an org's policy asks of a member's second factors, from their role.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Requirement {
    /// Some second factor (TOTP or a passkey): `mfa_required_roles`.
    pub mfa: bool,
    /// A passkey (phishing-resistant): `phishing_resistant_required_roles`.
    pub passkey: bool,
}

impl Requirement {
    /// Nothing required.
    pub const NONE: Requirement = Requirement {
        mfa: false,
        passkey: false,
    };
    /// Some second factor required (either kind).
    pub const MFA: Requirement = Requirement {
        mfa: true,
        passkey: false,
    };

    /// What `role` must have, given the org's two role lists.
    pub fn of(role: Role, mfa_roles: &[Role], phishing_resistant_roles: &[Role]) -> Self {
        Self {
            mfa: mfa_roles.contains(&role),
            passkey: phishing_resistant_roles.contains(&role),
        }
    }

    /// Whether `f` meets it. A passkey satisfies `mfa` too.
    pub fn met_by(&self, f: Factors) -> bool {
        (!self.mfa || f.any()) && (!self.passkey || f.passkeys > 0)
    }
}

/// Whether a member may remove one of their second factors: not the last one while
/// their role requires MFA ([`required`]), and not the last passkey while it requires a
/// phishing-resistant factor ([`Requirement`]). `before` is what the account has now,
/// the removed factor included.
pub fn may_remove_under(
    need: Requirement,
    before: Factors,
    removing: Factor,
) -> Result<(), &'static str> {
    if need.passkey && removing == Factor::Passkey && before.passkeys <= 1 {
        return Err(
            "this is your last passkey and your role requires one (phishing-resistant MFA): add another passkey first",
        );
    }
    may_remove(need.mfa, before, removing)
}

/// Whether a member may remove one of their second factors: not the last one while
/// their role requires MFA ([`required`]). `before` is what the account has now, the
/// removed factor included.
pub fn may_remove(
    mfa_required: bool,
    before: Factors,
    removing: Factor,
) -> Result<(), &'static str> {
    let after = match removing {
        Factor::Totp => Factors {
            totp: false,
            ..before
        },
        Factor::Passkey => Factors {
            passkeys: before.passkeys.saturating_sub(1),
            ..before
        },
    };
    if mfa_required && !after.any() {
        return Err(
            "this is your last second factor and your role requires one: add another (a passkey or an authenticator app) first",
        );
    }
    Ok(())
}

/// Most AAGUIDs in an org's allow-list.
pub const AAGUIDS_MAX: usize = 100;

/// Parses an AAGUID allow-list: UUIDs separated by commas or whitespace, in any case,
/// with or without hyphens; returned lowercase and hyphenated, sorted, without repeats.
/// An empty input is an empty list (any authenticator).
pub fn parse_aaguids(raw: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for item in raw.split([',', ' ', '\n', '\t']).filter(|s| !s.is_empty()) {
        let hex: String = item.chars().filter(|c| *c != '-').collect();
        if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!(
                "{item:?} is not an AAGUID (a UUID such as cb69481e-8ff7-4039-93ec-0a2729a154a8)"
            ));
        }
        let h = hex.to_ascii_lowercase();
        if h.chars().all(|c| c == '0') {
            return Err("the all-zero AAGUID names no authenticator model".into());
        }
        out.push(format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        ));
    }
    out.sort();
    out.dedup();
    if out.len() > AAGUIDS_MAX {
        return Err(format!("at most {AAGUIDS_MAX} AAGUIDs"));
    }
    Ok(out)
}

/// Whether a new passkey from an authenticator of model `aaguid` may be registered under
/// the org's allow-list (empty: any). An authenticator that does not say (no or an
/// all-zero AAGUID) is refused when there is a list.
pub fn aaguid_allowed(allow: &[String], aaguid: Option<&str>) -> Result<(), String> {
    if allow.is_empty() {
        return Ok(());
    }
    match aaguid {
        Some(a) if allow.iter().any(|x| x == a) => Ok(()),
        Some(a) => Err(format!(
            "your org accepts only approved security keys, and this authenticator (model {a}) is not one of them: use an approved key, or ask an admin"
        )),
        None => Err(
            "your org accepts only approved security keys, and this authenticator does not say which model it is: use an approved key, or ask an admin".into(),
        ),
    }
}

/// The WebAuthn clone signal (Level 3, 7.2 step 22): when either the stored or the
/// presented signature counter is non-zero, the presented one must be greater. A counter
/// that does not move forward means two copies of the key may exist.
pub fn counter_regressed(stored: u32, presented: u32) -> bool {
    (stored != 0 || presented != 0) && presented <= stored
}

/// The AAGUID in authenticator data (the attested credential data after the 32-byte
/// RP ID hash, 1 flags byte and 4 counter bytes), as a lowercase UUID; `None` when the
/// data has none or the authenticator sent all zeros (it chose not to say).
pub fn aaguid(auth_data: &[u8]) -> Option<String> {
    const ATTESTED: u8 = 0x40;
    let flags = *auth_data.get(32)?;
    if flags & ATTESTED == 0 {
        return None;
    }
    let id = auth_data.get(37..53)?;
    if id.iter().all(|b| *b == 0) {
        return None;
    }
    let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

/// What kind of authenticator holds a passkey, from its backup eligibility: a synced
/// passkey (a password manager or platform account copies it between devices) or one
/// bound to a single device (a security key, a device without sync).
pub fn kind(backup_eligible: bool) -> &'static str {
    if backup_eligible {
        "synced passkey"
    } else {
        "device-bound passkey"
    }
}

/// The attestation statement formats of WebAuthn Level 3 (§8), as stored and shown.
pub const ATTESTATION_FORMATS: &[&str] = &[
    "none",
    "packed",
    "tpm",
    "android-key",
    "android-safetynet",
    "fido-u2f",
    "apple",
    "compound",
];

/// The attestation format a registration's attestation object names (`fmt`), as stored:
/// one of [`ATTESTATION_FORMATS`]; anything else (or nothing) is `unknown`, so a
/// browser's text is never stored or shown as is.
pub fn attestation_format(fmt: Option<&str>) -> &'static str {
    fmt.and_then(|f| ATTESTATION_FORMATS.iter().find(|k| **k == f).copied())
        .unwrap_or("unknown")
}

/// The authenticator attachment a browser reported (`PublicKeyCredential.
/// authenticatorAttachment`): `platform` or `cross-platform`; anything else is dropped.
pub fn attachment(reported: Option<&str>) -> Option<&'static str> {
    match reported? {
        "platform" => Some("platform"),
        "cross-platform" => Some("cross-platform"),
        _ => None,
    }
}

/// How the passkey list shows an attachment.
pub fn attachment_label(attachment: Option<&str>) -> &'static str {
    match attachment {
        Some("platform") => "built into the device",
        Some("cross-platform") => "security key or phone",
        _ => "not reported",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attestation_formats_and_attachments_are_kept_only_when_known() {
        assert_eq!(attestation_format(Some("packed")), "packed");
        assert_eq!(attestation_format(Some("none")), "none");
        assert_eq!(attestation_format(Some("<script>")), "unknown");
        assert_eq!(attestation_format(None), "unknown");
        assert_eq!(attachment(Some("platform")), Some("platform"));
        assert_eq!(attachment(Some("cross-platform")), Some("cross-platform"));
        assert_eq!(attachment(Some("Platform")), None);
        assert_eq!(attachment(None), None);
        assert_eq!(
            attachment_label(Some("cross-platform")),
            "security key or phone"
        );
        assert_eq!(attachment_label(None), "not reported");
    }

    #[test]
    fn the_relying_party_is_the_public_url_on_https_or_localhost_only() {
        let rp = relying_party(Some("https://wt.example.com")).expect("https");
        assert_eq!(rp.id, "wt.example.com");
        assert_eq!(rp.origin, "https://wt.example.com");
        let rp = relying_party(Some("https://WT.example.com:8443/")).expect("port");
        assert_eq!(rp.id, "wt.example.com");
        assert_eq!(rp.origin, "https://wt.example.com:8443");
        let rp = relying_party(Some("http://localhost:8080")).expect("loopback http");
        assert_eq!(rp.origin, "http://localhost:8080");
        assert!(relying_party(Some("http://app.localhost:1")).is_ok());

        let e = relying_party(Some("http://wt.example.com")).unwrap_err();
        assert!(e.0.contains("HTTPS"), "{e}");
        let e = relying_party(Some("https://192.0.2.1")).unwrap_err();
        assert!(e.0.contains("IP address"), "{e}");
        let e = relying_party(Some("http://127.0.0.1:8080")).unwrap_err();
        assert!(e.0.contains("IP address"), "{e}");
        assert!(relying_party(Some("http://[::1]:8080")).is_err());
        assert!(relying_party(Some("http://localhost.example.com")).is_err());
        let e = relying_party(None).unwrap_err();
        assert!(e.0.contains("--public-url"), "{e}");
        assert!(relying_party(Some("not a url")).is_err());
        assert!(relying_party(Some("ftp://wt.example.com")).is_err());
    }

    #[test]
    fn names_are_trimmed_bounded_and_printable() {
        assert_eq!(validate_name("  Laptop  "), Ok("Laptop".into()));
        assert!(validate_name("   ").is_err());
        assert!(validate_name(&"x".repeat(65)).is_err());
        assert!(validate_name(&"é".repeat(64)).is_ok());
        assert!(validate_name("a\u{7}b").is_err());
    }

    #[test]
    fn the_last_factor_of_a_role_that_requires_mfa_stays() {
        let roles = [Role::Owner, Role::Admin];
        let one_passkey = Factors {
            totp: false,
            passkeys: 1,
        };
        assert!(may_remove(required(Role::Admin, &roles), one_passkey, Factor::Passkey).is_err());
        // Not required: it may go.
        assert!(
            may_remove(
                required(Role::Analyst, &roles),
                one_passkey,
                Factor::Passkey
            )
            .is_ok()
        );
        // Another factor remains.
        let two = Factors {
            totp: false,
            passkeys: 2,
        };
        assert!(may_remove(required(Role::Owner, &roles), two, Factor::Passkey).is_ok());
        let both = Factors {
            totp: true,
            passkeys: 1,
        };
        assert!(may_remove(required(Role::Owner, &roles), both, Factor::Passkey).is_ok());
        assert!(may_remove(required(Role::Owner, &roles), both, Factor::Totp).is_ok());
        let totp_only = Factors {
            totp: true,
            passkeys: 0,
        };
        assert!(may_remove(required(Role::Owner, &roles), totp_only, Factor::Totp).is_err());
    }

    #[test]
    fn a_passkey_satisfies_mfa_and_only_a_passkey_satisfies_phishing_resistance() {
        let mfa_roles = [Role::Owner, Role::Admin];
        let pr_roles = [Role::Owner];
        let owner = Requirement::of(Role::Owner, &mfa_roles, &pr_roles);
        let admin = Requirement::of(Role::Admin, &mfa_roles, &pr_roles);
        let viewer = Requirement::of(Role::Viewer, &mfa_roles, &pr_roles);
        let totp = Factors {
            totp: true,
            passkeys: 0,
        };
        let pk = Factors {
            totp: false,
            passkeys: 1,
        };
        assert!(!owner.met_by(totp));
        assert!(owner.met_by(pk));
        assert!(admin.met_by(totp));
        assert!(admin.met_by(pk));
        assert!(!admin.met_by(Factors::default()));
        assert!(viewer.met_by(Factors::default()));
        // The last passkey of a phishing-resistant role stays, even with TOTP beside it.
        let both = Factors {
            totp: true,
            passkeys: 1,
        };
        assert!(may_remove_under(owner, both, Factor::Passkey).is_err());
        assert!(may_remove_under(owner, both, Factor::Totp).is_ok());
        let two = Factors {
            totp: false,
            passkeys: 2,
        };
        assert!(may_remove_under(owner, two, Factor::Passkey).is_ok());
        assert!(may_remove_under(admin, both, Factor::Passkey).is_ok());
        assert!(may_remove_under(admin, pk, Factor::Passkey).is_err());
    }

    #[test]
    fn aaguid_lists_parse_and_decide() {
        let l = parse_aaguids("CB69481E-8FF7-4039-93EC-0A2729A154A8, cb69481e8ff7403993ec0a2729a154a8 01020304-0506-0708-090a-0b0c0d0e0f10").expect("list");
        assert_eq!(
            l,
            vec![
                "01020304-0506-0708-090a-0b0c0d0e0f10".to_string(),
                "cb69481e-8ff7-4039-93ec-0a2729a154a8".to_string()
            ]
        );
        assert_eq!(parse_aaguids("").expect("empty"), Vec::<String>::new());
        assert!(parse_aaguids("not-a-uuid").is_err());
        assert!(parse_aaguids("00000000-0000-0000-0000-000000000000").is_err());
        assert!(parse_aaguids("cb69481e-8ff7-4039-93ec-0a2729a154a").is_err());
        assert!(aaguid_allowed(&[], None).is_ok());
        assert!(aaguid_allowed(&l, Some("cb69481e-8ff7-4039-93ec-0a2729a154a8")).is_ok());
        assert!(aaguid_allowed(&l, Some("11111111-8ff7-4039-93ec-0a2729a154a8")).is_err());
        assert!(aaguid_allowed(&l, None).is_err());
    }

    #[test]
    fn factors_say_which() {
        assert_eq!(Factors::default().describe(), "none");
        assert!(!Factors::default().any());
        let f = Factors {
            totp: true,
            passkeys: 2,
        };
        assert_eq!(f.describe(), "totp+passkey");
        assert_eq!(
            Factors {
                totp: false,
                passkeys: 1
            }
            .describe(),
            "passkey"
        );
    }

    #[test]
    fn a_counter_that_does_not_move_forward_is_a_clone_signal() {
        assert!(!counter_regressed(0, 0), "authenticators without a counter");
        assert!(!counter_regressed(5, 6));
        assert!(counter_regressed(5, 5));
        assert!(counter_regressed(5, 4));
        assert!(counter_regressed(5, 0));
        assert!(!counter_regressed(0, 1));
    }

    #[test]
    fn aaguid_from_authenticator_data() {
        let mut data = vec![0u8; 37];
        data[32] = 0x45; // UP, UV, AT
        let id: Vec<u8> = (1..=16).collect();
        data.extend_from_slice(&id);
        data.extend_from_slice(&[0, 16]);
        assert_eq!(
            aaguid(&data).as_deref(),
            Some("01020304-0506-0708-090a-0b0c0d0e0f10")
        );
        // All zeros: the authenticator chose not to say.
        let mut zero = data.clone();
        zero[37..53].fill(0);
        assert_eq!(aaguid(&zero), None);
        // No attested credential data (an assertion's authenticator data).
        let mut no_at = data.clone();
        no_at[32] = 0x05;
        assert_eq!(aaguid(&no_at), None);
        assert_eq!(aaguid(&data[..40]), None);
        assert_eq!(aaguid(&[]), None);
    }
}
