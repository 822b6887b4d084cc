//! `tierzero scan` (and the scanning hooks): picks the source the flags name, runs it
//! through the one driver, and renders the report.
//!
//! Rendering follows ripgrep's rules for output errors: a reader that went away (`| head`)
//! ends the command quietly with the scan's own outcome; a report that cannot be written at
//! all when there is something to report is an error (exit 2), never a silent pass.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::commands::console::{is_closed_pipe, write_all, Console, Outcome};
use crate::engine::driver::{self, Engine, Scan, Threads};
use crate::error::Stream;
use crate::error::{Error, Result};
use crate::input::Origin;
use crate::input::Source as _;
use crate::policy::config::ConfigOptions;
use crate::policy::config::{self, Loaded};
use crate::report::{self, Format, Report, ScanMode, Summary};
use crate::source::commits::{self, CommitSource, Merges};
use crate::source::disk::{self, DiskReader, DEFAULT_MAX_FILE_SIZE};
use crate::source::gitcli;
use crate::source::history;
use crate::source::push::{self, RefUpdate};
use crate::source::refs::{self, RefChange};
use crate::source::repo::{open_repository, open_repository_at};
use crate::source::staged::MergeScan;
use crate::source::staged::{self, StagedShape};
use crate::source::text::{self, Text, TextReader};

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
    pub merge_scan: MergeScan,
    /// Range scans: also diff merge commits against their first parent.
    pub merges: bool,
    /// Files, history: skip content larger than this many bytes (default
    /// [`crate::source::disk::DEFAULT_MAX_FILE_SIZE`]).
    pub max_file_size: Option<u64>,
    /// Staged mode: paths a hook manager passed.
    pub paths: Vec<PathBuf>,
    /// Whether the human report is styled (the `--color` choice, resolved).
    pub color: bool,
}

/// What to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum What {
    /// The staged change (the default; the pre-commit hook).
    Staged,
    /// Every commit of a revision range, in the repository containing `repo`.
    Range {
        /// A path inside the repository (`.` for the current one).
        repo: PathBuf,
        /// What `git rev-list` would take.
        specs: Vec<String>,
    },
    /// The commits a push sends, from the pre-push hook's ref lines.
    PrePush(Vec<RefUpdate>),
    /// The commits a ref update makes reachable that no ref reaches yet (the
    /// reference-transaction hook: cherry-pick, rebase, am, revert).
    NewCommits(Vec<RefChange>),
    /// Every blob of the history.
    AllHistory,
    /// Files and directories on disk.
    Files(Vec<PathBuf>),
    /// Standard input.
    Stdin,
    /// A commit message file.
    CommitMsg(PathBuf),
}

/// Scans what `what` names and renders the report; the outcome says whether anything
/// blocks.
pub fn run(what: &What, opts: &ScanOptions, console: &mut Console<'_>) -> Result<Outcome> {
    let (report, loaded) = scan_with_rules(what, opts)?;
    // The rules (hundreds of compiled regexes and allocations) are not freed: a command's
    // scan is the last thing its process does, and freeing them cost a twentieth of a
    // typical commit's scan. The report owns everything it needs. (`report`, a library
    // call that a long-lived caller may repeat, frees them.)
    std::mem::forget(loaded);
    let outcome = render(&report, opts, console)?;
    // `tierzero status` proves protection by watching a canary get refused.
    crate::install::status::selftest::record_probe(&report);
    Ok(outcome)
}

/// Scans what `what` names.
pub fn report(what: &What, opts: &ScanOptions) -> Result<Report> {
    scan_with_rules(what, opts).map(|(report, _)| report)
}

