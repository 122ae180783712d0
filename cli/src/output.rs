//! The one I/O layer: stdout/stderr/stdin, terminal detection, tables, JSON and prompts.
//!
//! Commands never touch `std::io::stdout()` or dialoguer directly; they go through [`Io`],
//! so tests can capture output and feed stdin, and so the rules live in one place:
//! - tables (comfy-table) for people: decorated on a terminal, plain when piped or `NO_COLOR`;
//! - JSON (pretty, stable field names) for programs with `--output json`;
//! - progress lines (indicatif) on stderr, and only when it is a terminal;
//! - prompts only when stdin and stderr are terminals and `--no-input` is not set; otherwise
//!   a [`CliError::InputRequired`] that names the stdin flag to use instead.

use crate::error::CliError;
use crate::secret::Secret;
use comfy_table::{ContentArrangement, Table, presets};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::collections::VecDeque;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::{Arc, Mutex};

/// Width used for tables when the terminal width is unknown (a 0-column pty squeezes
/// dynamic tables into one character per column otherwise).
const FALLBACK_TABLE_WIDTH: u16 = 100;

/// `--output`: how results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Human-readable table.
    Table,
    /// Pretty-printed JSON with stable field names.
    Json,
}

type Writer = Mutex<Box<dyn Write + Send>>;

/// The process's streams and what we know about them.
pub struct Io {
    out: Writer,
    err: Writer,
    stdin: Mutex<Box<dyn BufRead + Send>>,
    /// stdin is a terminal (prompts possible, stdin flags would block on the keyboard).
    pub stdin_tty: bool,
    /// stdout is a terminal: decorated tables, table output by default.
    pub stdout_tty: bool,
    /// stderr is a terminal: dialoguer draws its prompts there.
    pub stderr_tty: bool,
    /// `NO_COLOR` is set: no colour, no box drawing.
    pub no_color: bool,
    /// `--no-input`: never prompt.
    pub no_input: bool,
    /// Tests only: answers given to prompts instead of dialoguer, in order (a prompter
    /// fake, so prompt paths are testable without a terminal).
    scripted: Option<Mutex<VecDeque<String>>>,
}

