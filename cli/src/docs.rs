//! Generated documentation: shell completions and man pages from the clap definitions.
//!
//! `cargo xtask gen` calls [`generate_wt`] on the repository root; a staleness test can
//! call it on a temporary directory and byte-compare with the committed files. Output is
//! deterministic (no dates, no environment values: env-backed flags hide their values).

use clap_complete::Shell;
use std::io;
use std::path::Path;

/// Shells whose completions are committed under `completions/` (`wt.bash`, `_wt`,
/// `wt.fish`, `wt.elv`, `_wt.ps1`).
pub const COMPLETION_SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::PowerShell,
];

/// Writes `out_root/completions/` and `out_root/man/` for `wt`.
pub fn generate_wt(out_root: &Path) -> io::Result<()> {
    generate_for(crate::command(), "wt", out_root)
}

/// Writes completions (bash, zsh, fish, elvish, PowerShell) into `out_root/completions/` and man pages (the
/// top page plus one per visible subcommand, e.g. `wt-auth-status.1`) into `out_root/man/`
/// for any clap command. Used for `wt` and for `wtd`.
pub fn generate_for(cmd: clap::Command, bin_name: &str, out_root: &Path) -> io::Result<()> {
    let completions = out_root.join("completions");
    let man = out_root.join("man");
    std::fs::create_dir_all(&completions)?;
    std::fs::create_dir_all(&man)?;
    let cmd = cmd.bin_name(bin_name.to_string());
    // Man pages from an unbuilt copy: clap_mangen disables the `help` subcommand before
    // building; a command already built by clap_complete would keep `wtd-help-*.1` pages.
    clap_mangen::generate_to(cmd.clone(), &man)?;
    let mut cmd = cmd;
    for shell in COMPLETION_SHELLS {
        clap_complete::generate_to(shell, &mut cmd, bin_name, &completions)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_completions_and_one_man_page_per_subcommand() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        generate_wt(tmp.path()).unwrap_or_else(|e| panic!("{e}"));
        for f in [
            "completions/wt.bash",
            "completions/_wt",
            "completions/wt.fish",
            "completions/wt.elv",
            "completions/_wt.ps1",
        ] {
            assert!(tmp.path().join(f).is_file(), "{f}");
        }
        for page in [
            "wt.1",
            "wt-setup.1",
            "wt-login.1",
            "wt-logout.1",
            "wt-whoami.1",
            "wt-auth.1",
            "wt-auth-status.1",
            "wt-daemon-start.1",
            "wt-daemon-stop.1",
            "wt-daemon-status.1",
            "wt-mfa.1",
            "wt-mfa-enroll.1",
            "wt-mfa-confirm.1",
            "wt-mfa-status.1",
            "wt-mfa-disable.1",
            "wt-mfa-recovery-codes.1",
            "wt-org-show.1",
            "wt-org-set.1",
            "wt-members-reset-mfa.1",
            "wt-keys.1",
            "wt-keys-create.1",
            "wt-keys-list.1",
            "wt-keys-show.1",
            "wt-keys-rotate.1",
            "wt-keys-revoke.1",
            "wt-keys-update.1",
            "wt-allowed-ips.1",
            "wt-allowed-ips-list.1",
            "wt-allowed-ips-add.1",
            "wt-allowed-ips-remove.1",
            "wt-allowed-ips-check.1",
            "wt-check.1",
            "wt-token.1",
            "wt-token-create.1",
            "wt-token-list.1",
            "wt-token-revoke.1",
            "wt-completion.1",
        ] {
            assert!(tmp.path().join("man").join(page).is_file(), "{page}");
        }
        let top = std::fs::read_to_string(tmp.path().join("man/wt.1")).unwrap_or_default();
        assert!(top.contains("daemon unreachable"), "exit codes in wt(1)");
        assert!(top.contains("WT_SERVER"), "env vars in wt(1)");
    }

    #[test]
    fn keys_rotate_completes_and_its_man_page_teaches_grace() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        generate_wt(tmp.path()).unwrap_or_else(|e| panic!("{e}"));
        let read = |f: &str| std::fs::read_to_string(tmp.path().join(f)).unwrap_or_default();
        let rotate = read("man/wt-keys-rotate.1");
        assert!(
            rotate.contains("\\-\\-grace"),
            "--grace in wt-keys-rotate(1)"
        );
        assert!(
            rotate.contains("24h"),
            "the default grace in wt-keys-rotate(1)"
        );
        // `wt keys ro<TAB>`: each shell's script knows the `rotate` subcommand of `keys`.
        assert!(read("completions/wt.bash").contains("wt__subcmd__keys,rotate)"));
        assert!(read("completions/_wt").contains("'rotate:"));
        assert!(read("completions/wt.fish").contains("__fish_wt_using_subcommand keys"));
        assert!(read("completions/wt.fish").contains("-a \"rotate\""));
        assert!(read("completions/wt.bash").contains("wt,allowed-ips)"));
    }

    #[test]
    fn check_and_token_man_pages_teach_ci_use_and_complete_their_values() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        generate_wt(tmp.path()).unwrap_or_else(|e| panic!("{e}"));
        let read = |f: &str| std::fs::read_to_string(tmp.path().join(f)).unwrap_or_default();
        let check = read("man/wt-check.1");
        for needle in ["junit", "\\-\\-fail\\-on", "audit_reviewed", "WT_TOKEN"] {
            assert!(check.contains(needle), "{needle} in wt-check(1)");
        }
        let create = read("man/wt-token-create.1");
        assert!(create.contains("WT_TOKEN") && create.contains("allowed IPs"));
        assert!(read("completions/wt.bash").contains("junit"));
        assert!(read("completions/wt.fish").contains("__fish_wt_using_subcommand token"));
    }

    #[test]
    fn generation_is_deterministic() {
        let a = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let b = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        generate_wt(a.path()).unwrap_or_else(|e| panic!("{e}"));
        generate_wt(b.path()).unwrap_or_else(|e| panic!("{e}"));
        for f in ["man/wt.1", "man/wt-login.1", "completions/_wt"] {
            assert_eq!(
                std::fs::read(a.path().join(f)).ok(),
                std::fs::read(b.path().join(f)).ok(),
                "{f}"
            );
        }
    }

    #[test]
    fn clap_definition_is_consistent() {
        crate::command().debug_assert();
    }
}
