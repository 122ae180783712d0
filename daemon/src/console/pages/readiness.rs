//! The Readiness tab: the checklist of `wt check`, each item pass (green), warning
//! (amber) or fail (red) with its evidence and what to do about it. Evidence the viewer's
//! role may not read never reaches the page; it is counted instead.

use super::{Viewer, layout_in};
use maud::{Markup, html};
use wt_api::{CheckStatus, Readiness, ReadinessCheck};

/// One item, with the console page that acts on it, if the viewer may open one.
pub struct CheckView<'a> {
    pub check: &'a ReadinessCheck,
    /// `(href, link text)`.
    pub link: Option<(&'static str, &'static str)>,
}

pub struct ReadinessView<'a> {
    pub viewer: Viewer<'a>,
    pub report: &'a Readiness,
    pub checks: Vec<CheckView<'a>>,
}

fn status_label(s: CheckStatus) -> &'static str {
    match s {
        CheckStatus::Pass => "Pass",
        CheckStatus::Warn => "Warning",
        CheckStatus::Fail => "Fail",
    }
}

/// A remedy names `wt` commands between backticks: those parts as code.
fn remedy_text(text: &str) -> Markup {
    html! {
        @for (i, part) in text.split('`').enumerate() {
            @if i % 2 == 1 { code { (part) } } @else { (part) }
        }
    }
}

pub fn readiness(v: &ReadinessView<'_>) -> Markup {
    let r = v.report;
    let count = |s| r.checks.iter().filter(|c| c.status == s).count();
    layout_in(
        "Readiness",
        Some(&v.viewer),
        "wide",
        html! {
            h1 { "Production readiness" }
            section #verdict data-ready=(r.ready) {
                @if r.ready {
                    p.status-on #ready { "Ready: no check fails." }
                } @else {
                    p.status-off #ready { "Not ready: " (count(CheckStatus::Fail)) " failing." }
                }
                p.hint {
                    (count(CheckStatus::Pass)) " passing, " (count(CheckStatus::Warn)) " with warnings, "
                    (count(CheckStatus::Fail)) " failing · checked " (super::time(&r.checked_at)) " · the same checklist as "
                    code { "wt check" }
                }
            }
            @for cv in &v.checks {
                @let c = cv.check;
                @let heading = format!("check-{}-title", c.id);
                section.check id={ "check-" (c.id) } data-status=(c.status.as_str()) aria-labelledby=(heading) {
                    h2 id=(heading) {
                        span class={ "badge badge-" (c.status.as_str()) } { (status_label(c.status)) }
                        " " (c.title)
                    }
                    p.summary { (c.summary) }
                    @if !c.evidence.is_empty() {
                        table.evidence {
                            caption.visually-hidden { "Evidence: " (c.title) }
                            thead { tr { th scope="col" { "Kind" } th scope="col" { "What" } th scope="col" { "Why" } } }
                            tbody {
                                @for e in &c.evidence {
                                    tr data-evidence-id=(e.id) {
                                        td { (e.kind.replace('_', " ")) }
                                        td { (e.label) }
                                        td { (e.detail) }
                                    }
                                }
                            }
                        }
                    }
                    @if c.evidence_withheld > 0 {
                        p.hint.withheld {
                            (c.evidence_withheld) " more not shown: your role cannot read "
                            @if c.evidence_withheld == 1 { "it" } @else { "them" } "."
                        }
                    }
                    @if c.status != CheckStatus::Pass {
                        div.remedy {
                            @if let Some((href, text)) = cv.link {
                                p { a.action href=(href) { (text) } }
                            }
                            p { strong { "What to do: " } (remedy_text(&c.remedy)) }
                        }
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remedies_show_commands_as_code_and_escape_the_rest() {
        let m = remedy_text("run `wt mfa enroll` <now>").into_string();
        assert_eq!(m, "run <code>wt mfa enroll</code> &lt;now&gt;");
    }
}
