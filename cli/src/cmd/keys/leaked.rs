//! `wt keys leaked` (secrets on stdin): the leaked-key runbook in one command.

use super::common::masked;
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::{KeysLeakedRequest, KeysLeakedResponse};
use zeroize::Zeroize;

pub const ABOUT: &str =
    "A key leaked: revoke it now, replace it, print the new secret (secrets on stdin)";
pub const LONG_ABOUT: &str = "\
The incident runbook for a leaked ingestion key, in one command (owners and admins). Give
the leaked secrets on stdin, one per line (never as arguments: they would land in shell
history). For each: the key is rotated with no grace (the old secret stops working at
once), marked as leaked, audited (api_key.rotated and api_key.leaked), and its owner and
the org's owners and admins are mailed. The successor keeps the name, environment, owner,
allowed CIDRs and expiry. A secret that is not a key of your org is refused (exit 1) and
nothing is changed.

The new secrets are printed ONCE on stdout, one per line in the order given; which key
replaces which goes to stderr. `wt check` fails while a key reported as leaked still
works (see also the secret-scanning endpoint in docs/leaked-keys.md).

JSON (--output json): {items: [ApiKeyRotated...]}: each successor's ApiKey fields plus
secret, previous_id and previous_expires_at.

Examples:
  pbpaste | wt keys leaked > new.key
  wt keys leaked < leaked.txt --output json | jq -r '.items[].secret'";

/// Most secrets in one run (the server's limit).
const MAX_SECRETS: usize = 20;

/// `wt keys leaked` options (the secrets come on stdin).
#[derive(Debug, Args)]
pub struct LeakedArgs {}

/// Reads secrets from stdin, one per line (blank lines skipped).
fn secrets_from(text: &str) -> Result<Vec<String>, CliError> {
    let secrets: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if secrets.is_empty() {
        return Err(CliError::Usage(
            "give the leaked secrets on stdin, one per line".into(),
        ));
    }
    if secrets.len() > MAX_SECRETS {
        return Err(CliError::Usage(format!(
            "at most {MAX_SECRETS} secrets at once"
        )));
    }
    for (i, s) in secrets.iter().enumerate() {
        if wt_core::apikey::parse(s).is_err() {
            return Err(CliError::Usage(format!(
                "line {}: not an ingestion key (wtk_live_... or wtk_test_...)",
                i + 1
            )));
        }
    }
    Ok(secrets)
}

/// Revokes, replaces and reports the leaked keys read from stdin.
pub async fn run(_args: LeakedArgs, ctx: &Ctx) -> Result<(), CliError> {
    let mut text = ctx
        .io
        .read_stdin_to_string("the leaked secrets", 64 * 1024)?;
    let secrets = secrets_from(&text);
    text.zeroize();
    let mut req = KeysLeakedRequest { keys: secrets? };
    let (token, _) = ctx.bearer().await?;
    let sent = ctx
        .client()?
        .post::<_, KeysLeakedResponse>(
            &format!("{}/leaked", super::common::KEYS_PATH),
            &req,
            Some(&token),
        )
        .await;
    for k in &mut req.keys {
        k.zeroize();
    }
    let mut done = sent?;
    match ctx.output {
        crate::output::OutputFormat::Json => {
            let text = zeroize::Zeroizing::new(
                serde_json::to_string_pretty(&done)
                    .map_err(|e| CliError::Other(format!("cannot encode JSON output: {e}")))?,
            );
            ctx.io.println(&text)?;
        }
        crate::output::OutputFormat::Table => {
            for r in &done.items {
                ctx.io.eprintln(&format!(
                    "Key {} was revoked now and marked leaked; {} ({}) replaces it. Owner and admins were mailed.",
                    r.previous_id,
                    r.key.id,
                    masked(&r.key)
                ));
                ctx.io.println(&r.secret)?;
            }
            ctx.io.eprintln(crate::cmd::common::SHOWN_ONCE);
        }
    }
    for r in &mut done.items {
        r.secret.zeroize();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_one_per_line_and_checked() {
        let k = wt_core::apikey::generate(wt_core::apikey::Environment::Sandbox);
        let text = format!("\n {}\n\n", k.expose());
        assert_eq!(secrets_from(&text).ok().map(|v| v.len()), Some(1));
        assert!(secrets_from("").is_err());
        assert!(secrets_from("wtk_live_nope\n").is_err());
    }
}
