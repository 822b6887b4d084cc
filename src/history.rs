//! Commits as a source of added lines: a commit range, and the whole history.
//!
//! A range is what `git rev-list` would list for the same arguments (`A..B`, `A...B`, `^A`,
//! `B`, `X^!`, `--not`, `--all`, `--branches`, `--tags`, `--remotes`); each commit in it is
//! diffed against its first parent (a root commit against the empty tree) and only its added
//! lines are scanned, so a finding names the commit that added it. Merge commits are skipped
//! unless asked for: what they bring in was already scanned on the side it came from.
//!
//! The whole history is scanned differently, because diffing every commit re-reads each blob
//! twice and scans the same line once per commit that touches the file: every commit
//! reachable from any ref is walked oldest first, each blob is read and scanned once, in
//! full, on all cores (one repository handle per thread), and a secret is reported once per
//! path, attributed to the oldest commit whose tree holds it. A secret added and removed
//! later is still found: the blob that held it is in history.
//!
//! This module does not match secrets (the scanner does) and does not print anything but the
//! progress bar.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use git2::{ObjectType, Oid, Repository, RepositoryOpenFlags, Sort};
use rayon::prelude::*;

use crate::diff::{self, ChangedFile, DiffStats, Hunk};
use crate::error::{Error, Result};
use crate::finding::{CommitInfo, Finding};
use crate::report::Skipped;
use crate::rules::RuleSet;
use crate::scan::Scanner;
use crate::suppress::Suppressor;

/// The object id git prints for "no commit" (the old side of a new branch in a push).
const ZERO_OID: &str = "0000000000000000000000000000000000000000";

/// What a range or history scan produced.
#[derive(Debug, Default)]
pub struct CommitScan {
    /// Findings, each carrying its commit, oldest commit first.
    pub findings: Vec<Finding>,
    /// Files, lines and bytes scanned.
    pub stats: DiffStats,
    /// Commits walked (merges included, whether or not they were diffed).
    pub commits: u64,
    /// Merge commits not diffed (range mode without `--merges`).
    pub merges_skipped: u64,
    /// Paths scanned, for reports that list them.
    pub paths: BTreeSet<String>,
    /// Objects not scanned, with reasons.
    pub skipped: Vec<Skipped>,
}

/// Opens the repository containing `path`. When `path` is `.` and git exported `GIT_DIR`
/// (as it does for hooks in some layouts), git's own environment wins, as it would for git.
pub fn open_repository_at(path: &Path) -> Result<Repository> {
    if path == Path::new(".") && std::env::var_os("GIT_DIR").is_some() {
        return diff::open_repository();
    }
    let repo = Repository::open_ext(
        path,
        RepositoryOpenFlags::FROM_ENV,
        std::iter::empty::<&Path>(),
    )
    .map_err(|e| {
        if e.code() == git2::ErrorCode::NotFound {
            Error::NotARepository(path.display().to_string())
        } else {
            Error::Git {
                context: format!("opening the repository at {}", path.display()),
                source: e,
            }
        }
    })?;
    // git does not re-hash objects it reads; neither do we (about 30% of read time).
    git2::opts::strict_hash_verification(false);
    Ok(repo)
}

/// The commit a revision names, peeling tags.
fn commit_of(repo: &Repository, rev: &str) -> Result<Oid> {
    if rev == ZERO_OID {
        return Err(Error::Usage(format!(
            "{ZERO_OID} is the id git uses for \"no commit\" (a branch that did not exist before the push): \
             scan a new branch against the default branch instead, e.g. --range \"origin/main..<new sha>\" (see docs/CI.md)"
        )));
    }
    let object = repo.revparse_single(rev).map_err(|e| match e.code() {
        git2::ErrorCode::NotFound | git2::ErrorCode::Ambiguous | git2::ErrorCode::InvalidSpec => {
            Error::Usage(format!(
                "unknown revision {rev:?}: {} (in CI, fetch enough history: `git fetch origin <branch>`, or a full clone)",
                e.message()
            ))
        }
        _ => Error::Git {
            context: format!("resolving {rev:?}"),
            source: e,
        },
    })?;
    object
        .peel_to_commit()
        .map(|c| c.id())
        .map_err(|_| Error::Usage(format!("{rev:?} does not name a commit")))
}

