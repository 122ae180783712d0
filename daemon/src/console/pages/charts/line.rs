//! Line charts of hourly counts: a key's sparkline (a week in a table cell) and its
//! larger hourly chart with a visually hidden table of the numbers per day.

use super::{num, plural};
use maud::{Markup, html};
use wt_core::clock::rfc3339;

/// Width and height of a sparkline (one unit per hour of a week).
const SPARK_W: f64 = 168.0;
const SPARK_H: f64 = 28.0;

/// The hourly chart: plot area and margins, in the SVG's own units (it scales to width).
const CHART_LEFT: f64 = 44.0;
const CHART_TOP: f64 = 10.0;
const CHART_PLOT_H: f64 = 140.0;
const CHART_BAR_W: f64 = 4.0;
const CHART_BOTTOM: f64 = 26.0;

/// The sum and the largest of some counts.
pub fn total_and_peak(counts: &[u64]) -> (u64, u64) {
    (
        counts.iter().sum(),
        counts.iter().copied().max().unwrap_or(0),
    )
}

/// The points of a line through `counts` in a `w` x `h` box: evenly spaced from x = 0 to
/// x = w, the largest count at y = 1, zero at y = h - 1 (all zeros lie on that line).
pub fn line_points(counts: &[u64], w: f64, h: f64) -> Vec<(f64, f64)> {
    let (_, peak) = total_and_peak(counts);
    let n = counts.len();
    let step = if n > 1 { w / (n - 1) as f64 } else { 0.0 };
    counts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let frac = if peak == 0 {
                0.0
            } else {
                *c as f64 / peak as f64
            };
            (i as f64 * step, (h - 1.0) - frac * (h - 2.0))
        })
        .collect()
}

