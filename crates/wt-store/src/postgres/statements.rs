//! How the shared queries reach PostgreSQL: as named statements prepared once per
//! connection and cached (the default, cheapest for the server), or, behind a pooler in
//! transaction mode (`--database-pooler transaction`), as unnamed ones.
//!
//! A pooler in transaction mode hands each transaction (and each statement outside one)
//! to whichever server session is free, so a statement prepared on one session is missing
//! on the next (`26000 prepared statement "s3" does not exist`) and two daemons preparing
//! `s0` on one session collide (`42P05 prepared statement "s0" already exists`). Unnamed
//! statements (`Client::query_typed` and friends: Parse unnamed + Bind + Execute + Sync in
//! one round trip) live only until the next Parse, inside the request that sent them.
//!
//! Their parameter types are declared as `unknown`: PostgreSQL treats an `unknown`
//! parameter exactly like an unspecified one and infers its type from the statement, as it
//! does for a named prepare with no types (`exec_parse_message`; the conformance test
//! `unknown_parameters_are_inferred_like_a_named_prepare` checks it against the server).
//! The client cannot know that inferred type, so [`Value`]s are sent in the text format,
//! which the server parses with the inferred type's input function ([`to_text`]).

use crate::sql::Value;
use bytes::{BufMut, BytesMut};
use postgres::types::{IsNull, ToSql, Type};
use std::collections::HashMap;

/// The statements of one connection, as the mode needs them.
pub(super) enum Statements<'a> {
    /// Named statements prepared on this connection, by their SQL (default).
    Cached(&'a mut HashMap<String, postgres::Statement>),
    /// Unnamed statements only: nothing outlives the request (behind a pooler).
    Unnamed,
}

/// The parameters of an unnamed statement: each `unknown`, for the server to infer.
pub(super) fn untyped(params: &[Value]) -> Vec<(&(dyn ToSql + Sync), Type)> {
    params
        .iter()
        .map(|p| (p as &(dyn ToSql + Sync), Type::UNKNOWN))
        .collect()
}

/// `v` in PostgreSQL's text format, which every type's input function reads: integers and
/// floats in decimal, text as is, bytes as `\x` and hex (bytea's hex format), NULL as null.
pub(super) fn to_text(
    v: &Value,
    out: &mut BytesMut,
) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
    match v {
        Value::Null => return Ok(IsNull::Yes),
        Value::Int(i) => out.put_slice(i.to_string().as_bytes()),
        Value::Real(f) => out.put_slice(real_text(*f).as_bytes()),
        Value::Text(s) => out.put_slice(s.as_bytes()),
        Value::Blob(b) => {
            out.reserve(2 + b.len() * 2);
            out.put_slice(b"\\x");
            out.put_slice(hex::encode(b).as_bytes());
        }
    }
    Ok(IsNull::No)
}

/// One row in `COPY ... FROM STDIN`'s text format: tab-separated columns, `\\N` for NULL,
/// backslash escapes for backslash, tab, newline and carriage return, bytea as `\\x` + hex
/// (its own backslash escaped), a newline at the end.
pub(super) fn copy_text_row(row: &[Value], out: &mut Vec<u8>) {
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        match v {
            Value::Null => out.extend_from_slice(b"\\N"),
            Value::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
            Value::Real(f) => out.extend_from_slice(real_text(*f).as_bytes()),
            Value::Text(s) => {
                for &b in s.as_bytes() {
                    match b {
                        b'\\' => out.extend_from_slice(b"\\\\"),
                        b'\t' => out.extend_from_slice(b"\\t"),
                        b'\n' => out.extend_from_slice(b"\\n"),
                        b'\r' => out.extend_from_slice(b"\\r"),
                        _ => out.push(b),
                    }
                }
            }
            Value::Blob(b) => {
                out.extend_from_slice(b"\\\\x");
                out.extend_from_slice(hex::encode(b).as_bytes());
            }
        }
    }
    out.push(b'\n');
}

/// A float as `float8in` reads it (Rust's `inf`/`NaN` spellings are PostgreSQL's too).
fn real_text(f: f64) -> String {
    if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
    } else {
        // Rust prints the shortest decimal that reads back as the same f64.
        f.to_string()
    }
}

/// What to tell the operator when PostgreSQL's answer means a pooler in transaction mode
/// sits between wtd and the database while wtd prepares named statements.
pub const POOLER_HINT: &str = "a connection pooler in transaction mode (pgbouncer \
    pool_mode = transaction, or a managed database's transaction pooling) seems to sit \
    between wtd and PostgreSQL: use --database-pooler transaction";

/// Whether SQLSTATE `code` is the mark of named statements behind a transaction pooler:
/// `42P05` (a statement name already prepared on that server session, by another client)
/// or `26000` (the statement was prepared on another server session).
pub(super) fn is_pooler_symptom(code: &str) -> bool {
    matches!(code, "42P05" | "26000")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: Value) -> Option<String> {
        let mut out = BytesMut::new();
        match to_text(&v, &mut out).unwrap_or_else(|e| panic!("{e}")) {
            IsNull::Yes => None,
            IsNull::No => Some(String::from_utf8_lossy(&out).into_owned()),
        }
    }

    #[test]
    fn values_are_spelled_as_postgres_input_functions_read_them() {
        assert_eq!(text(Value::Int(-42)), Some("-42".into()));
        assert_eq!(text(Value::Int(i64::MAX)), Some(i64::MAX.to_string()));
        assert_eq!(text(Value::Real(0.1)), Some("0.1".into()));
        assert_eq!(text(Value::Real(1e300)).map(|s| s.len()), Some(301));
        assert_eq!(text(Value::Real(f64::INFINITY)), Some("Infinity".into()));
        assert_eq!(text(Value::Real(f64::NAN)), Some("NaN".into()));
        assert_eq!(text(Value::Text("a'b\\c".into())), Some("a'b\\c".into()));
        assert_eq!(
            text(Value::Blob(vec![0, 0xff, 0x10])),
            Some("\\x00ff10".into())
        );
        assert_eq!(text(Value::Null), None);
    }

    #[test]
    fn copy_rows_escape_what_the_text_format_treats_as_syntax() {
        let mut out = Vec::new();
        copy_text_row(
            &[
                Value::Int(7),
                Value::Null,
                Value::Text("tab\there\nnew\rline \\. \\N é".into()),
                Value::Blob(vec![0, 0xab]),
                Value::Real(0.5),
            ],
            &mut out,
        );
        assert_eq!(
            String::from_utf8_lossy(&out),
            "7\t\\N\ttab\\there\\nnew\\rline \\\\. \\\\N é\t\\\\x00ab\t0.5\n"
        );
        // A row of one empty string is an empty line (not NULL).
        out.clear();
        copy_text_row(&[Value::Text(String::new())], &mut out);
        assert_eq!(out, b"\n");
    }

    #[test]
    fn only_the_named_statement_errors_point_at_a_pooler() {
        assert!(is_pooler_symptom("42P05"));
        assert!(is_pooler_symptom("26000"));
        assert!(!is_pooler_symptom("23505"));
    }
}