fn parents_of(repo: &Repository, id: Oid) -> Result<Vec<Oid>> {
    let commit = repo
        .find_commit(id)
        .map_err(Error::git(format!("reading commit {id}")))?;
    Ok(commit.parent_ids().collect())
}

/// Every ref whose full name matches `matches`, peeled to a commit (refs that point at
/// anything else, such as a tag of a blob, are left out as git does).
fn refs_matching(repo: &Repository, matches: impl Fn(&str) -> bool) -> Result<Vec<Oid>> {
    let mut out = Vec::new();
    let refs = repo
        .references()
        .map_err(Error::git("listing references"))?;
    for r in refs {
        let r = r.map_err(Error::git("listing references"))?;
        let Ok(name) = r.name() else { continue };
        if !matches(name) {
            continue;
        }
        if let Ok(commit) = r.peel_to_commit() {
            out.push(commit.id());
        }
    }
    Ok(out)
}

/// `--branches[=pattern]` and friends: refs under `prefix`, optionally restricted by a glob
/// that gets `/*` appended when it has no glob characters (git's rule).
fn glob_refs(repo: &Repository, prefix: &str, pattern: Option<&str>) -> Result<Vec<Oid>> {
    let Some(pattern) = pattern else {
        return refs_matching(repo, |name| name.starts_with(prefix));
    };
    let mut full = format!("{prefix}{pattern}");
    if !pattern.contains(['*', '?', '[']) {
        full.push_str("/*");
    }
    let glob = globset::Glob::new(&full)
        .map_err(|e| Error::Usage(format!("bad ref pattern {pattern:?}: {e}")))?
        .compile_matcher();
    refs_matching(repo, |name| glob.is_match(name))
}

/// The commits `git rev-list <specs>` would list, oldest first (parents before children).
///
/// Each spec may hold several whitespace-separated tokens (`"^A B"`, `"B --not --remotes"`).
/// A single revision means that commit and all its ancestors, as in git.
pub fn resolve_range(repo: &Repository, specs: &[impl AsRef<str>]) -> Result<Vec<Oid>> {
    let mut tips: Vec<(Oid, bool)> = Vec::new();
    let mut negate = false;
    let mut tokens = 0usize;
    for token in specs.iter().flat_map(|s| s.as_ref().split_whitespace()) {
        tokens += 1;
        let flip = negate;
        let mut add = |oids: Vec<Oid>, include: bool| {
            tips.extend(oids.into_iter().map(|o| (o, include != flip)));
        };
        if let Some(option) = token.strip_prefix("--") {
            let (name, pattern) = match option.split_once('=') {
                Some((n, p)) => (n, Some(p)),
                None => (option, None),
            };
            match (name, pattern) {
                ("not", None) => negate = !negate,
                ("all", None) => {
                    let mut all = refs_matching(repo, |_| true)?;
                    if let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) {
                        all.push(head.id());
                    }
                    add(all, true);
                }
                ("branches", p) => add(glob_refs(repo, "refs/heads/", p)?, true),
                ("tags", p) => add(glob_refs(repo, "refs/tags/", p)?, true),
                ("remotes", p) => add(glob_refs(repo, "refs/remotes/", p)?, true),
                _ => {
                    return Err(Error::Usage(format!(
                        "unsupported option {token:?} in a range (supported: --not, --all, --branches, --tags, --remotes)"
                    )))
                }
            }
            continue;
        }
        if let Some((left, right)) = token.split_once("...") {
            let a = commit_of(repo, if left.is_empty() { "HEAD" } else { left })?;
            let b = commit_of(repo, if right.is_empty() { "HEAD" } else { right })?;
            let bases = match repo.merge_bases(a, b) {
                Ok(bases) => bases.iter().copied().collect(),
                Err(e) if e.code() == git2::ErrorCode::NotFound => Vec::new(),
                Err(e) => {
                    return Err(Error::Git {
                        context: format!("finding the merge base of {token:?}"),
                        source: e,
                    })
                }
            };
            add(vec![a, b], true);
            add(bases, false);
        } else if let Some((left, right)) = token.split_once("..") {
            let a = commit_of(repo, if left.is_empty() { "HEAD" } else { left })?;
            let b = commit_of(repo, if right.is_empty() { "HEAD" } else { right })?;
            add(vec![a], false);
            add(vec![b], true);
        } else if let Some(rev) = token.strip_suffix("^!") {
            let id = commit_of(repo, rev)?;
            add(parents_of(repo, id)?, false);
            add(vec![id], true);
        } else if let Some(rev) = token.strip_suffix("^@") {
            let id = commit_of(repo, rev)?;
            add(parents_of(repo, id)?, true);
        } else if let Some(rev) = token.strip_suffix("^-") {
            let id = commit_of(repo, rev)?;
            add(parents_of(repo, id)?.into_iter().take(1).collect(), false);
            add(vec![id], true);
        } else if let Some(rev) = token.strip_prefix('^') {
            add(vec![commit_of(repo, rev)?], false);
        } else {
            add(vec![commit_of(repo, token)?], true);
        }
    }
    if tokens == 0 {
        return Err(Error::Usage(
            "empty range: give a revision range such as origin/main..HEAD".into(),
        ));
    }
    if !tips.iter().any(|&(_, include)| include) {
        return Ok(Vec::new());
    }
    let mut walk = repo
        .revwalk()
        .map_err(Error::git("starting a revision walk"))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)
        .map_err(Error::git("sorting the revision walk"))?;
    for (oid, include) in tips {
        if include {
            walk.push(oid)
        } else {
            walk.hide(oid)
        }
        .map_err(Error::git(format!("walking from {oid}")))?;
    }
    walk.collect::<std::result::Result<Vec<_>, _>>()
        .map_err(Error::git("walking the commit range"))
}

