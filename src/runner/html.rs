//! The HTML and Markdown reports: what a person reads after a run.
//!
//! HTML is one self-contained file: inline styles, no script, no font, image or link
//! that loads anything, readable with JavaScript off. Everything the target sent (and
//! every name from the catalog) is escaped, so a hostile answer stays text. Markdown is
//! the short form a CI step summary or a pull-request comment shows.

use std::fmt::Write as _;

use serde_json::Value;

use super::evidence::{On, RuleVerdict};
use super::judge::Verdict;
use super::report::Report;
use super::session::StepRecord;
use crate::model::rules;

/// Steps shown in full in the HTML report, at most; the JSON report has them all.
const SHOWN_STEPS: usize = 200;

/// Divergences listed in the Markdown summary, at most.
const LISTED: usize = 10;

/// `text` safe in HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // A NUL is no text a browser shows; the replacement character is.
            '\0' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// `text` as inert Markdown table-cell content: one line, no markup, no HTML.
pub fn escape_markdown(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars().take(max) {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' | '`' | '*' | '_' | '[' | ']' | '\\' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}\
.pass{color:#176f2c}.FAIL{color:#b00020;font-weight:bold}.differs{color:#8a5a00;font-weight:bold}.unseen{color:#777}.consequence{color:#555}\
pre{margin:0;font-size:12px;white-space:pre-wrap;word-break:break-all}mark{background:#ffe08a}\
.step{border:1px solid #ddd;margin:1em 0;padding:.5em 1em}.sides{display:grid;grid-template-columns:1fr 1fr;gap:1em}";

/// The JSON members a divergence names, to mark in both answers.
fn marked_keys(step: &StepRecord) -> Vec<String> {
    let mut keys = Vec::new();
    for d in &step.divergences {
        match d.on {
            On::Answer | On::Error | On::Status => {
                keys.extend(["status", "__type", "errorName", "code"].map(str::to_owned))
            }
            other => keys.push(other.as_str().to_owned()),
        }
    }
    keys
}

/// Pretty JSON, escaped, with the lines of `keys` marked.
fn json_block(value: &Value, keys: &[String]) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    let mut out = String::from("<pre>");
    for line in text.lines() {
        let key = line
            .trim_start()
            .strip_prefix('"')
            .and_then(|l| l.split_once("\":"))
            .map(|(k, _)| k);
        let escaped = escape_html(line);
        if key.is_some_and(|k| keys.iter().any(|m| m == k)) {
            let _ = writeln!(out, "<mark>{escaped}</mark>");
        } else {
            let _ = writeln!(out, "{escaped}");
        }
    }
    out.push_str("</pre>");
    out
}

impl Report {
    /// The self-contained HTML report.
    pub fn html(&self) -> String {
        let e = escape_html;
        let mut h = String::new();
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
             <title>ecr-conformance report</title><style>{STYLE}</style></head><body>\n"
        );
        let _ = writeln!(h, "<h1>ecr-conformance report</h1>");
        let _ = writeln!(
            h,
            "<table><tr><th>target</th><td>{}</td></tr><tr><th>profile</th><td>{}{}</td></tr>\
             <tr><th>inferred profile</th><td>{}</td></tr>\
             <tr><th>result</th><td class=\"{}\">{} FAIL, {} differs, {} consequences</td></tr></table>",
            e(&self.target),
            e(&self.profile),
            if self.strict { " (strict)" } else { "" },
            if self.inferred.is_empty() {
                "no knob differs".to_owned()
            } else {
                e(&super::report::join(&self.inferred, ", "))
            },
            if self.passed() { "pass" } else { "FAIL" },
            self.fail,
            self.differs,
            self.consequence
        );
        if let Some(reason) = &self.stopped {
            let _ = writeln!(
                h,
                "<p class=\"FAIL\">run stopped: {}</p>",
                e(&reason.to_string())
            );
        }
        let _ = writeln!(
            h,
            "<h2>Rules</h2><table id=\"rules\"><tr><th>rule</th><th>verdict</th><th>checked</th>\
             <th>FAIL</th><th>differs</th><th>consequence</th><th>sources</th><th>statement</th></tr>"
        );
        for r in &self.rules {
            let sources: Vec<&str> = r.sources.iter().map(|s| s.as_str()).collect();
            let statement = rules::entry(r.id).statement;
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                r.id,
                r.verdict,
                r.verdict,
                r.checked,
                r.fail,
                r.differs,
                r.consequence,
                sources.join(", "),
                e(statement)
            );
        }
        h.push_str("</table>\n<h2>FAIL and differs</h2>\n");
        let mut shown = 0;
        for case in self.cases() {
            for step in case
                .steps
                .iter()
                .filter(|s| matches!(s.verdict, Verdict::Fail | Verdict::Differs))
            {
                shown += 1;
                if shown > SHOWN_STEPS {
                    continue;
                }
                let keys = marked_keys(step);
                let _ = writeln!(
                    h,
                    "<div class=\"step\"><h3><span class=\"{v}\">{v}</span> {} step {} ({})</h3>",
                    e(&case.name),
                    step.index,
                    e(&step.operation),
                    v = step.verdict.as_str()
                );
                h.push_str("<ul>");
                for d in &step.divergences {
                    let _ = write!(
                        h,
                        "<li>{} <b>{}</b>: expected {}, got {}</li>",
                        d.rule,
                        e(d.on.as_str()),
                        e(&d.expected.to_string()),
                        e(&d.actual.to_string())
                    );
                }
                for k in &step.knobs {
                    let _ = write!(h, "<li>another legal choice: {}</li>", e(&k.to_string()));
                }
                h.push_str("</ul>");
                let consequences: Vec<String> = case
                    .steps
                    .iter()
                    .filter(|s| s.follows_from == Some(step.index))
                    .map(|s| format!("step {} ({})", s.index, s.operation))
                    .collect();
                if !consequences.is_empty() {
                    let _ = write!(h, "<p>consequences: {}</p>", e(&consequences.join(", ")));
                }
                let _ = writeln!(
                    h,
                    "<p>request</p>{}<div class=\"sides\"><div><p>expected (the model)</p>{}</div>\
                     <div><p>actual (the target)</p>{}</div></div></div>",
                    json_block(&step.request, &[]),
                    json_block(&step.expected, &keys),
                    json_block(&step.actual, &keys)
                );
            }
        }
        if shown == 0 {
            h.push_str("<p>None.</p>\n");
        } else if shown > SHOWN_STEPS {
            let _ = writeln!(h, "<p>{} more in the JSON report.</p>", shown - SHOWN_STEPS);
        }
        h.push_str("</body></html>\n");
        h
    }

    /// The Markdown summary: verdict per rule, the inferred profile, the first divergences.
    pub fn markdown(&self) -> String {
        let m = |t: &str| escape_markdown(t, 160);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "### ecr-conformance: {}\n",
            if self.passed() { "pass" } else { "FAIL" }
        );
        let _ = writeln!(
            s,
            "Target {}, profile {}{}: **{} FAIL**, {} differs, {} consequences.\n",
            m(&self.target),
            m(&self.profile),
            if self.strict { " (strict)" } else { "" },
            self.fail,
            self.differs,
            self.consequence
        );
        let _ = writeln!(
            s,
            "Inferred profile: {}\n",
            if self.inferred.is_empty() {
                "no knob differs".to_owned()
            } else {
                m(&super::report::join(&self.inferred, ", "))
            }
        );
        if let Some(reason) = &self.stopped {
            let _ = writeln!(s, "Run stopped: {}\n", m(&reason.to_string()));
        }
        s.push_str("| rule | verdict | checked | FAIL | differs | consequence |\n|---|---|---|---|---|---|\n");
        for r in &self.rules {
            let verdict = match r.verdict {
                RuleVerdict::Fail => "**FAIL**",
                other => other.as_str(),
            };
            let _ = writeln!(
                s,
                "| {} | {verdict} | {} | {} | {} | {} |",
                r.id, r.checked, r.fail, r.differs, r.consequence
            );
        }
        let firsts: Vec<String> = self
            .rules
            .iter()
            .filter_map(|r| r.first.as_ref().map(|f| (r, f)))
            .take(LISTED)
            .map(|(r, f)| {
                let d = &f.divergence;
                format!(
                    "| {} | {} | {} step {} ({}) | {}: expected {}, got {} |",
                    r.id,
                    f.step.verdict.as_str(),
                    m(&f.case),
                    f.step.index,
                    m(&f.step.operation),
                    m(d.on.as_str()),
                    m(&d.expected.to_string()),
                    m(&d.actual.to_string())
                )
            })
            .collect();
        if !firsts.is_empty() {
            s.push_str("\n| rule | verdict | where | first divergence |\n|---|---|---|---|\n");
            for line in firsts {
                s.push_str(&line);
                s.push('\n');
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escaping_leaves_no_markup() {
        let hostile = "<script>alert('x')</script><img src=x onerror=\"y\">&";
        let escaped = escape_html(hostile);
        assert!(!escaped.contains('<') && !escaped.contains('>') && !escaped.contains('"'));
        assert!(escaped.contains("&lt;script&gt;"));
    }

    #[test]
    fn markdown_escaping_keeps_one_inert_cell() {
        let hostile = "a|b\n<b>`x`</b> [l](http://x) **y**";
        let cell = escape_markdown(hostile, 200);
        assert!(!cell.contains('\n'));
        assert!(!cell.contains('<'));
        assert!(!cell.contains("|b") || cell.contains("\\|b"));
        assert!(cell.contains("\\`x\\`"));
        assert_eq!(escape_markdown("abcdef", 3), "abc…");
    }
}