/// A byte buffer shared between a test and an [`Io`] built by [`Io::buffered`].
#[derive(Clone, Default)]
pub struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    /// Everything written so far, as (lossy) UTF-8.
    pub fn contents(&self) -> String {
        let guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&guard).into_owned()
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        guard.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Io {
    /// The real process streams.
    pub fn system(no_input: bool) -> Io {
        Io {
            out: Mutex::new(Box::new(std::io::stdout())),
            err: Mutex::new(Box::new(std::io::stderr())),
            stdin: Mutex::new(Box::new(std::io::BufReader::new(std::io::stdin()))),
            stdin_tty: std::io::stdin().is_terminal(),
            stdout_tty: std::io::stdout().is_terminal(),
            stderr_tty: std::io::stderr().is_terminal(),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            no_input,
            scripted: None,
        }
    }

    /// In-memory streams (no terminals): for tests. Returns the io, stdout and stderr.
    pub fn buffered(stdin: &str, no_input: bool) -> (Io, SharedBuf, SharedBuf) {
        let out = SharedBuf::default();
        let err = SharedBuf::default();
        let io = Io {
            out: Mutex::new(Box::new(out.clone())),
            err: Mutex::new(Box::new(err.clone())),
            stdin: Mutex::new(Box::new(std::io::Cursor::new(stdin.as_bytes().to_vec()))),
            stdin_tty: false,
            stdout_tty: false,
            stderr_tty: false,
            no_color: true,
            no_input,
            scripted: None,
        };
        (io, out, err)
    }

    /// Like [`Io::buffered`], but stdin and stderr count as terminals and every prompt
    /// takes the next of `answers` (`"y"`/`"n"` for yes/no questions). Tests only.
    #[cfg(test)]
    pub fn scripted(answers: &[&str], stdin: &str) -> (Io, SharedBuf, SharedBuf) {
        let (mut io, out, err) = Io::buffered(stdin, false);
        io.stdin_tty = true;
        io.stderr_tty = true;
        io.scripted = Some(Mutex::new(answers.iter().map(|a| a.to_string()).collect()));
        (io, out, err)
    }

    /// The next scripted answer, when this io is scripted (tests).
    fn next_scripted(&self) -> Option<Result<String, CliError>> {
        let queue = self.scripted.as_ref()?;
        let mut queue = queue.lock().unwrap_or_else(|p| p.into_inner());
        Some(
            queue
                .pop_front()
                .ok_or_else(|| CliError::Other("prompt failed: no scripted answer left".into())),
        )
    }

    /// The format when `--output` was not given: table on a terminal, JSON otherwise.
    pub fn default_format(&self) -> OutputFormat {
        if self.stdout_tty {
            OutputFormat::Table
        } else {
            OutputFormat::Json
        }
    }

    /// Writes a line to stdout.
    pub fn println(&self, line: &str) -> Result<(), CliError> {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| CliError::io("writing to stdout", e))
    }

    /// Writes a note or warning to stderr. Failures to write there are ignored: there is
    /// nowhere left to report them.
    pub fn eprintln(&self, line: &str) {
        let mut err = self.err.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(err, "{line}");
        let _ = err.flush();
    }

    /// A one-line progress indicator (indicatif) showing its message: on stderr when stderr
    /// is a terminal, else hidden, so it never reaches a pipe, a log or stdout. End it with
    /// `finish_with_message`, which leaves the last state on screen.
    pub fn progress_line(&self) -> ProgressBar {
        let target = if self.stderr_tty {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let style = ProgressStyle::with_template("{msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        ProgressBar::with_draw_target(None, target).with_style(style)
    }

    /// Prints a value as pretty JSON.
    pub fn print_json<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), CliError> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| CliError::Other(format!("cannot encode JSON output: {e}")))?;
        self.println(&text)
    }

    /// A new table styled for where stdout goes.
    pub fn table(&self) -> Table {
        let mut table = Table::new();
        if self.stdout_tty && !self.no_color {
            table
                .load_style(presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic);
            if table.width().unwrap_or(0) == 0 {
                table.set_width(FALLBACK_TABLE_WIDTH);
            }
        } else {
            table.force_no_tty().load_style(presets::NOTHING);
        }
        table
    }

    /// A two-column "field value" table.
    pub fn key_value_table(&self, rows: &[(&str, String)]) -> Table {
        let mut table = self.table();
        for (k, v) in rows {
            table.add_row(vec![k.to_string(), v.clone()]);
        }
        table
    }

    /// Prints a table to stdout.
    pub fn print_table(&self, table: &Table) -> Result<(), CliError> {
        let text = table.to_string();
        // The plain preset pads cells with one space; drop it at line starts/ends.
        let text: Vec<&str> = text.lines().map(|l| l.trim_end()).collect();
        let text = if self.stdout_tty && !self.no_color {
            text.join("\n")
        } else {
            text.iter()
                .map(|l| l.strip_prefix(' ').unwrap_or(l))
                .collect::<Vec<_>>()
                .join("\n")
        };
        self.println(&text)
    }

    /// Prints `value` as JSON or the table built by `table`, per `format`.
    pub fn emit<T: Serialize + ?Sized>(
        &self,
        format: OutputFormat,
        value: &T,
        table: impl FnOnce(&Io) -> Table,
    ) -> Result<(), CliError> {
        match format {
            OutputFormat::Json => self.print_json(value),
            OutputFormat::Table => self.print_table(&table(self)),
        }
    }

    /// Reads one line from stdin, without its line ending. `what` names it in errors.
    pub fn read_stdin_line(&self, what: &str) -> Result<String, CliError> {
        let mut stdin = self.stdin.lock().unwrap_or_else(|p| p.into_inner());
        let mut line = String::new();
        let n = stdin
            .read_line(&mut line)
            .map_err(|e| CliError::io(format!("reading {what} from stdin"), e))?;
        if n == 0 {
            return Err(CliError::Usage(format!(
                "expected {what} on stdin, but stdin ended"
            )));
        }
        while line.ends_with('\n') || line.ends_with('\r') {
            line.pop();
        }
        Ok(line)
    }

    /// Reads the rest of stdin (e.g. a CSV file given as `-`), at most `limit` bytes;
    /// more is an error naming `what`.
    pub fn read_stdin_to_string(&self, what: &str, limit: u64) -> Result<String, CliError> {
        use std::io::Read as _;
        let mut stdin = self.stdin.lock().unwrap_or_else(|p| p.into_inner());
        let mut buf = Vec::new();
        (&mut *stdin)
            .take(limit.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|e| CliError::io(format!("reading {what} from stdin"), e))?;
        if buf.len() as u64 > limit {
            return Err(CliError::Usage(format!(
                "{what} on stdin is larger than {limit} bytes"
            )));
        }
        String::from_utf8(buf)
            .map_err(|_| CliError::Usage(format!("{what} on stdin is not valid UTF-8")))
    }

    /// Writes a table to stderr (context shown before a prompt, e.g. `wt members review`).
    pub fn eprint_table(&self, table: &Table) {
        let text = table.to_string();
        let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
        self.eprintln(&lines.join("\n"));
    }

    /// Reads one secret line from stdin (token or password); an empty line is an error.
    pub fn read_stdin_secret(&self, what: &str) -> Result<Secret, CliError> {
        let secret = Secret::new(self.read_stdin_line(what)?);
        if secret.is_blank() {
            return Err(CliError::Usage(format!("{what} read from stdin is empty")));
        }
        Ok(secret)
    }

    /// True when we may prompt: not `--no-input`, and stdin and stderr are terminals.
    pub fn can_prompt(&self) -> bool {
        !self.no_input && self.stdin_tty && self.stderr_tty
    }

    /// Prompts for a hidden value (optionally typed twice), or fails naming `flag`.
    pub fn prompt_secret(
        &self,
        prompt: &str,
        confirm: bool,
        what: &'static str,
        flag: &'static str,
    ) -> Result<Secret, CliError> {
        if !self.can_prompt() {
            return Err(CliError::InputRequired { what, flag });
        }
        if let Some(answer) = self.next_scripted() {
            return answer.map(Secret::new);
        }
        let mut p = dialoguer::Password::new().with_prompt(prompt);
        if confirm {
            p = p.with_confirmation("Repeat to confirm", "the two entries do not match");
        }
        p.interact()
            .map(Secret::new)
            .map_err(|e| CliError::Other(format!("prompt failed: {e}")))
    }

    /// Prompts for a visible, non-empty value, or fails naming `flag`.
    pub fn prompt_text(
        &self,
        prompt: &str,
        what: &'static str,
        flag: &'static str,
    ) -> Result<String, CliError> {
        if !self.can_prompt() {
            return Err(CliError::InputRequired { what, flag });
        }
        if let Some(answer) = self.next_scripted() {
            return answer.map(|s| s.trim().to_string());
        }
        dialoguer::Input::<String>::new()
            .with_prompt(prompt)
            .interact_text()
            .map(|s| s.trim().to_string())
            .map_err(|e| CliError::Other(format!("prompt failed: {e}")))
    }

    /// Asks a yes/no question (default: no), or fails naming `flag`.
    pub fn prompt_confirm(
        &self,
        prompt: &str,
        what: &'static str,
        flag: &'static str,
    ) -> Result<bool, CliError> {
        if !self.can_prompt() {
            return Err(CliError::InputRequired { what, flag });
        }
        if let Some(answer) = self.next_scripted() {
            return answer.map(|a| a.trim().eq_ignore_ascii_case("y"));
        }
        dialoguer::Confirm::new()
            .with_prompt(prompt)
            .default(false)
            .interact()
            .map_err(|e| CliError::Other(format!("prompt failed: {e}")))
    }

    /// The gate in front of a destructive action: passes with `--yes` (`yes`); otherwise
    /// asks `prompt` (default: no). Under `--no-input` or without a terminal it fails with
    /// exit 2 naming `--yes`, before anything was sent; "no" is [`CliError::Aborted`].
    pub fn confirm_destructive(&self, prompt: &str, yes: bool) -> Result<(), CliError> {
        if yes {
            return Ok(());
        }
        if self.prompt_confirm(prompt, "a confirmation", "--yes")? {
            Ok(())
        } else {
            Err(CliError::Aborted("aborted: nothing was changed".into()))
        }
    }
}

