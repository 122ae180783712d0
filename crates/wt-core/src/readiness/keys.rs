//! Checks about ingestion keys: kept server-side, environments apart, owned and rotated.

use super::*;

/// Item 3: ingestion keys kept server-side: none used from browser code, and none
/// reported as leaked that still works (the kill switch, `wt keys leaked`).
pub fn keys_server_side(s: &Snapshot) -> ReadinessCheck {
    let leaked: Vec<Evidence> = s
        .keys
        .iter()
        .filter(|k| k.usable)
        .filter_map(|k| {
            let source = k.leaked.as_ref()?;
            Some(ev(
                "api_key",
                &k.id,
                &k.name,
                format!("reported as leaked ({source}) and still usable"),
            ))
        })
        .collect();
    if !leaked.is_empty() {
        let n = leaked.len();
        return check(
            s,
            "keys_server_side",
            "Ingestion keys stored server-side",
            CheckStatus::Fail,
            format!(
                "{} reported as leaked still {}",
                count(n, "key"),
                if n == 1 { "works" } else { "work" }
            ),
            leaked,
            "replace each at once: `wt keys leaked` with the secret on stdin (revokes it now, prints a successor), or `wt keys revoke ID`",
        );
    }
    let exposed: Vec<Evidence> = s
        .keys
        .iter()
        .filter(|k| k.browser_requests > 0)
        .map(|k| {
            ev(
                "api_key",
                &k.id,
                &k.name,
                match &k.browser_origin {
                    Some(o) => format!(
                        "used from browser code ({} requests, origin {o})",
                        k.browser_requests
                    ),
                    None => format!("used from browser code ({} requests)", k.browser_requests),
                },
            )
        })
        .collect();
    let (status, summary) = if exposed.is_empty() {
        (
            CheckStatus::Pass,
            "no active key was seen used from browser code".to_string(),
        )
    } else {
        (
            CheckStatus::Fail,
            format!(
                "{} were used from browser code",
                count(exposed.len(), "active key")
            ),
        )
    };
    check(
        s,
        "keys_server_side",
        "Ingestion keys stored server-side",
        status,
        summary,
        exposed,
        "move the integration to a server, then replace the key: `wt keys rotate ID --grace 0` (or rotate with a short grace and `wt keys revoke ID`)",
    )
}

/// Item 4: sandbox and production keys kept apart.
pub fn environments_separate(s: &Snapshot) -> ReadinessCheck {
    let mut evidence = Vec::new();
    let mut problems = Vec::new();
    let active: Vec<&KeyFact> = s.keys.iter().filter(|k| k.usable).collect();
    let by_env = |env: Environment| active.iter().filter(move |k| k.environment == env);
    // The same address sending with keys of both environments.
    let mut seen: BTreeMap<IpAddr, BTreeSet<(Environment, &str)>> = BTreeMap::new();
    for k in &active {
        for ip in &k.sources {
            seen.entry(*ip)
                .or_default()
                .insert((k.environment, k.name.as_str()));
        }
    }
    for (ip, users) in &seen {
        let envs: BTreeSet<_> = users.iter().map(|(e, _)| *e).collect();
        if envs.len() > 1 {
            let names: Vec<&str> = users.iter().map(|(_, n)| *n).collect();
            problems.push(if s.visible.keys {
                format!("{ip} sends with both sandbox and production keys")
            } else {
                "an address sends with both sandbox and production keys".to_string()
            });
            evidence.push(ev(
                "address",
                &ip.to_string(),
                &ip.to_string(),
                format!("used keys {}", names.join(", ")),
            ));
        }
    }
    // A key used from inside the other environment's allowlist.
    for k in &active {
        let other = match k.environment {
            Environment::Sandbox => Environment::Production,
            Environment::Production => Environment::Sandbox,
        };
        for o in by_env(other) {
            if let Some(ip) = k
                .sources
                .iter()
                .find(|ip| o.allowed_cidrs.iter().any(|n| n.contains(*ip)))
            {
                problems.push(if s.visible.keys {
                    format!(
                        "{} key {} is used from {ip}, inside {} key {}'s allowlist",
                        k.environment, k.name, other, o.name
                    )
                } else {
                    format!(
                        "a {} key is used from inside a {} key's allowlist",
                        k.environment, other
                    )
                });
                evidence.push(ev(
                    "api_key",
                    &k.id,
                    &k.name,
                    format!("used from {ip}, allowed for {} key {}", other, o.name),
                ));
            }
        }
    }
    let used_any = active.iter().any(|k| !k.sources.is_empty());
    if used_any && by_env(Environment::Production).next().is_none() {
        problems.push("ingestion traffic runs, but the org has no active production key".into());
        for k in active.iter().filter(|k| !k.sources.is_empty()) {
            evidence.push(ev(
                "api_key",
                &k.id,
                &k.name,
                format!("{} key in use", k.environment),
            ));
        }
    }
    let (status, summary) = if problems.is_empty() {
        (
            CheckStatus::Pass,
            "sandbox and production keys are used from separate places".to_string(),
        )
    } else {
        (CheckStatus::Fail, problems.join("; "))
    };
    check(
        s,
        "environments_separate",
        "Sandbox and production keys separate",
        status,
        summary,
        evidence,
        "give production its own keys (`wt keys create --env production ...`) and sandbox its own; restrict each with `wt keys update ID --allow CIDR`",
    )
}

/// Item 5: every active key has an active owner and is within its rotation age.
pub fn key_owners(s: &Snapshot) -> ReadinessCheck {
    let st = &s.settings;
    let age_limit = i64::from(st.rotation_age_days) * DAY;
    let mut fail = Vec::new();
    let mut warn = Vec::new();
    for k in s.keys.iter().filter(|k| k.usable) {
        if !k.owner_active {
            fail.push(ev(
                "api_key",
                &k.id,
                &k.name,
                format!("owner {} is no longer an active member", k.owner_email),
            ));
        }
        let age = s.now - k.created_at;
        if age > 2 * age_limit {
            fail.push(ev(
                "api_key",
                &k.id,
                &k.name,
                format!(
                    "{} days old (rotate every {} days)",
                    days(age),
                    st.rotation_age_days
                ),
            ));
        } else if age > age_limit {
            warn.push(ev(
                "api_key",
                &k.id,
                &k.name,
                format!(
                    "{} days old (rotate every {} days)",
                    days(age),
                    st.rotation_age_days
                ),
            ));
        }
    }
    let (status, summary, evidence) = if !fail.is_empty() {
        (
            CheckStatus::Fail,
            format!(
                "{} with key owners or key age",
                count(fail.len() + warn.len(), "problem")
            ),
            fail.into_iter().chain(warn).collect(),
        )
    } else if !warn.is_empty() {
        (
            CheckStatus::Warn,
            format!(
                "{} older than {} days",
                count(warn.len(), "key"),
                st.rotation_age_days
            ),
            warn,
        )
    } else {
        (
            CheckStatus::Pass,
            format!(
                "every active key has an active owner and is younger than {} days",
                st.rotation_age_days
            ),
            Vec::new(),
        )
    };
    check(
        s,
        "key_owners",
        "Key rotation owners known",
        status,
        summary,
        evidence,
        "hand each key to an active member (`wt keys update ID --owner EMAIL`) and rotate old keys (`wt keys rotate ID --grace 24h`)",
    )
}
