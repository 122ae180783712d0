//! The CSV format of `wt invite create --from-csv FILE`.
//!
//! - UTF-8, one invite per line, comma-separated; fields may be double-quoted (`""` is a
//!   quote inside a quoted field); a leading BOM and blank lines are ignored.
//! - Header: the first non-blank line is a header when it has columns named `email` and
//!   `role` (any case, any order; other columns such as `name` are ignored). Otherwise
//!   there is no header and every line is exactly two columns: `email,role`.
//! - A row's number is its line number in the file (the header is line 1), so an error
//!   points at the line to fix.
//! - Rows are checked locally first (column count, email shape, known role, the same
//!   email twice); a row that fails is reported and no request is sent for it.

use crate::CliError;
use crate::cmd::common::{check_email, role_names};
use wt_api::Role;

/// Largest CSV accepted (file or stdin): about 20 000 invites.
pub const MAX_CSV_BYTES: u64 = 1024 * 1024;

/// One data row of the CSV, checked locally.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvRow {
    /// The line number in the file (1-based; the header, if any, is line 1).
    pub row: usize,
    /// The email as written (trimmed), for the report even when the row is bad.
    pub email: String,
    /// The role as written (trimmed), for the report even when the row is bad.
    pub role: String,
    /// The invite to send, or why the row was refused locally.
    pub checked: Result<(String, Role), String>,
}

/// Parses the CSV text into rows. Only a CSV without any data row is an error of the
/// whole file; everything else is a per-row result.
pub fn parse(text: &str) -> Result<Vec<CsvRow>, CliError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut layout: Option<Layout> = None;
    let mut rows: Vec<CsvRow> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let fields = split_fields(line);
        let current = match layout {
            Some(l) => l,
            None => {
                let l = fields
                    .as_ref()
                    .ok()
                    .and_then(|f| Layout::from_header(f))
                    .unwrap_or(Layout::HEADERLESS);
                layout = Some(l);
                if l.header {
                    continue;
                }
                l
            }
        };
        rows.push(check_row(line_no, line, fields, current, &rows));
    }
    if rows.is_empty() {
        return Err(CliError::Usage(
            "the CSV has no rows: expected lines of `email,role` (an `email,role` header is optional)"
                .into(),
        ));
    }
    Ok(rows)
}

/// Where the columns are.
#[derive(Debug, Clone, Copy)]
struct Layout {
    header: bool,
    columns: usize,
    email: usize,
    role: usize,
}

impl Layout {
    const HEADERLESS: Layout = Layout {
        header: false,
        columns: 2,
        email: 0,
        role: 1,
    };

    fn from_header(fields: &[String]) -> Option<Layout> {
        let find = |name: &str| {
            fields
                .iter()
                .position(|f| f.trim().eq_ignore_ascii_case(name))
        };
        Some(Layout {
            header: true,
            columns: fields.len(),
            email: find("email")?,
            role: find("role")?,
        })
    }
}