/// Formats an RFC 3339 expiry for people: `2026-01-01T12:00:00Z (in 11h 58m)`.
/// Unparseable values are shown as they are.
pub fn describe_expiry(rfc3339: &str, now: time::OffsetDateTime) -> String {
    let Ok(at) =
        time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
    else {
        return rfc3339.to_string();
    };
    let secs = (at - now).whole_seconds();
    if secs >= 0 {
        format!("{rfc3339} (in {})", describe_span(secs))
    } else {
        format!("{rfc3339} (expired {} ago)", describe_span(-secs))
    }
}

/// Formats an RFC 3339 time in the past for people: `2026-01-01T09:55:00Z (5m ago)`, or
/// `(just now)` under a minute. Times in the future (clock skew) read `(in 5m)`.
/// Unparseable values are shown as they are.
pub fn describe_ago(rfc3339: &str, now: time::OffsetDateTime) -> String {
    let Ok(at) =
        time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
    else {
        return rfc3339.to_string();
    };
    let secs = (now - at).whole_seconds();
    if secs < 0 {
        format!("{rfc3339} (in {})", describe_span(-secs))
    } else if secs < 60 {
        format!("{rfc3339} (just now)")
    } else {
        format!("{rfc3339} ({} ago)", describe_span(secs))
    }
}

