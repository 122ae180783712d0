//! `wt check --format junit`: the checklist as JUnit XML, the test-report format every CI
//! system reads (GitHub Actions report actions, GitLab `artifacts:reports:junit`, Jenkins).
//!
//! Written by hand with a small escaper ([`escape_text`], [`escape_attr`]) rather than an
//! XML writer crate: the document has five element kinds, and every server-supplied string
//! (names, emails, key labels, remedies) goes through the escaper, which also drops the
//! characters XML 1.0 cannot carry at all (control characters), so the output is always
//! well-formed. The tests read it back with a real parser (roxmltree).

use super::FailOn;
use super::report::describe_evidence;
use wt_api::{CheckStatus, Readiness, ReadinessCheck};

/// Evidence items written per check; the rest is counted. A CI report stays readable, and
/// `--format json` carries every item.
pub const JUNIT_EVIDENCE_LIMIT: usize = 100;

/// Escapes text content: `&`, `<`, `>`, `"`, `'` become entities, `\r` becomes `&#13;`
/// (a parser would turn a raw one into `\n`), tabs and newlines are kept, and characters
/// XML 1.0 cannot carry (other control characters, U+FFFE, U+FFFF) are removed.
pub fn escape_text(s: &str) -> String {
    escape(s, false)
}

/// Escapes an attribute value (written between double quotes): like [`escape_text`], and
/// tabs and newlines become `&#9;` / `&#10;` so attribute-value normalisation keeps them.
pub fn escape_attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attr => out.push_str("&#10;"),
            '\t' if attr => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            '\u{FFFE}' | '\u{FFFF}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The report of one check: title, summary, evidence and remedy, as plain text.
fn details(c: &ReadinessCheck) -> String {
    let mut lines = vec![c.title.clone(), c.summary.clone()];
    if !c.evidence.is_empty() {
        lines.push("Evidence:".into());
        for e in c.evidence.iter().take(JUNIT_EVIDENCE_LIMIT) {
            lines.push(format!("- {}", describe_evidence(e)));
        }
        if c.evidence.len() > JUNIT_EVIDENCE_LIMIT {
            lines.push(format!(
                "- … and {} more (all of them: wt check --format json)",
                c.evidence.len() - JUNIT_EVIDENCE_LIMIT
            ));
        }
    }
    if c.evidence_withheld > 0 {
        lines.push(format!(
            "({} evidence items not shown: the caller's role cannot read them)",
            c.evidence_withheld
        ));
    }
    if !c.remedy.is_empty() {
        lines.push(format!("Remedy: {}", c.remedy));
    }
    lines.join("\n")
}

