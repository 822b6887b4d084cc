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
fn finish(
    mut findings: Vec<crate::finding::Finding>,
    mut summary: Summary,
    opts: &ScanOptions,
) -> Report {
    summary.suppressed = findings
        .iter()
        .filter(|f| f.suppressed_by.is_some())
        .count();
    summary.findings = findings.len() - summary.suppressed;
    let keep_suppressed = opts.verbose || opts.format != Format::Human;
    if !keep_suppressed {
        findings.retain(|f| f.suppressed_by.is_none());
    }
    Report { findings, summary }
}

/// Below this many changed files, scanning stays on the calling thread: a second
/// repository handle and a thread cost more than they save on a typical commit.
const PARALLEL_MIN_ENTRIES: usize = 64;

/// Reads, diffs and scans `entries`, in parallel across cores when there are many. Findings
/// come back in entry order whatever the thread schedule, so output is deterministic.
pub fn scan_entries(
    repo: &git2::Repository,
    entries: &[diff::ChangeEntry],
    loaded: &Loaded,
    staged: bool,
    stats: &mut DiffStats,
) -> Result<Vec<crate::finding::Finding>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if entries.len() < PARALLEL_MIN_ENTRIES || threads < 2 {
        let mut scanner = Scanner::new(&loaded.rules, &loaded.suppressor, staged);
        for entry in entries {
            diff::visit_entry(repo, entry, stats, &mut |file| scanner.scan_file(file))?;
        }
        return Ok(scanner.into_findings());
    }
    /// Findings of one thread, tagged with the index of the entry they came from.
    type Tagged = Vec<(usize, Vec<crate::finding::Finding>)>;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let worker = || -> Result<(Tagged, DiffStats)> {
        // One repository handle per thread: libgit2 handles are not shared across threads.
        let repo = diff::open_repository()?;
        let mut scanner = Scanner::new(&loaded.rules, &loaded.suppressor, staged);
        let mut stats = DiffStats::default();
        let mut found = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(entry) = entries.get(i) else { break };
            diff::visit_entry(&repo, entry, &mut stats, &mut |file| {
                scanner.scan_file(file)
            })?;
            let new = scanner.take_findings();
            if !new.is_empty() {
                found.push((i, new));
            }
        }
        Ok((found, stats))
    };
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|_| s.spawn(worker)).collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::Internal("a scan thread panicked".into())))
            })
            .collect()
    });
    let mut tagged = Vec::new();
    for result in results {
        let (found, thread_stats) = result?;
        stats.add(&thread_stats);
        tagged.extend(found);
    }
    tagged.sort_by_key(|(i, _)| *i);
    Ok(tagged.into_iter().flat_map(|(_, f)| f).collect())
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
    let mut stats = DiffStats::default();
    let entries = diff::staged_entries(&repo, &mut stats)?;
    let findings = scan_entries(&repo, &entries, &loaded, true, &mut stats)?;
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
            report::write_human(&mut out, report, opts.verbose).map_err(Error::io("<stderr>"))
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
