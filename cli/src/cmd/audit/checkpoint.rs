//! `wt audit checkpoint save FILE` keeps a signed checkpoint of the org's audit log;
//! `wt audit verify --checkpoint FILE` ([`verify`]) proves, offline given the public key,
//! that today's log extends it and that every entry is in the tree.

use super::common::{LIST_PATH, MAX_PAGE, query};
use crate::error::exit;
use crate::secret::Secret;
use crate::{CliError, Ctx};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use clap::{Args, Subcommand};
use serde::Serialize;
use std::path::{Path, PathBuf};
use wt_api::{AuditCheckpoint, AuditConsistencyProof, Page};
use wt_core::audit::AuditRecord;
use wt_core::checkpoint::{Checkpoint, VerifierKey};
use wt_core::merkle::{self, Hash};

pub const ABOUT: &str = "Save a signed checkpoint of the audit log (for auditors)";
pub const LONG_ABOUT: &str = "\
An org's audit entries are the leaves of an append-only Merkle tree (RFC 6962), and wtd
signs its root every so often (a checkpoint: C2SP tlog-checkpoint, Ed25519). An auditor
keeps checkpoints outside the installation; later, `wt audit verify --checkpoint FILE
--key KEY` proves that today's log is an extension of the saved one and that every entry
is in the tree. Whoever holds the database and the master key can rewrite entries and
recompute the whole hash chain, but cannot make the rewritten log match a checkpoint
saved before.

  wt audit checkpoint save FILE   fetch the latest checkpoint, check its signature, write it

Keep the public key apart from the checkpoints (`wt audit pubkey > watchtower.pub`, once):
verifying with a key the server hands out would trust the server.

Examples:
  wt audit pubkey > acme.pub
  wt audit checkpoint save monday.ckpt --key-file acme.pub
  wt audit verify --checkpoint monday.ckpt --key-file acme.pub";

/// `wt audit checkpoint ...`.
#[derive(Debug, Args)]
pub struct CheckpointArgs {
    #[command(subcommand)]
    pub command: CheckpointCommand,
}

#[derive(Debug, Subcommand)]
pub enum CheckpointCommand {
    /// Fetch the latest signed checkpoint, check its signature and write it to FILE
    #[command(long_about = SAVE_LONG_ABOUT)]
    Save(SaveArgs),
}

const SAVE_LONG_ABOUT: &str = "\
Fetch the org's latest signed checkpoint (origin, tree size, root hash, signature), check
the signature, then write the signed note to FILE (an existing file is replaced). With
--key / --key-file the signature must be by that key (what an auditor should do); without,
by one of the keys the server lists (`wt audit pubkey --all`), which only checks the
format. Prints the origin, size and root.

JSON (--output json): {file, origin, size, root, key, created_at}.

Examples:
  wt audit checkpoint save monday.ckpt --key-file acme.pub";

#[derive(Debug, Args)]
pub struct SaveArgs {
    /// Where to write the signed checkpoint
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub keys: KeyArgs,
}

/// The verifier keys trusted (`wt audit pubkey` prints them).
#[derive(Debug, Args, Clone, Default)]
pub struct KeyArgs {
    /// A verifier key (`<origin>+<key id>+<base64>`, as `wt audit pubkey` prints); repeat
    /// for a rotated key's predecessor
    #[arg(long = "key", value_name = "KEY")]
    pub key: Vec<String>,
    /// A file of verifier keys, one a line, or `wt audit pubkey --output json`'s list
    /// (`wt audit pubkey > FILE` writes either)
    #[arg(long = "key-file", value_name = "FILE")]
    pub key_file: Option<PathBuf>,
}

impl KeyArgs {
    fn given(&self) -> bool {
        !self.key.is_empty() || self.key_file.is_some()
    }