/// The author and date of a commit, for findings.
pub fn commit_info(commit: &git2::Commit<'_>) -> CommitInfo {
    let author = commit.author();
    CommitInfo {
        id: commit.id().to_string(),
        author: format!(
            "{} <{}>",
            String::from_utf8_lossy(author.name_bytes()),
            String::from_utf8_lossy(author.email_bytes())
        ),
        date: rfc3339(author.when()),
    }
}

/// Formats a git timestamp in its own UTC offset, as RFC 3339.
pub fn rfc3339(time: git2::Time) -> String {
    let offset = i64::from(time.offset_minutes());
    let local = time.seconds().saturating_add(offset * 60);
    let (y, m, d) = crate::finding::civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{}{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        if offset < 0 { '-' } else { '+' },
        offset.abs() / 60,
        offset.abs() % 60
    )
}

/// One repository handle per rayon worker: `git2::Repository` is `Send` but not `Sync`.
fn open_worker(git_dir: &Path) -> Result<Repository> {
    // FROM_ENV: the objects git's environment adds (GIT_OBJECT_DIRECTORY, alternates) are
    // visible to every thread, as to the main handle.
    Repository::open_ext(
        git_dir,
        RepositoryOpenFlags::FROM_ENV,
        std::iter::empty::<&Path>(),
    )
    .map_err(Error::git(format!(
        "opening {} for a scan thread",
        git_dir.display()
    )))
}

/// What one commit of a range produced.
#[derive(Default)]
struct CommitResult {
    findings: Vec<Finding>,
    stats: DiffStats,
    paths: Vec<String>,
    merge_skipped: bool,
}

