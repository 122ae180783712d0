//! Developer tasks. `cargo xtask gen` regenerates the committed shell completions
//! (`completions/`) and man pages (`man/`) of `wt` and `wtd` from their clap definitions;
//! `cargo xtask bench [--quick]` runs the benchmark suite (`bench/run.py`, see BENCHMARKS.md)
//! and writes `bench/results.json`; `cargo xtask bench --scale` runs the scale suite
//! (`bench/scale.py`: 1x, 10x, 100x; writes `bench/scale/`).

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

fn main() -> Result<()> {
    let task = std::env::args().nth(1);
    match task.as_deref() {
        Some("gen") => generate(&repo_root()),
        Some("bench") => bench(&repo_root()),
        _ => bail!(
            "usage: cargo xtask gen | cargo xtask bench [--quick | --scale [--sizes 1,10,100]]"
        ),
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

fn bench(root: &Path) -> Result<()> {
    let extra: Vec<String> = std::env::args().skip(2).collect();
    if extra.iter().any(|a| a == "--scale") {
        // The scale suite (issue #29, bench/scale.py): sizes from WT_SCALE_SIZES or
        // --sizes (1x by default); not part of the quick suite nor of CI.
        let rest = extra.iter().filter(|a| *a != "--scale");
        let status = std::process::Command::new("python3")
            .arg(root.join("bench/scale.py"))
            .args(rest)
            .current_dir(root)
            .status()
            .context("running python3 bench/scale.py")?;
        if !status.success() {
            bail!("the scale suite failed ({status})");
        }
        return Ok(());
    }
    let status = std::process::Command::new("python3")
        .arg(root.join("bench/run.py"))
        .args(["--json", "bench/results.json"])
        .args(extra)
        .current_dir(root)
        .status()
        .context("running python3 bench/run.py")?;
    if !status.success() {
        bail!("the benchmark suite failed ({status})");
    }
    Ok(())
}
