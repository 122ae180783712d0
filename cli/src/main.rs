//! The `wt` binary: everything lives in the `wt_cli` library.

fn main() -> std::process::ExitCode {
    wt_cli::main()
}
