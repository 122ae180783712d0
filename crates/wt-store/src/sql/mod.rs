//! The SQL both backends run: one implementation of [`Store`](crate::Store), written once
//! against a small driver-neutral interface ([`Db`]), in the subset of SQL that SQLite and
//! PostgreSQL share.
//!
//! One noun, one file: each sub-trait of [`Store`](crate::Store) is implemented for
//! [`SqlStore`] in the file of its noun, with the SQL written right there: `health.rs`,
//! `orgs.rs`, `setup.rs`, `users.rs`, `throttle.rs`, `sessions.rs`, `audit.rs`, `mfa.rs`,
//! `invites.rs`, `members.rs`, `passwords.rs`, `outbox.rs`, `keys.rs`, `ingest.rs`,
//! `allowed_ips.rs`, `audit_sinks.rs`, `tokens.rs`, `readiness.rs`, `passkeys.rs`, `device_grants.rs`. A row mapper or helper that other files
//! need is `pub(super)` in the file of its noun (the org row in `orgs.rs`, the user row in
//! `users.rs`, `append_audit_tx` in `audit.rs`, `revoke_user_sessions_tx` in `sessions.rs`,
//! `revoke_user_tokens_tx` in `tokens.rs`, `parse_role` in `members.rs`). This file is the
//! interface they are written against; `copy.rs` is `wtd copy`.
//!
//! - Values cross the interface as [`Value`] (64-bit integers, text, blobs, reals, NULL);
//!   rows come back owned ([`Row`]) and are read with typed [`Row::get`]. Every integer
//!   column is 64-bit in both schemas, booleans are integers 0/1, times are Unix seconds
//!   (or RFC 3339 text where the audit chain hashes them).
//! - Placeholders are written `?1`, `?2` (or bare `?`, numbered in order); the PostgreSQL
//!   driver rewrites them to `$1`, `$2` (see [`numbered_placeholders`]).
//! - The dialect subset: `ON CONFLICT ... DO NOTHING / DO UPDATE SET x = excluded.x`,
//!   `RETURNING`, `IS DISTINCT FROM`, `GREATEST`/`LEAST` with PostgreSQL's meaning (NULL
//!   arguments ignored; SQLite gets them as functions registered on every connection),
//!   `COALESCE`, `CAST(? AS BIGINT)` where a parameter's type cannot be inferred. No
//!   `INSERT OR IGNORE`, no two-argument `MAX`/`MIN`, no `rowid`.
//! - A [`Backend`] runs a closure on a connection: reads on a read connection, writes in
//!   one transaction (committed when the closure returns `Ok`, rolled back otherwise).
//!   Both backends pass the same conformance story (the crate's `tests/conformance/`).

mod allowed_ips;
mod audit;
mod audit_checkpoints;
mod audit_sinks;
pub mod copy;
mod device_grants;
mod events;
mod health;
pub(crate) mod ingest;
mod invites;
mod keys;
mod members;
mod mfa;
mod orgs;
mod outbox;
mod passkeys;
mod passwords;
mod readiness;
mod sessions;
mod setup;
mod throttle;
mod tokens;
mod users;

use crate::{Result, StoreError};
use std::future::Future;

/// A driver error as a storage failure (the message is for the log only).
pub(crate) fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

/// A value bound to a parameter or read from a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// Conversion into a [`Value`], for [`params!`](crate::params).
pub trait ToValue {
    fn to_value(&self) -> Value;
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

macro_rules! int_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Int(*self as i64)
            }
        }
    )*};
}
int_to_value!(i64, i32, u32, u16, u8);

impl ToValue for u64 {
    fn to_value(&self) -> Value {
        // Counters and TOTP steps stay far below 2^63.
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl ToValue for usize {
    fn to_value(&self) -> Value {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

/// The parameters of one statement: `params![a, b]` is `&[Value]`.
#[macro_export]
macro_rules! params {
    () => { &[] as &[$crate::sql::Value] };
    ($($x:expr),+ $(,)?) => {
        &[$($crate::sql::ToValue::to_value(&$x)),+] as &[$crate::sql::Value]
    };
}

/// Conversion from a column's [`Value`].
pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Option<Self>;
    /// The same from an owned value: text moves instead of being copied.
    fn from_owned(v: Value) -> Option<Self> {
        Self::from_value(&v)
    }
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl FromValue for u64 {
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).and_then(|i| u64::try_from(i).ok())
    }
}

impl FromValue for u32 {
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).and_then(|i| u32::try_from(i).ok())
    }
}

impl FromValue for i32 {
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).and_then(|i| i32::try_from(i).ok())
    }
}

impl FromValue for bool {
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).map(|i| i != 0)
    }
}

impl FromValue for f64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Real(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}