/// [`report`], with the rules it loaded (`None` when there was nothing to scan).
fn scan_with_rules(what: &What, opts: &ScanOptions) -> Result<(Report, Option<Loaded>)> {
    let started = Instant::now();
    let max_size = opts.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE);
    let (mode, scan, loaded, first_commit) = match what {
        What::Staged => staged_scan(opts)?,
        What::Range { repo, specs } => {
            let repo = open_repository_at(repo)?;
            let loaded = config::load(repo.workdir(), &opts.config)?;
            let ids = commits::resolve_range(&repo, specs)?;
            let tags = commits::annotated_tags(&repo, specs)?;
            let merges = if opts.merges {
                Merges::FirstParent
            } else {
                Merges::Skip
            };
            let (source, jobs, reader) = CommitSource::new(repo, ids, tags, merges);
            let scan = drive(&loaded, &source, &jobs, reader)?;
            (ScanMode::Range, scan, loaded, false)
        }
        What::PrePush(updates) => {
            let repo = open_repository()?;
            let loaded = config::load(repo.workdir(), &opts.config)?;
            let ids = push::commits_to_push(&repo, updates)?;
            let tags = push::tags_to_push(&repo, updates);
            let (source, jobs, reader) = CommitSource::new(repo, ids, tags, Merges::Resolution);
            let scan = drive(&loaded, &source, &jobs, reader)?;
            (ScanMode::PrePush, scan, loaded, false)
        }
        What::NewCommits(changes) => {
            let ids = if refs::any_can_add_commits(changes) {
                let repo = open_repository()?;
                let ids = refs::new_commits(&repo, changes)?;
                let approved = refs::approved_by_pre_commit(&repo, &ids, changes);
                (!ids.is_empty()).then_some((repo, ids, approved))
            } else {
                None
            };
            let Some((repo, ids, approved)) = ids else {
                // Nothing new (a fetch, a checkout, a branch at a known commit): no config
                // to load, nothing to print.
                let report = Report {
                    summary: Summary {
                        mode: ScanMode::NewCommits,
                        quiet: true,
                        ..Default::default()
                    },
                    ..Default::default()
                };
                return Ok((report, None));
            };
            let loaded = config::load(repo.workdir(), &opts.config)?;
            let (source, mut jobs, reader) =
                CommitSource::new(repo, ids, Vec::new(), Merges::Resolution);
            if approved {
                // An ordinary `git commit`: pre-commit just scanned this very content; the
                // message, which `--no-verify` would have let past commit-msg, still counts.
                jobs = vec![commits::CommitJob::Message(0)];
            }
            let scan = drive(&loaded, &source, &jobs, reader)?;
            (ScanMode::NewCommits, scan, loaded, false)
        }
        What::AllHistory => {
            let repo = open_repository_at(Path::new("."))?;
            let loaded = config::load(repo.workdir(), &opts.config)?;
            let (source, jobs, reader) = history::list(repo, max_size)?;
            let bar = progress_bar(progress_wanted(), jobs.len() as u64);
            let tick = |n: usize| bar.inc(n as u64);
            let mut scan = driver::run(
                engine(&loaded),
                &source,
                &jobs,
                reader,
                Threads::Adaptive,
                Some(&tick),
            )?;
            bar.finish_and_clear();
            scan.stats.commits = source.commits();
            (ScanMode::AllHistory, scan, loaded, false)
        }
        What::Files(paths) => {
            if paths.is_empty() {
                return Err(Error::Usage("no files or directories to scan".into()));
            }
            let repo = open_repository().ok();
            let root = match (repo.as_ref().and_then(|r| r.workdir()), paths.as_slice()) {
                (Some(workdir), _) => Some(workdir.to_path_buf()),
                // A lone directory outside any repository is its own root.
                (None, [only]) if only.is_dir() => Some(only.clone()),
                (None, _) => None,
            };
            let loaded = config::load(root.as_deref(), &opts.config)?;
            let jobs = disk::list(paths)?;
            let reader = DiskReader { max_size };
            let mut scan = drive(&loaded, &reader, &jobs, reader)?;
            if let Some(root) = &root {
                relative_to_root(&mut scan, root);
            }
            (ScanMode::Files, scan, loaded, false)
        }
        What::Stdin => {
            let repo = open_repository().ok();
            let loaded = config::load(repo.as_ref().and_then(|r| r.workdir()), &opts.config)?;
            let job = Text {
                name: text::STDIN_NAME.to_string(),
                bytes: text::read_stdin()?,
                origin: Origin::Stdin,
            };
            let scan = driver::run(
                engine(&loaded),
                &TextReader,
                &[job],
                TextReader,
                Threads::One,
                None,
            )?;
            (ScanMode::Stdin, scan, loaded, false)
        }
        What::CommitMsg(file) => {
            let repo = open_repository().ok();
            let loaded = config::load(repo.as_ref().and_then(|r| r.workdir()), &opts.config)?;
            let raw = std::fs::read(file).map_err(Error::io(file))?;
            let job = Text {
                name: file.to_string_lossy().replace('\\', "/"),
                bytes: text::commit_message_text(
                    &raw,
                    &text::comment_prefix(repo.as_ref()),
                    text::cleanup_mode(repo.as_ref()),
                ),
                origin: Origin::Message,
            };
            let scan = driver::run(
                engine(&loaded),
                &TextReader,
                &[job],
                TextReader,
                Threads::One,
                None,
            )?;
            (ScanMode::CommitMsg, scan, loaded, false)
        }
    };
    let mut summary = summary(mode, &scan, &loaded, started);
    summary.first_commit = first_commit;
    summary.fixable = mode.is_staged()
        && scan
            .findings
            .iter()
            .any(|f| f.suppressed_by.is_none() && crate::fix::lang::fixable(&f.path));
    // The hook runs on every ref update, after pre-commit already spoke for an ordinary
    // commit: it says something only when it refuses.
    summary.quiet = mode == ScanMode::NewCommits;
    summary.scanned_paths = scan.scanned_paths;
    summary.program = program_override();
    Ok((finish(scan.findings, summary, opts), Some(loaded)))
}

