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
use crate::{history, sources};

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
    /// Range scans: also diff merge commits against their first parent.
    pub merges: bool,
    /// Files, history: skip content larger than this many bytes (default
    /// [`sources::DEFAULT_MAX_FILE_SIZE`]).
    pub max_file_size: Option<u64>,
    /// Staged mode: paths a hook manager passed (see [`scan_staged`]).
    pub paths: Vec<PathBuf>,
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

/// Scanning starts on the calling thread; once it has read this many bytes of added lines
/// and more files remain, helper threads join in. A typical commit never pays for a
/// thread or a second repository handle; a big one uses every core.
const PARALLEL_AFTER_BYTES: u64 = 256 << 10;

/// Findings of one thread, tagged with the index of the entry they came from.
type Tagged = Vec<(usize, Vec<crate::finding::Finding>)>;

/// Takes entries from the shared counter until none are left, scanning each; calls
/// `after_each` with the bytes scanned so far after every entry.
fn drain_entries(
    repo: &git2::Repository,
    entries: &[diff::ChangeEntry],
    next: &std::sync::atomic::AtomicUsize,
    scanner: &mut Scanner<'_>,
    stats: &mut DiffStats,
    found: &mut Tagged,
    mut after_each: impl FnMut(u64, usize),
) -> Result<()> {
    loop {
        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let Some(entry) = entries.get(i) else {
            return Ok(());
        };
        if let Err(e) = diff::visit_entry(repo, entry, stats, &mut |file| scanner.scan_file(file)) {
            // Stop the other threads too: the scan has failed.
            next.store(entries.len(), std::sync::atomic::Ordering::Relaxed);
            return Err(e);
        }
        let new = scanner.take_findings();
        if !new.is_empty() {
            found.push((i, new));
        }
        after_each(stats.added_bytes, i);
    }
}

/// Reads, diffs and scans `entries`, bringing in helper threads when the change is big.
/// Findings come back in entry order whatever the thread schedule, so output is
/// deterministic.
pub fn scan_entries(
    repo: &git2::Repository,
    entries: &[diff::ChangeEntry],
    loaded: &Loaded,
    staged: bool,
    stats: &mut DiffStats,
) -> Result<Vec<crate::finding::Finding>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let helper = || -> Result<(Tagged, DiffStats)> {
        // One repository handle per thread: libgit2 handles are not shared across threads.
        let repo = diff::open_repository()?;
        let mut scanner = Scanner::new(&loaded.rules, &loaded.suppressor, staged);
        let (mut stats, mut found) = (DiffStats::default(), Vec::new());
        drain_entries(
            &repo,
            entries,
            &next,
            &mut scanner,
            &mut stats,
            &mut found,
            |_, _| {},
        )?;
        Ok((found, stats))
    };
    let (own, helpers) = std::thread::scope(|s| {
        let mut handles = Vec::new();
        let mut scanner = Scanner::new(&loaded.rules, &loaded.suppressor, staged);
        let mut found = Vec::new();
        let own = drain_entries(
            repo,
            entries,
            &next,
            &mut scanner,
            stats,
            &mut found,
            |bytes, i| {
                if handles.is_empty()
                    && threads > 1
                    && bytes >= PARALLEL_AFTER_BYTES
                    && i + 2 < entries.len()
                {
                    handles = (1..threads).map(|_| s.spawn(helper)).collect();
                }
            },
        )
        .map(|()| found);
        let helpers: Vec<_> = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::Internal("a scan thread panicked".into())))
            })
            .collect();
        (own, helpers)
    });
    let mut tagged = own?;
    for result in helpers {
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
    let merge_heads = match opts.merge_scan {
        diff::MergeScan::Resolution => diff::merge_heads(&repo)?,
        diff::MergeScan::All => Vec::new(),
    };
    // A hook manager passes the files it was asked about. In a commit they are the staged
    // ones; when some have no staged change at all, this is an explicit run over files
    // (`pre-commit run --all-files`), and scanning only the (empty) diff would pass
    // silently: scan the whole staged contents of every file given instead.
    // Either way only the files named are scanned: the framework's `files`/`exclude`
    // filters mean what they say, and its batches of names partition the work.
    let mut named: Option<std::collections::HashSet<Vec<u8>>> = None;
    let whole_files = if opts.paths.is_empty() {
        None
    } else {
        let given = diff::repo_relative_paths(&repo, &opts.paths)?;
        let entries = diff::index_file_entries(&repo, &given)?;
        named = Some(given.into_iter().collect());
        diff::any_unchanged(&repo, &entries)?.then_some(entries)
    };
    let is_named = |path: &[u8]| named.as_ref().map_or(true, |n| n.contains(path));
    let mode = if whole_files.is_some() {
        "staged-files"
    } else {
        "staged"
    };
    let (findings, paths) = if let Some(entries) = whole_files {
        let paths = entries
            .iter()
            .map(|e| String::from_utf8_lossy(&e.path).into_owned())
            .collect();
        (
            scan_entries(&repo, &entries, &loaded, true, &mut stats)?,
            paths,
        )
    } else if merge_heads.is_empty() {
        let mut entries = diff::staged_entries(&repo, &mut stats)?;
        entries.retain(|e| is_named(&e.path));
        let paths = entries
            .iter()
            .map(|e| String::from_utf8_lossy(&e.path).into_owned())
            .collect();
        (
            scan_entries(&repo, &entries, &loaded, true, &mut stats)?,
            paths,
        )
    } else {
        // Concluding a merge: only what is new relative to every parent (see diff.rs).
        let index = diff::staged_index(&repo)?;
        let changes = diff::staged_diff(&repo, &index)?;
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
        let mut scanner = Scanner::new(&loaded.rules, &loaded.suppressor, true);
        let mut paths = Vec::new();
        diff::for_each_resolution_file(&repo, &changes, &theirs, &mut stats, |file| {
            if !is_named(file.path) {
                return Ok(());
            }
            paths.push(String::from_utf8_lossy(file.path).into_owned());
            scanner.scan_file(file)
        })?;
        (scanner.into_findings(), paths)
    };
    let mut summary = summary(mode, &stats, &loaded, started);
    summary.scanned_paths = paths;
    Ok(finish(findings, summary, opts))
}