impl FromValue for String {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }

    fn from_owned(v: Value) -> Option<Self> {
        match v {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Blob(b) => Some(b.clone()),
            Value::Text(s) => Some(s.as_bytes().to_vec()),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }

    fn from_owned(v: Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            other => T::from_owned(other).map(Some),
        }
    }
}

/// One result row, owned.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    /// Column `i` as `T`; a missing column or another type is a storage failure.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T> {
        let v = self
            .0
            .get(i)
            .ok_or_else(|| StoreError::Internal(format!("no column {i} in the row")))?;
        T::from_value(v).ok_or_else(|| {
            StoreError::Internal(format!(
                "column {i} holds {v:?}, not a {}",
                std::any::type_name::<T>()
            ))
        })
    }

    /// Column `i` as `T`, moved out of the row (NULL is left in its place): for rows
    /// converted once, so text is not copied a second time.
    pub fn take<T: FromValue>(&mut self, i: usize) -> Result<T> {
        let v = self
            .0
            .get_mut(i)
            .map(|v| std::mem::replace(v, Value::Null))
            .ok_or_else(|| StoreError::Internal(format!("no column {i} in the row")))?;
        let held = match &v {
            Value::Null => "NULL",
            Value::Int(_) => "an integer",
            Value::Real(_) => "a real",
            Value::Text(_) => "text",
            Value::Blob(_) => "a blob",
        };
        T::from_owned(v).ok_or_else(|| {
            StoreError::Internal(format!(
                "column {i} holds {held}, not a {}",
                std::any::type_name::<T>()
            ))
        })
    }
}

/// Which SQL the connection speaks, for the few places the dialects must differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection (or a transaction on one), as the shared queries see it.
pub trait Db {
    /// Runs a statement; returns the rows it changed.
    fn execute(&self, sql: &str, params: &[Value]) -> Result<usize>;
    /// Runs a query; returns every row.
    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>>;
    /// Runs a query; returns its first row, if any.
    fn query_first(&self, sql: &str, params: &[Value]) -> Result<Option<Row>>;
    /// Runs a query and hands every row to `f` as it arrives (nothing is collected).
    fn query_each(
        &self,
        sql: &str,
        params: &[Value],
        f: &mut dyn FnMut(&Row) -> Result<()>,
    ) -> Result<()>;
    fn dialect(&self) -> Dialect;
    /// Loads `rows` (values in the order of `cols`) into `table` through the backend's
    /// bulk-load path, PostgreSQL's `COPY ... FROM STDIN`; `Ok(false)` when the backend has
    /// none and the caller should INSERT instead.
    fn copy_in(&self, _table: &str, _cols: &[String], _rows: &[Row]) -> Result<bool> {
        Ok(false)
    }
}

impl dyn Db + '_ {
    /// The first row mapped by `f`; [`StoreError::NotFound`] when there is none.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: &[Value],
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        match self.query_first(sql, params)? {
            Some(r) => f(&r),
            None => Err(StoreError::NotFound),
        }
    }

    /// Every row, owned, mapped by `f` (which may move columns out with [`Row::take`]).
    pub fn query_map_owned<T>(
        &self,
        sql: &str,
        params: &[Value],
        f: impl FnMut(Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.query(sql, params)?.into_iter().map(f).collect()
    }

    /// Every row mapped by `f`.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: &[Value],
        f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.query(sql, params)?.iter().map(f).collect()
    }

    /// Serialises the transactions that take the same `name` until they end, across every
    /// writer of the database: a no-op in SQLite (one writer connection), a transaction
    /// advisory lock in PostgreSQL (several daemons). Taking it twice is fine. Lock order:
    /// an audited change takes its org's `audit:` lock before it locks any row (updates
    /// lock rows), so two changes never wait on each other in a cycle.
    pub fn lock(&self, name: &str) -> Result<()> {
        if self.dialect() == Dialect::Postgres {
            // `execute`: the function returns `void`, which no row type reads.
            self.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))",
                params![name],
            )?;
        }
        Ok(())
    }
}

/// `Ok(None)` for [`StoreError::NotFound`].
pub trait OptionalExt<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExt<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Rewrites `?1`-style and bare `?` placeholders to PostgreSQL's `$1` (quoted text and
/// identifiers are left alone).
pub fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut next = 1usize;
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                out.push('$');
                if digits.is_empty() {
                    out.push_str(&next.to_string());
                    next += 1;
                } else {
                    out.push_str(&digits);
                }
            }
            None => out.push(c),
        }
    }
    out
}

