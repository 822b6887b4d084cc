//! The commands behind the command line: each wires a source of added lines to the scanner
//! and returns a [`Report`], or performs one maintenance action. `main.rs` maps their
//! results to exit codes; nothing here calls `exit`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use crate::config::{self, ConfigOptions, Loaded};
use crate::diff::{self, DiffStats};
use crate::error::{Error, Result};
use crate::report::{self, Format, Report, Summary};
use crate::scan::Scanner;

/// Options shared by every scan.
#[derive(Clone, Debug, Default)]
pub struct ScanOptions {
    /// Output format.
    pub format: Format,
    /// Where machine formats go (stdout when `None`).
    pub output: Option<PathBuf>,
    /// Also show suppressed findings.
    pub verbose: bool,
    /// Configuration choices.
    pub config: ConfigOptions,
    /// What a commit that concludes a merge is scanned for.
    pub merge_scan: diff::MergeScan,
}

fn summary(mode: &str, stats: &DiffStats, loaded: &Loaded, started: Instant) -> Summary {
    let mut skipped = Vec::new();
    if stats.binary_skipped > 0 {
        skipped.push(report::Skipped {
            path: format!("{} binary file(s)", stats.binary_skipped),
            reason: "binary content is not scanned (path rules still apply)".into(),
        });
    }
    Summary {
        mode: mode.to_string(),
        files: stats.files,
        added_lines: stats.added_lines,
        bytes: stats.added_bytes,
        rules_loaded: loaded.rules.rules().len(),
        duration_ms: started.elapsed().as_millis() as u64,
        skipped,
        ..Default::default()
    }
}

/// Finishes a report: counts, and drops suppressed findings unless they are wanted.
fn finish(mut findings: Vec<crate::finding::Finding>, mut summary: Summary, opts: &ScanOptions) -> Report {
    summary.suppressed = findings.iter().filter(|f| f.suppressed_by.is_some()).count();
    summary.findings = findings.len() - summary.suppressed;
    let keep_suppressed = opts.verbose || opts.format != Format::Human;
    if !keep_suppressed {
        findings.retain(|f| f.suppressed_by.is_none());
    }
    Report { findings, summary }
}

/// Scans the staged change: HEAD (or the empty tree) against the index git will commit.
pub fn scan_staged(opts: &ScanOptions) -> Result<Report> {
    let started = Instant::now();
    let repo = diff::open_repository()?;
    if repo.is_bare() {
        return Err(Error::Usage(
            "this is a bare repository: there is no staged change to scan (use `tierzero scan --range`)".into(),
        ));
    }
    let loaded = config::load(repo.workdir(), &opts.config)?;
    let index = diff::staged_index(&repo)?;
    let changes = diff::staged_diff(&repo, &index)?;
    let mut stats = DiffStats::default();
    let mut scanner = Scanner::new(&loaded.rules, &loaded.suppressor, true);
    let merge_heads = match opts.merge_scan {
        diff::MergeScan::Resolution => diff::merge_heads(&repo)?,
        diff::MergeScan::All => Vec::new(),
    };
    if merge_heads.is_empty() {
        diff::for_each_changed_file(&repo, &changes, &mut stats, |file| scanner.scan_file(file))?;
    } else {
        // Concluding a merge: only what is new relative to every parent (see diff.rs).
        let theirs = merge_heads
            .iter()
            .map(|id| {
                let tree = repo
                    .find_commit(*id)
                    .and_then(|c| c.tree())
                    .map_err(Error::git(format!("reading merge parent {id}")))?;
                diff::tree_to_index_diff(&repo, Some(&tree), &index)
            })
            .collect::<Result<Vec<_>>>()?;
        diff::for_each_resolution_file(&repo, &changes, &theirs, &mut stats, |file| {
            scanner.scan_file(file)
        })?;
    }
    let findings = scanner.into_findings();
    let summary = summary("staged", &stats, &loaded, started);
    Ok(finish(findings, summary, opts))
}

/// Writes `report` in the chosen format: human text to stderr, machine formats to
/// `--output` or stdout.
pub fn render(report: &Report, opts: &ScanOptions) -> Result<()> {
    match opts.format {
        Format::Human => {
            let stderr = std::io::stderr();
            let mut out = stderr.lock();
            report::write_human(&mut out, report, opts.verbose)
                .map_err(Error::io("<stderr>"))
        }
        format => {
            let mut buffer = Vec::new();
            match format {
                Format::Json => report::write_json(&mut buffer, report),
                Format::Sarif | Format::Junit => {
                    return Err(Error::Usage(format!(
                        "{format:?} output is not available in this build"
                    )))
                }
                Format::Human => unreachable!("handled above"),
            }
            .map_err(Error::io("<report>"))?;
            match &opts.output {
                Some(path) => std::fs::write(path, &buffer).map_err(Error::io(path)),
                None => {
                    let mut stdout = std::io::stdout().lock();
                    stdout
                        .write_all(&buffer)
                        .and_then(|()| stdout.flush())
                        .map_err(Error::io("<stdout>"))
                }
            }
        }
    }
}
