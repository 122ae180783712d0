//! `wt setup`: claim the owner account created by `wtd init` with its one-time token.

use crate::cmd::common::read_new_password;
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::{SetupRequest, SetupResponse};
use zeroize::Zeroize;

pub const ABOUT: &str = "Claim the owner account printed by `wtd init`";
pub const LONG_ABOUT: &str = "\
Claim the owner account printed by `wtd init`, using its one-time setup token.

The token is read from stdin with --token-stdin (or prompted, hidden, on a terminal). The name
is --name or prompted (required with --no-input). The new password is prompted twice on a
terminal, or read from stdin with --password-stdin; wt checks it against the password policy
before it is repeated or sent, and says why one is refused. When both --token-stdin and
--password-stdin are given, the FIRST line of stdin is the token and the SECOND line is the
password.

Setup does not log in: run `wt login` afterwards.

Examples:
  wt setup --token-stdin --name 'Ada Lovelace' < token.txt
  printf '%s\\n%s\\n' \"$TOKEN\" \"$PASSWORD\" | wt setup --token-stdin --password-stdin --name Ada";

/// `wt setup` options.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Read the one-time setup token from the first line of stdin
    #[arg(long)]
    pub token_stdin: bool,

    /// Your display name (prompted when omitted; required with --no-input)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Read the new password from stdin (the second line when --token-stdin is also given)
    #[arg(long)]
    pub password_stdin: bool,
}