    /// The keys of `--key` and `--key-file`.
    pub fn load(&self) -> Result<Vec<VerifierKey>, CliError> {
        let mut lines: Vec<String> = self.key.clone();
        if let Some(f) = &self.key_file {
            let text = std::fs::read_to_string(f)
                .map_err(|e| CliError::io(format!("reading {}", f.display()), e))?;
            // `wt audit pubkey > FILE` writes key lines on a terminal's default output
            // and its JSON list when piped: both are read.
            match serde_json::from_str::<Vec<wt_api::AuditSigningKey>>(&text) {
                Ok(list) => lines.extend(list.into_iter().map(|k| k.verifier_key)),
                Err(_) => lines.extend(
                    text.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty() && !l.starts_with('#'))
                        .map(str::to_string),
                ),
            }
        }
        lines
            .iter()
            .map(|l| {
                VerifierKey::parse(l)
                    .map_err(|e| CliError::Usage(format!("not a verifier key ({l:?}): {e}")))
            })
            .collect()
    }
}

pub async fn run(args: CheckpointArgs, ctx: &Ctx) -> Result<(), CliError> {
    match args.command {
        CheckpointCommand::Save(a) => save(a, ctx).await,
    }
}

/// The server's verifier keys (`GET .../signing-keys`).
pub async fn server_keys(
    ctx: &Ctx,
    token: &Secret,
) -> Result<Vec<wt_api::AuditSigningKey>, CliError> {
    let page: Page<wt_api::AuditSigningKey> = ctx
        .client()?
        .get("/orgs/audit-logs/signing-keys", Some(token))
        .await?;
    Ok(page.items)
}

#[derive(Serialize)]
struct Saved<'a> {
    file: String,
    origin: &'a str,
    size: u64,
    root: &'a str,
    key: &'a str,
    created_at: &'a str,
}

async fn save(args: SaveArgs, ctx: &Ctx) -> Result<(), CliError> {
    let keys = if args.keys.given() {
        args.keys.load()?
    } else {
        let (token, _) = ctx.bearer().await?;
        server_keys(ctx, &token)
            .await?
            .iter()
            .map(|k| VerifierKey::parse(&k.verifier_key))
            .collect::<Result<_, _>>()
            .map_err(|e| CliError::Other(format!("the server lists a malformed key: {e}")))?
    };
    let (token, _) = ctx.bearer().await?;
    let cp: AuditCheckpoint = ctx
        .client()?
        .get("/orgs/audit-logs/checkpoints/latest", Some(&token))
        .await?;
    let (opened, _) = Checkpoint::open(&cp.note, &keys, None).map_err(|e| {
        CliError::Evidence(format!(
            "the server's checkpoint does not verify with the key(s) given: {e}; nothing written"
        ))
    })?;
    if opened.size != cp.size || B64.encode(opened.root) != cp.root {
        return Err(CliError::Evidence(
            "the server's checkpoint fields do not match its signed note; nothing written".into(),
        ));
    }
    write_file(&args.file, &cp.note)?;
    let out = Saved {
        file: args.file.display().to_string(),
        origin: &cp.origin,
        size: cp.size,
        root: &cp.root,
        key: &cp.key,
        created_at: &cp.created_at,
    };
    ctx.io.emit(ctx.output, &out, |io| {
        io.key_value_table(&[
            ("Saved", out.file.clone()),
            ("Origin", cp.origin.clone()),
            ("Tree size", cp.size.to_string()),
            ("Root", cp.root.clone()),
            ("Signed at", cp.created_at.clone()),
        ])
    })
}

fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    std::fs::write(path, text).map_err(|e| CliError::io(format!("writing {}", path.display()), e))
}

/// What `wt audit verify --checkpoint` found.
#[derive(Debug, Serialize)]
pub struct EvidenceReport {
    pub ok: bool,
    pub origin: String,
    /// The saved checkpoint's size.
    pub checkpoint_size: u64,
    /// The server's latest checkpoint's size.
    pub latest_size: u64,
    /// Entries read and hashed.
    pub entries_checked: u64,
    /// The first size at which history diverges from the saved checkpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_bad_size: Option<u64>,
    /// The first entry that is not the one the saved checkpoint covers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_bad_seq: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

fn hash(s: &str, what: &str) -> Result<Hash, CliError> {
    B64.decode(s)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| CliError::Other(format!("the server sent a malformed {what}")))
}

async fn consistency(ctx: &Ctx, token: &Secret, old: u64, new: u64) -> Result<Vec<Hash>, CliError> {
    let p: AuditConsistencyProof = ctx
        .client()?
        .get(
            &format!("/orgs/audit-logs/proofs/consistency?old={old}&new={new}"),
            Some(token),
        )
        .await?;
    p.proof.iter().map(|h| hash(h, "proof hash")).collect()
}

