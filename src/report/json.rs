//! The JSON reports, rendered from the same [`Report`] as the other formats:
//!
//! - `json`: one document, `{"findings": [...], "suppressed": [...], "summary": {...}}`.
//!   `findings` holds only what was reported (what blocks), so a consumer counting it
//!   counts what the exit code stands for; `suppressed` holds the findings that were
//!   silenced, each with `suppressed_by` (the kind) and `reason` (in words).
//! - `jsonl`: one reported finding per line (with `--verbose`, suppressed ones too, each
//!   carrying `suppressed_by`), and nothing else, for piping into other tools and for
//!   history scans too large to hold as one document. The summary goes to stderr.

use std::io::{self, Write};

use serde::Serialize;

use super::finding::Finding;
use super::{Report, Summary};

/// A suppressed finding with its reason spelled out.
#[derive(Serialize)]
struct Suppressed<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    reason: &'static str,
}

#[derive(Serialize)]
struct Document<'a> {
    findings: Vec<&'a Finding>,
    suppressed: Vec<Suppressed<'a>>,
    summary: &'a Summary,
}

/// Writes the JSON document.
pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let doc = Document {
        findings: report.blocking().collect(),
        suppressed: report
            .findings
            .iter()
            .filter_map(|f| {
                f.suppressed_by.map(|by| Suppressed {
                    finding: f,
                    reason: by.reason(),
                })
            })
            .collect(),
        summary: &report.summary,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// Writes one JSON object per line: the reported findings, and the suppressed ones too
/// when `verbose`.
pub fn write_lines(out: &mut dyn Write, report: &Report, verbose: bool) -> io::Result<()> {
    for f in &report.findings {
        match f.suppressed_by {
            None => serde_json::to_writer(&mut *out, f)?,
            Some(by) if verbose => serde_json::to_writer(
                &mut *out,
                &Suppressed {
                    finding: f,
                    reason: by.reason(),
                },
            )?,
            Some(_) => continue,
        }
        writeln!(out)?;
    }
    Ok(())
}