/// Renders the (already selected) checklist: one `<testsuite>` for the org, one
/// `<testcase>` per check. A check that makes the org not ready under `fail_on` carries a
/// `<failure>` (type `fail` or `warn`, message = its summary, text = evidence and remedy);
/// every other check carries the same text as `<system-out>`.
pub fn render(r: &Readiness, fail_on: FailOn) -> String {
    let tests = r.checks.len();
    let failures = r.checks.iter().filter(|c| fail_on.counts(c.status)).count();
    let mut x = vec![
        r#"<?xml version="1.0" encoding="UTF-8"?>"#.to_string(),
        format!(
            r#"<testsuites name="watchtower-readiness" tests="{tests}" failures="{failures}">"#
        ),
        format!(
            r#"  <testsuite name="{}" tests="{tests}" failures="{failures}" errors="0" skipped="0" timestamp="{}">"#,
            escape_attr(&format!("watchtower readiness: {}", r.org.slug)),
            escape_attr(&r.checked_at)
        ),
    ];
    for c in &r.checks {
        x.push(format!(
            r#"    <testcase classname="watchtower.readiness" name="{}">"#,
            escape_attr(&c.id)
        ));
        if fail_on.counts(c.status) {
            let kind = match c.status {
                CheckStatus::Warn => "warn",
                _ => "fail",
            };
            x.push(format!(
                r#"      <failure message="{}" type="{kind}">{}</failure>"#,
                escape_attr(&c.summary),
                escape_text(&details(c))
            ));
        } else {
            x.push(format!(
                "      <system-out>{}</system-out>",
                escape_text(&details(c))
            ));
        }
        x.push("    </testcase>".into());
    }
    x.push("  </testsuite>".into());
    x.push("</testsuites>".into());
    x.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::check::tests::readiness_json;
    use roxmltree::{Document, Node};

    fn readiness() -> Readiness {
        serde_json::from_value(readiness_json())
            .map_err(|e| e.to_string())
            .unwrap()
    }

    /// Parses with a real XML parser; a report that is not well-formed fails the test.
    fn parse(xml: &str) -> Document<'_> {
        Document::parse(xml).unwrap_or_else(|e| panic!("invalid XML ({e}):\n{xml}"))
    }

    fn elements<'a, 'i>(doc: &'a Document<'i>, name: &str) -> Vec<Node<'a, 'i>> {
        doc.descendants().filter(|n| n.has_tag_name(name)).collect()
    }

    /// Puts `s` in an element and reads its text back with the parser.
    fn text_round_trip(s: &str) -> String {
        let xml = format!("<a>{}</a>", escape_text(s));
        let doc = parse(&xml);
        doc.root_element().text().unwrap_or_default().to_string()
    }

    /// Puts `s` in an attribute and reads it back with the parser.
    fn attr_round_trip(s: &str) -> String {
        let xml = format!("<a v=\"{}\"/>", escape_attr(s));
        let doc = parse(&xml);
        doc.root_element()
            .attribute("v")
            .unwrap_or_default()
            .to_string()
    }

    const HOSTILE: &str = "</failure><x>&amp;\"'&\r\n\ttab]]>\u{0}\u{7}\u{1b}[31m\u{7f}\u{85}\u{fffe}\u{ffff}é🙂<!-- --><![CDATA[c]]>&#0;";
    /// HOSTILE without the characters XML cannot carry.
    const HOSTILE_KEPT: &str = "</failure><x>&amp;\"'&\r\n\ttab]]>[31mé🙂<!-- --><![CDATA[c]]>&#0;";

    #[test]
    fn the_five_specials_become_entities() {
        assert_eq!(
            escape_text(r#"</failure><x>&"'"#),
            "&lt;/failure&gt;&lt;x&gt;&amp;&quot;&apos;"
        );
        assert_eq!(escape_attr(r#"a"b'c"#), "a&quot;b&apos;c");
        assert_eq!(
            escape_text("&amp;"),
            "&amp;amp;",
            "escaped once, not decoded"
        );
        assert_eq!(escape_text("]]>"), "]]&gt;");
        assert_eq!(escape_text("plain é 🙂"), "plain é 🙂");
    }

    #[test]
    fn control_characters_are_removed_and_line_breaks_survive() {
        assert_eq!(
            escape_text("a\u{0}b\u{8}c\u{b}d\u{c}e\u{1b}f\u{7f}g\u{85}h\u{fffe}i\u{ffff}j"),
            "abcdefghij"
        );
        assert_eq!(escape_text("a\tb\nc\rd"), "a\tb\nc&#13;d");
        assert_eq!(escape_attr("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
    }

    #[test]
    fn hostile_strings_read_back_unchanged_from_text_and_attributes() {
        assert_eq!(text_round_trip(HOSTILE), HOSTILE_KEPT);
        assert_eq!(attr_round_trip(HOSTILE), HOSTILE_KEPT);
        for s in ["&lt;", "\"\"''", "a\r\nb", " lead and trail ", "\t"] {
            assert_eq!(text_round_trip(s), s, "{s:?}");
            assert_eq!(attr_round_trip(s), s, "{s:?}");
        }
        // Every character from U+0000 to U+00FF, then a few planes further.
        let all: String = (0u32..0x100)
            .chain([0xD7FF, 0xE000, 0xFFFD, 0x10000, 0x10FFFF])
            .filter_map(char::from_u32)
            .collect();
        let kept: String = all
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
            .collect();
        assert_eq!(text_round_trip(&all), kept);
        assert_eq!(attr_round_trip(&all), kept);
    }

    #[test]
    fn report_has_one_suite_and_one_case_per_check() {
        let xml = render(&readiness(), FailOn::Fail);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
        let doc = parse(&xml);
        let root = doc.root_element();
        assert!(root.has_tag_name("testsuites"));
        assert_eq!(root.attribute("name"), Some("watchtower-readiness"));
        assert_eq!(root.attribute("tests"), Some("6"));
        assert_eq!(root.attribute("failures"), Some("2"));
        let suites = elements(&doc, "testsuite");
        assert_eq!(suites.len(), 1);
        let suite = suites[0];
        assert_eq!(suite.attribute("name"), Some("watchtower readiness: acme"));
        assert_eq!(suite.attribute("tests"), Some("6"));
        assert_eq!(suite.attribute("failures"), Some("2"));
        assert_eq!(suite.attribute("skipped"), Some("0"));
        assert_eq!(suite.attribute("timestamp"), Some("2026-03-10T12:00:00Z"));
        let cases = elements(&doc, "testcase");
        let names: Vec<_> = cases.iter().filter_map(|c| c.attribute("name")).collect();
        assert_eq!(
            names,
            [
                "mfa",
                "least_privilege",
                "keys_server_side",
                "environments_separate",
                "key_owners",
                "audit_reviewed"
            ]
        );
        assert!(
            cases
                .iter()
                .all(|c| c.attribute("classname") == Some("watchtower.readiness"))
        );
        let failures = elements(&doc, "failure");
        assert_eq!(failures.len(), 2);
        assert_eq!(failures[0].attribute("type"), Some("fail"));
        assert_eq!(failures[0].attribute("message"), Some("summary of mfa"));
        assert_eq!(
            failures[0].text(),
            Some(
                "title of mfa\nsummary of mfa\nEvidence:\n- alice@example.com — no MFA (member usr_a)\nRemedy: remedy for mfa"
            )
        );
        // The warning is not a failure under --fail-on fail: its report is system-out.
        let out = elements(&doc, "system-out");
        assert_eq!(out.len(), 4);
        assert_eq!(
            out[0].text(),
            Some("title of least_privilege\nsummary of least_privilege")
        );
        assert!(
            out[3]
                .text()
                .unwrap_or_default()
                .starts_with("title of key_owners\nsummary of key_owners\nEvidence:\n")
        );
    }

    #[test]
    fn with_fail_on_warn_a_warning_is_a_failure_of_type_warn() {
        let xml = render(&readiness(), FailOn::Warn);
        let doc = parse(&xml);
        assert_eq!(doc.root_element().attribute("failures"), Some("3"));
        let types: Vec<_> = elements(&doc, "failure")
            .iter()
            .filter_map(|f| f.attribute("type"))
            .collect();
        assert_eq!(types, ["fail", "warn", "fail"]);
    }

    #[test]
    fn hostile_server_strings_keep_the_report_well_formed() {
        let mut r = readiness();
        r.org.slug = HOSTILE.into();
        r.checked_at = HOSTILE.into();
        for c in &mut r.checks {
            c.id = format!("{}{HOSTILE}", c.id);
            c.title = HOSTILE.into();
            c.summary = HOSTILE.into();
            c.remedy = HOSTILE.into();
            for e in &mut c.evidence {
                e.label = HOSTILE.into();
                e.detail = HOSTILE.into();
                e.kind = HOSTILE.into();
                e.id = HOSTILE.into();
            }
        }
        for fail_on in [FailOn::Fail, FailOn::Warn] {
            let xml = render(&r, fail_on);
            let doc = parse(&xml);
            assert_eq!(elements(&doc, "testcase").len(), 6);
            assert!(elements(&doc, "x").is_empty(), "no injected element");
            let suite = elements(&doc, "testsuite")[0];
            assert_eq!(
                suite.attribute("name"),
                Some(format!("watchtower readiness: {HOSTILE_KEPT}").as_str())
            );
            assert_eq!(
                elements(&doc, "testcase")[0].attribute("name"),
                Some(format!("mfa{HOSTILE_KEPT}").as_str())
            );
            let failure = elements(&doc, "failure")[0];
            assert_eq!(failure.attribute("message"), Some(HOSTILE_KEPT));
            let text = failure.text().unwrap_or_default();
            assert!(
                text.starts_with(&format!(
                    "{HOSTILE_KEPT}\n{HOSTILE_KEPT}\nEvidence:\n- {HOSTILE_KEPT} — "
                )),
                "{text:?}"
            );
            assert!(
                text.ends_with(&format!("Remedy: {HOSTILE_KEPT}")),
                "{text:?}"
            );
        }
    }

    #[test]
    fn an_empty_selection_is_still_a_valid_report() {
        let mut r = readiness();
        r.checks.clear();
        let xml = render(&r, FailOn::Fail);
        let doc = parse(&xml);
        assert_eq!(elements(&doc, "testsuite")[0].attribute("tests"), Some("0"));
    }

    #[test]
    fn long_evidence_is_cut_and_counted() {
        let mut r = readiness();
        let e = r.checks[0].evidence[0].clone();
        r.checks[0].evidence = vec![e; JUNIT_EVIDENCE_LIMIT + 7];
        let xml = render(&r, FailOn::Fail);
        let doc = parse(&xml);
        let text = elements(&doc, "failure")[0].text().unwrap_or_default();
        assert_eq!(
            text.matches("- alice@example.com — no MFA").count(),
            JUNIT_EVIDENCE_LIMIT
        );
        assert!(text.contains("- … and 7 more (all of them: wt check --format json)"));
    }
}