/// Every entry of the org, oldest first, as leaf hashes (paged).
async fn leaves(
    ctx: &Ctx,
    token: &Secret,
    org_id: &str,
    upto: u64,
) -> Result<(Vec<Hash>, Option<i64>), CliError> {
    let mut out = Vec::new();
    let mut after = 0i64;
    let progress = ctx.io.progress_line();
    while (out.len() as u64) < upto {
        let pairs = [
            ("order", "asc".to_string()),
            ("after", after.to_string()),
            ("limit", MAX_PAGE.to_string()),
        ];
        let page: Page<AuditRecord> = ctx
            .client()?
            .get(&query(LIST_PATH, &pairs), Some(token))
            .await?;
        let last_page = (page.items.len() as u32) < MAX_PAGE;
        for r in &page.items {
            // seq must run 1, 2, 3...: a gap or a repeat is where the log diverges.
            if r.seq != out.len() as i64 + 1 {
                return Ok((out, Some(r.seq)));
            }
            out.push(merkle::record_leaf_hash(org_id, r));
            after = r.seq;
        }
        progress.set_message(format!("hashed {} entries", out.len()));
        if last_page {
            break;
        }
    }
    progress.finish_and_clear();
    Ok((out, None))
}

/// The first entry (`seq = k`) that is not the saved history's: the smallest `k` whose
/// recomputed prefix root (of the first `k` of `leaves`) is not consistent with `root` of
/// `size` by the server's consistency proof from `k` to `size`. Binary search, about
/// `log2(size)` proofs. `None` when all of `leaves` is the saved history and nothing is
/// missing; `leaves.len() + 1` when they are but fall short of `size`.
async fn first_bad_prefix(
    ctx: &Ctx,
    token: &Secret,
    leaves: &[Hash],
    size: u64,
    root: &Hash,
) -> Result<Option<u64>, CliError> {
    let good = |k: u64| async move {
        let proof = consistency(ctx, token, k, size).await?;
        let prefix = merkle::root_of(&leaves[..k as usize]);
        Ok::<bool, CliError>(merkle::verify_consistency(k, size, &proof, &prefix, root).is_ok())
    };
    let m = (leaves.len() as u64).min(size);
    if good(m).await? {
        return Ok((m < size).then_some(m + 1));
    }
    // Invariant: prefix `lo` is good (0 always is), prefix `hi` is bad.
    let (mut lo, mut hi) = (0u64, m);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if good(mid).await? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(Some(hi))
}

