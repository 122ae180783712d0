//! `wtd copy`: moves a whole installation from one database to another (typically the
//! embedded SQLite file into an empty PostgreSQL database), row for row.
//!
//! The source is read inside one read transaction (a consistent snapshot even if a daemon
//! still writes to it) and streamed, in batches, into one write transaction on the
//! destination (PostgreSQL: `COPY FROM STDIN`, a batch at a time; SQLite: multi-row
//! INSERTs): either everything arrives or nothing does. Values are copied verbatim, so
//! the audit chain (whose hashes cover seq, time text, actor, target, details) verifies on
//! the destination exactly as on the source; `copy_between` checks that before returning.

use super::{Backend, Db, Dialect, Row, SqlStore, Value, internal};
use crate::{AuditStore, OrgStore, Result, StoreError};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Every table holding data, in an order that satisfies their foreign keys. A new table
/// must be added here (a test compares this list with the schema).
pub const COPY_TABLES: &[&str] = &[
    "orgs",
    "users",
    "memberships",
    "setup_tokens",
    "sessions",
    "throttles",
    "audit_log",
    "totp_credentials",
    "recovery_codes",
    "mfa_challenges",
    "passkeys",
    "passkey_ceremonies",
    "device_grants",
    "mail_outbox",
    "invites",
    "password_resets",
    "member_reviews",
    "audit_reviews",
    "audit_actions",
    "audit_hourly",
    "audit_last_sign_ins",
    "audit_tree_nodes",
    "audit_signing_keys",
    "audit_checkpoints",
    "audit_sinks",
    "api_keys",
    "api_key_sources",
    "api_key_usage_hourly",
    "ingest_events",
    "event_settings",
    "event_storage",
    "ingest_idempotency",
    "allowed_ips",
    "access_tokens",
    "installation",
];

/// Tables that are not copied: bookkeeping each database keeps for itself.
pub const NOT_COPIED: &[&str] = &[
    "cache_version",
    "health_probe",
    "ingest_groups",
    "schema_migrations",
];

/// Columns that point at rows of their own table (a rotated key and its successor): set
/// after the table's rows are all in.
const SELF_REFERENCES: &[(&str, &[&str])] = &[("api_keys", &["rotated_from", "rotated_to"])];

/// Identity columns whose sequence must continue after the copied rows (PostgreSQL).
const IDENTITIES: &[(&str, &str)] = &[("ingest_events", "seq")];

/// Rows per message from the reading thread to the writing one (one COPY on PostgreSQL).
const BATCH: usize = 5_000;

/// Rows per multi-row INSERT at most (the backends without COPY).
const INSERT_ROWS: usize = 500;

/// What a copy moved: rows per table, and the audit entries verified on the destination.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    pub tables: Vec<(String, u64)>,
    pub audit_entries_verified: u64,
}