/// A database the shared queries run on: where connections come from and how a write
/// becomes one transaction.
pub trait Backend: Send + Sync + std::fmt::Debug + 'static {
    /// Runs `f` on a read connection. `f` is `Fn` so that a read whose connection turns
    /// out to be dead (PostgreSQL restarted while it sat in the pool) can run again on a
    /// fresh one: a read changes nothing, so running it twice is harmless.
    fn read<T, F>(&self, f: F) -> impl Future<Output = Result<T>> + Send
    where
        T: Send + 'static,
        F: Fn(&dyn Db) -> Result<T> + Send + 'static;

    /// Runs `f` in one write transaction: committed when it returns `Ok`, rolled back
    /// otherwise. Concurrent writers (several daemons on PostgreSQL) are made safe by the
    /// statements themselves: conditional updates (`... WHERE used_at IS NULL`), upserts,
    /// and the org lock every audited change takes first ([`Db::lock`]).
    fn write<T, F>(&self, f: F) -> impl Future<Output = Result<T>> + Send
    where
        T: Send + 'static,
        F: FnOnce(&dyn Db) -> Result<T> + Send + 'static;

    /// Stores one request's events durably, in one transaction with the events of every
    /// other request waiting at that moment (group commit: under load, one commit serves
    /// many requests). Resolves once they are committed, with what became of the request.
    fn ingest(
        &self,
        batch: crate::IngestBatch,
    ) -> impl Future<Output = Result<crate::IngestOutcome>> + Send;

    /// Cheap liveness check (see `HealthStore::ping`).
    fn ping(&self) -> impl Future<Output = Result<()>> + Send;

    /// The connection pool's numbers, for `/metrics` (`None`: no pool, as SQLite).
    fn pool_stats(&self) -> Option<crate::postgres::PoolStats> {
        None
    }

    /// A cache version at least as new as the database's when this call began, learnt
    /// without a statement (PostgreSQL: the `LISTEN` session, `postgres::listen`); `None`
    /// when the backend has no such feed or it cannot vouch for one right now (then
    /// `HealthStore::cache_version_synced` reads the version).
    fn synced_cache_version(&self) -> impl Future<Output = Option<i64>> + Send {
        std::future::ready(None)
    }
}

/// The [`Store`](crate::Store) of a [`Backend`]: every query, written once.
#[derive(Debug)]
pub struct SqlStore<B: Backend> {
    pub(crate) backend: B,
}

impl<B: Backend> SqlStore<B> {
    pub fn new(backend: B) -> Self {
        Self { backend }
    }

    /// The backend (its connections, files and settings).
    pub fn backend(&self) -> &B {
        &self.backend
    }

    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&dyn Db) -> Result<T> + Send + 'static,
    {
        self.backend.read(f).await
    }

    async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Db) -> Result<T> + Send + 'static,
    {
        self.backend.write(f).await
    }

    /// Runs `f` in one write transaction and appends `audit` to `org_id`'s hash chain in
    /// the same transaction before committing: the shape of every audited change, so no
    /// change commits without its entry and no entry without its change.
    async fn write_audited<T, F>(
        &self,
        org_id: String,
        now: wt_core::clock::UnixTime,
        audit: wt_core::audit::AuditEvent,
        f: F,
    ) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Db) -> Result<T> + Send + 'static,
    {
        self.write(move |db| {
            db.lock(&format!("audit:{org_id}"))?;
            let out = f(db)?;
            audit::append_audit_tx(db, &org_id, &audit, now)?;
            Ok(out)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            numbered_placeholders("SELECT a FROM t WHERE b = ?2 AND c = '?' AND d = ?1"),
            "SELECT a FROM t WHERE b = $2 AND c = '?' AND d = $1"
        );
        assert_eq!(
            numbered_placeholders("x = ? AND y = ? LIMIT ?"),
            "x = $1 AND y = $2 LIMIT $3"
        );
        assert_eq!(
            numbered_placeholders("\"we?ird\" = ?10"),
            "\"we?ird\" = $10"
        );
    }

    #[test]
    fn values_convert_both_ways() {
        let p = crate::params![1i64, "a", Some(2u32), None::<String>, true];
        assert_eq!(
            p,
            &[
                Value::Int(1),
                Value::Text("a".into()),
                Value::Int(2),
                Value::Null,
                Value::Int(1)
            ]
        );
        let r = Row(p.to_vec());
        assert_eq!(r.get::<i64>(0).ok(), Some(1));
        assert_eq!(r.get::<String>(1).ok(), Some("a".into()));
        assert_eq!(r.get::<Option<u32>>(2).ok(), Some(Some(2)));
        assert_eq!(r.get::<Option<String>>(3).ok(), Some(None));
        assert_eq!(r.get::<bool>(4).ok(), Some(true));
        assert!(r.get::<String>(0).is_err());
        assert!(r.get::<i64>(9).is_err());
        let mut r = r;
        assert_eq!(r.take::<String>(1).ok(), Some("a".into()));
        assert_eq!(r.take::<Option<u32>>(2).ok(), Some(Some(2)));
        assert!(r.take::<String>(0).is_err());
        assert_eq!(r.0[1], Value::Null, "taken columns are left NULL");
    }
}