fn check_row(
    row: usize,
    line: &str,
    fields: Result<Vec<String>, String>,
    layout: Layout,
    earlier: &[CsvRow],
) -> CsvRow {
    let fields = match fields {
        Ok(f) => f,
        Err(why) => {
            return CsvRow {
                row,
                email: line.trim().to_string(),
                role: String::new(),
                checked: Err(why),
            };
        }
    };
    let cell = |i: usize| {
        fields
            .get(i)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let (email, role) = (cell(layout.email), cell(layout.role));
    let checked = if fields.len() != layout.columns {
        Err(if layout.header {
            format!(
                "expected {} columns like the header, found {}",
                layout.columns,
                fields.len()
            )
        } else {
            format!("expected 2 columns (email,role), found {}", fields.len())
        })
    } else {
        check_email(&email).and_then(|e| {
            let parsed = Role::parse(&role.to_ascii_lowercase()).ok_or_else(|| {
                if role.is_empty() {
                    format!("the role is empty (valid: {})", role_names().join(", "))
                } else {
                    format!("unknown role `{role}` (valid: {})", role_names().join(", "))
                }
            })?;
            match earlier
                .iter()
                .find(|r| matches!(&r.checked, Ok((prev, _)) if prev.eq_ignore_ascii_case(&e)))
            {
                Some(first) => Err(format!("the same email as row {}", first.row)),
                None => Ok((e, parsed)),
            }
        })
    };
    CsvRow {
        row,
        email,
        role,
        checked,
    }
}

/// Splits one CSV line into fields; double-quoted fields may hold commas and `""`.
fn split_fields(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut in_quotes = false;
    while let Some(c) = chars.next() {
        match (in_quotes, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => in_quotes = false,
            (true, c) => field.push(c),
            (false, '"') if field.trim().is_empty() => {
                field.clear();
                in_quotes = true;
            }
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, c) => field.push(c),
        }
    }
    if in_quotes {
        return Err("a quoted field is not closed (a quote is missing)".into());
    }
    fields.push(field);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(r: &CsvRow) -> Option<(&str, Role)> {
        r.checked.as_ref().ok().map(|(e, role)| (e.as_str(), *role))
    }

    #[test]
    fn csv_with_header_in_any_order_and_extra_columns() {
        let rows = parse("\u{feff}Name,Role,EMAIL\r\nBob,analyst,bob@example.com\r\n\r\n\"Smith, Al\",Admin,al@example.com\n")
            .map_err(|e| e.to_string())
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].row, 2);
        assert_eq!(ok(&rows[0]), Some(("bob@example.com", Role::Analyst)));
        assert_eq!(rows[1].row, 4);
        assert_eq!(ok(&rows[1]), Some(("al@example.com", Role::Admin)));
    }

    #[test]
    fn csv_without_header_when_the_first_line_is_data() {
        let rows = parse("bob@example.com,viewer\nann@example.com, risk_lead \n")
            .map_err(|e| e.to_string())
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].row, 1);
        assert_eq!(ok(&rows[0]), Some(("bob@example.com", Role::Viewer)));
        assert_eq!(ok(&rows[1]), Some(("ann@example.com", Role::RiskLead)));
    }

    #[test]
    fn bad_rows_are_reported_per_row_with_the_reason() {
        let rows = parse(
            "email,role\nbob@example.com,root\nnot-an-email,viewer\nann@example.com\nx@example.com,viewer,extra\n\"open@example.com,viewer\nBOB@example.com,viewer\nbob@example.com,analyst\n",
        )
        .map_err(|e| e.to_string())
        .unwrap();
        let errors: Vec<String> = rows
            .iter()
            .map(|r| r.checked.clone().err().unwrap_or_default())
            .collect();
        assert!(errors[0].contains("unknown role `root`") && errors[0].contains("risk_lead"));
        assert!(errors[1].contains("not an email"));
        assert!(errors[2].contains("expected 2 columns like the header, found 1"));
        assert!(errors[3].contains("found 3"));
        assert!(errors[4].contains("quote"));
        assert_eq!(errors[5], "");
        assert_eq!(errors[6], "the same email as row 7");
        assert_eq!(rows[0].role, "root");
        assert_eq!(rows[0].row, 2);
    }

    #[test]
    fn headerless_first_row_with_a_bad_role_is_a_bad_row_not_a_header() {
        let rows = parse("bob@example.com,superuser\nann@example.com,viewer\n")
            .map_err(|e| e.to_string())
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert!(rows[0].checked.is_err());
        assert!(rows[1].checked.is_ok());
    }

    #[test]
    fn csv_without_rows_is_a_usage_error() {
        for text in ["", "\n\n", "email,role\n"] {
            assert_eq!(
                parse(text).err().map(|e| e.exit_code()),
                Some(2),
                "{text:?}"
            );
        }
    }
}
