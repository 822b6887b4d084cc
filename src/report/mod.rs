//! Reports: one [`Report`] (findings plus a [`Summary`] of what was scanned, in a typed
//! [`ScanMode`]) rendered by one file per format — [`human`] (stderr, for a person at a
//! commit), [`json`] (a document, or JSON lines), [`sarif`] (2.1.0) and [`junit`] — all
//! built from the same
//! [`Finding`] values, so they can never disagree.
//!
//! Nothing here sees a secret (findings arrive redacted), reads git or runs rules. What a
//! user should run next (unstage, amend, purge history) is chosen here, from the mode.

use std::io::{self, Write};

use serde::Serialize;

pub mod finding;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

pub use crate::input::Skipped;
use finding::Finding;

/// What was scanned, and so what the report says and suggests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScanMode {
    /// The staged change (the pre-commit and pre-merge-commit hooks).
    #[default]
    Staged,
    /// The whole staged contents of files a hook manager named.
    StagedFiles,
    /// A commit range (`--range`).
    Range,
    /// The commits a push sends (the pre-push hook).
    PrePush,
    /// Commits a ref update adds that no ref reaches yet (the reference-transaction hook).
    NewCommits,
    /// Every blob of the history (`--all-history`).
    AllHistory,
    /// Files and directories on disk.
    Files,
    /// Standard input.
    Stdin,
    /// A commit message (the commit-msg hook).
    CommitMsg,
    /// HEAD's tree (and history) for a baseline.
    Baseline,
}

impl ScanMode {
    /// The mode's name in reports (`staged`, `pre-push`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ScanMode::Staged => "staged",
            ScanMode::StagedFiles => "staged-files",
            ScanMode::Range => "range",
            ScanMode::PrePush => "pre-push",
            ScanMode::NewCommits => "new-commits",
            ScanMode::AllHistory => "all-history",
            ScanMode::Files => "files",
            ScanMode::Stdin => "stdin",
            ScanMode::CommitMsg => "commit-msg",
            ScanMode::Baseline => "baseline",
        }
    }

    /// Whether the findings concern a commit being made, which the user can still change
    /// before it exists.
    pub fn is_commit(self) -> bool {
        matches!(
            self,
            ScanMode::Staged | ScanMode::StagedFiles | ScanMode::CommitMsg
        )
    }

    /// Whether findings come from the index (and can be unstaged).
    pub fn is_staged(self) -> bool {
        matches!(self, ScanMode::Staged | ScanMode::StagedFiles)
    }

    /// How the report names what was scanned.
    pub fn scope(self) -> &'static str {
        match self {
            ScanMode::Staged | ScanMode::StagedFiles => "staged changes",
            ScanMode::Range => "commit range",
            ScanMode::PrePush => "commits being pushed",
            ScanMode::NewCommits => "commits being added to a branch",
            ScanMode::AllHistory => "repository history",
            ScanMode::CommitMsg => "commit message",
            ScanMode::Stdin => "standard input",
            ScanMode::Files => "scanned files",
            ScanMode::Baseline => "files of HEAD",
        }
    }
}

impl std::fmt::Display for ScanMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What was scanned, for the last line of the report and the JSON `summary`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// What was scanned.
    pub mode: ScanMode,
    /// Commits scanned (range and history modes).
    pub commits: u64,
    /// Files with content scanned.
    pub files: u64,
    /// Commit and tag messages scanned.
    pub messages: u64,
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
    /// Files whose content was not scanned, with reasons.
    pub skipped: Vec<Skipped>,
    /// Files whose text was recovered before scanning (UTF-16/32 decoded, a binary's
    /// printable runs), and how.
    pub recovered: Vec<crate::input::Recovered>,
    /// Merge commits not diffed (range scans without `--merges`).
    pub merges_skipped: u64,
    /// Submodules passed over (they carry no content of this repository).
    pub non_files: u64,
    /// Some blocking finding is in a file `tierzero fix` can rewrite (the report says so).
    #[serde(skip)]
    pub fixable: bool,
    /// Nothing was scanned and nothing is worth a line (a ref update that adds no commit).
    #[serde(skip)]
    pub quiet: bool,
    /// The staged change is the repository's first commit (there is no HEAD to restore to).
    #[serde(skip)]
    pub first_commit: bool,
    /// How to run this tierzero in the commands the report suggests, when `tierzero` on
    /// `PATH` is not it (a hook manager's private install): its absolute path, quoted.
    #[serde(skip)]
    pub program: Option<String>,
    /// The paths whose content was scanned, for reports that list each file (JUnit). Not in
    /// the JSON summary: a history scan can touch hundreds of thousands.
    #[serde(skip)]
    pub scanned_paths: Vec<String>,
}

/// A complete scan result.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// Reported findings, and suppressed ones (marked) when verbose or machine-readable.
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
    /// One JSON object per finding, one per line.
    Jsonl,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
}

/// Writes `report` in `format`. `verbose` also lists suppressed findings (human format).
pub fn write(
    out: &mut dyn Write,
    report: &Report,
    format: Format,
    verbose: bool,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(out, report, verbose),
        Format::Json => json::write(out, report),
        Format::Jsonl => json::write_lines(out, report, verbose),
        Format::Sarif => sarif::write(out, report),
        Format::Junit => junit::write(out, report),
    }
}

/// `s` when `n` is not one.
fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
