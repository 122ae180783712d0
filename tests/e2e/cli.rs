//! `wt` as scripts see it: exit codes and errors, never a prompt under `--no-input`.

use crate::harness::{Daemon, bin, run};

fn wt_at(server: &str) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::new(bin("wt"));
    c.env("WT_SERVER", server)
        .env_remove("WT_TOKEN")
        .timeout(std::time::Duration::from_secs(60));
    c
}

#[test]
fn unreachable_daemon_exits_6_and_names_the_server() {
    // A port nothing listens on: bind one, then drop it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let server = format!("http://127.0.0.1:{port}");
    let mut c = wt_at(&server);
    c.env("WT_TOKEN", format!("wts_{}", "a".repeat(43)))
        .arg("whoami");
    let (code, _, err) = run(c, "");
    assert_eq!(code, 6, "{err}");
    assert!(err.contains(&server), "{err}");
}

#[test]
fn a_revoked_or_unknown_token_exits_3() {
    let d = Daemon::start();
    let mut c = d.wt();
    c.env("WT_TOKEN", format!("wts_{}", "b".repeat(43)))
        .arg("whoami");
    let (code, _, err) = run(c, "");
    assert_eq!(code, 3, "{err}");
}

#[test]
fn wrong_password_exits_1_with_a_generic_message() {
    let d = Daemon::start();
    d.setup();
    let mut c = d.wt();
    c.args([
        "login",
        "--email",
        crate::harness::OWNER,
        "--password-stdin",
        "--no-input",
    ]);
    let (code, _, err) = run(c, "definitely wrong\n");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("invalid email or password"), "{err}");
}

#[test]
fn no_input_never_prompts_and_names_the_flag() {
    let d = Daemon::start();
    let mut c = d.wt();
    c.args(["login", "--email", crate::harness::OWNER, "--no-input"]);
    let (code, _, err) = run(c, "");
    assert_ne!(code, 0);
    assert!(err.contains("--password-stdin"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let d = Daemon::start();
    let mut c = d.wt();
    c.args(["login", "--password", "hunter2"]);
    let (code, _, _) = run(c, "");
    assert_eq!(
        code, 2,
        "a password flag does not exist: secrets never go in argv"
    );
}

#[test]
fn kernel_keyutils_keyring_holds_the_credential_without_a_secret_service() {
    let probe = std::process::Command::new("keyctl")
        .args(["session", "-", "true"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED: `keyctl session -` is not available (Debian package keyutils)");
        return;
    }
    let d = Daemon::start();
    d.setup();
    let wt = bin("wt");
    let wt = wt.to_str().expect("utf8 path");
    // One session keyring for the three commands, as in a login shell.
    let script = format!(
        "printf '%s\\n' '{pw}' | {wt} login --email {email} --password-stdin --no-input >/dev/null \
         && {wt} auth status --output json && {wt} logout >/dev/null && ! {wt} whoami 2>/dev/null",
        pw = crate::harness::PASSWORD,
        email = crate::harness::OWNER,
    );
    let out = std::process::Command::new("keyctl")
        .args(["session", "-", "bash", "-c", &script])
        .env("WT_SERVER", &d.base)
        .env("WT_KEYRING", "keyutils")
        .env_remove("WT_TOKEN")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .expect("keyctl");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("kernel keyutils keyring"), "{stdout}");
}