/// Writes `report` in the chosen format: human text to stderr, machine formats to
/// `--output` or stdout.
pub fn render(report: &Report, opts: &ScanOptions) -> Result<()> {
    match opts.format {
        Format::Human if opts.output.is_none() => {
            let stderr = std::io::stderr();
            let mut out = stderr.lock();
            report::write_human(&mut out, report, opts.verbose).map_err(Error::io("<stderr>"))
        }
        format => {
            let mut buffer = Vec::new();
            match format {
                Format::Json => report::write_json(&mut buffer, report),
                Format::Sarif => report::write_sarif(&mut buffer, report),
                Format::Junit => report::write_junit(&mut buffer, report),
                // Only with --output: the human report goes to the file.
                Format::Human => report::write_human(&mut buffer, report, opts.verbose),
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

/// Adds what a commit scan saw to a summary.
fn commit_summary(
    mode: &str,
    scan: &mut history::CommitScan,
    loaded: &Loaded,
    started: Instant,
) -> Summary {
    let mut s = summary(mode, &scan.stats, loaded, started);
    s.commits = scan.commits;
    if scan.merges_skipped > 0 {
        s.skipped.push(report::Skipped {
            path: format!("{} merge commit(s)", scan.merges_skipped),
            reason: "merges are not diffed without --merges (their content was scanned on the side it came from)"
                .into(),
        });
    }
    s.skipped.append(&mut scan.skipped);
    s.scanned_paths = std::mem::take(&mut scan.paths).into_iter().collect();
    s
}

/// Adds what a plain-text scan saw to a summary.
fn text_summary(
    mode: &str,
    scan: &mut sources::TextScan,
    loaded: &Loaded,
    started: Instant,
) -> Summary {
    let mut s = summary(mode, &scan.stats, loaded, started);
    // Each binary is listed by name below; drop the aggregate line.
    s.skipped.clear();
    s.skipped.append(&mut scan.skipped);
    s.scanned_paths = std::mem::take(&mut scan.paths);
    s
}

/// Whether a progress bar may be drawn: only for a person watching a terminal, never in CI
/// logs or pipes.
pub fn progress_wanted() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// The repository around the current directory, if there is one (for configuration and
/// `core.commentChar`); plain-file modes also work outside a repository.
fn ambient_repository() -> Option<git2::Repository> {
    diff::open_repository().ok()
}

/// Scans every commit `git rev-list <range_specs>` would list in the repository at
/// `repo_path`, each against its first parent, added lines only. Merge commits are skipped
/// unless `opts.merges`. Findings carry the commit that added them.
pub fn scan_range(
    repo_path: &std::path::Path,
    range_specs: &[String],
    opts: &ScanOptions,
) -> Result<Report> {
    let started = Instant::now();
    let repo = history::open_repository_at(repo_path)?;
    let loaded = config::load(repo.workdir(), &opts.config)?;
    let commits = history::resolve_range(&repo, range_specs)?;
    let mut scan = history::scan_commits(
        &repo,
        &commits,
        opts.merges,
        &loaded.rules,
        &loaded.suppressor,
    )?;
    let findings = std::mem::take(&mut scan.findings);
    let summary = commit_summary("range", &mut scan, &loaded, started);
    Ok(finish(findings, summary, opts))
}

/// Scans every blob reachable from any ref in the repository at `repo_path`, once each, on
/// all cores; findings name the oldest commit that holds them.
pub fn scan_history(repo_path: &std::path::Path, opts: &ScanOptions) -> Result<Report> {
    let started = Instant::now();
    let repo = history::open_repository_at(repo_path)?;
    let loaded = config::load(repo.workdir(), &opts.config)?;
    let history_opts = history::HistoryOptions {
        max_file_size: opts.max_file_size.unwrap_or(sources::DEFAULT_MAX_FILE_SIZE),
        progress: progress_wanted(),
    };
    let mut scan = history::scan_history(&repo, &history_opts, &loaded.rules, &loaded.suppressor)?;
    let findings = std::mem::take(&mut scan.findings);
    let summary = commit_summary("all-history", &mut scan, &loaded, started);
    Ok(finish(findings, summary, opts))
}

/// Scans files and directories as they are on disk (directories walked honouring
/// `.gitignore`), skipping binaries and files above the size limit.
pub fn scan_files(paths: &[PathBuf], opts: &ScanOptions) -> Result<Report> {
    let started = Instant::now();
    if paths.is_empty() {
        return Err(Error::Usage("no files or directories to scan".into()));
    }
    let repo = ambient_repository();
    let root = match (repo.as_ref().and_then(|r| r.workdir()), paths) {
        (Some(workdir), _) => Some(workdir.to_path_buf()),
        // A lone directory outside any repository is its own root.
        (None, [only]) if only.is_dir() => Some(only.clone()),
        (None, _) => None,
    };
    let loaded = config::load(root.as_deref(), &opts.config)?;
    let max = opts.max_file_size.unwrap_or(sources::DEFAULT_MAX_FILE_SIZE);
    let mut scan = sources::scan_paths(paths, max, &loaded.rules, &loaded.suppressor)?;
    let findings = std::mem::take(&mut scan.findings);
    let summary = text_summary("files", &mut scan, &loaded, started);
    Ok(finish(findings, summary, opts))
}

/// Scans standard input as one file named `<stdin>`.
pub fn scan_stdin(opts: &ScanOptions) -> Result<Report> {
    let started = Instant::now();
    let repo = ambient_repository();
    let loaded = config::load(repo.as_ref().and_then(|r| r.workdir()), &opts.config)?;
    let text = sources::read_stdin()?;
    let mut scan = sources::scan_named_text(
        sources::STDIN_NAME,
        &text,
        &loaded.rules,
        &loaded.suppressor,
    )?;
    let findings = std::mem::take(&mut scan.findings);
    let summary = text_summary("stdin", &mut scan, &loaded, started);
    Ok(finish(findings, summary, opts))
}

/// Scans a commit message file (what git passes to a `commit-msg` hook), ignoring the lines
/// git strips: comments and everything below the `git commit -v` scissors line.
pub fn scan_commit_msg(file: &std::path::Path, opts: &ScanOptions) -> Result<Report> {
    let started = Instant::now();
    let repo = ambient_repository();
    let loaded = config::load(repo.as_ref().and_then(|r| r.workdir()), &opts.config)?;
    let raw = std::fs::read(file).map_err(Error::io(file))?;
    let text = sources::commit_message_text(
        &raw,
        &sources::comment_prefix(repo.as_ref()),
        sources::strips_comments(repo.as_ref()),
    );
    let name = file.to_string_lossy().replace('\\', "/");
    let mut scan = sources::scan_named_text(&name, &text, &loaded.rules, &loaded.suppressor)?;
    let findings = std::mem::take(&mut scan.findings);
    let summary = text_summary("commit-msg", &mut scan, &loaded, started);
    Ok(finish(findings, summary, opts))
}
