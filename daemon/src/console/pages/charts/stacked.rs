//! Stacked bar charts: the audit log's activity (entries per hour or day by outcome),
//! with a tooltip per segment, totals in the legend and the numbers as a table.

use super::{num, plural};
use maud::{Markup, html};

/// Width and height of the drawing (the `viewBox`; CSS scales it to the page).
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 200.0;
/// Room for the value labels on the left and the time labels below.
const LEFT: f64 = 40.0;
const BOTTOM: f64 = 22.0;
/// Room on the right for the last time label's second half.
const RIGHT: f64 = 16.0;
const TOP: f64 = 8.0;
/// At most this many labels under the bars.
const MAX_X_LABELS: usize = 12;

/// One kind of value stacked in every bar (an outcome): `key` names its CSS class
/// (`bar-{key}`), `label` its legend.
pub struct Series<'a> {
    pub key: &'a str,
    pub label: &'a str,
}

/// One bar: its short label under the axis, its full name (tooltip and table), and one
/// value per series, bottom first.
pub struct Bar {
    pub label: String,
    pub title: String,
    pub values: Vec<u64>,
}

/// A stacked bar chart.
pub struct StackedBars<'a> {
    /// The `id` of the figure (its title and summary get ids from it).
    pub id: &'a str,
    pub title: &'a str,
    /// What a bar stands for, for the table's first column ("Hour (UTC)").
    pub bar_name: &'a str,
    pub series: &'a [Series<'a>],
    pub bars: &'a [Bar],
}

/// A round top for the value axis, at least `max`: 1, 2 or 5 times a power of ten.
fn nice_max(max: u64) -> u64 {
    if max <= 1 {
        return 1;
    }
    let mut p = 1u64;
    loop {
        for m in [1, 2, 5] {
            if let Some(v) = p.checked_mul(m)
                && v >= max
            {
                return v;
            }
        }
        match p.checked_mul(10) {
            Some(next) => p = next,
            None => return max,
        }
    }
}

/// The drawn segments of one bar, bottom up: `(series, value, y, height)`; zero values
/// draw nothing. Positions come from the cumulative sum, so rounding never makes a stack
/// taller or shorter than its total.
fn segments<'s, 'a>(
    series: &'s [Series<'a>],
    values: &[u64],
    y_of: &impl Fn(u64) -> f64,
) -> Vec<(&'s Series<'a>, u64, f64, f64)> {
    let mut below = 0u64;
    let mut out = Vec::new();
    for (s, v) in series.iter().zip(values) {
        if *v > 0 {
            let (y0, y1) = (y_of(below), y_of(below + v));
            out.push((s, *v, y1, y0 - y1));
            below += v;
        }
    }
    out
}

/// The one-sentence summary a screen reader hears for the chart.
fn summary(c: &StackedBars<'_>, totals: &[u64], sum: u64) -> String {
    if sum == 0 {
        return format!(
            "No entries in {}.",
            plural(
                c.bars.len() as u64,
                &c.bar_name_singular().to_lowercase(),
                &c.bar_name_plural()
            )
        );
    }
    let parts: Vec<String> = c
        .series
        .iter()
        .zip(totals)
        .map(|(s, n)| format!("{n} {}", s.label.to_lowercase()))
        .collect();
    let (busiest, most) = c
        .bars
        .iter()
        .map(|b| (b, b.values.iter().sum::<u64>()))
        .fold(
            (None, 0),
            |(best, m), (b, n)| {
                if n > m { (Some(b), n) } else { (best, m) }
            },
        );
    let mut s = format!(
        "{} in {}: {}.",
        plural(sum, "entry", "entries"),
        plural(
            c.bars.len() as u64,
            &c.bar_name_singular().to_lowercase(),
            &c.bar_name_plural()
        ),
        parts.join(", ")
    );
    if let Some(b) = busiest {
        s.push_str(&format!(" The busiest: {} with {most}.", b.title));
    }
    s
}

impl StackedBars<'_> {
    fn bar_name_singular(&self) -> &str {
        self.bar_name
            .split_once(' ')
            .map_or(self.bar_name, |(w, _)| w)
    }

    fn bar_name_plural(&self) -> String {
        format!("{}s", self.bar_name_singular().to_lowercase())
    }
}

