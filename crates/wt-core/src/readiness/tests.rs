use super::*;

const NOW: i64 = 1_900_000_000;

fn member(id: &str, role: Role, mfa: bool) -> MemberFact {
    MemberFact {
        id: id.into(),
        email: format!("{id}@acme.test"),
        role,
        mfa_enabled: mfa,
        passkey: false,
        joined_at: NOW - DAY,
        last_sign_in: Some(NOW - DAY),
    }
}

fn key(id: &str, env: Environment) -> KeyFact {
    KeyFact {
        id: id.into(),
        name: id.into(),
        environment: env,
        owner_email: "o@acme.test".into(),
        owner_active: true,
        created_at: NOW - DAY,
        usable: true,
        browser_requests: 0,
        browser_origin: None,
        allowed_cidrs: vec![],
        sources: vec![],
        leaked: None,
    }
}

fn snap() -> Snapshot {
    Snapshot {
        visible: Visibility::ALL,
        now: NOW,
        settings: ReadinessSettings::default(),
        mfa_required_roles: vec![Role::Owner, Role::Admin, Role::RiskLead],
        ..Default::default()
    }
}

#[test]
fn mfa_fails_naming_members_of_required_roles_only() {
    let mut s = snap();
    s.members = vec![
        member("a", Role::Owner, false),
        member("b", Role::Analyst, false),
        member("c", Role::RiskLead, true),
    ];
    let c = mfa(&s);
    assert_eq!(c.status, CheckStatus::Fail);
    assert_eq!(c.evidence.len(), 1);
    assert_eq!(c.evidence[0].label, "a@acme.test");
    assert!(c.remedy.contains("wt mfa enroll"));
    s.members[0].mfa_enabled = true;
    let c = mfa(&s);
    assert_eq!(c.status, CheckStatus::Pass);
    assert!(c.remedy.is_empty());
}

#[test]
fn least_privilege_needs_a_recent_review_covering_current_roles() {
    let mut s = snap();
    s.members = vec![
        member("a", Role::Owner, true),
        member("b", Role::Analyst, true),
    ];
    assert_eq!(
        least_privilege(&s).status,
        CheckStatus::Fail,
        "never reviewed"
    );
    s.latest_review = Some(ReviewFact {
        id: "rev".into(),
        reviewed_at: NOW - DAY,
        members: vec![("a".into(), Role::Owner), ("b".into(), Role::Analyst)],
    });
    assert_eq!(least_privilege(&s).status, CheckStatus::Pass);
    // A role change after the review is not covered.
    s.members[1].role = Role::Admin;
    let c = least_privilege(&s);
    assert_eq!(c.status, CheckStatus::Fail);
    assert_eq!(c.evidence[0].label, "b@acme.test");
    s.members[1].role = Role::Analyst;
    // Too old.
    s.now = NOW + 91 * DAY;
    s.members
        .iter_mut()
        .for_each(|m| m.last_sign_in = Some(s.now));
    assert_eq!(least_privilege(&s).status, CheckStatus::Fail);
}

#[test]
fn least_privilege_fails_stale_privileged_invites_and_inactive_admins_and_warns_on_share() {
    let mut s = snap();
    s.members = vec![
        member("a", Role::Owner, true),
        member("b", Role::Admin, true),
        member("c", Role::Viewer, true),
    ];
    s.latest_review = Some(ReviewFact {
        id: "rev".into(),
        reviewed_at: NOW,
        members: s.members.iter().map(|m| (m.id.clone(), m.role)).collect(),
    });
    let c = least_privilege(&s);
    assert_eq!(
        c.status,
        CheckStatus::Warn,
        "2 of 3 privileged > 50%: {}",
        c.summary
    );
    s.settings.privileged_share_max_percent = 70;
    assert_eq!(least_privilege(&s).status, CheckStatus::Pass);
    s.open_invites.push(InviteFact {
        id: "inv".into(),
        email: "x@acme.test".into(),
        role: Role::Admin,
        expires_at: NOW - 1,
    });
    let c = least_privilege(&s);
    assert_eq!(c.status, CheckStatus::Fail);
    assert!(c.evidence.iter().any(|e| e.kind == "invite"));
    s.open_invites.clear();
    s.members[1].last_sign_in = Some(NOW - 90 * DAY);
    let c = least_privilege(&s);
    assert_eq!(c.status, CheckStatus::Fail);
    assert!(c.summary.contains("b@acme.test"));
}