enum Msg {
    Table(&'static str, Vec<String>),
    Rows(Vec<Row>),
    Done,
}

/// The tables of the database (without the ones no backend copies), sorted.
pub fn table_names(db: &dyn Db) -> Result<Vec<String>> {
    let sql = match db.dialect() {
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        Dialect::Postgres => {
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
    };
    let mut names: Vec<String> = db
        .query_map(sql, &[], |r| r.get(0))?
        .into_iter()
        .filter(|n: &String| !NOT_COPIED.contains(&n.as_str()))
        .collect();
    names.sort();
    Ok(names)
}

/// A table's columns in their declared order.
fn columns(db: &dyn Db, table: &str) -> Result<Vec<String>> {
    match db.dialect() {
        Dialect::Sqlite => db.query_map(
            &format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
            &[],
            |r| r.get(0),
        ),
        Dialect::Postgres => db.query_map(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position",
            crate::params![table],
            |r| r.get(0),
        ),
    }
}

fn check_tables(db: &dyn Db) -> Result<()> {
    let mut expected: Vec<String> = COPY_TABLES.iter().map(|t| t.to_string()).collect();
    expected.sort();
    let found = table_names(db)?;
    if found != expected {
        return Err(StoreError::Conflict(format!(
            "the source has tables {found:?}, this wtd copies {expected:?}: migrate the source \
             with the same wtd version first (wtd migrate)"
        )));
    }
    Ok(())
}

const DESTINATION_STOPPED: &str = "the destination stopped reading";

fn send(tx: &SyncSender<Msg>, m: Msg) -> Result<()> {
    tx.send(m).map_err(|_| internal(DESTINATION_STOPPED))
}

/// Streams every table of `db` (inside one read transaction) to `tx`.
fn read_all(db: &dyn Db, tx: &SyncSender<Msg>) -> Result<()> {
    db.execute(
        match db.dialect() {
            Dialect::Sqlite => "BEGIN",
            Dialect::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        },
        &[],
    )?;
    let out = (|| {
        check_tables(db)?;
        for &table in COPY_TABLES {
            let cols = columns(db, table)?;
            let list = cols.join(", ");
            send(tx, Msg::Table(table, cols))?;
            let mut batch = Vec::with_capacity(BATCH);
            db.query_each(&format!("SELECT {list} FROM {table}"), &[], &mut |r| {
                batch.push(r.clone());
                if batch.len() == BATCH {
                    send(tx, Msg::Rows(std::mem::take(&mut batch)))?;
                }
                Ok(())
            })?;
            if !batch.is_empty() {
                send(tx, Msg::Rows(batch))?;
            }
        }
        send(tx, Msg::Done)
    })();
    db.execute("COMMIT", &[])?;
    out
}

/// Writes what `rx` brings into `db` (inside the caller's write transaction).
fn write_all(db: &dyn Db, rx: &Receiver<Msg>) -> Result<Vec<(String, u64)>> {
    let mut counts: Vec<(String, u64)> = Vec::new();
    let mut current: Option<(&'static str, Vec<String>, String)> = None;
    let mut deferred: Vec<(String, Vec<Value>)> = Vec::new();
    loop {
        let msg = rx
            .recv()
            .map_err(|_| internal("the source stopped before the copy was complete"))?;
        match msg {
            Msg::Table(table, cols) => {
                finish_table(db, current.take(), &mut deferred)?;
                let sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
                counts.push((table.to_string(), 0));
                current = Some((table, cols, sql));
            }
            Msg::Rows(rows) => {
                let Some((table, cols, sql)) = &current else {
                    return Err(internal("rows before their table"));
                };
                let later = SELF_REFERENCES
                    .iter()
                    .find(|(t, _)| t == table)
                    .map_or(&[][..], |(_, c)| *c);
                let idx: Vec<usize> = later
                    .iter()
                    .filter_map(|c| cols.iter().position(|x| x == c))
                    .collect();
                let mut rows = rows;
                if !idx.is_empty() {
                    for r in &mut rows {
                        // The table's first column is its id.
                        let mut set = vec![r.0.first().cloned().unwrap_or(Value::Null)];
                        for &i in &idx {
                            if let Some(v) = r.0.get_mut(i) {
                                set.push(std::mem::replace(v, Value::Null));
                            }
                        }
                        // Only rows that point somewhere need their UPDATE.
                        if set[1..].iter().any(|v| !matches!(v, Value::Null)) {
                            deferred.push((table.to_string(), set));
                        }
                    }
                }
                let n = rows.len() as u64;
                // PostgreSQL: COPY FROM STDIN, one round trip a batch. Elsewhere many rows a
                // statement (multi-row VALUES): one parse for up to `per` rows.
                if !db.copy_in(table, cols, &rows)? {
                    let per = rows_per_insert(cols.len());
                    let mut rows = rows.into_iter().peekable();
                    while rows.peek().is_some() {
                        let mut values = Vec::with_capacity(per * cols.len());
                        let mut k = 0;
                        for r in rows.by_ref().take(per) {
                            values.extend(r.0);
                            k += 1;
                        }
                        db.execute(&multi_row_sql(sql, cols.len(), k), &values)?;
                    }
                }
                if let Some(last) = counts.last_mut() {
                    last.1 += n;
                }
            }
            Msg::Done => {
                finish_table(db, current.take(), &mut deferred)?;
                return Ok(counts);
            }
        }
    }
}

/// Bound values a statement may carry: SQLite allows 32,766, PostgreSQL 65,535.
const MAX_PARAMS: usize = 30_000;

/// Rows of `ncols` columns a multi-row INSERT takes.
fn rows_per_insert(ncols: usize) -> usize {
    (MAX_PARAMS / ncols.max(1)).clamp(1, INSERT_ROWS)
}

/// `head` (`INSERT INTO t (cols) VALUES `) followed by `rows` groups of numbered
/// placeholders.
fn multi_row_sql(head: &str, ncols: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(head.len() + rows * ncols * 6);
    sql.push_str(head);
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..ncols {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("?{}", r * ncols + c + 1));
        }
        sql.push(')');
    }
    sql
}

/// After a table's rows: its self-references, and its identity sequence.
fn finish_table(
    db: &dyn Db,
    done: Option<(&'static str, Vec<String>, String)>,
    deferred: &mut Vec<(String, Vec<Value>)>,
) -> Result<()> {
    let Some((table, cols, _)) = done else {
        return Ok(());
    };
    if let Some((_, later)) = SELF_REFERENCES.iter().find(|(t, _)| *t == table) {
        let sets: Vec<String> = later
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ?{}", i + 2))
            .collect();
        let id = cols.first().map_or("id", String::as_str);
        let sql = format!("UPDATE {table} SET {} WHERE {id} = ?1", sets.join(", "));
        for (_, values) in deferred.drain(..) {
            db.execute(&sql, &values)?;
        }
    }
    if db.dialect() == Dialect::Postgres
        && let Some((_, col)) = IDENTITIES.iter().find(|(t, _)| *t == table)
    {
        db.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{col}'),
                    COALESCE((SELECT MAX({col}) FROM {table}), 0) + 1, false)"
            ),
            &[],
        )?;
    }
    Ok(())
}