fn scan_commit(
    repo: &Repository,
    id: Oid,
    merges: bool,
    rules: &RuleSet,
    suppressor: &Suppressor,
) -> Result<CommitResult> {
    let commit = repo
        .find_commit(id)
        .map_err(Error::git(format!("reading commit {id}")))?;
    if commit.parent_count() > 1 && !merges {
        return Ok(CommitResult {
            merge_skipped: true,
            ..Default::default()
        });
    }
    let tree = commit
        .tree()
        .map_err(Error::git(format!("reading the tree of commit {id}")))?;
    let parent_tree = match commit.parent(0) {
        Ok(parent) => Some(
            parent
                .tree()
                .map_err(Error::git(format!("reading the tree of {}", parent.id())))?,
        ),
        // A root commit, or the boundary of a shallow clone: everything in it was added.
        Err(_) => None,
    };
    let changes = diff::tree_diff(repo, parent_tree.as_ref(), &tree)?;
    let mut result = CommitResult::default();
    let mut scanner = Scanner::new(rules, suppressor, false);
    diff::for_each_changed_file(repo, &changes, &mut result.stats, |file| {
        result
            .paths
            .push(String::from_utf8_lossy(file.path).into_owned());
        scanner.scan_file(file)
    })?;
    result.findings = scanner.into_findings();
    if !result.findings.is_empty() {
        let info = commit_info(&commit);
        for f in &mut result.findings {
            f.commit = Some(info.clone());
        }
    }
    Ok(result)
}

fn add_stats(total: &mut DiffStats, part: &DiffStats) {
    total.files += part.files;
    total.added_lines += part.added_lines;
    total.added_bytes += part.added_bytes;
    total.binary_skipped += part.binary_skipped;
    total.non_files_skipped += part.non_files_skipped;
}

/// Scans the added lines of each commit in `commits` (as listed by [`resolve_range`]), in
/// parallel, keeping their order. Merge commits are diffed against their first parent when
/// `merges` is set, and skipped otherwise.
pub fn scan_commits(
    repo: &Repository,
    commits: &[Oid],
    merges: bool,
    rules: &RuleSet,
    suppressor: &Suppressor,
) -> Result<CommitScan> {
    let git_dir = repo.path().to_path_buf();
    let results: Vec<CommitResult> = if commits.len() <= 1 {
        commits
            .iter()
            .map(|&id| scan_commit(repo, id, merges, rules, suppressor))
            .collect::<Result<_>>()?
    } else {
        // Chunks, each scanned through one repository handle: opening a repository reads
        // its config and pack indexes, which must not happen once per commit.
        let chunks: Vec<Vec<CommitResult>> = commits
            .par_chunks(16)
            .map(|chunk| {
                let repo = open_worker(&git_dir)?;
                chunk
                    .iter()
                    .map(|&id| scan_commit(&repo, id, merges, rules, suppressor))
                    .collect::<Result<Vec<_>>>()
            })
            .collect::<Result<_>>()?;
        chunks.into_iter().flatten().collect()
    };
    let mut scan = CommitScan {
        commits: commits.len() as u64,
        ..Default::default()
    };
    // A secret is reported by the first commit (oldest first) that adds it at a path; a
    // merge scanned with --merges re-adds what its side branch added, and that is no news.
    let mut reported: HashSet<(String, String)> = HashSet::new();
    for r in results {
        scan.merges_skipped += u64::from(r.merge_skipped);
        add_stats(&mut scan.stats, &r.stats);
        scan.paths.extend(r.paths);
        let fresh: Vec<bool> = r
            .findings
            .iter()
            .map(|f| !reported.contains(&(f.path.clone(), f.fingerprint.clone())))
            .collect();
        for (f, fresh) in r.findings.into_iter().zip(fresh) {
            if fresh {
                reported.insert((f.path.clone(), f.fingerprint.clone()));
                scan.findings.push(f);
            }
        }
    }
    Ok(scan)
}

/// Options of a whole-history scan.
#[derive(Clone, Debug)]
pub struct HistoryOptions {
    /// Blobs larger than this are not read (path rules still apply).
    pub max_file_size: u64,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

/// A blob to read, found at `path` first in commit number `commit`.
struct BlobJob {
    blob: Oid,
    path: Vec<u8>,
    commit: u32,
    /// The blob was already scanned at another path: only path rules run here.
    path_only: bool,
}

/// Deeper trees are refused rather than risk the stack (git refuses them too, through its
/// `core.maxTreeDepth`).
const MAX_TREE_DEPTH: u32 = 2048;

/// Keys of the (path, object) pairs already walked; the path is hashed to keep the set small
/// (a collision would need two paths with equal 64-bit hashes holding the same object).
fn entry_key(path: &[u8], id: Oid) -> (u64, Oid) {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    path.hash(&mut h);
    (h.finish(), id)
}

/// Walks trees and records every blob the first time it appears at a path.
struct TreeWalker<'r> {
    repo: &'r Repository,
    seen_entries: HashSet<(u64, Oid)>,
    seen_blobs: HashSet<Oid>,
    jobs: Vec<BlobJob>,
    non_files: u64,
}