/// An SVG path (`M x y L x y ...`) through the points.
fn path_of(points: &[(f64, f64)]) -> String {
    points
        .iter()
        .enumerate()
        .map(|(i, (x, y))| format!("{}{} {}", if i == 0 { "M" } else { "L" }, num(*x), num(*y)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a sparkline says in words.
pub fn sparkline_label(counts: &[u64], name: &str) -> String {
    let (total, peak) = total_and_peak(counts);
    if total == 0 {
        return format!("{name}: no requests in the last 7 days");
    }
    format!(
        "{name}: {} in the last 7 days, at most {} in one hour",
        plural(total, "request", "requests"),
        num(peak as f64)
    )
}

/// A small line of requests per hour (oldest first), for a table row. `name` names what
/// is counted in the text alternative.
pub fn sparkline(counts: &[u64], name: &str) -> Markup {
    let (total, peak) = total_and_peak(counts);
    let label = sparkline_label(counts, name);
    let d = path_of(&line_points(counts, SPARK_W, SPARK_H));
    html! {
        svg.sparkline xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(label)
            viewBox={ "0 0 " (SPARK_W) " " (SPARK_H) } width=(SPARK_W) height=(SPARK_H)
            focusable="false" data-total=(total) data-peak=(peak) {
            title { (label) }
            line.spark-base x1="0" y1=(SPARK_H - 1.0) x2=(SPARK_W) y2=(SPARK_H - 1.0)
                stroke="currentColor" stroke-width="1" stroke-opacity="0.25" {}
            @if total > 0 {
                path.spark-line d=(d) fill="none" stroke="currentColor" stroke-width="1.5"
                    stroke-linejoin="round" stroke-linecap="round" {}
            }
        }
    }
}

/// A day's total and its busiest hour (the hour's start, and its count), for the text
/// alternative of [`hourly_chart`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayTotal {
    /// The day's start (UTC midnight).
    pub day: i64,
    pub total: u64,
    pub busiest: Option<(i64, u64)>,
}

/// Totals per UTC day of hourly counts whose first hour starts at `first_hour`, oldest
/// day first (the first and last days may be partial).
pub fn day_totals(counts: &[u64], first_hour: i64) -> Vec<DayTotal> {
    let mut out: Vec<DayTotal> = Vec::new();
    for (i, c) in counts.iter().enumerate() {
        let hour = first_hour + i as i64 * 3600;
        let day = hour - hour.rem_euclid(86_400);
        if out.last().is_none_or(|d| d.day != day) {
            out.push(DayTotal {
                day,
                total: 0,
                busiest: None,
            });
        }
        if let Some(d) = out.last_mut() {
            d.total += c;
            if *c > 0 && d.busiest.is_none_or(|(_, b)| *c > b) {
                d.busiest = Some((hour, *c));
            }
        }
    }
    out
}

/// `2026-12-06` and `10:00` of a Unix time (UTC).
fn date_and_hour(t: i64) -> (String, String) {
    let s = rfc3339(t);
    (
        s.get(..10).unwrap_or_default().to_string(),
        s.get(11..16).unwrap_or_default().to_string(),
    )
}

/// A short day label: `Dec 6`.
fn day_label(t: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (date, _) = date_and_hour(t);
    let month: usize = date.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    let day: u32 = date.get(8..10).and_then(|d| d.parse().ok()).unwrap_or(1);
    format!("{} {day}", MONTHS[month.clamp(1, 12) - 1])
}

/// The height of a bar for `count` when the tallest is `peak` (the plot's full height).
pub fn bar_height(count: u64, peak: u64, plot_h: f64) -> f64 {
    if peak == 0 {
        0.0
    } else {
        count as f64 / peak as f64 * plot_h
    }
}

/// The larger chart of requests per hour (oldest first, the first hour starting at
/// `first_hour`): one bar per hour, each with its own `<title>`, the UTC days marked
/// below, the scale at the left; `id` makes its element ids unique on the page. After it,
/// a visually hidden table of the totals per day.
pub fn hourly_chart(counts: &[u64], first_hour: i64, name: &str, id: &str) -> Markup {
    let (total, peak) = total_and_peak(counts);
    let plot_w = CHART_BAR_W * counts.len() as f64;
    let width = CHART_LEFT + plot_w + 8.0;
    let height = CHART_TOP + CHART_PLOT_H + CHART_BOTTOM;
    let base = CHART_TOP + CHART_PLOT_H;
    let days = day_totals(counts, first_hour);
    let title = format!("Requests per hour to {name}, last 7 days (UTC)");
    let desc = if total == 0 {
        "No requests in the last 7 days.".to_string()
    } else {
        let busiest = days
            .iter()
            .filter_map(|d| d.busiest)
            .max_by_key(|(h, c)| (*c, -h))
            .map(|(h, c)| {
                let (date, hour) = date_and_hour(h);
                format!(
                    " The busiest hour: {date} {hour} UTC, {}.",
                    plural(c, "request", "requests")
                )
            })
            .unwrap_or_default();
        format!(
            "{} in the last 7 days, at most {} in one hour.{busiest}",
            plural(total, "request", "requests"),
            peak
        )
    };
    let ticks: Vec<(f64, u64)> = if peak == 0 {
        vec![(base, 0)]
    } else {
        let mut t = vec![(base, 0), (CHART_TOP, peak)];
        if peak >= 2 {
            t.push((base - bar_height(peak / 2, peak, CHART_PLOT_H), peak / 2));
        }
        t
    };
    html! {
        figure.chart #{ (id) "-figure" } {
            svg xmlns="http://www.w3.org/2000/svg" role="img"
                aria-labelledby={ (id) "-title " (id) "-desc" }
                viewBox={ "0 0 " (num(width)) " " (num(height)) } preserveAspectRatio="xMinYMin meet"
                focusable="false" data-total=(total) data-peak=(peak) {
                title #{ (id) "-title" } { (title) }
                desc #{ (id) "-desc" } { (desc) }
                g.chart-axis {
                    @for (y, v) in &ticks {
                        line x1=(num(CHART_LEFT)) y1=(num(*y)) x2=(num(CHART_LEFT + plot_w)) y2=(num(*y))
                            stroke="currentColor" stroke-opacity="0.2" stroke-width="1" {}
                        text x=(num(CHART_LEFT - 6.0)) y=(num(*y + 4.0)) text-anchor="end" font-size="11" fill="currentColor" { (v) }
                    }
                    @for (i, _) in counts.iter().enumerate() {
                        @let hour = first_hour + i as i64 * 3600;
                        @if hour.rem_euclid(86_400) == 0 {
                            @let x = CHART_LEFT + i as f64 * CHART_BAR_W;
                            line x1=(num(x)) y1=(num(CHART_TOP)) x2=(num(x)) y2=(num(base + 4.0))
                                stroke="currentColor" stroke-opacity="0.35" stroke-width="1" {}
                            text x=(num(x + 2.0)) y=(num(base + 18.0)) font-size="11" fill="currentColor" { (day_label(hour)) }
                        }
                    }
                }
                g.chart-bars {
                    @for (i, c) in counts.iter().enumerate() {
                        @if *c > 0 {
                            @let h = bar_height(*c, peak, CHART_PLOT_H).max(1.0);
                            @let hour = first_hour + i as i64 * 3600;
                            @let (date, at) = date_and_hour(hour);
                            rect.bar x=(num(CHART_LEFT + i as f64 * CHART_BAR_W)) y=(num(base - h))
                                width=(num(CHART_BAR_W - 1.0)) height=(num(h)) data-hour=(hour) data-count=(c) {
                                title { (date) " " (at) " UTC: " (plural(*c, "request", "requests")) }
                            }
                        }
                    }
                }
            }
            // A table in a 1px box: the box clips it (a table is never narrower than
            // its content, so hiding the table itself would widen the page).
            div.visually-hidden {
                table #{ (id) "-table" } {
                    caption { (title) ", per day" }
                    thead {
                        tr {
                            th scope="col" { "Day (UTC)" }
                            th scope="col" { "Requests" }
                            th scope="col" { "Busiest hour (UTC)" }
                        }
                    }
                    tbody {
                        @for d in &days {
                            tr {
                                th scope="row" { (date_and_hour(d.day).0) }
                                td { (d.total) }
                                td {
                                    @match d.busiest {
                                        Some((h, c)) => { (date_and_hour(h).1) " (" (c) ")" }
                                        None => "-",
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_points_span_the_box_with_the_peak_on_top() {
        let p = line_points(&[0, 5, 10], 168.0, 28.0);
        assert_eq!(p, vec![(0.0, 27.0), (84.0, 14.0), (168.0, 1.0)]);
        let flat = line_points(&[0, 0, 0], 10.0, 10.0);
        assert!(flat.iter().all(|(_, y)| *y == 9.0), "{flat:?}");
        assert_eq!(line_points(&[4], 10.0, 10.0), vec![(0.0, 1.0)]);
        assert!(line_points(&[], 10.0, 10.0).is_empty());
    }

    #[test]
    fn a_sparkline_says_its_numbers_and_draws_them() {
        let mut counts = vec![0u64; 168];
        counts[0] = 2;
        counts[167] = 6;
        let s = sparkline(&counts, "billing").into_string();
        assert!(s.contains("role=\"img\""), "{s}");
        let label = "billing: 8 requests in the last 7 days, at most 6 in one hour";
        assert!(s.contains(&format!("aria-label=\"{label}\"")), "{s}");
        assert!(s.contains(&format!("<title>{label}</title>")), "{s}");
        assert!(s.contains("data-total=\"8\" data-peak=\"6\""), "{s}");
        // First point a third of the way up, the last at the top, zeros on the base line.
        assert!(s.contains("d=\"M0 18.3 L1 27 "), "{s}");
        assert!(s.ends_with("L168 1\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.5\" stroke-linejoin=\"round\" stroke-linecap=\"round\"></path></svg>"), "{s}");
        assert!(!s.contains("style"), "no inline style: {s}");
        let none = sparkline(&[0; 168], "x").into_string();
        assert!(none.contains("x: no requests in the last 7 days"));
        assert!(!none.contains("<path"), "{none}");
        assert_eq!(
            sparkline_label(&[1], "k"),
            "k: 1 request in the last 7 days, at most 1 in one hour"
        );
    }

    #[test]
    fn day_totals_split_at_utc_midnight_and_name_the_busiest_hour() {
        // 22:00 the day before, then 48 hours.
        let first = 1_800_000_000 - 1_800_000_000 % 86_400 - 2 * 3600;
        let mut counts = vec![0u64; 50];
        counts[0] = 3;
        counts[1] = 4;
        counts[5] = 9;
        counts[6] = 9;
        counts[49] = 1;
        let days = day_totals(&counts, first);
        assert_eq!(days.len(), 3);
        assert_eq!(days[0].total, 7);
        assert_eq!(days[0].busiest, Some((first + 3600, 4)));
        assert_eq!(days[1].day, first + 2 * 3600);
        assert_eq!(days[1].total, 18);
        assert_eq!(
            days[1].busiest,
            Some((first + 5 * 3600, 9)),
            "the first of equal hours"
        );
        assert_eq!(days[2].total, 1);
        assert_eq!(days.iter().map(|d| d.total).sum::<u64>(), 26);
        assert!(day_totals(&[], first).is_empty());
    }

    #[test]
    fn the_hourly_chart_has_a_bar_per_busy_hour_a_scale_and_a_table() {
        let first = 1_800_000_000 - 167 * 3600;
        let mut counts = vec![0u64; 168];
        counts[10] = 5;
        counts[100] = 20;
        counts[167] = 1;
        let s = hourly_chart(&counts, first, "billing", "usage").into_string();
        assert_eq!(s.matches("<rect").count(), 3, "{s}");
        assert!(
            s.contains("aria-labelledby=\"usage-title usage-desc\""),
            "{s}"
        );
        assert!(s.contains(
            "<title id=\"usage-title\">Requests per hour to billing, last 7 days (UTC)</title>"
        ));
        assert!(s.contains("26 requests in the last 7 days, at most 20 in one hour."));
        assert!(s.contains("data-total=\"26\" data-peak=\"20\""));
        // The tallest bar fills the plot; a quarter of it is a quarter as tall; a tiny one
        // is still visible.
        assert!(
            s.contains(&format!(
                "y=\"10\" width=\"3\" height=\"140\" data-hour=\"{}\" data-count=\"20\"",
                first + 100 * 3600
            )),
            "{s}"
        );
        assert!(s.contains("height=\"35\""), "{s}");
        assert!(s.contains("height=\"7\""), "{s}");
        // Scale 0, 10 and 20; a day line per UTC midnight in the window (7 of them).
        assert!(s.contains(">20</text>") && s.contains(">10</text>") && s.contains(">0</text>"));
        assert_eq!(
            s.matches("font-size=\"11\" fill=\"currentColor\">").count(),
            3 + 7,
            "{s}"
        );
        // The numbers as a table: every request is in it.
        assert!(s.contains("<div class=\"visually-hidden\"><table id=\"usage-table\">"));
        let table = &s[s.find("<table").unwrap_or(0)..];
        let sum: u64 = table
            .split("<td>")
            .skip(1)
            .step_by(2)
            .filter_map(|c| c.split('<').next()?.parse::<u64>().ok())
            .sum();
        assert_eq!(sum, 26, "{table}");
        assert!(!s.contains("style"), "{s}");
        let empty = hourly_chart(&[0; 168], first, "k", "u").into_string();
        assert!(empty.contains("No requests in the last 7 days."));
        assert_eq!(empty.matches("<rect").count(), 0);
    }

    #[test]
    fn names_are_escaped_in_the_text_alternatives() {
        let s = sparkline(&[1, 2], "<b>x</b>").into_string();
        assert!(!s.contains("<b>"), "{s}");
        let s = hourly_chart(&[1, 2], 0, "\"><script>", "c").into_string();
        assert!(!s.contains("<script>"), "{s}");
    }
}
