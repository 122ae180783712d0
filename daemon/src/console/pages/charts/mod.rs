//! Charts as inline SVG drawn here, on the server: no chart library, no script, no inline
//! style (the CSP allows neither), only SVG presentation attributes and classes from
//! `console.css`. Each chart carries its text alternative (a `<title>` or an accessible
//! name and summary, and the numbers as a table where there are many). Pure functions of
//! their numbers, unit-tested beside them: `line` (a key's sparkline and hourly chart) and
//! `stacked` (the audit log's activity by outcome).

mod line;
mod stacked;

pub use line::*;
pub use stacked::*;

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One decimal, without a trailing `.0` (short SVG numbers).
fn num(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}
