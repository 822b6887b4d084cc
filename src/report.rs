//! Rendering findings: the human report (stderr, for a person at a commit) and the machine
//! formats (JSON, SARIF 2.1.0, JUnit XML) built from the same [`Finding`] values, so they
//! can never disagree.
//!
//! Nothing here sees a secret: findings arrive redacted. Nothing here reads git or rules.

use std::io::{self, Write};

use serde::Serialize;

use crate::finding::Finding;

/// A skipped input and why (binary, too large, unreadable…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The path or object.
    pub path: String,
    /// Why it was not scanned.
    pub reason: String,
}

/// What was scanned, for the last line of the report and the JSON `summary`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// `staged`, `range`, `all-history`, `files`, `stdin`, `commit-msg`.
    pub mode: String,
    /// Commits scanned (range and history modes).
    pub commits: u64,
    /// Files with content scanned.
    pub files: u64,
    /// Added lines scanned.
    pub added_lines: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Rules in effect.
    pub rules_loaded: usize,
    /// Findings reported (not suppressed).
    pub findings: usize,
    /// Findings suppressed (inline, ignore file, baseline, allowlist).
    pub suppressed: usize,
    /// Wall time of the scan, in milliseconds.
    pub duration_ms: u64,
    /// Inputs not scanned, with reasons.
    pub skipped: Vec<Skipped>,
    /// The paths whose content was scanned, for reports that list each file (JUnit). Not in
    /// the JSON summary: a history scan can touch hundreds of thousands.
    #[serde(skip)]
    pub scanned_paths: Vec<String>,
}

/// A complete scan result.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// Reported findings, and suppressed ones when verbose.
    pub findings: Vec<Finding>,
    /// What was scanned.
    pub summary: Summary,
}

impl Report {
    /// Findings that block (not suppressed).
    pub fn blocking(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed_by.is_none())
    }
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// Readable text on stderr.
    #[default]
    Human,
    /// One JSON document.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
}

/// Writes the human report. `verbose` also lists suppressed findings.
pub fn write_human(out: &mut dyn Write, report: &Report, verbose: bool) -> io::Result<()> {
    let blocking: Vec<&Finding> = report.blocking().collect();
    let staged = report.summary.mode == "staged";
    let commit_msg = report.summary.mode == "commit-msg";
    if !blocking.is_empty() {
        let what = if staged || commit_msg {
            "this commit is blocked"
        } else {
            "secrets found"
        };
        writeln!(
            out,
            "tierzero: {what}: {} secret{} in the {}\n",
            blocking.len(),
            plural(blocking.len()),
            scope(&report.summary.mode)
        )?;
    }
    for f in &blocking {
        write_finding(out, f)?;
    }
    if verbose {
        for f in report.findings.iter().filter(|f| f.suppressed_by.is_some()) {
            let by = serde_json::to_value(f.suppressed_by)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            writeln!(
                out,
                "suppressed ({by}): {}:{}:{}  {}  [{}]  fingerprint {}",
                f.path, f.line, f.column, f.description, f.rule_id, f.fingerprint
            )?;
        }
    }
    if !blocking.is_empty() {
        writeln!(
            out,
            "Not a secret? Add a `tierzero:allow` comment on that line (`tierzero:allow <rule-id>` for one rule),\n\
             or record its fingerprint with the `tierzero ignore` command shown above."
        )?;
        if commit_msg {
            writeln!(
                out,
                "git kept your message in .git/COMMIT_EDITMSG: take the key out and commit again with\n\
                 `git commit -e -F .git/COMMIT_EDITMSG`."
            )?;
        }
        if staged {
            writeln!(
                out,
                "Committing anyway with `git commit --no-verify` does not make the key safe: CI scans it too."
            )?;
        }
        writeln!(out)?;
    }
    write_summary_line(out, &report.summary)
}