impl TreeWalker<'_> {
    fn walk(&mut self, tree_id: Oid, prefix: &mut Vec<u8>, commit: u32, depth: u32) -> Result<()> {
        if depth > MAX_TREE_DEPTH {
            return Err(Error::Usage(format!(
                "tree {tree_id} at {:?} is nested more than {MAX_TREE_DEPTH} levels deep; refusing to walk it",
                String::from_utf8_lossy(prefix)
            )));
        }
        let tree = self
            .repo
            .find_tree(tree_id)
            .map_err(Error::git(format!("reading tree {tree_id}")))?;
        for entry in tree.iter() {
            let len = prefix.len();
            if !prefix.is_empty() {
                prefix.push(b'/');
            }
            prefix.extend_from_slice(entry.name_bytes());
            let id = entry.id();
            match entry.kind() {
                Some(ObjectType::Tree) => {
                    if self.seen_entries.insert(entry_key(prefix, id)) {
                        self.walk(id, prefix, commit, depth + 1)?;
                    }
                }
                // Any blob but a symlink's target, whatever odd mode an old tool wrote.
                Some(ObjectType::Blob) if entry.filemode() != 0o120000 => {
                    if self.seen_entries.insert(entry_key(prefix, id)) {
                        let path_only = !self.seen_blobs.insert(id);
                        self.jobs.push(BlobJob {
                            blob: id,
                            path: prefix.clone(),
                            commit,
                            path_only,
                        });
                    }
                }
                // Symlinks and submodules carry no content of this repository to scan.
                _ => {
                    if self.seen_entries.insert(entry_key(prefix, id)) {
                        self.non_files += 1;
                    }
                }
            }
            prefix.truncate(len);
        }
        Ok(())
    }
}

/// What scanning one blob produced.
#[derive(Default)]
struct BlobResult {
    findings: Vec<Finding>,
    stats: DiffStats,
    skipped: Option<Skipped>,
}

fn scan_blob(
    repo: &Repository,
    job: &BlobJob,
    max_size: u64,
    rules: &RuleSet,
    suppressor: &Suppressor,
) -> Result<BlobResult> {
    let mut result = BlobResult::default();
    let mut scanner = Scanner::new(rules, suppressor, false);
    let path_only = |scanner: &mut Scanner<'_>| {
        scanner.scan_file(&ChangedFile {
            path: &job.path,
            content: &[],
            hunks: &[],
            binary: true,
        })
    };
    if job.path_only {
        if !rules.path_only().is_empty() {
            path_only(&mut scanner)?;
        }
        result.findings = scanner.into_findings();
        return Ok(result);
    }
    // No size check before reading: asking libgit2 for a packed object's size walks its
    // delta chain and inflates the start of a delta, which costs about as much as reading a
    // typical source file outright.
    let blob = repo
        .find_blob(job.blob)
        .map_err(Error::git(format!("reading blob {}", job.blob)))?;
    let content = blob.content();
    let size = content.len() as u64;
    if size > max_size {
        result.skipped = Some(Skipped {
            path: format!("{} (blob {})", String::from_utf8_lossy(&job.path), job.blob),
            reason: format!("larger than --max-file-size ({size} > {max_size} bytes)"),
        });
        path_only(&mut scanner)?;
        result.findings = scanner.into_findings();
        return Ok(result);
    }
    if diff::is_binary(content) {
        result.stats.binary_skipped += 1;
        path_only(&mut scanner)?;
    } else {
        let hunks = [Hunk {
            bytes: 0..content.len(),
            first_line: 1,
        }];
        result.stats.files += 1;
        result.stats.added_lines += diff::count_lines(content);
        result.stats.added_bytes += content.len() as u64;
        scanner.scan_file(&ChangedFile {
            path: &job.path,
            content,
            hunks: if content.is_empty() { &[] } else { &hunks },
            binary: false,
        })?;
    }
    result.findings = scanner.into_findings();
    Ok(result)
}

