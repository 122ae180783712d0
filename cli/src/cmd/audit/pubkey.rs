//! `wt audit pubkey`: the verifier key(s) of the org's audit checkpoints.

use super::checkpoint::server_keys;
use crate::{CliError, Ctx};
use clap::Args;

pub const ABOUT: &str = "Print the public key that verifies the audit log's checkpoints";
pub const LONG_ABOUT: &str = "\
Print the verifier key of your org's signed audit checkpoints in the signed-note format
(`<origin>+<key id>+<base64 Ed25519 key>`, as Go's golang.org/x/mod/sumdb/note reads it),
one line. Save it once and keep it apart from the installation: `wt audit verify
--checkpoint FILE --key-file FILE` trusts only the keys you give it.

With --all: every key the org's checkpoints were ever signed with (after a rotation the
older ones stay listed, so older checkpoints keep verifying), the active one first.

JSON (--output json): the list of keys: [{id, verifier_key, scope, active, created_at,
retired_at?}].

Examples:
  wt audit pubkey > acme.pub
  wt audit pubkey --all >> acme.pub";

#[derive(Debug, Args)]
pub struct PubkeyArgs {
    /// Every key, retired ones included (one a line, the active one first)
    #[arg(long)]
    pub all: bool,
}

pub async fn run(args: PubkeyArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let mut keys = server_keys(ctx, &token).await?;
    keys.sort_by_key(|k| !k.active);
    if !args.all {
        keys.retain(|k| k.active);
    }
    match ctx.output {
        crate::output::OutputFormat::Json => ctx.io.print_json(&keys),
        crate::output::OutputFormat::Table => {
            for k in &keys {
                ctx.io.println(&k.verifier_key)?;
            }
            Ok(())
        }
    }
}