#[test]
fn a_key_used_from_a_browser_fails_item_three_until_it_is_gone() {
    let mut s = snap();
    let mut k = key("k1", Environment::Production);
    k.browser_requests = 1;
    k.browser_origin = Some("https://app.example".into());
    s.keys = vec![k];
    let c = keys_server_side(&s);
    assert_eq!(c.status, CheckStatus::Fail);
    assert!(c.evidence[0].detail.contains("https://app.example"));
    s.keys.clear();
    assert_eq!(keys_server_side(&s).status, CheckStatus::Pass);
}

#[test]
fn a_leaked_key_fails_item_three_while_it_still_works() {
    let mut s = snap();
    let mut k = key("k1", Environment::Production);
    k.leaked = Some("github:gist".into());
    s.keys = vec![k.clone()];
    let c = keys_server_side(&s);
    assert_eq!(c.status, CheckStatus::Fail);
    assert!(c.evidence[0].detail.contains("github:gist"), "{c:?}");
    assert!(c.remedy.contains("wt keys leaked"), "{c:?}");
    // Expired (or quarantined, which leaves `leaked` unset): no longer a risk.
    k.usable = false;
    s.keys = vec![k];
    assert_eq!(keys_server_side(&s).status, CheckStatus::Pass);
}

#[test]
fn environments_must_not_share_addresses_or_allowlists() {
    let mut s = snap();
    let ip: IpAddr = "10.0.0.5".parse().unwrap_or(IpAddr::from([0; 4]));
    let mut p = key("prod", Environment::Production);
    let mut t = key("test", Environment::Sandbox);
    p.sources = vec![ip];
    t.sources = vec!["192.0.2.1".parse().unwrap_or(ip)];
    s.keys = vec![p.clone(), t.clone()];
    assert_eq!(environments_separate(&s).status, CheckStatus::Pass);
    // Same address with both.
    t.sources.push(ip);
    s.keys = vec![p.clone(), t.clone()];
    assert_eq!(environments_separate(&s).status, CheckStatus::Fail);
    // Sandbox used from inside production's allowlist.
    t.sources = vec!["10.9.9.9".parse().unwrap_or(ip)];
    p.allowed_cidrs = vec!["10.0.0.0/8".parse().unwrap_or_default()];
    s.keys = vec![p, t.clone()];
    let c = environments_separate(&s);
    assert_eq!(c.status, CheckStatus::Fail, "{}", c.summary);
    // Traffic but no production key.
    s.keys = vec![t];
    let c = environments_separate(&s);
    assert_eq!(c.status, CheckStatus::Fail);
    assert!(c.summary.contains("no active production key"));
    s.keys.clear();
    assert_eq!(environments_separate(&s).status, CheckStatus::Pass);
}

#[test]
fn key_owners_and_age() {
    let mut s = snap();
    let mut k = key("k", Environment::Production);
    s.keys = vec![k.clone()];
    assert_eq!(key_owners(&s).status, CheckStatus::Pass);
    k.created_at = NOW - 91 * DAY;
    s.keys = vec![k.clone()];
    assert_eq!(key_owners(&s).status, CheckStatus::Warn);
    k.created_at = NOW - 181 * DAY;
    s.keys = vec![k.clone()];
    assert_eq!(key_owners(&s).status, CheckStatus::Fail);
    k.created_at = NOW;
    k.owner_active = false;
    s.keys = vec![k.clone()];
    let c = key_owners(&s);
    assert_eq!(c.status, CheckStatus::Fail);
    assert!(c.evidence[0].detail.contains("o@acme.test"));
    // Expired keys do not count.
    k.usable = false;
    s.keys = vec![k];
    assert_eq!(key_owners(&s).status, CheckStatus::Pass);
}

