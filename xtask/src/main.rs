//! Developer tasks. `cargo xtask gen` regenerates the committed shell completions
//! (`completions/`) and man pages (`man/`) of `wt` and `wtd` from their clap definitions.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

fn main() -> Result<()> {
    let task = std::env::args().nth(1);
    match task.as_deref() {
        Some("gen") => generate(&repo_root()),
        _ => bail!("usage: cargo xtask gen"),
    }
}

/// The workspace root (xtask lives one level below it).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn generate(root: &Path) -> Result<()> {
    wt_cli::docs::generate_wt(root).context("generating wt completions and man pages")?;
    wt_cli::docs::generate_for(wtd::cli::command(), "wtd", root)
        .context("generating wtd completions and man pages")?;
    println!(
        "wrote {} and {}",
        root.join("completions").display(),
        root.join("man").display()
    );
    Ok(())
}
