//! `wtd backup --to FILE` and `wtd restore --from FILE`, and the data
//! directory's lock that keeps a restore away from a running daemon.
//!
//! A backup is the database only. The master key stays out of it on purpose: it must be
//! kept apart (anyone with both can decrypt TOTP secrets and test ingestion keys), and
//! without it a restored database cannot verify ingestion keys or MFA codes.

use crate::server::MASTER_KEY_FILE;
use anyhow::{Context, bail};
use std::fs::File;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::ExitCode;
use wt_store::sqlite::{DB_FILE, SqliteStore};
use wt_store::{AuditStore, OrgStore};

/// File locked (exclusively) by `wtd serve` for as long as it runs.
pub const LOCK_FILE: &str = "wtd.lock";

/// Takes the data directory's lock, or explains who holds it. Keep the file alive as long
/// as the lock must be held.
pub fn lock_data_dir(data_dir: &Path) -> anyhow::Result<File> {
    let path = data_dir.join(LOCK_FILE);
    let f = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(crate::datadir::FILE_MODE)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "a wtd process is using {} (its lock {} is held): stop it first",
            data_dir.display(),
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

const KEY_WARNING: &str = "The master key is NOT in this backup. Back up <data-dir>/master.key \
separately (and keep it apart from the database backups): without it a restored database \
cannot check ingestion keys or MFA codes, and queued mail cannot be sent.";

/// `wtd backup --to FILE`: online, while the daemon runs.
pub async fn backup(data_dir: &Path, to: &Path) -> anyhow::Result<ExitCode> {
    let db = data_dir.join(DB_FILE);
    crate::datadir::check_private(data_dir, Some(&db))?;
    if !db.exists() {
        bail!("no database at {}", db.display());
    }
    let (db2, to2) = (db.clone(), to.to_path_buf());
    let report = tokio::task::spawn_blocking(move || wt_store::sqlite::backup_to(&db2, &to2))
        .await?
        .with_context(|| format!("backing up {}", db.display()))?;
    let chains = verify_chains(to).await?;
    println!(
        "backed up {} to {} ({} bytes, integrity ok, {chains})",
        db.display(),
        to.display(),
        report.bytes
    );
    eprintln!("wtd: warning: {KEY_WARNING}");
    Ok(ExitCode::SUCCESS)
}

/// `wtd restore --from FILE`: the daemon must be stopped.
pub async fn restore(data_dir: &Path, from: &Path, force: bool) -> anyhow::Result<ExitCode> {
    crate::datadir::create_dir(data_dir)?;
    let db = data_dir.join(DB_FILE);
    crate::datadir::check_private(data_dir, Some(&db))?;
    let _lock = lock_data_dir(data_dir)?;
    if db.exists() && !force {
        bail!(
            "{} exists: restoring replaces it and everything since the backup is lost; \
             repeat with --force to do that",
            db.display()
        );
    }
    if !from.is_file() {
        bail!("no backup file at {}", from.display());
    }
    let (from2, db2) = (from.to_path_buf(), db.clone());
    tokio::task::spawn_blocking(move || wt_store::sqlite::restore_from(&from2, &db2))
        .await?
        .with_context(|| format!("restoring {}", from.display()))?;
    let chains = verify_chains(&db).await?;
    println!(
        "restored {} from {} ({chains})",
        db.display(),
        from.display()
    );
    if !data_dir.join(MASTER_KEY_FILE).exists() {
        eprintln!(
            "wtd: warning: no {} in {}: put the master key from its own backup there (mode 0600) before `wtd serve`",
            MASTER_KEY_FILE,
            data_dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Verifies every org's audit chain in a database file; an error names the first break.
async fn verify_chains(db: &Path) -> anyhow::Result<String> {
    let store = SqliteStore::open(db)?;
    let mut total = 0;
    let orgs = store.list_orgs().await?;
    for org in &orgs {
        let r = store.verify_audit(&org.id).await?;
        if let Some(seq) = r.first_bad_seq {
            bail!("the audit chain of {} breaks at seq {seq}", org.slug);
        }
        total += r.entries;
    }
    Ok(format!(
        "{} org(s), audit chains verified over {total} entries",
        orgs.len()
    ))
}
