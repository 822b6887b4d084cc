//! JUnit XML, for CI dashboards: one test case per file scanned (skipped inputs marked
//! skipped), one failure per finding.

use std::io::{self, Write};

use super::sarif::{finding_message, help_text, suppression_kind};
use super::{Report, Skipped};
use crate::report::finding::Finding;

/// Escapes text for XML content and attributes, replacing characters XML 1.0 cannot hold.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Writes JUnit XML: one test case per file scanned (plus one per skipped input, marked
/// skipped), and one `<failure>` per finding in that file, so CI dashboards list each leak.
/// Suppressed findings are listed in the test case's `<system-out>`, not as failures.
pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    use std::collections::BTreeMap;

    let s = &report.summary;
    let mut cases: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for path in &s.scanned_paths {
        cases.entry(path.as_str()).or_default();
    }
    for f in &report.findings {
        cases.entry(f.path.as_str()).or_default().push(f);
    }
    let skipped: Vec<&Skipped> = s
        .skipped
        .iter()
        .filter(|k| !cases.contains_key(k.path.as_str()))
        .collect();
    let nothing = cases.is_empty() && skipped.is_empty();
    let tests = cases.len() + skipped.len() + usize::from(nothing);
    let failures = cases
        .values()
        .filter(|fs| fs.iter().any(|f| f.suppressed_by.is_none()))
        .count();
    let time = format!("{:.3}", s.duration_ms as f64 / 1000.0);
    let class = xml_escape(&format!("tierzero.{}", s.mode));

    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="tierzero" tests="{tests}" failures="{failures}" errors="0" skipped="{}" time="{time}">"#,
        skipped.len()
    )?;
    writeln!(
        out,
        r#"  <testsuite name="{class}" tests="{tests}" failures="{failures}" errors="0" skipped="{}" time="{time}">"#,
        skipped.len()
    )?;
    writeln!(out, "    <properties>")?;
    for (name, value) in [
        ("mode", s.mode.to_string()),
        ("commits", s.commits.to_string()),
        ("files", s.files.to_string()),
        ("added_lines", s.added_lines.to_string()),
        ("bytes", s.bytes.to_string()),
        ("rules_loaded", s.rules_loaded.to_string()),
        ("findings", s.findings.to_string()),
        ("suppressed", s.suppressed.to_string()),
    ] {
        writeln!(
            out,
            r#"      <property name="{name}" value="{}"/>"#,
            xml_escape(&value)
        )?;
    }
    writeln!(out, "    </properties>")?;
    for (path, findings) in &cases {
        write!(
            out,
            r#"    <testcase classname="{class}" name="{}" time="0""#,
            xml_escape(path)
        )?;
        if findings.is_empty() {
            writeln!(out, "/>")?;
            continue;
        }
        writeln!(out, ">")?;
        let mut suppressed = String::new();
        for f in findings {
            let at = format!("{}:{}:{}", f.path, f.line, f.column);
            if let Some(by) = f.suppressed_by {
                suppressed.push_str(&format!(
                    "suppressed ({}): {at} {} [{}] fingerprint {}\n",
                    suppression_kind(by).1,
                    f.description,
                    f.rule_id,
                    f.fingerprint
                ));
                continue;
            }
            writeln!(
                out,
                r#"      <failure type="{}" message="{}">{}</failure>"#,
                xml_escape(&f.rule_id),
                xml_escape(&format!("{at}: {}", f.description)),
                xml_escape(&format!(
                    "{at}\n{}\nfingerprint {}\n\n{}",
                    finding_message(f),
                    f.fingerprint,
                    help_text(f)
                ))
            )?;
        }
        if !suppressed.is_empty() {
            writeln!(
                out,
                "      <system-out>{}</system-out>",
                xml_escape(&suppressed)
            )?;
        }
        writeln!(out, "    </testcase>")?;
    }
    for k in &skipped {
        writeln!(
            out,
            r#"    <testcase classname="{class}" name="{}" time="0"><skipped message="{}"/></testcase>"#,
            xml_escape(&k.path),
            xml_escape(&k.reason.to_string())
        )?;
    }
    if nothing {
        writeln!(
            out,
            r#"    <testcase classname="{class}" name="(nothing to scan)" time="0"/>"#
        )?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escaping_drops_control_characters() {
        assert_eq!(
            xml_escape("a<b>&\"'\u{1}"),
            "a&lt;b&gt;&amp;&quot;&apos;\u{FFFD}"
        );
    }
}