/// The chart as a `<figure>`: the SVG (bars stacked bottom up in series order, a value
/// axis with its top and middle, time labels under every few bars), a legend with each
/// series' total, and the numbers as a table in a `<details>`.
pub fn stacked_bars(c: &StackedBars<'_>) -> Markup {
    let n = c.bars.len().max(1);
    let totals: Vec<u64> = (0..c.series.len())
        .map(|i| {
            c.bars
                .iter()
                .map(|b| b.values.get(i).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let sum: u64 = totals.iter().sum();
    let top = nice_max(
        c.bars
            .iter()
            .map(|b| b.values.iter().sum::<u64>())
            .max()
            .unwrap_or(0),
    );
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / n as f64;
    let bar_w = (slot * 0.8).max(1.0);
    let y_of = |v: u64| TOP + plot_h - (v as f64) * plot_h / (top as f64);
    let every = n.div_ceil(MAX_X_LABELS).max(1);
    let title_id = format!("{}-title", c.id);
    let desc_id = format!("{}-desc", c.id);
    let desc = summary(c, &totals, sum);
    html! {
        figure.chart id=(c.id) data-total=(sum) {
            svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (num(WIDTH)) " " (num(HEIGHT)) }
                role="img" aria-labelledby={ (title_id) " " (desc_id) } focusable="false" {
                title id=(title_id) { (c.title) }
                desc id=(desc_id) { (desc) }
                @for v in [top, top / 2] {
                    @if v > 0 {
                        line.grid x1=(num(LEFT)) x2=(num(WIDTH - RIGHT)) y1=(num(y_of(v))) y2=(num(y_of(v))) {}
                        text.axis x=(num(LEFT - 4.0)) y=(num(y_of(v) + 4.0)) text-anchor="end" { (v) }
                    }
                }
                line.baseline x1=(num(LEFT)) x2=(num(WIDTH - RIGHT)) y1=(num(y_of(0))) y2=(num(y_of(0))) {}
                text.axis x=(num(LEFT - 4.0)) y=(num(y_of(0) + 4.0)) text-anchor="end" { "0" }
                @for (i, b) in c.bars.iter().enumerate() {
                    @let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
                    g.bar data-bar=(i) data-total=(b.values.iter().sum::<u64>()) {
                        @for (s, v, y, h) in segments(c.series, &b.values, &y_of) {
                            rect class={ "bar-" (s.key) } data-series=(s.key) data-value=(v)
                                x=(num(x)) y=(num(y)) width=(num(bar_w)) height=(num(h)) {
                                title { (b.title) ": " (v) " " (s.label.to_lowercase()) }
                            }
                        }
                    }
                    @if i % every == 0 {
                        text.axis x=(num(LEFT + slot * (i as f64 + 0.5))) y=(num(HEIGHT - 6.0)) text-anchor="middle" { (b.label) }
                    }
                }
                @if sum == 0 {
                    text.empty x=(num(LEFT + plot_w / 2.0)) y=(num(TOP + plot_h / 2.0)) text-anchor="middle" { "No entries" }
                }
            }
            figcaption {
                ul.legend {
                    @for (s, t) in c.series.iter().zip(&totals) {
                        li data-series=(s.key) {
                            svg.swatch viewBox="0 0 10 10" aria-hidden="true" focusable="false" {
                                rect class={ "bar-" (s.key) } width="10" height="10" {}
                            }
                            " " (s.label) ": " span.count { (t) }
                        }
                    }
                }
            }
            details.chart-table {
                summary { "The numbers as a table" }
                table {
                    caption.visually-hidden { (c.title) }
                    thead {
                        tr {
                            th scope="col" { (c.bar_name) }
                            @for s in c.series { th scope="col" { (s.label) } }
                        }
                    }
                    tbody {
                        @for b in c.bars {
                            tr {
                                th scope="row" { (b.title) }
                                @for v in &b.values { td { (v) } }
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

    const SERIES: [Series<'static>; 3] = [
        Series {
            key: "success",
            label: "Success",
        },
        Series {
            key: "failure",
            label: "Failure",
        },
        Series {
            key: "denied",
            label: "Denied",
        },
    ];

    fn bars(values: &[[u64; 3]]) -> Vec<Bar> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Bar {
                label: format!("{i:02}"),
                title: format!("hour {i}"),
                values: v.to_vec(),
            })
            .collect()
    }

    fn chart(b: &[Bar]) -> String {
        stacked_bars(&StackedBars {
            id: "activity",
            title: "Entries per hour",
            bar_name: "Hour (UTC)",
            series: &SERIES,
            bars: b,
        })
        .into_string()
    }

    /// `(series, value, y, height)` of every segment, in document order.
    fn segments(svg: &str) -> Vec<(String, u64, f64, f64)> {
        let attr = |tag: &str, name: &str| -> String {
            let at = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            tag[at..at + tag[at..].find('"').unwrap()].to_string()
        };
        svg.split("<rect ")
            .skip(1)
            .map(|r| &r[..r.find('>').unwrap()])
            .filter(|tag| tag.contains("data-value"))
            .map(|tag| {
                (
                    attr(tag, "data-series"),
                    attr(tag, "data-value").parse().unwrap(),
                    attr(tag, "y").parse().unwrap(),
                    attr(tag, "height").parse().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(
            [0, 1, 2, 3, 7, 10, 11, 99, 101, 4000].map(nice_max),
            [1, 1, 2, 5, 10, 10, 20, 100, 200, 5000]
        );
        assert_eq!(nice_max(u64::MAX), u64::MAX);
    }

    #[test]
    fn segments_stack_in_series_order_and_heights_follow_the_values() {
        let b = bars(&[[3, 1, 0], [0, 0, 0], [10, 0, 5]]);
        let svg = chart(&b);
        let segs = segments(&svg);
        // Zero values draw nothing.
        let series: Vec<(&str, u64)> = segs.iter().map(|s| (s.0.as_str(), s.1)).collect();
        assert_eq!(
            series,
            [
                ("success", 3),
                ("failure", 1),
                ("success", 10),
                ("denied", 5)
            ]
        );
        // The top is 20 (15 rounded up): height per entry = 170 / 20.
        let unit = (HEIGHT - TOP - BOTTOM) / 20.0;
        for (_, v, _, h) in &segs {
            assert!((h - *v as f64 * unit).abs() < 0.11, "{v}: {h}");
        }
        // Each segment sits on the one below it; the first on the baseline.
        let base = HEIGHT - BOTTOM;
        assert!((segs[0].2 + segs[0].3 - base).abs() < 0.11);
        assert!((segs[1].2 + segs[1].3 - segs[0].2).abs() < 0.11);
        assert!((segs[3].2 + segs[3].3 - segs[2].2).abs() < 0.11);
        // Bars total as given; the tooltips say what each segment is.
        assert!(svg.contains("data-bar=\"2\" data-total=\"15\""), "{svg}");
        assert!(svg.contains("<title>hour 2: 5 denied</title>"), "{svg}");
        assert!(svg.contains("class=\"bar-failure\""));
    }

    #[test]
    fn the_text_alternative_says_what_the_bars_show() {
        let b = bars(&[[3, 1, 0], [0, 0, 0], [10, 0, 5]]);
        let svg = chart(&b);
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-labelledby=\"activity-title activity-desc\""));
        assert!(svg.contains("<title id=\"activity-title\">Entries per hour</title>"));
        assert!(
            svg.contains(
                "19 entries in 3 hours: 13 success, 1 failure, 5 denied. The busiest: hour 2 with 15."
            ),
            "{svg}"
        );
        // Legend totals and the table, one row per bar.
        assert!(
            svg.contains("Failure: <span class=\"count\">1</span>"),
            "{svg}"
        );
        assert!(svg.contains("<th scope=\"row\">hour 1</th><td>0</td><td>0</td><td>0</td>"));
        assert_eq!(svg.matches("<th scope=\"row\">").count(), 3);
    }

    #[test]
    fn an_empty_range_says_so_and_draws_no_bar() {
        let b = bars(&[[0, 0, 0], [0, 0, 0]]);
        let svg = chart(&b);
        assert!(segments(&svg).is_empty());
        assert!(svg.contains("No entries in 2 hours."), "{svg}");
        assert!(svg.contains(">No entries</text>"));
        assert!(chart(&[]).contains("data-total=\"0\""));
    }

    #[test]
    fn labels_are_thinned_and_everything_is_escaped() {
        let mut b = bars(&[[1, 0, 0]; 48]);
        b[0].title = "<script>x</script>".into();
        let svg = chart(&b);
        let labels = svg.matches("text-anchor=\"middle\"").count();
        assert!(labels <= MAX_X_LABELS, "{labels}");
        assert!(labels >= MAX_X_LABELS / 2, "{labels}");
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"));
        assert!(!svg.contains("style="), "no inline style");
    }
}