#[test]
fn audit_review_fails_when_never_reviewed_or_outside_the_window() {
    let mut s = snap();
    let e = |seq, at| EntryFact {
        seq,
        action: "member.role_changed".into(),
        occurred_at: at,
        actor: "o@acme.test".into(),
    };
    assert_eq!(audit_reviewed(&s).status, CheckStatus::Pass);
    s.unreviewed_sensitive = vec![e(3, NOW - 60)];
    assert_eq!(
        audit_reviewed(&s).status,
        CheckStatus::Fail,
        "never reviewed"
    );
    s.last_audit_review_at = Some(NOW - 120);
    assert_eq!(
        audit_reviewed(&s).status,
        CheckStatus::Warn,
        "within the window"
    );
    s.unreviewed_sensitive = vec![e(3, NOW - 8 * DAY), e(4, NOW)];
    let c = audit_reviewed(&s);
    assert_eq!(c.status, CheckStatus::Fail);
    assert_eq!(c.evidence[0].id, "3");
    assert!(c.remedy.contains("wt audit review"));
}

/// A snapshot where every check fails with evidence of every kind.
fn everything_wrong() -> Snapshot {
    let mut s = snap();
    let mut stale = member("stale", Role::Admin, false);
    stale.last_sign_in = Some(NOW - 400 * DAY);
    s.members = vec![member("ann", Role::Owner, false), stale];
    s.latest_review = Some(ReviewFact {
        id: "rev_1".into(),
        reviewed_at: NOW - 400 * DAY,
        members: vec![],
    });
    s.open_invites.push(InviteFact {
        id: "inv_1".into(),
        email: "invitee@acme.test".into(),
        role: Role::Admin,
        expires_at: NOW - DAY,
    });
    let ip: IpAddr = "203.0.113.9".parse().unwrap_or(IpAddr::from([0; 4]));
    let mut p = key("prodkey", Environment::Production);
    p.sources = vec![ip];
    p.browser_requests = 2;
    p.browser_origin = Some("https://leaky.example".into());
    p.owner_active = false;
    p.allowed_cidrs = vec!["203.0.113.0/24".parse().unwrap_or_default()];
    let mut t = key("testkey", Environment::Sandbox);
    t.sources = vec![ip];
    s.keys = vec![p, t];
    s.unreviewed_sensitive = vec![EntryFact {
        seq: 9,
        action: "member.role_changed".into(),
        occurred_at: NOW - 30 * DAY,
        actor: "actor@acme.test".into(),
    }];
    s.mail = MailFact {
        late: 1,
        oldest: vec![late_mail("mail_1", NOW - DAY, None)],
    };
    s
}

#[test]
fn evidence_follows_the_callers_read_permissions() {
    let secrets = [
        "acme.test",
        "203.0.113",
        "prodkey",
        "testkey",
        "leaky.example",
        "rev_1",
        "inv_1",
    ];
    // Owners see it all.
    let mut s = everything_wrong();
    s.visible = Visibility::of(Role::Owner);
    let all = evaluate(&s);
    let text = serde_json::to_string(&all).unwrap_or_default();
    for x in secrets {
        assert!(text.contains(x), "an owner sees {x}: {text}");
    }
    assert!(all.iter().all(|c| c.evidence_withheld == 0));
    // Viewers may read none of members, keys or the audit log: statuses and counts
    // only, nothing that names a member, a key, an address or an actor.
    s.visible = Visibility::of(Role::Viewer);
    assert_eq!(s.visible, Visibility::default());
    let viewer = evaluate(&s);
    let text = serde_json::to_string(&viewer).unwrap_or_default();
    for x in secrets {
        assert!(!text.contains(x), "a viewer must not see {x}: {text}");
    }
    for (a, v) in all.iter().zip(&viewer) {
        assert_eq!(a.status, v.status, "{}", a.id);
        assert!(v.evidence.is_empty(), "{}", v.id);
        assert_eq!(v.evidence_withheld as usize, a.evidence.len(), "{}", a.id);
    }
    assert!(
        viewer.iter().all(|c| c.status != CheckStatus::Pass),
        "{viewer:?}"
    );
    // Analysts read members and keys but not the audit log.
    s.visible = Visibility::of(Role::Analyst);
    let analyst = evaluate(&s);
    let audit = analyst.iter().find(|c| c.id == "audit_reviewed");
    assert!(audit.is_some_and(|c| c.evidence.is_empty() && c.evidence_withheld == 1));
    let text = serde_json::to_string(&analyst).unwrap_or_default();
    assert!(!text.contains("actor@acme.test") && text.contains("ann@acme.test"));
}

#[test]
fn counts_read_naturally() {
    assert_eq!(count(1, "member"), "1 member");
    assert_eq!(count(2, "member"), "2 members");
    assert_eq!(count(3, "sensitive entry"), "3 sensitive entries");
    assert_eq!(count(3, "day"), "3 days");
}