/// `wt audit verify --checkpoint FILE`: see `verify.rs`'s help.
pub async fn verify(ctx: &Ctx, file: &Path, keys: &KeyArgs) -> Result<(), CliError> {
    if !keys.given() {
        return Err(CliError::Usage(
            "--checkpoint needs the public key you trust: --key KEY or --key-file FILE (print it once with `wt audit pubkey > FILE` and keep it apart)".into(),
        ));
    }
    let keys = keys.load()?;
    let note = std::fs::read_to_string(file)
        .map_err(|e| CliError::io(format!("reading {}", file.display()), e))?;
    let (saved, _) = Checkpoint::open(&note, &keys, None).map_err(|e| {
        CliError::Evidence(format!(
            "the saved checkpoint {} does not verify with the key(s) given: {e}",
            file.display()
        ))
    })?;
    let org_id = saved
        .origin
        .rsplit_once("/watchtower/")
        .map(|(_, org)| org.to_string())
        .ok_or_else(|| {
            CliError::Evidence(format!(
                "{:?} is not a WatchTower audit log's origin",
                saved.origin
            ))
        })?;
    let (token, _) = ctx.bearer().await?;
    let latest: AuditCheckpoint = ctx
        .client()?
        .get("/orgs/audit-logs/checkpoints/latest", Some(&token))
        .await?;
    let (latest, _) = Checkpoint::open(&latest.note, &keys, Some(&saved.origin)).map_err(|e| {
        CliError::Evidence(format!(
            "the server's latest checkpoint does not verify with the key(s) given: {e} (after a key rotation, add the new key with another --key)"
        ))
    })?;
    let mut report = EvidenceReport {
        ok: false,
        origin: saved.origin.clone(),
        checkpoint_size: saved.size,
        latest_size: latest.size,
        entries_checked: 0,
        first_bad_size: None,
        first_bad_seq: None,
        reason: None,
    };
    let (l, gap) = leaves(ctx, &token, &org_id, latest.size).await?;
    report.entries_checked = l.len() as u64;
    // 1. The saved history is still there: the log is at least as long...
    let mut tree_agrees = false;
    if latest.size < saved.size {
        report.first_bad_size = Some(latest.size + 1);
        report.reason = Some(format!(
            "the log has {} entries, fewer than the saved checkpoint's {}: entries were removed",
            latest.size, saved.size
        ));
    }
    // ...and the signed tree today extends the saved one (consistency proof).
    else if merkle::verify_consistency(
        saved.size,
        latest.size,
        &consistency(ctx, &token, saved.size, latest.size).await?,
        &saved.root,
        &latest.root,
    )
    .is_err()
    {
        report.first_bad_size = Some(saved.size);
        report.reason = Some(format!(
            "the log is not an extension of the saved checkpoint: history diverged at or before size {}",
            saved.size
        ));
    } else {
        tree_agrees = true;
    }
    // 2. Every entry read is in the tree: the roots recomputed from the entries match.
    if report.reason.is_none() {
        if gap.is_some() || (l.len() as u64) < latest.size {
            let at = l.len() as u64 + 1;
            report.first_bad_size = Some(at.min(saved.size.max(1)));
            report.first_bad_seq = Some(at as i64);
            report.reason = Some(format!(
                "entry seq {at} is missing or out of order (the log has {} entries in sequence, the checkpoint {})",
                l.len(),
                latest.size
            ));
        } else if merkle::root_of(&l[..saved.size as usize]) != saved.root {
            report.first_bad_size = Some(saved.size);
            report.reason = Some(format!(
                "the entries do not hash to the saved checkpoint's root: history diverged at or before size {}",
                saved.size
            ));
        } else if merkle::root_of(&l[..latest.size as usize]) != latest.root {
            report.first_bad_size = Some(latest.size);
            report.reason = Some(format!(
                "the entries do not hash to the latest checkpoint's root (size {})",
                latest.size
            ));
        }
    }
    // Name the first entry that differs from the saved history. Only while the stored
    // tree agrees with the saved checkpoint (step 1): its proofs then carry the saved
    // history's hashes. An attacker who also rebuilt the tree leaves the size named.
    let upto = saved.size.min(l.len() as u64);
    if report.reason.is_some()
        && tree_agrees
        && upto > 0
        && let Some(k) =
            first_bad_prefix(ctx, &token, &l[..upto as usize], saved.size, &saved.root).await?
    {
        report.first_bad_seq = Some(k as i64);
        report.first_bad_size = Some(k);
    }
    report.ok = report.reason.is_none();
    print_report(ctx, &report)?;
    if report.ok {
        Ok(())
    } else {
        let at = match (report.first_bad_seq, report.first_bad_size) {
            (Some(seq), _) => format!(" (first bad entry: seq {seq})"),
            (None, Some(size)) => format!(" (first bad size: {size})"),
            _ => String::new(),
        };
        Err(CliError::Evidence(format!(
            "{}{at}",
            report.reason.clone().unwrap_or_default()
        )))
    }
}

fn print_report(ctx: &Ctx, r: &EvidenceReport) -> Result<(), CliError> {
    match ctx.output {
        crate::output::OutputFormat::Json => ctx.io.print_json(r),
        crate::output::OutputFormat::Table if r.ok => ctx.io.println(&format!(
            "OK: the log ({} entries, signed at size {}) extends the saved checkpoint of size {}, and every entry is in the tree",
            r.entries_checked, r.latest_size, r.checkpoint_size
        )),
        crate::output::OutputFormat::Table => {
            let mut line = String::from("FAILED");
            if let Some(s) = r.first_bad_size {
                line.push_str(&format!(" at size {s}"));
            }
            if let Some(s) = r.first_bad_seq {
                line.push_str(&format!(", first bad entry seq {s}"));
            }
            line.push_str(&format!(": {}", r.reason.clone().unwrap_or_default()));
            ctx.io.println(&line)
        }
    }
}

