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
    if !blocking.is_empty() {
        let what = if staged {
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

fn write_finding(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    writeln!(
        out,
        "  {}:{}:{}  {}  [{}]",
        f.path, f.line, f.column, f.description, f.rule_id
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
            "    file     this file should never be committed: add it to .gitignore"
        )?;
    }
    let r = &f.remediation;
    if let Some(unstage) = &r.unstage {
        writeln!(out, "    unstage  {unstage}")?;
    }
    if let Some(url) = &r.rotate_url {
        writeln!(
            out,
            "    rotate   {url}  (it has been written to disk: assume it is exposed)"
        )?;
    }
    if let Some(var) = &r.env_var {
        writeln!(
            out,
            "    move to  {var} (load it from the environment or a secret manager at run time)"
        )?;
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