fn progress_bar(enabled: bool) -> indicatif::ProgressBar {
    if !enabled {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar
}

/// One scan thread of a history scan: its own repository handle, blobs from the channel
/// until it closes. After an error it keeps draining the channel (so the walker never
/// blocks) and reports the first error.
fn scan_worker(
    git_dir: &Path,
    rx: &std::sync::Mutex<std::sync::mpsc::Receiver<Vec<BlobJob>>>,
    failed: &AtomicBool,
    bar: &indicatif::ProgressBar,
    opts: &HistoryOptions,
    rules: &RuleSet,
    suppressor: &Suppressor,
) -> Result<Vec<(u32, String, BlobResult)>> {
    let (repo, mut error) = match open_worker(git_dir) {
        Ok(repo) => (Some(repo), None),
        Err(e) => {
            failed.store(true, Ordering::Relaxed);
            (None, Some(e))
        }
    };
    let mut out = Vec::new();
    loop {
        // A poisoned lock means another scan thread panicked; that is reported by its join.
        let batch = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => break,
        };
        let Ok(batch) = batch else { break };
        let Some(repo) = repo.as_ref().filter(|_| error.is_none()) else {
            continue;
        };
        for job in &batch {
            match scan_blob(repo, job, opts.max_file_size, rules, suppressor) {
                Ok(result) => {
                    let path = String::from_utf8_lossy(&job.path).into_owned();
                    out.push((job.commit, path, result));
                }
                Err(e) => {
                    failed.store(true, Ordering::Relaxed);
                    error = Some(e);
                    break;
                }
            }
        }
        bar.inc(batch.len() as u64);
    }
    match error {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Walks the trees of `commits` (oldest first), sending each blob the first time it appears
/// at a path, in batches; returns the number of symlinks and submodules seen. Stops early,
/// without error, when a scan failed (the scan reports why).
fn walk_trees(
    repo: &Repository,
    commits: &[Oid],
    tx: &std::sync::mpsc::SyncSender<Vec<BlobJob>>,
    failed: &AtomicBool,
    bar: &indicatif::ProgressBar,
) -> Result<u64> {
    const BATCH: usize = 64;
    let mut walker = TreeWalker {
        repo,
        seen_entries: HashSet::new(),
        seen_blobs: HashSet::new(),
        jobs: Vec::new(),
        non_files: 0,
    };
    let mut prefix = Vec::new();
    for (n, &id) in commits.iter().enumerate() {
        let commit = repo
            .find_commit(id)
            .map_err(Error::git(format!("reading commit {id}")))?;
        walker.walk(commit.tree_id(), &mut prefix, n as u32, 0)?;
        if walker.jobs.len() >= BATCH || n + 1 == commits.len() {
            let batch = std::mem::take(&mut walker.jobs);
            bar.inc_length(batch.len() as u64);
            if failed.load(Ordering::Relaxed) || tx.send(batch).is_err() {
                break;
            }
        }
        if n % 256 == 0 {
            bar.set_message(format!("{n}/{} commits walked", commits.len()));
        }
    }
    bar.set_message(format!("{} commits walked", commits.len()));
    Ok(walker.non_files)
}

/// Scans every blob reachable from every ref (and HEAD) once, in parallel; see the module
/// documentation. Findings are reported once per (path, secret), attributed to the oldest
/// commit whose tree holds them.
pub fn scan_history(
    repo: &Repository,
    opts: &HistoryOptions,
    rules: &RuleSet,
    suppressor: &Suppressor,
) -> Result<CommitScan> {
    let bar = progress_bar(opts.progress);
    bar.set_message("walking commits");

    let mut walk = repo
        .revwalk()
        .map_err(Error::git("starting a revision walk"))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)
        .map_err(Error::git("sorting the revision walk"))?;
    let mut tips = refs_matching(repo, |_| true)?;
    if let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) {
        tips.push(head.id());
    }
    for tip in tips {
        walk.push(tip)
            .map_err(Error::git(format!("walking from {tip}")))?;
    }
    let commits = walk
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(Error::git("walking the history"))?;

    if opts.progress {
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {msg}: {pos}/{len} blobs scanned, {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
    }

    // The tree walk (this thread) and the blob scans (one thread per core, each with its own
    // repository handle) overlap: the walker hands over batches of blobs through a bounded
    // channel as it finds them.
    let git_dir = repo.path().to_path_buf();
    let threads = rayon::current_num_threads().max(1);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<BlobJob>>(4 * threads);
    let rx = std::sync::Mutex::new(rx);
    let failed = AtomicBool::new(false);
    let (bar_ref, rx_ref, failed_ref, git_dir_ref) = (&bar, &rx, &failed, &git_dir);
    let (walked, scanned) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    scan_worker(
                        git_dir_ref,
                        rx_ref,
                        failed_ref,
                        bar_ref,
                        opts,
                        rules,
                        suppressor,
                    )
                })
            })
            .collect();
        let walked = walk_trees(repo, &commits, &tx, failed_ref, bar_ref);
        drop(tx);
        let scanned: Vec<_> = workers.into_iter().map(|w| w.join()).collect();
        (walked, scanned)
    });
    bar.finish_and_clear();
    let mut all = Vec::new();
    for worker in scanned {
        match worker {
            Ok(result) => all.extend(result?),
            // A panic in a scan thread: fail closed with the reason.
            Err(_) => {
                return Err(Error::Usage(
                    "a history scan thread panicked; nothing was reported".into(),
                ))
            }
        }
    }
    let scanned = all;
    let non_files = walked?;

    let mut scan = CommitScan {
        commits: commits.len() as u64,
        ..Default::default()
    };
    scan.stats.non_files_skipped = non_files;
    let mut results = Vec::with_capacity(scanned.len());
    for (commit, path, r) in scanned {
        scan.paths.insert(path);
        results.push((commit, r));
    }
    // One finding per (path, secret): the oldest commit wins.
    let mut best: HashMap<(String, String), (u32, Finding)> = HashMap::new();
    for (commit, r) in results {
        add_stats(&mut scan.stats, &r.stats);
        scan.skipped.extend(r.skipped);
        for f in r.findings {
            let key = (f.path.clone(), f.fingerprint.clone());
            match best.get(&key) {
                Some((c, old)) if (*c, old.line) <= (commit, f.line) => {}
                _ => {
                    best.insert(key, (commit, f));
                }
            }
        }
    }
    scan.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    let mut kept: Vec<(u32, Finding)> = best.into_values().collect();
    kept.sort_by(|(ca, a), (cb, b)| {
        (ca, &a.path, a.line, a.column).cmp(&(cb, &b.path, b.line, b.column))
    });
    let mut infos: HashMap<u32, CommitInfo> = HashMap::new();
    for (n, mut f) in kept {
        if let std::collections::hash_map::Entry::Vacant(slot) = infos.entry(n) {
            let id = commits[n as usize];
            let commit = repo
                .find_commit(id)
                .map_err(Error::git(format!("reading commit {id}")))?;
            slot.insert(commit_info(&commit));
        }
        f.commit = infos.get(&n).cloned();
        scan.findings.push(f);
    }
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_with_offsets() {
        assert_eq!(rfc3339(git2::Time::new(0, 0)), "1970-01-01T00:00:00+00:00");
        // 2024-02-29T12:34:56Z seen from UTC-05:30.
        assert_eq!(
            rfc3339(git2::Time::new(1_709_210_096, -330)),
            "2024-02-29T07:04:56-05:30"
        );
        assert_eq!(
            rfc3339(git2::Time::new(951_782_400, 60)),
            "2000-02-29T01:00:00+01:00"
        );
    }

    #[test]
    fn entry_keys_differ_by_path_and_object() {
        let a = Oid::from_str("1111111111111111111111111111111111111111").unwrap();
        let b = Oid::from_str("2222222222222222222222222222222222222222").unwrap();
        assert_ne!(entry_key(b"x", a), entry_key(b"y", a));
        assert_ne!(entry_key(b"x", a), entry_key(b"x", b));
        assert_eq!(entry_key(b"x", a), entry_key(b"x", a));
    }
}