#[test]
fn sensitivity_of_actions() {
    for a in [
        "member.role_changed",
        "mfa.disabled",
        "api_key.rotated",
        "allowed_ip.added",
        "org.settings.updated",
        "password.reset",
    ] {
        assert!(is_sensitive(a), "{a}");
    }
    for a in [
        "auth.login.succeeded",
        "audit.reviewed",
        "members.reviewed",
        "api_key.denied",
        "password.reset_requested",
        "password.reset_sent",
    ] {
        assert!(!is_sensitive(a), "{a}");
    }
}

fn late_mail(id: &str, queued_at: i64, failure: Option<DeliveryFailure>) -> LateMail {
    LateMail {
        id: id.into(),
        to: format!("{id}@acme.test"),
        queued_at,
        attempts: 6,
        failure,
    }
}

#[test]
fn mail_waiting_too_long_warns_with_the_class_of_its_last_error_and_the_flags_to_fix_it() {
    let mut s = snap();
    let c = mail_delivery(&s);
    assert_eq!(c.status, CheckStatus::Pass);
    assert!(c.remedy.is_empty());
    // Queued a minute ago: not late yet, whatever the error.
    s.mail = MailFact {
        late: 1,
        oldest: vec![late_mail(
            "fresh",
            NOW - 60,
            Some(DeliveryFailure::CertificateUntrusted),
        )],
    };
    assert_eq!(mail_delivery(&s).status, CheckStatus::Pass);
    s.mail = MailFact {
        late: 3,
        oldest: vec![
            late_mail("old", NOW - 42 * 60, None),
            late_mail(
                "newer",
                NOW - 20 * 60,
                Some(DeliveryFailure::CertificateUntrusted),
            ),
        ],
    };
    let c = mail_delivery(&s);
    assert_eq!(c.status, CheckStatus::Warn, "a warning, never a failure");
    assert!(
        c.summary
            .starts_with("3 mails undelivered for more than 15 minutes, the oldest for 42 minutes"),
        "{}",
        c.summary
    );
    assert!(c.summary.contains("certificate_untrusted"), "{}", c.summary);
    assert!(
        c.remedy.contains("--smtp-ca-file") && c.remedy.contains("OS trust store"),
        "{}",
        c.remedy
    );
    assert_eq!(c.evidence.len(), 2);
    assert_eq!(c.evidence[0].kind, "mail");
    assert_eq!(c.evidence[0].label, "old@acme.test");
    assert!(c.evidence[0].detail.contains("not tried yet"));
    // Recipients are member data: a viewer gets the verdict and counts, no address.
    s.visible = Visibility::of(Role::Viewer);
    let v = mail_delivery(&s);
    assert_eq!(v.status, CheckStatus::Warn);
    assert_eq!(v.evidence_withheld, 2);
    let text = serde_json::to_string(&v).unwrap_or_default();
    assert!(!text.contains("acme.test"), "{text}");
}

#[test]
fn mail_without_a_classified_error_names_every_relay_setting() {
    let mut s = snap();
    s.mail = MailFact {
        late: 1,
        oldest: vec![late_mail("m", NOW - 3 * DAY, None)],
    };
    let c = mail_delivery(&s);
    assert!(c.summary.contains("the oldest for 3 days"), "{}", c.summary);
    for flag in ["--smtp-url", "--smtp-ca-file", "--smtp-password-file"] {
        assert!(c.remedy.contains(flag), "{}", c.remedy);
    }
}

#[test]
fn phishing_resistant_mfa_is_listed_only_when_asked_and_needs_a_passkey() {
    let mut s = Snapshot {
        visible: Visibility::ALL,
        now: NOW,
        mfa_required_roles: vec![Role::Owner, Role::Admin],
        members: vec![
            member("owner1", Role::Owner, true),
            member("admin1", Role::Admin, true),
            member("viewer1", Role::Viewer, false),
        ],
        ..Snapshot::default()
    };
    assert!(
        evaluate(&s)
            .iter()
            .all(|c| c.id != "phishing_resistant_mfa"),
        "not listed without the setting"
    );
    s.phishing_resistant_required_roles = vec![Role::Owner, Role::Admin];
    let checks = evaluate(&s);
    let c = checks
        .iter()
        .find(|c| c.id == "phishing_resistant_mfa")
        .expect("listed");
    assert_eq!(c.status, CheckStatus::Fail);
    assert_eq!(c.evidence.len(), 2, "{c:?}");
    assert!(c.summary.contains("2 members"), "{}", c.summary);
    // TOTP satisfies `mfa` but not this one.
    assert_eq!(checks[0].status, CheckStatus::Pass);
    s.members[0].passkey = true;
    let c = phishing_resistant(&s);
    assert_eq!(c.status, CheckStatus::Fail);
    assert_eq!(c.evidence.len(), 1);
    assert_eq!(c.evidence[0].id, "admin1");
    s.members[1].passkey = true;
    assert_eq!(phishing_resistant(&s).status, CheckStatus::Pass);
}