/// A non-negative number of seconds, coarsely: `2d 3h`, `5h 0m`, `12m`.
pub fn describe_span(secs: i64) -> String {
    let s = secs.max(0);
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3_600, (s % 3_600) / 60);
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else {
        format!("{m}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_lines_are_read_in_order_without_line_endings() {
        let (io, _, _) = Io::buffered("tok en\r\npass word \n", true);
        assert_eq!(io.read_stdin_line("token").ok().as_deref(), Some("tok en"));
        assert_eq!(
            io.read_stdin_line("password").ok().as_deref(),
            Some("pass word ")
        );
        assert!(matches!(
            io.read_stdin_line("more"),
            Err(CliError::Usage(_))
        ));
    }

    #[test]
    fn prompting_without_terminal_names_the_stdin_flag() {
        let (io, _, _) = Io::buffered("", false);
        let err = io.prompt_secret("Password", true, "a password", "--password-stdin");
        match err {
            Err(e @ CliError::InputRequired { .. }) => {
                assert!(e.to_string().contains("--password-stdin"))
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn destructive_action_under_no_input_needs_yes_exit_2() {
        let (io, _, _) = Io::buffered("", true);
        let e = io.confirm_destructive("Really?", false).err();
        let e = e
            .map(|e| (e.exit_code(), e.to_string()))
            .unwrap_or_default();
        assert_eq!(e.0, 2);
        assert!(e.1.contains("--yes"), "{}", e.1);
        assert!(io.confirm_destructive("Really?", true).is_ok());
    }

    #[test]
    fn declined_confirmation_aborts_with_exit_1() {
        let (io, _, _) = Io::scripted(&["n", "y"], "");
        let e = io.confirm_destructive("Really?", false).err();
        assert_eq!(e.map(|e| e.exit_code()), Some(1));
        assert!(io.confirm_destructive("Really?", false).is_ok());
    }

    #[test]
    fn progress_is_hidden_when_stderr_is_not_a_terminal() {
        let (io, out, err) = Io::buffered("", true);
        let bar = io.progress_line();
        assert!(bar.is_hidden());
        bar.set_message("exported 1000 entries");
        bar.finish_with_message("exported 1000 entries");
        assert!(out.contents().is_empty() && err.contents().is_empty());
    }

    #[test]
    fn piped_tables_are_plain() {
        let (io, out, _) = Io::buffered("", true);
        let t = io.key_value_table(&[("User", "alice@example.com".into())]);
        io.print_table(&t).ok();
        let text = out.contents();
        assert!(text.starts_with("User"), "{text:?}");
        assert!(!text.contains('│') && !text.contains('|'));
    }

    #[test]
    fn expiry_is_described_relative_to_now() {
        let now = time::macros::datetime!(2026-01-01 10:00 UTC);
        assert_eq!(
            describe_expiry("2026-01-01T12:30:00Z", now),
            "2026-01-01T12:30:00Z (in 2h 30m)"
        );
        assert!(describe_expiry("2026-01-01T09:00:00Z", now).contains("expired 1h 0m ago"));
        assert_eq!(describe_expiry("soon", now), "soon");
    }

    #[test]
    fn past_times_are_described_as_ago() {
        let now = time::macros::datetime!(2026-01-01 10:00 UTC);
        assert_eq!(
            describe_ago("2026-01-01T07:55:00Z", now),
            "2026-01-01T07:55:00Z (2h 5m ago)"
        );
        assert_eq!(
            describe_ago("2025-12-30T09:00:00Z", now),
            "2025-12-30T09:00:00Z (2d 1h ago)"
        );
        assert_eq!(
            describe_ago("2026-01-01T09:59:30Z", now),
            "2026-01-01T09:59:30Z (just now)"
        );
        assert_eq!(
            describe_ago("2026-01-01T10:05:00Z", now),
            "2026-01-01T10:05:00Z (in 5m)"
        );
        assert_eq!(describe_ago("never", now), "never");
    }
}
