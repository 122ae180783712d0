//! `wt completion SHELL`: print a shell completion script.

use crate::{CliError, Ctx};
use clap::Args;
use clap_complete::Shell;

pub const ABOUT: &str = "Print a shell completion script";
pub const LONG_ABOUT: &str = "\
Print the completion script for SHELL (bash, zsh, fish, elvish, powershell) on stdout.

Examples:
  wt completion bash > ~/.local/share/bash-completion/completions/wt
  wt completion zsh > \"${fpath[1]}/_wt\"
  wt completion fish > ~/.config/fish/completions/wt.fish";

/// `wt completion` options.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to generate completions for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the script.
pub async fn run(args: CompletionArgs, ctx: &Ctx) -> Result<(), CliError> {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut crate::command(), "wt", &mut buf);
    let text = String::from_utf8_lossy(&buf);
    ctx.io.println(text.trim_end_matches('\n'))
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::parse_from;
    use clap_complete::Shell;

    #[test]
    fn completion_parses_each_supported_shell() {
        for (name, shell) in [
            ("bash", Shell::Bash),
            ("zsh", Shell::Zsh),
            ("fish", Shell::Fish),
            ("elvish", Shell::Elvish),
            ("powershell", Shell::PowerShell),
        ] {
            let cli = parse_from(["wt", "completion", name])
                .map_err(|e| e.to_string())
                .unwrap();
            match cli.command {
                Command::Completion(a) => assert_eq!(a.shell, shell),
                other => panic!("parsed as {other:?}"),
            }
        }
        assert!(parse_from(["wt", "completion", "tcsh"]).is_err());
    }
}
