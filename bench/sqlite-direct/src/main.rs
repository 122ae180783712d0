//! The audit benchmark's engine baseline (`bench/run.py`, audit at scale): the first-page
//! queries run directly on the database file through SQLite's C API (rusqlite, over the same
//! bundled SQLite the daemon links), with no interpreter in between. Each run executes a
//! prepared statement and reads every column of every row into owned values: the least any
//! server answering the query must do.
//!
//! Usage: `sqlite-direct DB ORG_ID SINCE RUNS` prints one JSON line with the median and mean
//! milliseconds of each query and the rows it returned.

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, Statement};
use std::time::Instant;

/// `action=auth.*`: the fastest plain-SQL form (`+action` keeps SQLite on the primary key,
/// newest first, instead of sorting every match of an `action` range).
const PREFIX: &str = "SELECT * FROM audit_log WHERE org_id = ?1 AND +action >= 'auth.' \
                      AND +action < 'auth/' ORDER BY seq DESC LIMIT 51";
/// `since=T`.
const SINCE: &str =
    "SELECT * FROM audit_log WHERE org_id = ?1 AND occurred_at >= ?2 ORDER BY seq DESC LIMIT 51";

fn fetch(st: &mut Statement<'_>, args: &[&str]) -> rusqlite::Result<Vec<Vec<Value>>> {
    let n = st.column_count();
    let mut rows = st.query(rusqlite::params_from_iter(args))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push((0..n).map(|i| r.get(i)).collect::<rusqlite::Result<_>>()?);
    }
    Ok(out)
}

/// Median and mean milliseconds of `runs` runs, and the rows of the last.
fn time_ms(
    st: &mut Statement<'_>,
    args: &[&str],
    runs: usize,
) -> rusqlite::Result<(f64, f64, usize)> {
    let mut times = Vec::with_capacity(runs);
    let mut rows = 0;
    for _ in 0..runs {
        let t = Instant::now();
        rows = std::hint::black_box(fetch(st, args)?).len();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mean = times.iter().sum::<f64>() / runs as f64;
    times.sort_by(f64::total_cmp);
    Ok((times[runs / 2], mean, rows))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [db, org, since, runs] = args.as_slice() else {
        return Err("usage: sqlite-direct DB ORG_ID SINCE RUNS".into());
    };
    let runs: usize = runs.parse()?;
    if runs == 0 {
        return Err("RUNS: at least 1".into());
    }
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut prefix = conn.prepare(PREFIX)?;
    let mut by_time = conn.prepare(SINCE)?;
    let (prefix_ms, prefix_mean_ms, prefix_rows) = time_ms(&mut prefix, &[org], runs)?;
    let (since_ms, since_mean_ms, since_rows) = time_ms(&mut by_time, &[org, since], runs)?;
    println!(
        "{{\"prefix_ms\": {prefix_ms}, \"prefix_mean_ms\": {prefix_mean_ms}, \"prefix_rows\": {prefix_rows}, \
         \"since_ms\": {since_ms}, \"since_mean_ms\": {since_mean_ms}, \"since_rows\": {since_rows}, \
         \"sqlite\": \"{}\"}}",
        rusqlite::version()
    );
    Ok(())
}
