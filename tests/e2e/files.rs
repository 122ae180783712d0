//! The data directory is private (SECURITY.md #62): whatever the umask, everything wtd
//! creates is 0600 (files) or 0700 (directories), and it refuses a data directory, or a
//! file in it, that others can read, naming the `chmod` to run.

use crate::harness::{Daemon, OWNER, bin, http};
use serde_json::json;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn set_mode(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod");
}

/// Every path under `dir`, `dir` included.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// `wtd ARGS --data-dir DIR` under umask 022.
fn wtd_022(data: &Path, args: &[&str]) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$0\" \"$@\"")
        .arg(bin("wtd"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .output()
        .expect("run wtd")
}

#[test]
fn a_data_dir_others_can_read_is_refused_with_the_chmod_to_run() {
    if crate::harness::on_postgres("a_data_dir_others_can_read_is_refused_with_the_chmod_to_run") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    std::fs::DirBuilder::new()
        .mode(0o755)
        .create(&data)
        .expect("mkdir");
    set_mode(&data, 0o755);
    let init = ["init", "--org", "Acme", "--owner-email", OWNER];
    let chmod = format!("chmod -R go-rwx {}", data.display());

    let out = wtd_022(&data, &init);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "init into a 0755 directory: {err}");
    assert!(err.contains(&chmod) && err.contains("(mode 0755)"), "{err}");
    assert!(
        std::fs::read_dir(&data).expect("ls").next().is_none(),
        "nothing was created in it"
    );

    set_mode(&data, 0o700);
    let out = wtd_022(&data, &init);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Checked on every start: a directory or a database opened up later is refused by
    // serve and backup alike.
    let serve = ["serve", "--listen", "127.0.0.1:0"];
    set_mode(&data, 0o750);
    let out = wtd_022(&data, &serve);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains(&chmod), "{err}");
    set_mode(&data, 0o700);
    let db = data.join("watchtower.db");
    set_mode(&db, 0o644);
    for args in [&serve[..], &["backup", "--to", "/nonexistent/b.db"][..]] {
        let out = wtd_022(&data, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            err.contains("watchtower.db (mode 0644)") && err.contains(&chmod),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn under_umask_022_every_file_wtd_creates_is_0600_and_every_directory_0700() {
    if crate::harness::on_postgres(
        "under_umask_022_every_file_wtd_creates_is_0600_and_every_directory_0700",
    ) {
        return;
    }
    let d = Daemon::start_with_umask("022");
    d.setup();
    let tok = d.login_token();
    // Mail to the outbox: an invite and a password reset (a live reset link).
    let r = http()
        .post(d.url("/api/v1/orgs/invites"))
        .bearer_auth(&tok)
        .json(&json!({"email": "new@acme.test", "role": "viewer"}))
        .send()
        .expect("invite");
    assert_eq!(r.status().as_u16(), 201);
    let r = http()
        .post(d.url("/api/v1/auth/password/forgot"))
        .json(&json!({"email": OWNER}))
        .send()
        .expect("forgot");
    assert_eq!(r.status().as_u16(), 202);
    let outbox = d.data_dir().join("outbox");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_dir(&outbox).map_or(0, |r| r.count()) < 2 {
        assert!(
            Instant::now() < deadline,
            "two mails in {}",
            outbox.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let backup = d.dir.path().join("backup.db");
    let out = d
        .wtd()
        .args(["backup", "--to"])
        .arg(&backup)
        .arg("--data-dir")
        .arg(d.data_dir())
        .output()
        .expect("backup");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let data = d.data_dir();
    let all = walk(&data);
    for name in ["watchtower.db", "watchtower.db-wal", "master.key", "outbox"] {
        assert!(all.contains(&data.join(name)), "{name} exists: {all:?}");
    }
    let mut wrong: Vec<String> = all
        .iter()
        .filter(|p| mode(p) != if p.is_dir() { 0o700 } else { 0o600 })
        .map(|p| format!("{} {:04o}", p.display(), mode(p)))
        .collect();
    if mode(&backup) != 0o600 {
        wrong.push(format!("{} {:04o}", backup.display(), mode(&backup)));
    }
    assert!(wrong.is_empty(), "not private: {wrong:?}");
}
