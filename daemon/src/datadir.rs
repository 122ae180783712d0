//! The data directory is private to the daemon's user (SECURITY.md #62): every directory
//! it creates is 0700 and every file 0600, whatever the umask, and it refuses to use a
//! directory (or a file in it that it owns) that group or others may read or write.
//!
//! Three layers: the process umask is 0o077 from the start of `main` (so what SQLite or a
//! library creates, such as `-wal` and `-shm` files, is private too); the files and
//! directories the daemon creates itself get their mode at creation
//! ([`create_dir`], `wt_store::sqlite::create_private`, the mailer's outbox); and
//! [`check_private`] runs on every start of `wtd serve`, `init`, `org create`, `backup`
//! and `restore`, naming the `chmod` that fixes what it finds.

use anyhow::Context;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Mode of every directory the daemon creates.
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file the daemon creates.
pub const FILE_MODE: u32 = 0o600;
/// The outbox folder of `.eml` files (no SMTP configured).
pub const OUTBOX_DIR: &str = "outbox";

/// Makes everything this process creates private to its user (umask 0o077), whatever
/// the umask it was started with. Called first thing in `main`.
pub fn restrict_umask() {
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

/// Creates `dir` (and missing parents) with mode 0700. An existing directory keeps its
/// mode: [`check_private`] judges it.
pub fn create_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .with_context(|| format!("cannot create the directory {}", dir.display()))
}

/// `path` quoted for a shell when it needs it.
fn shell_quote(path: &Path) -> String {
    let s = path.display().to_string();
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@%".contains(&b))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Refuses a data directory that group or others can read, write or enter, and the same
/// for what the daemon keeps in it: the SQLite database (`db`, when it is a file; its
/// `-wal` and `-shm`), the master key, the lock file, the outbox and its mails. Missing
/// ones are fine (not created yet). The error lists each path with its mode and names
/// the `chmod` command that fixes them all.
pub fn check_private(data_dir: &Path, db: Option<&Path>) -> anyhow::Result<()> {
    if !data_dir.exists() {
        return Ok(());
    }
    let mut paths: Vec<PathBuf> = vec![data_dir.to_path_buf()];
    for name in [crate::server::MASTER_KEY_FILE, crate::backup::LOCK_FILE] {
        paths.push(data_dir.join(name));
    }
    let outbox = data_dir.join(OUTBOX_DIR);
    paths.push(outbox.clone());
    if let Ok(entries) = std::fs::read_dir(&outbox) {
        paths.extend(entries.flatten().map(|e| e.path()));
    }
    if let Some(db) = db {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = db.as_os_str().to_owned();
            p.push(suffix);
            paths.push(PathBuf::from(p));
        }
    }
    let open: Vec<(PathBuf, u32)> = paths
        .into_iter()
        .filter_map(|p| {
            let mode = std::fs::metadata(&p).ok()?.permissions().mode() & 0o777;
            (mode & 0o077 != 0).then_some((p, mode))
        })
        .collect();
    if open.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = open
        .iter()
        .map(|(p, m)| format!("  {} (mode {m:04o})", p.display()))
        .collect();
    let mut targets = vec![shell_quote(data_dir)];
    targets.extend(
        open.iter()
            .filter(|(p, _)| !p.starts_with(data_dir))
            .map(|(p, _)| shell_quote(p)),
    );
    anyhow::bail!(
        "refusing to use {}: other users can read or write what it holds (it holds the \
         database, the master key and mail with reset links):\n{}\nMake it private to \
         this user, then start again:\n  chmod -R go-rwx {}",
        data_dir.display(),
        listed.join("\n"),
        targets.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_directory_or_file_is_refused_naming_the_chmod() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let dir = tmp.path().join("data dir");
        create_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
        let mode = |p: &Path| {
            std::fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0)
        };
        assert_eq!(mode(&dir), DIR_MODE);
        let db = dir.join("watchtower.db");
        assert!(check_private(&dir, Some(&db)).is_ok(), "nothing there yet");
        let set = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m))
                .unwrap_or_else(|e| panic!("{e}"))
        };
        set(&dir, 0o755);
        let err = check_private(&dir, Some(&db))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("(mode 0755)"), "{err}");
        assert!(
            err.contains(&format!("chmod -R go-rwx '{}'", dir.display())),
            "{err}"
        );
        set(&dir, 0o700);
        std::fs::write(&db, b"").unwrap_or_else(|e| panic!("{e}"));
        set(&db, 0o640);
        let err = check_private(&dir, Some(&db))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("watchtower.db (mode 0640)"), "{err}");
        set(&db, 0o600);
        std::fs::create_dir(dir.join(OUTBOX_DIR)).unwrap_or_else(|e| panic!("{e}"));
        set(&dir.join(OUTBOX_DIR), 0o700);
        let mail = dir.join(OUTBOX_DIR).join("m.eml");
        std::fs::write(&mail, b"x").unwrap_or_else(|e| panic!("{e}"));
        set(&mail, 0o604);
        assert!(check_private(&dir, Some(&db)).is_err(), "a readable mail");
        set(&mail, 0o600);
        assert!(check_private(&dir, Some(&db)).is_ok());
    }
}
