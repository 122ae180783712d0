//! Checks about people: MFA coverage and least privilege.

use super::*;

/// Item 1: every member of an MFA-required role has MFA.
pub fn mfa(s: &Snapshot) -> ReadinessCheck {
    let missing: Vec<Evidence> = s
        .members
        .iter()
        .filter(|m| s.mfa_required_roles.contains(&m.role) && !m.mfa_enabled)
        .map(|m| ev("member", &m.id, &m.email, format!("{} without MFA", m.role)))
        .collect();
    let roles: Vec<&str> = s.mfa_required_roles.iter().map(|r| r.as_str()).collect();
    let (status, summary) = if missing.is_empty() {
        (
            CheckStatus::Pass,
            format!("every member in {} has MFA", roles.join(", ")),
        )
    } else {
        (
            CheckStatus::Fail,
            format!(
                "{} in MFA-required roles ({}) have no MFA",
                count(missing.len(), "member"),
                roles.join(", ")
            ),
        )
    };
    check(
        s,
        "mfa",
        "Admins and risk leads use MFA",
        status,
        summary,
        missing,
        "each listed member runs `wt mfa enroll` (or an admin runs `wt members remove ID` / `wt members set-role ID R`)",
    )
}

/// Item 1b (when the org sets `phishing_resistant_required_roles`): every member of those
/// roles has a passkey; a TOTP code does not count.
pub fn phishing_resistant(s: &Snapshot) -> ReadinessCheck {
    let roles = &s.phishing_resistant_required_roles;
    let missing: Vec<Evidence> = s
        .members
        .iter()
        .filter(|m| roles.contains(&m.role) && !m.passkey)
        .map(|m| {
            ev(
                "member",
                &m.id,
                &m.email,
                format!("{} without a passkey", m.role),
            )
        })
        .collect();
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    let (status, summary) = if missing.is_empty() {
        (
            CheckStatus::Pass,
            format!("every member in {} has a passkey", names.join(", ")),
        )
    } else {
        (
            CheckStatus::Fail,
            format!(
                "{} in roles that require phishing-resistant MFA ({}) have no passkey",
                count(missing.len(), "member"),
                names.join(", ")
            ),
        )
    };
    check(
        s,
        "phishing_resistant_mfa",
        "Owners and admins use phishing-resistant MFA (passkeys)",
        status,
        summary,
        missing,
        "each listed member adds a passkey in the console (Security tab, Passkeys); an authenticator app does not count for these roles",
    )
}

/// Item 2: roles reviewed for least privilege.
pub fn least_privilege(s: &Snapshot) -> ReadinessCheck {
    let st = &s.settings;
    let mut fails = Vec::new();
    let mut warns = Vec::new();
    let mut evidence = Vec::new();
    match &s.latest_review {
        None => {
            fails.push("no member review was ever recorded".to_string());
        }
        Some(r) => {
            let age = days(s.now - r.reviewed_at);
            if age > i64::from(st.review_interval_days) {
                fails.push(format!(
                    "the last member review is {age} days old (interval {} days)",
                    st.review_interval_days
                ));
                evidence.push(ev(
                    "member_review",
                    &r.id,
                    "last review",
                    format!("{age} days old"),
                ));
            }
            let reviewed: BTreeMap<&str, Role> = r
                .members
                .iter()
                .map(|(id, role)| (id.as_str(), *role))
                .collect();
            let unreviewed: Vec<&MemberFact> = s
                .members
                .iter()
                .filter(|m| reviewed.get(m.id.as_str()) != Some(&m.role))
                .collect();
            if !unreviewed.is_empty() {
                fails.push(format!(
                    "{} joined or changed role since the last review",
                    count(unreviewed.len(), "member")
                ));
                for m in unreviewed {
                    evidence.push(ev(
                        "member",
                        &m.id,
                        &m.email,
                        format!("{} not covered by the last review", m.role),
                    ));
                }
            }
        }
    }
    for i in &s.open_invites {
        if is_privileged(i.role) && i.expires_at <= s.now {
            fails.push(if s.visible.members {
                format!("expired {} invite for {} still pending", i.role, i.email)
            } else {
                format!("an expired {} invite is still pending", i.role)
            });
            evidence.push(ev(
                "invite",
                &i.id,
                &i.email,
                format!(
                    "{} invite expired {} days ago",
                    i.role,
                    days(s.now - i.expires_at)
                ),
            ));
        }
    }
    let inactive_after = i64::from(st.inactive_days) * DAY;
    for m in &s.members {
        let last = m.last_sign_in.unwrap_or(m.joined_at);
        if is_privileged(m.role) && s.now - last >= inactive_after {
            let who = if s.visible.members {
                format!("{} ({})", m.email, m.role)
            } else {
                format!("a member ({})", m.role)
            };
            fails.push(format!(
                "{who} has not signed in for {} days",
                days(s.now - last)
            ));
            evidence.push(ev(
                "member",
                &m.id,
                &m.email,
                format!("{} with no sign-in for {} days", m.role, days(s.now - last)),
            ));
        }
    }
    let privileged = s.members.iter().filter(|m| is_privileged(m.role)).count();
    let total = s.members.len();
    if total > 2 && privileged * 100 > total * st.privileged_share_max_percent as usize {
        warns.push(format!(
            "{privileged} of {total} members are owners or admins (more than {}%)",
            st.privileged_share_max_percent
        ));
    }
    let (status, summary) = if !fails.is_empty() {
        (CheckStatus::Fail, fails.join("; "))
    } else if !warns.is_empty() {
        (CheckStatus::Warn, warns.join("; "))
    } else {
        (
            CheckStatus::Pass,
            format!(
                "roles reviewed within {} days, covering all {total} members",
                st.review_interval_days
            ),
        )
    };
    check(
        s,
        "least_privilege",
        "Team roles reviewed for least privilege",
        status,
        summary,
        evidence,
        "review roles (`wt members list`, `wt members set-role ID R`, `wt invite revoke ID`), then record it with `wt members review`",
    )
}