/// Claims the owner account.
pub async fn run(args: SetupArgs, ctx: &Ctx) -> Result<(), CliError> {
    let io = &ctx.io;
    let token = if args.token_stdin {
        io.read_stdin_secret("the setup token")?
    } else {
        io.prompt_secret(
            "Setup token (printed by `wtd init`)",
            false,
            "the setup token",
            "--token-stdin",
        )?
    };
    // The name first: the password is checked locally with it (the org and the email are
    // only known to the server until the token is claimed).
    let name = match args.name {
        Some(n) if !n.trim().is_empty() => n.trim().to_string(),
        Some(_) => return Err(CliError::Usage("--name must not be empty".into())),
        None => io.prompt_text("Your name", "a name", "--name")?,
    };
    let password = read_new_password(io, args.password_stdin, &[&name])?;

    let mut req = SetupRequest {
        token: token.expose().trim().to_string(),
        name,
        password: password.expose().to_string(),
    };
    let result: Result<SetupResponse, CliError> = match ctx.client() {
        Ok(client) => client.post("/setup", &req, None).await,
        Err(e) => Err(e),
    };
    req.token.zeroize();
    req.password.zeroize();
    let resp = result?;

    io.emit(ctx.output, &resp, |io| {
        io.key_value_table(&[
            ("User", format!("{} <{}>", resp.user.name, resp.user.email)),
            ("Org", format!("{} ({})", resp.org.name, resp.org.slug)),
            ("Role", resp.role.to_string()),
        ])
    })?;
    io.eprintln(&format!(
        "Owner account created. Next: wt login --email {} --server {}",
        resp.user.email, ctx.server
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::parse_from;

    #[test]
    fn setup_parses_stdin_flags_and_name() {
        let cli = parse_from([
            "wt",
            "setup",
            "--token-stdin",
            "--password-stdin",
            "--name",
            "Ada",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        match cli.command {
            Command::Setup(a) => {
                assert!(a.token_stdin && a.password_stdin);
                assert_eq!(a.name.as_deref(), Some("Ada"));
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn setup_has_no_flag_that_takes_a_secret_value() {
        assert!(parse_from(["wt", "setup", "--token", "abc"]).is_err());
        assert!(parse_from(["wt", "setup", "--password", "abc"]).is_err());
    }
}

#[cfg(test)]
mod run_tests {
    use crate::credentials::Credentials;
    use crate::credentials::tests::mock_store;
    use crate::output::{Io, OutputFormat};
    use crate::testutil::{Reply, Stub};
    use crate::{Ctx, parse_from};

    fn setup_json() -> serde_json::Value {
        serde_json::json!({
            "user": {"id": "u1", "email": "owner@example.com", "name": "Ada"},
            "org": {"id": "o1", "slug": "acme", "name": "Acme"},
            "role": "owner"
        })
    }

    async fn run_setup(
        argv: &[&str],
        stdin: &str,
        reply: Reply,
    ) -> (Stub, Result<(), crate::CliError>, String) {
        let stub = Stub::start(vec![("POST", "/api/v1/setup", reply)]).await;
        let cli = parse_from(argv).map_err(|e| e.to_string()).unwrap();
        let (io, out, _) = Io::buffered(stdin, cli.global.no_input);
        let creds = Credentials::with_store(&stub.url, None, mock_store());
        let ctx = Ctx::new(io, stub.url.clone(), Some(OutputFormat::Table), creds);
        let r = crate::run(cli, &ctx).await;
        (stub, r, out.contents())
    }

    #[tokio::test]
    async fn setup_reads_token_from_line_one_and_password_from_line_two() {
        let (stub, r, out) = run_setup(
            &[
                "wt",
                "setup",
                "--token-stdin",
                "--password-stdin",
                "--name",
                "Ada",
            ],
            "wtsetup_tok\ncorrect horse battery\n",
            Reply::json(201, setup_json()),
        )
        .await;
        assert!(r.is_ok(), "{r:?}");
        let seen = stub.requests();
        assert_eq!(
            (seen[0].method.as_str(), seen[0].path.as_str()),
            ("POST", "/api/v1/setup")
        );
        let body: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap_or_default();
        assert_eq!(
            body,
            serde_json::json!({"token": "wtsetup_tok", "name": "Ada", "password": "correct horse battery"})
        );
        assert!(
            out.contains("owner@example.com") && out.contains("acme"),
            "{out}"
        );
    }

    #[tokio::test]
    async fn setup_under_no_input_without_name_fails_naming_the_flag() {
        let (stub, r, _) = run_setup(
            &[
                "wt",
                "setup",
                "--token-stdin",
                "--password-stdin",
                "--no-input",
            ],
            "tok\nviolet staple orbit 7\n",
            Reply::json(201, setup_json()),
        )
        .await;
        let msg = r.err().map(|e| (e.exit_code(), e.to_string()));
        let (code, msg) = msg.unwrap_or_default();
        assert_eq!(code, 2);
        assert!(msg.contains("--name"), "{msg}");
        assert!(stub.requests().is_empty());
    }

    #[tokio::test]
    async fn setup_without_password_stdin_and_no_terminal_names_password_stdin() {
        let (_, r, _) = run_setup(
            &["wt", "setup", "--token-stdin", "--name", "Ada"],
            "tok\n",
            Reply::json(201, setup_json()),
        )
        .await;
        let msg = r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("--password-stdin"), "{msg}");
    }

    #[tokio::test]
    async fn setup_with_used_token_shows_the_problem_detail() {
        let (_, r, _) = run_setup(
            &[
                "wt",
                "setup",
                "--token-stdin",
                "--password-stdin",
                "--name",
                "Ada",
            ],
            "tok\nviolet staple orbit 7\n",
            Reply::problem(400, "setup_token_invalid"),
        )
        .await;
        let e = r
            .err()
            .map(|e| (e.exit_code(), e.to_string()))
            .unwrap_or_default();
        assert_eq!(e, (1, "detail for setup_token_invalid".to_string()));
    }

    #[tokio::test]
    async fn an_obvious_password_is_refused_before_the_token_is_sent() {
        for (pw, why) in [
            ("passwordpassword", "breached and common"),
            ("qwertyuiopasdfgh", "breached and common"),
            ("Lovelace1815!!", "must not contain \"lovelace\""),
        ] {
            let (stub, r, _) = run_setup(
                &[
                    "wt",
                    "setup",
                    "--token-stdin",
                    "--password-stdin",
                    "--name",
                    "Ada Lovelace",
                ],
                &format!("wtsetup_tok\n{pw}\n"),
                Reply::json(201, setup_json()),
            )
            .await;
            let (code, msg) = r
                .err()
                .map(|e| (e.exit_code(), e.to_string()))
                .unwrap_or_default();
            assert_eq!(code, 1, "{pw}: {msg}");
            assert!(msg.contains(why), "{pw}: {msg}");
            assert!(stub.requests().is_empty(), "{pw}: nothing was sent");
        }
    }
}