/// The head of a rule description for the terminal: up to the first `: `, `; ` or `. `
/// outside parentheses (the rest details the format, which JSON, SARIF and
/// `tierzero rules --explain` carry), without the key catalog's reference numbers such as
/// ` (A2)`, and without parenthesised details when it is still long.
fn short_description(description: &str) -> String {
    let bytes = description.as_bytes();
    let mut depth = 0i32;
    let mut end = description.len();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b':' | b'.' | b';' if depth <= 0 && bytes.get(i + 1) == Some(&b' ') => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    let head = description[..end].trim_end_matches('.');
    let is_reference = |inner: &str| {
        inner.len() >= 2
            && inner.starts_with(|c: char| c.is_ascii_uppercase())
            && inner[1..].chars().all(|c| c.is_ascii_digit())
    };
    let drop_all = head.len() > 60;
    let mut out = String::with_capacity(head.len());
    let mut depth = 0usize;
    let mut group = String::new();
    for c in head.chars() {
        match c {
            '(' => {
                depth += 1;
                group.push(c);
            }
            ')' if depth > 0 => {
                depth -= 1;
                group.push(c);
                if depth == 0 {
                    let inner = &group[1..group.len() - 1];
                    if !drop_all && !is_reference(inner) {
                        out.push_str(&group);
                    }
                    group.clear();
                }
            }
            _ if depth > 0 => group.push(c),
            _ => out.push(c),
        }
    }
    out.push_str(&group);
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ,", ",")
}

fn write_finding(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    writeln!(
        out,
        "  {}:{}:{}  {}  [{}]",
        f.path,
        f.line,
        f.column,
        f.name
            .clone()
            .unwrap_or_else(|| short_description(&f.description)),
        f.rule_id
    )?;
    if let Some(c) = &f.commit {
        writeln!(out, "    commit   {} ({}, {})", c.id, c.author, c.date)?;
    }
    if f.secret_length > 0 {
        writeln!(
            out,
            "    secret   {} ({} chars, redacted)",
            f.preview, f.secret_length
        )?;
    } else {
        writeln!(
            out,
            "    file     this file should never be committed: add it to .gitignore and unstage it"
        )?;
    }
    let r = &f.remediation;
    let whole_file = f.secret_length == 0;
    if let Some(unstage) = &r.unstage {
        writeln!(out, "    unstage  {unstage}")?;
    }
    if let Some(url) = &r.rotate_url {
        let why = if whole_file {
            "rotate any live credential the file holds"
        } else {
            "it has been written to disk: assume it is exposed"
        };
        writeln!(out, "    rotate   {url}  ({why})")?;
    }
    if let Some(var) = &r.env_var {
        if whole_file {
            writeln!(out, "    instead  {var}")?;
        } else {
            writeln!(
                out,
                "    move to  {var} (load it from the environment or a secret manager at run time)"
            )?;
        }
    }
    if let Some(keyless) = &r.keyless {
        writeln!(out, "    keyless  {keyless}")?;
    }
    writeln!(
        out,
        "    ignore   tierzero ignore {} --reason \"why this is not a secret\"\n",
        f.fingerprint
    )
}

fn write_summary_line(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    let mut line = match s.findings {
        0 => "tierzero: no secrets found".to_string(),
        n => format!("tierzero: {n} secret{} found", plural(n)),
    };
    if s.suppressed > 0 {
        line.push_str(&format!(" ({} suppressed)", s.suppressed));
    }
    line.push_str("; scanned ");
    if s.commits > 0 {
        line.push_str(&format!(
            "{} commit{}, ",
            s.commits,
            plural(s.commits as usize)
        ));
    }
    line.push_str(&format!(
        "{} file{}, {} line{}, {} bytes with {} rules in {} ms",
        s.files,
        plural(s.files as usize),
        s.added_lines,
        plural(s.added_lines as usize),
        s.bytes,
        s.rules_loaded,
        s.duration_ms
    ));
    if !s.skipped.is_empty() {
        line.push_str(&format!("; {} skipped", s.skipped.len()));
    }
    writeln!(out, "{line}")?;
    for skipped in s.skipped.iter().take(20) {
        writeln!(out, "  skipped {}: {}", skipped.path, skipped.reason)?;
    }
    if s.skipped.len() > 20 {
        writeln!(out, "  … and {} more skipped", s.skipped.len() - 20)?;
    }
    Ok(())
}