/// Copies everything from `from` into `to`, which must be empty (no org). One
/// transaction on each side; the audit chain of every org is verified on `to` afterwards.
pub async fn copy_between<A: Backend, B: Backend>(
    from: &SqlStore<A>,
    to: &SqlStore<B>,
) -> Result<CopyReport> {
    to.read(|db| {
        for t in COPY_TABLES {
            let n: i64 = db.query_row(&format!("SELECT COUNT(*) FROM {t}"), &[], |r| r.get(0))?;
            if n > 0 {
                return Err(StoreError::Conflict(format!(
                    "the destination already holds data (in {t}): copy into an empty database"
                )));
            }
        }
        Ok(())
    })
    .await?;
    let (tx, rx) = sync_channel::<Msg>(4);
    let reader = from.read(move |db| read_all(db, &tx));
    let writer = to.write(move |db| write_all(db, &rx));
    let (read, written) = tokio::join!(reader, writer);
    // One side's failure stops the other: report the one that came first.
    let tables = match (read, written) {
        (Ok(()), Ok(t)) => t,
        (Err(r), Err(w)) => {
            let reader_only_saw_the_writer_stop =
                matches!(&r, StoreError::Internal(m) if m.contains(DESTINATION_STOPPED));
            return Err(if reader_only_saw_the_writer_stop {
                w
            } else {
                r
            });
        }
        (Err(e), Ok(_)) | (Ok(()), Err(e)) => return Err(e),
    };
    // PostgreSQL plans from statistics that a bulk load leaves stale (or absent until
    // autovacuum comes by): gather them now, so the first queries of a daemon on the copy
    // (a replica's key-cache refresh, `cache_seq > ?`) use their indexes.
    to.write(|db| {
        if db.dialect() == Dialect::Postgres {
            db.execute("ANALYZE", &[])?;
        }
        Ok(())
    })
    .await?;
    let mut verified = 0;
    for org in to.list_orgs().await? {
        let r = to.verify_audit(&org.id).await?;
        if !r.ok {
            return Err(StoreError::Conflict(format!(
                "the copied audit chain of {} does not verify (first bad seq {:?})",
                org.slug, r.first_bad_seq
            )));
        }
        verified += r.entries;
    }
    Ok(CopyReport {
        tables,
        audit_entries_verified: verified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_carry_many_rows_within_the_parameter_limit() {
        assert_eq!(
            multi_row_sql("INSERT INTO t (a, b) VALUES ", 2, 3),
            "INSERT INTO t (a, b) VALUES (?1, ?2), (?3, ?4), (?5, ?6)"
        );
        assert_eq!(rows_per_insert(15), INSERT_ROWS);
        assert_eq!(rows_per_insert(100), 300);
        assert_eq!(rows_per_insert(0), INSERT_ROWS);
        assert!(rows_per_insert(40_000) == 1);
        for n in [1, 7, 15, 31, 64, 200] {
            assert!(rows_per_insert(n) * n <= MAX_PARAMS.max(n));
        }
    }
}
