//! The HTML client report: one self-contained file (inline style, no script, nothing
//! loaded), with every string the client sent or printed escaped, so that a hostile
//! client's output stays text.

use std::fmt::Write as _;

use super::report::{ClientReport, PlanResult};

use crate::runner::html::escape_html as escape;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}td:first-child{white-space:nowrap}\
.pass{color:#176f2c}.FAIL{color:#b00020;font-weight:bold}.unseen{color:#777}\
pre{margin:0;font-size:12px;white-space:pre-wrap;word-break:break-all}\
.plan{border:1px solid #ddd;margin:1em 0;padding:.5em 1em}.finding{margin:.5em 0 1em}";

fn plan_section(h: &mut String, p: &PlanResult) {
    let e = escape;
    let _ = writeln!(
        h,
        "<div class=\"plan\" id=\"plan-{}\"><h2>{} <span class=\"{}\">{}</span></h2><p>{}</p>",
        e(p.plan),
        e(p.plan),
        p.verdict,
        p.verdict,
        e(p.what)
    );
    let stored: Vec<String> = p
        .stored
        .iter()
        .map(|l| format!("{} ({} bytes)", l.digest, l.size))
        .collect();
    let _ = writeln!(
        h,
        "<table><tr><th>faults</th><td>{}</td></tr><tr><th>exit</th><td>{} after {:.1} s</td></tr>\
         <tr><th>part sizes</th><td>{} (advertised partSize {})</td></tr>\
         <tr><th>expected layer</th><td>{} ({} bytes)</td></tr><tr><th>stored</th><td>{}</td></tr>\
         <tr><th>image</th><td>{}</td></tr><tr><th>rules exercised</th><td>{}</td></tr></table>",
        e(&if p.layer_present {
            "none; the layer is stored beforehand".to_owned()
        } else if p.faults.is_empty() {
            "none".to_owned()
        } else {
            p.faults.join(", ")
        }),
        e(&p.exit.describe()),
        p.seconds,
        e(&p.part_sizes_text()),
        p.advertised_part_size,
        e(&p.expected.digest),
        p.expected.size,
        e(&if stored.is_empty() {
            "nothing".to_owned()
        } else {
            stored.join(", ")
        }),
        e(&p.image.as_ref().map_or_else(
            || "none put (--layer-only)".to_owned(),
            |i| format!(
                "tag {} → {} ({} bytes of manifest); at the end the tag named {}",
                i.tag,
                i.digest,
                i.manifest_length,
                i.tagged.as_deref().unwrap_or("nothing")
            )
        )),
        e(&p.checked.join(", "))
    );
    for f in &p.findings {
        let _ = writeln!(
            h,
            "<div class=\"finding\"><p><span class=\"FAIL\">{}</span> {}</p><pre>{}</pre></div>",
            e(f.rule),
            e(&f.what),
            e(&f.requests.join("\n"))
        );
    }
    for n in &p.notes {
        let _ = writeln!(h, "<p>note: {}</p>", e(n));
    }
    let lines: Vec<&str> = p.requests.iter().map(|r| r.line.as_str()).collect();
    let _ = writeln!(
        h,
        "<details><summary>{} requests</summary><pre>{}</pre></details>",
        p.requests.len(),
        e(&lines.join("\n"))
    );
    for (name, text) in [("stdout", &p.stdout), ("stderr", &p.stderr)] {
        if !text.trim().is_empty() {
            let _ = writeln!(
                h,
                "<details><summary>{name} (the end)</summary><pre>{}</pre></details>",
                e(text)
            );
        }
    }
    h.push_str("</div>\n");
}

impl ClientReport {
    /// The self-contained HTML report.
    pub fn html(&self) -> String {
        let e = escape;
        let mut h = String::new();
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
             <title>ecr-conformance client-check</title><style>{STYLE}</style></head><body>\n\
             <h1>ecr-conformance client-check</h1>\n"
        );
        let passed = self.plans.iter().filter(|p| p.passed()).count();
        let _ = writeln!(
            h,
            "<table><tr><th>command</th><td><pre>{}</pre></td></tr><tr><th>layer</th><td>{} bytes (seed {})</td></tr>\
             <tr><th>profile</th><td>{} (advertised partSize {})</td></tr>\
             <tr><th>result</th><td class=\"{}\">{passed} of {} plans pass</td></tr></table>",
            e(&self.command.join(" ")),
            self.layer_size,
            self.seed,
            e(&self.profile),
            self.advertised_part_size,
            if self.passed { "pass" } else { "FAIL" },
            self.plans.len()
        );
        if let Some(why) = &self.stopped {
            let _ = writeln!(h, "<p class=\"FAIL\">stopped: {}</p>", e(why));
        }
        h.push_str("<h2>Plans</h2>\n<table><tr><th>plan</th><th>verdict</th><th>exit</th><th>part sizes</th><th>findings</th></tr>\n");
        for p in &self.plans {
            let rules: Vec<&str> = p.findings.iter().map(|f| f.rule).collect();
            let _ = writeln!(
                h,
                "<tr><td><a href=\"#plan-{}\">{}</a></td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                e(p.plan),
                e(p.plan),
                p.verdict,
                p.verdict,
                e(&p.exit.describe()),
                e(&p.part_sizes_text()),
                e(&rules.join(", "))
            );
        }
        h.push_str("</table>\n<h2>Rules</h2>\n<table><tr><th>rule</th><th>verdict</th><th>statement</th><th>from</th><th>failed in</th></tr>\n");
        for r in &self.rules {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                e(r.id),
                r.verdict,
                r.verdict,
                e(r.statement),
                e(r.from),
                e(&r.failed_in.join(", "))
            );
        }
        h.push_str("</table>\n");
        for p in &self.plans {
            plan_section(&mut h, p);
        }
        h.push_str("</body></html>\n");
        h
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escaping_leaves_no_markup() {
        let hostile = "<script>alert('x')</script>\"&\0";
        let out = escape(hostile);
        assert!(!out.contains('<') && !out.contains('>') && !out.contains('"'));
        assert!(!out.contains('\'') && !out.contains('\0'));
        assert_eq!(out.matches('&').count(), out.matches(';').count());
    }
}