/// Rewrites the paths of files on disk (as given: `/abs/x`, `../x`, `x` from a
/// subdirectory) as paths from the repository root, as every other mode reports them, so
/// reports (SARIF's artifact URIs above all) do not depend on where the scan was started.
/// Paths outside the root are left as given.
fn relative_to_root(scan: &mut Scan, root: &Path) {
    let Ok(root) = std::fs::canonicalize(root) else {
        return;
    };
    let cwd = std::env::current_dir().ok();
    let rebase = |path: &mut String| {
        let given = Path::new(path.as_str());
        let absolute = match &cwd {
            _ if given.is_absolute() => given.to_path_buf(),
            Some(cwd) => cwd.join(given),
            None => return,
        };
        // The file was just read, so it exists; its parent resolves symlinks (`/tmp`).
        let resolved = match (absolute.parent(), absolute.file_name()) {
            (Some(dir), Some(name)) => match std::fs::canonicalize(dir) {
                Ok(dir) => dir.join(name),
                Err(_) => return,
            },
            _ => return,
        };
        if let Ok(rel) = resolved.strip_prefix(&root) {
            if !rel.as_os_str().is_empty() {
                *path = rel.to_string_lossy().replace('\\', "/");
            }
        }
    };
    for f in &mut scan.findings {
        rebase(&mut f.path);
    }
    for s in &mut scan.skipped {
        rebase(&mut s.path);
    }
    for p in &mut scan.scanned_paths {
        rebase(p);
    }
}

/// The running binary's absolute path (shell-quoted) when `tierzero` on `PATH` is not this
/// binary or there is none — the pre-commit framework and `cargo run` put tierzero where
/// PATH does not look — so the `tierzero ignore …` the report suggests runs as printed.
pub fn program_override() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
    let name = exe.file_name()?.to_owned();
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(&name))
            .find(|candidate| candidate.is_file())
    });
    match on_path.map(|p| std::fs::canonicalize(&p).unwrap_or(p)) {
        Some(found) if found == exe && name == "tierzero" => None,
        _ => Some(crate::util::shell_quote(&exe.to_string_lossy())),
    }
}

/// The staged change through the one driver: read by our own index reader or libgit2, or —
/// for SHA-256 repositories and split or sparse indexes, which libgit2 cannot read —
/// through git's command line. Returns the mode, the scan, the configuration and whether
/// this is the repository's first commit.
fn staged_scan(opts: &ScanOptions) -> Result<(ScanMode, Scan, Loaded, bool)> {
    match staged::list(opts.merge_scan, &opts.paths) {
        Ok(listing) => {
            let loaded = config::load(listing.workdir(), &opts.config)?;
            let mode = match listing.shape {
                StagedShape::WholeFiles => ScanMode::StagedFiles,
                StagedShape::Changes | StagedShape::Resolution => ScanMode::Staged,
            };
            let first_commit = listing.first_commit;
            let scan = drive(&loaded, &listing.source, &listing.jobs, listing.reader)?;
            Ok((mode, scan, loaded, first_commit))
        }
        Err(e) if gitcli::is_unsupported_layout(&e) => {
            let cwd = std::env::current_dir().map_err(Error::io("the current directory"))?;
            let mut listing = gitcli::list(&cwd)?;
            if !opts.paths.is_empty() {
                let named = named_paths(&listing.workdir, &cwd, &opts.paths);
                listing
                    .jobs
                    .retain(|e| named.iter().any(|n| n.as_bytes() == e.path()));
            }
            let loaded = config::load(Some(&listing.workdir), &opts.config)?;
            let reader = listing.source.reader()?;
            let scan = drive(&loaded, &listing.source, &listing.jobs, reader)?;
            Ok((ScanMode::Staged, scan, loaded, listing.first_commit))
        }
        Err(e) => Err(e),
    }
}

