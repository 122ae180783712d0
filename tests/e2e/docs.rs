//! The committed man pages and shell completions match the clap definitions.

use std::path::Path;

fn compare(dir_name: &str, fresh_root: &Path) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let fresh = fresh_root.join(dir_name);
    let mut names: Vec<_> = std::fs::read_dir(&fresh)
        .expect("generated dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for name in names {
        let want = std::fs::read(fresh.join(&name)).expect("fresh file");
        let have = std::fs::read(repo.join(dir_name).join(&name)).unwrap_or_default();
        assert!(
            want == have,
            "{dir_name}/{} is stale: run `cargo xtask gen` and commit the result",
            name.to_string_lossy()
        );
    }
}

#[test]
fn committed_man_pages_and_completions_are_up_to_date() {
    let tmp = tempfile::tempdir().expect("tempdir");
    wt_cli::docs::generate_wt(tmp.path()).expect("generate wt");
    wt_cli::docs::generate_for(wtd::cli::command(), "wtd", tmp.path()).expect("generate wtd");
    compare("man", tmp.path());
    compare("completions", tmp.path());
}

#[test]
fn bash_completes_wt_keys_ro_to_rotate() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = r#"source completions/wt.bash
COMP_WORDS=(wt keys ro); COMP_CWORD=2; COMP_LINE="wt keys ro"; COMP_POINT=10
_wt wt ro keys
echo "${COMPREPLY[@]}""#;
    let out = std::process::Command::new("bash")
        .args(["-c", script])
        .current_dir(&repo)
        .output()
        .expect("bash");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "rotate");
}

#[test]
fn the_man_page_of_keys_rotate_documents_grace() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let page = std::fs::read_to_string(repo.join("man/wt-keys-rotate.1")).expect("man page");
    assert!(page.starts_with(".ie") || page.contains(".TH"), "roff");
    assert!(page.contains("grace"), "{page}");
}