fn scope(mode: &str) -> &'static str {
    match mode {
        "staged" => "staged changes",
        "range" => "commit range",
        "all-history" => "repository history",
        "commit-msg" => "commit message",
        "stdin" => "standard input",
        _ => "scanned files",
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Writes the JSON report: `{"findings": [...], "summary": {...}}`.
pub fn write_json(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// The `$schema` a SARIF log names: the SARIF 2.1.0 schema as published by SchemaStore,
/// which GitHub code scanning and the SARIF tooling recognise.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The key under which SARIF results carry tierzero's content fingerprint, so code scanning
/// tracks one alert per secret across line moves and re-runs.
pub const SARIF_FINGERPRINT_KEY: &str = "tierzeroFingerprint/v1";

/// Percent-encodes a repository-relative path as a URI reference (`/` kept).
fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What to do about a rule's findings, as plain text: rotate, move to the environment, go
/// keyless, or record why it is not a secret.
fn help_text(f: &Finding) -> String {
    let r = &f.remediation;
    let mut text = format!("{}.\n\nWhat to do:\n", f.description);
    if let Some(url) = &r.rotate_url {
        text.push_str(&format!(
            "- Rotate (revoke) the key now at {url}: it was written to a file, so assume it is exposed; removing it from git does not un-leak it.\n"
        ));
    } else {
        text.push_str(
            "- Revoke the credential with its issuer and create a new one: assume it is exposed.\n",
        );
    }
    if let Some(var) = &r.env_var {
        text.push_str(&format!(
            "- Load the new value from the environment ({var}) or a secret manager at run time; never commit it.\n"
        ));
    }
    if let Some(keyless) = &r.keyless {
        text.push_str(&format!("- Better, go keyless: {keyless}.\n"));
    }
    text.push_str(&format!(
        "- Not a secret? Add `tierzero:allow {}` on the line, or run `tierzero ignore <fingerprint> --reason \"...\"`.\n",
        f.rule_id
    ));
    text
}

fn help_markdown(f: &Finding) -> String {
    let r = &f.remediation;
    let mut md = format!("**{}**\n\n", f.description);
    if let Some(url) = &r.rotate_url {
        md.push_str(&format!(
            "1. **Rotate** (revoke) the key now: <{url}>. It was written to a file, so assume it is exposed; removing it from git does not un-leak it.\n"
        ));
    } else {
        md.push_str("1. **Revoke** the credential with its issuer and create a new one: assume it is exposed.\n");
    }
    if let Some(var) = &r.env_var {
        md.push_str(&format!(
            "1. Load the new value from the environment (`{var}`) or a secret manager at run time.\n"
        ));
    }
    if let Some(keyless) = &r.keyless {
        md.push_str(&format!("1. Better, go **keyless**: {keyless}.\n"));
    }
    md.push_str(&format!(
        "\nNot a secret? Add `tierzero:allow {}` on the line, or run `tierzero ignore <fingerprint> --reason \"...\"`.\n",
        f.rule_id
    ));
    md
}

/// A finding's one-line message, naming the redacted preview and never the secret.
fn finding_message(f: &Finding) -> String {
    let mut text = if f.secret_length > 0 {
        format!(
            "{} found: {} ({} chars, redacted).",
            f.description, f.preview, f.secret_length
        )
    } else {
        format!("{}: this file should never be committed.", f.description)
    };
    if let Some(c) = &f.commit {
        text.push_str(&format!(
            " Added in commit {} by {} on {}.",
            c.id, c.author, c.date
        ));
    }
    if let Some(url) = &f.remediation.rotate_url {
        text.push_str(&format!(" Rotate it: {url}"));
    }
    text
}

fn suppression_kind(by: crate::finding::SuppressedBy) -> (&'static str, &'static str) {
    use crate::finding::SuppressedBy;
    match by {
        SuppressedBy::Inline => (
            "inSource",
            "a tierzero:allow annotation on or above the line",
        ),
        SuppressedBy::IgnoreFile => ("external", "fingerprint listed in .tierzero-ignore"),
        SuppressedBy::Baseline => ("external", "fingerprint in the baseline"),
        SuppressedBy::Allowlist => ("external", "a configured allowlist"),
    }
}

/// Writes a SARIF 2.1.0 log: one run, one `rule` per rule that produced a finding (with its
/// remediation as help), one `result` per finding with the content fingerprint in
/// `partialFingerprints`. No snippet is written: the log never holds a secret.
pub fn write_sarif(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    use serde_json::{json, Value};

    let mut rule_index: std::collections::HashMap<&str, usize> = Default::default();
    let mut rules: Vec<Value> = Vec::new();
    for f in &report.findings {
        if rule_index.contains_key(f.rule_id.as_str()) {
            continue;
        }
        rule_index.insert(&f.rule_id, rules.len());
        rules.push(json!({
            "id": f.rule_id,
            "name": f.rule_id,
            "shortDescription": { "text": f.description },
            "fullDescription": {
                "text": format!("{}: a credential in content added to git.", f.description)
            },
            "help": { "text": help_text(f), "markdown": help_markdown(f) },
            "defaultConfiguration": { "level": "error" },
            "properties": {
                "tags": ["security", "secret", "credential"],
                "precision": "high",
                "security-severity": "9.0"
            }
        }));
    }
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut result = json!({
                "ruleId": f.rule_id,
                // Every finding's rule was indexed in the loop above.
                "ruleIndex": rule_index[f.rule_id.as_str()],
                "kind": "fail",
                "level": "error",
                "message": { "text": finding_message(f) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": uri_reference(&f.path),
                            "uriBaseId": "%SRCROOT%"
                        },
                        "region": { "startLine": f.line.max(1), "startColumn": f.column.max(1) }
                    }
                }],
                "partialFingerprints": { SARIF_FINGERPRINT_KEY: f.fingerprint },
                "properties": { "fingerprint": f.fingerprint, "secretLength": f.secret_length }
            });
            if let Some(c) = &f.commit {
                result["properties"]["commit"] = json!({
                    "id": c.id, "author": c.author, "date": c.date
                });
            }
            if let Some(by) = f.suppressed_by {
                let (kind, why) = suppression_kind(by);
                result["suppressions"] = json!([{
                    "kind": kind,
                    "status": "accepted",
                    "justification": why
                }]);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "tierzero",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules
                }
            },
            "automationDetails": { "id": format!("tierzero/{}/", report.summary.mode) },
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [{
                "executionSuccessful": true,
                "properties": { "summary": report.summary }
            }]
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

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
pub fn write_junit(out: &mut dyn Write, report: &Report) -> io::Result<()> {
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
        ("mode", s.mode.clone()),
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
            xml_escape(&k.reason)
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
mod machine_format_tests {
    use super::*;

    #[test]
    fn uri_references_are_percent_encoded() {
        assert_eq!(uri_reference("src/a b/ü.py"), "src/a%20b/%C3%BC.py");
        assert_eq!(uri_reference("<stdin>"), "%3Cstdin%3E");
    }

    #[test]
    fn xml_escaping_drops_control_characters() {
        assert_eq!(
            xml_escape("a<b>&\"'\u{1}"),
            "a&lt;b&gt;&amp;&quot;&apos;\u{FFFD}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::short_description;

    #[test]
    fn short_descriptions_for_the_terminal() {
        assert_eq!(
            short_description("OpenAI project API key (A2), the current default: sk-proj- + 74"),
            "OpenAI project API key, the current default"
        );
        assert_eq!(
            short_description(".env file with real settings: .env, .env.local"),
            ".env file with real settings"
        );
        assert_eq!(
            short_description("Private key block (PEM: RSA, EC): more"),
            "Private key block (PEM: RSA, EC)"
        );
        assert_eq!(short_description("Plain text"), "Plain text");
        assert_eq!(
            short_description(
                "Docker Hub personal (dckr_pat_ + 27) and organization (dckr_oat_ + 32) access tokens"
            ),
            "Docker Hub personal and organization access tokens"
        );
        assert_eq!(
            short_description("Alibaba Cloud AccessKey secret (30 alphanumerics); reported only"),
            "Alibaba Cloud AccessKey secret (30 alphanumerics)"
        );
        assert_eq!(
            short_description("Key (legacy format)."),
            "Key (legacy format)"
        );
    }
}