fn sink(name: &str) -> SinkFact {
    SinkFact {
        id: format!("snk_{name}"),
        name: name.into(),
        paused: false,
        lag_entries: 0,
        lag_seconds: 0,
        failing_since: None,
        last_error: None,
    }
}

#[test]
fn audit_sinks_are_listed_only_when_the_org_has_one() {
    let s = Snapshot {
        visible: Visibility::ALL,
        now: 1_000_000,
        ..Snapshot::default()
    };
    assert!(evaluate(&s).iter().all(|c| c.id != "audit_sinks"));
    let s = Snapshot {
        sinks: vec![sink("siem")],
        ..s
    };
    let c = audit_sinks(&s);
    assert_eq!(c.status, CheckStatus::Pass, "{c:?}");
    assert!(evaluate(&s).iter().any(|c| c.id == "audit_sinks"));
}

#[test]
fn a_lagging_sink_warns_and_one_failing_too_long_fails() {
    let now = 1_000_000;
    let base = Snapshot {
        visible: Visibility::ALL,
        now,
        ..Snapshot::default()
    };
    let mut lagging = sink("slow");
    lagging.lag_entries = 12;
    lagging.lag_seconds = 16 * 60;
    let mut within = sink("fine");
    within.lag_entries = 3;
    within.lag_seconds = 14 * 60;
    let s = Snapshot {
        sinks: vec![lagging.clone(), within.clone()],
        ..base.clone()
    };
    let c = audit_sinks(&s);
    assert_eq!(c.status, CheckStatus::Warn, "{c:?}");
    assert_eq!(c.evidence.len(), 1);
    assert_eq!(c.evidence[0].label, "slow");
    assert!(c.evidence[0].detail.contains("12 entries behind"), "{c:?}");

    let mut failing = sink("down");
    failing.failing_since = Some(now - 61 * 60);
    failing.last_error = Some("connection refused".into());
    failing.lag_entries = 5;
    failing.lag_seconds = 61 * 60;
    let s = Snapshot {
        sinks: vec![lagging.clone(), failing.clone()],
        ..base.clone()
    };
    let c = audit_sinks(&s);
    assert_eq!(c.status, CheckStatus::Fail, "{c:?}");
    assert!(c.summary.contains("1 sink failing"), "{}", c.summary);
    assert!(
        c.evidence
            .iter()
            .any(|e| e.detail.contains("connection refused"))
    );

    // Failing for less than the setting only warns (it lags).
    failing.failing_since = Some(now - 59 * 60);
    let s = Snapshot {
        sinks: vec![failing],
        ..base.clone()
    };
    assert_eq!(audit_sinks(&s).status, CheckStatus::Warn);

    // The settings move both thresholds.
    let s = Snapshot {
        sinks: vec![lagging],
        settings: ReadinessSettings {
            sink_lag_max_minutes: 30,
            ..ReadinessSettings::default()
        },
        ..base
    };
    assert_eq!(audit_sinks(&s).status, CheckStatus::Pass);
}

#[test]
fn sink_evidence_is_withheld_from_roles_that_cannot_read_the_audit_log() {
    let mut lagging = sink("slow");
    lagging.lag_seconds = 3600;
    lagging.lag_entries = 1;
    let s = Snapshot {
        visible: Visibility::of(Role::Viewer),
        now: 1_000_000,
        sinks: vec![lagging],
        ..Snapshot::default()
    };
    let c = audit_sinks(&s);
    assert_eq!(c.status, CheckStatus::Warn);
    assert!(c.evidence.is_empty());
    assert_eq!(c.evidence_withheld, 1);
}