/// The exit status of a failed evidence check (documented in `wt --help`).
pub const EXIT: u8 = exit::EVIDENCE_MISMATCH;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Command;
    use crate::cmd::audit::AuditCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};
    use serde_json::json;
    use wt_core::checkpoint::SignerKey;
    use wt_core::merkle::{MemoryTree, NodeSource};

    const ORIGIN: &str = "h.test/watchtower/org_1";

    fn key() -> SignerKey {
        SignerKey::from_seed(ORIGIN, &[5; 32]).unwrap_or_else(|e| panic!("{e}"))
    }

    fn entry(seq: i64, action: &str) -> serde_json::Value {
        json!({"seq": seq, "occurred_at": format!("2026-01-01T00:00:0{seq}Z"),
               "actor": {"type": "operator", "id": null, "email": null},
               "action": action, "target": null, "ip": null, "user_agent": null,
               "outcome": "success", "details": {"n": seq}, "prev_hash": "x", "hash": "y"})
    }

    fn leaf(e: &serde_json::Value) -> Hash {
        let r: AuditRecord = serde_json::from_value(e.clone()).unwrap_or_else(|e| panic!("{e}"));
        merkle::record_leaf_hash("org_1", &r)
    }

    fn signed(tree_leaves: &[Hash]) -> serde_json::Value {
        let root = merkle::root_of(tree_leaves);
        let note = Checkpoint::new(ORIGIN, tree_leaves.len() as u64, root)
            .sign(&[&key()])
            .unwrap_or_else(|e| panic!("{e}"));
        json!({"origin": ORIGIN, "size": tree_leaves.len(), "root": B64.encode(root),
               "note": note, "key": "ask_1", "created_at": "2026-01-01T00:00:00Z"})
    }

    fn leak(s: String) -> &'static str {
        Box::leak(s.into_boxed_str())
    }

    /// A server whose stored tree holds `original`, whose log serves `served`, whose latest
    /// checkpoint is of the whole original tree.
    fn routes(
        original: &[serde_json::Value],
        served: &[serde_json::Value],
    ) -> Vec<(&'static str, &'static str, Reply)> {
        let leaves: Vec<Hash> = original.iter().map(leaf).collect();
        let mut tree = MemoryTree::new();
        for l in &leaves {
            tree.push(*l);
        }
        let n = leaves.len() as u64;
        let mut r = vec![
            (
                "GET",
                "/api/v1/orgs/audit-logs/checkpoints/latest",
                Reply::json(200, signed(&leaves)),
            ),
            (
                "GET",
                "/api/v1/orgs/audit-logs?order=asc&after=0&limit=1000",
                Reply::json(200, json!({"items": served, "next_cursor": null})),
            ),
        ];
        for new in 1..=n {
            for old in 0..=new {
                let proof = merkle::consistency_proof(&tree as &dyn NodeSource, old, new)
                    .unwrap_or_else(|e| panic!("{e}"));
                r.push((
                    "GET",
                    leak(format!(
                        "/api/v1/orgs/audit-logs/proofs/consistency?old={old}&new={new}"
                    )),
                    Reply::json(
                        200,
                        json!({"old_size": old, "new_size": new, "old_root": "", "new_root": "",
                        "proof": proof.iter().map(|h| B64.encode(h)).collect::<Vec<_>>()}),
                    ),
                ));
            }
        }
        r
    }

    fn saved_file(leaves: &[Hash]) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("monday.ckpt");
        let note = signed(leaves)["note"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        std::fs::write(&path, note).unwrap_or_else(|e| panic!("{e}"));
        (dir, path.display().to_string())
    }

    #[test]
    fn the_commands_parse() {
        let cli = parse_from(["wt", "audit", "verify", "--checkpoint", "f", "--key", "k"])
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            cli.command,
            Command::Audit(AuditCommand::Verify(a)) if a.checkpoint.is_some() && a.keys.key == ["k"]
        ));
        assert!(parse_from(["wt", "audit", "checkpoint", "save", "f.ckpt"]).is_ok());
        assert!(parse_from(["wt", "audit", "checkpoint", "save"]).is_err());
        assert!(parse_from(["wt", "audit", "pubkey", "--all"]).is_ok());
    }

    #[tokio::test]
    async fn an_untouched_log_passes_and_a_rewritten_entry_is_named_with_exit_10() {
        let original: Vec<_> = (1..=6).map(|s| entry(s, "a.b")).collect();
        let leaves: Vec<Hash> = original.iter().map(leaf).collect();
        let (_d, file) = saved_file(&leaves[..4]);
        let vkey = key().verifier().to_string();
        let argv = [
            "wt",
            "audit",
            "verify",
            "--checkpoint",
            &file,
            "--key",
            &vkey,
            "--output",
            "json",
        ];
        let ok = run_wt(&argv, "", routes(&original, &original)).await;
        assert!(ok.result.is_ok(), "{:?} {}", ok.result, ok.out);
        let report: serde_json::Value = serde_json::from_str(&ok.out).unwrap_or_default();
        assert_eq!(report["ok"], true);
        assert_eq!(report["entries_checked"], 6);
        // Entry 3 rewritten (the chain recomputed does not matter: the tree remembers).
        let mut tampered = original.clone();
        tampered[2] = entry(3, "c.d");
        let bad = run_wt(&argv, "", routes(&original, &tampered)).await;
        let report: serde_json::Value = serde_json::from_str(&bad.out).unwrap_or_default();
        assert_eq!(report["ok"], false, "{}", bad.out);
        assert_eq!(report["first_bad_seq"], 3, "{}", bad.out);
        let (code, msg) = bad.failure();
        assert_eq!(code, 10);
        assert!(msg.contains("seq 3"), "{msg}");
        // Entry 2 removed and the rest renumbered.
        let mut removed: Vec<_> = original.clone();
        removed.remove(1);
        for (i, e) in removed.iter_mut().enumerate() {
            e["seq"] = json!(i + 1);
        }
        let bad = run_wt(&argv, "", routes(&original, &removed)).await;
        let report: serde_json::Value = serde_json::from_str(&bad.out).unwrap_or_default();
        assert_eq!(report["first_bad_seq"], 2, "{}", bad.out);
        assert_eq!(bad.failure().0, 10);
        // The whole tree rebuilt from the rewritten log (and re-signed): the size is named.
        let bad = run_wt(&argv, "", routes(&tampered, &tampered)).await;
        let report: serde_json::Value = serde_json::from_str(&bad.out).unwrap_or_default();
        assert_eq!(report["first_bad_size"], 4, "{}", bad.out);
        assert_eq!(bad.failure().0, 10);
    }

    #[tokio::test]
    async fn a_checkpoint_by_another_key_is_refused_and_the_key_is_required() {
        let original: Vec<_> = (1..=3).map(|s| entry(s, "a.b")).collect();
        let leaves: Vec<Hash> = original.iter().map(leaf).collect();
        let (_d, file) = saved_file(&leaves);
        let other = SignerKey::from_seed(ORIGIN, &[6; 32]).unwrap_or_else(|e| panic!("{e}"));
        let vkey = other.verifier().to_string();
        let r = run_wt(
            &[
                "wt",
                "audit",
                "verify",
                "--checkpoint",
                &file,
                "--key",
                &vkey,
            ],
            "",
            routes(&original, &original),
        )
        .await;
        assert_eq!(r.failure().0, 10);
        let r = run_wt(
            &["wt", "audit", "verify", "--checkpoint", &file],
            "",
            vec![],
        )
        .await;
        assert_eq!(r.failure().0, 2);
        // save: a signature by another key is not written.
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let out = dir.path().join("x.ckpt").display().to_string();
        let r = run_wt(
            &["wt", "audit", "checkpoint", "save", &out, "--key", &vkey],
            "",
            routes(&original, &original),
        )
        .await;
        assert_eq!(r.failure().0, 10);
        assert!(!std::path::Path::new(&out).exists());
        let good = key().verifier().to_string();
        let r = run_wt(
            &["wt", "audit", "checkpoint", "save", &out, "--key", &good],
            "",
            routes(&original, &original),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let saved = std::fs::read_to_string(&out).unwrap_or_default();
        assert!(Checkpoint::open(&saved, &[key().verifier()], Some(ORIGIN)).is_ok());
    }
}