/// The repository-relative form of paths a hook manager passed (relative to `cwd`).
fn named_paths(workdir: &Path, cwd: &Path, paths: &[PathBuf]) -> Vec<String> {
    let workdir = std::fs::canonicalize(workdir).unwrap_or_else(|_| workdir.to_path_buf());
    let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    paths
        .iter()
        .filter_map(|p| {
            let absolute = cwd.join(p);
            let rel = absolute.strip_prefix(&workdir).ok()?;
            Some(rel.to_string_lossy().replace('\\', "/"))
        })
        .collect()
}

/// Runs `jobs` through the one driver with `loaded`'s rules and policy, on as many cores as
/// the work deserves.
pub(crate) fn drive<S: crate::input::Source>(
    loaded: &Loaded,
    source: &S,
    jobs: &[<S::Reader as crate::input::Reader>::Job],
    reader: S::Reader,
) -> Result<Scan> {
    driver::run(
        engine(loaded),
        source,
        jobs,
        reader,
        Threads::Adaptive,
        None,
    )
}

/// The engine a loaded configuration defines.
pub fn engine(loaded: &Loaded) -> Engine<'_> {
    Engine {
        rules: &loaded.rules,
        suppressor: &loaded.suppressor,
    }
}

fn summary(mode: ScanMode, scan: &Scan, loaded: &Loaded, started: Instant) -> Summary {
    let s = &scan.stats;
    Summary {
        mode,
        commits: s.commits,
        files: s.files,
        messages: s.messages,
        added_lines: s.added_lines,
        bytes: s.added_bytes,
        rules_loaded: loaded.rules.rules().len(),
        duration_ms: started.elapsed().as_millis() as u64,
        skipped: scan.skipped.clone(),
        recovered: scan.recovered.clone(),
        merges_skipped: s.merges_skipped,
        non_files: s.submodules,
        ..Default::default()
    }
}

/// Finishes a report: counts, and drops suppressed findings unless they are wanted.
fn finish(
    mut findings: Vec<crate::report::finding::Finding>,
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

/// Writes `report` in the chosen format — the human report to stderr, machine formats to
/// `--output` or stdout (with the one-line summary on stderr when written to a file) — and
/// returns the outcome it stands for.
pub fn render(report: &Report, opts: &ScanOptions, console: &mut Console<'_>) -> Result<Outcome> {
    let outcome = if report.blocking().next().is_some() {
        Outcome::Found
    } else {
        Outcome::Clean
    };
    let written = match (opts.format, &opts.output) {
        (Format::Human, None) => {
            let mut buffer = Vec::new();
            report::human::write(&mut buffer, report, opts.verbose).map_err(internal)?;
            if !opts.color {
                buffer = anstream::adapter::strip_bytes(&buffer).into_vec();
            }
            write_all(console.err, &buffer, Stream::Stderr)
        }
        (format, output) => {
            let mut buffer = Vec::new();
            report::write(&mut buffer, report, format, opts.verbose).map_err(internal)?;
            match output {
                Some(path) => {
                    std::fs::write(path, &buffer).map_err(Error::io(path))?;
                    let mut line = Vec::new();
                    report::human::write_summary_line(&mut line, &report.summary)
                        .map_err(internal)?;
                    // The report itself is in the file; a lost summary line loses nothing.
                    let _ = console.err.write_all(&line);
                    Ok(())
                }
                None if format == Format::Jsonl => {
                    // JSON lines carry findings only; the summary is for the person.
                    let out = write_all(console.out, &buffer, Stream::Stdout);
                    let mut line = Vec::new();
                    report::human::write_summary_line(&mut line, &report.summary)
                        .map_err(internal)?;
                    let _ = console.err.write_all(&line);
                    out
                }
                None => write_all(console.out, &buffer, Stream::Stdout),
            }
        }
    };
    match written {
        Ok(()) => Ok(outcome),
        // The reader went away (`| head`): nothing more to say, the outcome stands.
        Err(e) if is_closed_pipe(&e) => Ok(outcome),
        // Nothing to report but the summary line: the exit code says it all.
        Err(_) if outcome == Outcome::Clean && opts.format == Format::Human => Ok(outcome),
        Err(e) => Err(e),
    }
}

/// Rendering into memory cannot fail but through a bug in a renderer.
fn internal(e: std::io::Error) -> Error {
    Error::Internal(format!("rendering the report: {e}"))
}

/// Whether a progress bar may be drawn: only for a person watching a terminal, never in CI
/// logs or pipes.
pub fn progress_wanted() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

fn progress_bar(enabled: bool, total: u64) -> indicatif::ProgressBar {
    if !enabled {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} blobs scanned, {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar
}
