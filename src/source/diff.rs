//! From git objects to added lines.
//!
//! This module owns the question "which lines does this change add, and where?". It asks
//! libgit2 only for what it does fast — the list of changed entries between two trees or a
//! tree and the index, with renames paired up — and reads blobs itself. An added file is
//! all added lines, with no diff at all; a modified or renamed file gets a histogram line
//! diff of the two blobs (imara-diff), which is several times faster than libgit2's patch
//! generation on big changes. No diff text is ever produced or parsed, so the user's git
//! configuration (colours, prefixes, external diff drivers, textconv) cannot leak in.
//!
//! It does not match secrets; it hands each changed file to a callback and forgets it, so
//! memory is bounded by the largest file, not by the whole change.

use std::ops::Range;
use std::path::{Path, PathBuf};

use git2::{Delta, DiffFindOptions, DiffOptions, FileMode, Index, Oid, Repository, Tree};
use imara_diff::intern::InternedInput;
use imara_diff::sources::byte_lines_with_terminator;
use imara_diff::{diff as line_diff, Algorithm};

use crate::error::{Error, Result};

/// How many leading bytes git inspects for a NUL to decide that a blob is binary.
const BINARY_SNIFF_LEN: usize = 8000;

/// A run of consecutive added lines inside a file's new content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hunk {
    /// Byte range in the new content; starts at a line start, ends after a `\n` or at EOF.
    pub bytes: Range<usize>,
    /// 1-based number of the hunk's first line on the new side.
    pub first_line: u32,
}

/// One file of a change, as the scanner sees it.
#[derive(Debug)]
pub struct ChangedFile<'a> {
    /// Repository-relative path on the new side, `/`-separated, as raw bytes.
    pub path: &'a [u8],
    /// The full new content (empty for binary files, which are not read for matching).
    pub content: &'a [u8],
    /// The added lines; empty for binary files.
    pub hunks: &'a [Hunk],
    /// Whether the new content is binary (only path rules apply).
    pub binary: bool,
}

/// What a diff walk saw, for the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DiffStats {
    /// Files with added content that were scanned.
    pub files: u64,
    /// Added lines handed to the scanner.
    pub added_lines: u64,
    /// Bytes of added lines handed to the scanner.
    pub added_bytes: u64,
    /// Binary files whose content was not scanned (path rules still applied).
    pub binary_skipped: u64,
    /// Submodule and symlink entries, which carry no content to scan.
    pub non_files_skipped: u64,
}

/// Opens the repository the way git does from the current directory: honours `GIT_DIR`,
/// `GIT_WORK_TREE` and friends, walks up from subdirectories, follows linked worktrees.
pub fn open_repository() -> Result<Repository> {
    let repo = Repository::open_from_env().map_err(|e| {
        let cwd = std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "the current directory".into());
        if e.code() == git2::ErrorCode::NotFound {
            Error::NotARepository(cwd)
        } else {
            Error::Git {
                context: format!("opening the repository at {cwd}"),
                source: e,
            }
        }
    })?;
    // git does not re-hash objects it reads; neither do we (about 30% of read time).
    git2::opts::strict_hash_verification(false);
    Ok(repo)
}

/// The index a commit will record: `GIT_INDEX_FILE` when git set it (for `git commit -a`,
/// `git commit <paths>` and partial commits it points at a temporary index), else the
/// repository's own index. Read-only: the index is never written.
pub fn staged_index(repo: &Repository) -> Result<Index> {
    if std::env::var_os("GIT_INDEX_FILE").is_some_and(|f| !f.is_empty()) {
        let path = staged_index_path(repo);
        Index::open(&path).map_err(Error::git(format!(
            "reading the index named by GIT_INDEX_FILE ({})",
            path.display()
        )))
    } else {
        repo.index().map_err(|e| {
            if e.message().contains("'link'") {
                Error::Usage(
                    "the index is split (core.splitIndex), which tierzero cannot read yet; \
                     run `git update-index --no-split-index` (and set core.splitIndex=false)"
                        .into(),
                )
            } else {
                Error::Git {
                    context: "reading the index".into(),
                    source: e,
                }
            }
        })
    }
}

/// HEAD's tree, or `None` on an unborn branch (the first commit).
pub fn head_tree(repo: &Repository) -> Result<Option<Tree<'_>>> {
    match repo.head() {
        Ok(head) => head
            .peel_to_tree()
            .map(Some)
            .map_err(Error::git("reading HEAD's tree")),
        Err(e)
            if matches!(
                e.code(),
                git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(Error::Git {
            context: "resolving HEAD".into(),
            source: e,
        }),
    }
}

fn diff_options() -> DiffOptions {
    let mut opts = DiffOptions::new();
    opts.include_typechange(true)
        .ignore_submodules(true)
        // We decide binary-ness ourselves from the blob; do not let libgit2 load content
        // (or consult attributes) just to list the changed entries.
        .skip_binary_check(true);
    opts
}

fn find_renames(diff: &mut git2::Diff<'_>) -> Result<()> {
    let mut find = DiffFindOptions::new();
    // Explicit flags: with none set, libgit2 would consult the user's `diff.renames`.
    find.renames(true).copies(false).rename_limit(1000);
    diff.find_similar(Some(&mut find))
        .map_err(Error::git("detecting renames"))
}

/// The staged change: HEAD's tree (or the empty tree) against `index`.
pub fn staged_diff<'r>(repo: &'r Repository, index: &Index) -> Result<git2::Diff<'r>> {
    let tree = head_tree(repo)?;
    let mut opts = diff_options();
    let mut diff = repo
        .diff_tree_to_index(tree.as_ref(), Some(index), Some(&mut opts))
        .map_err(Error::git("listing staged changes"))?;
    find_renames(&mut diff)?;
    Ok(diff)
}

/// The entries the staged change adds or modifies, read the fast way (the index file
/// parsed directly, unchanged directories skipped through the cache-tree) when the index
/// allows it, else through libgit2. Both give the same entries; see `index_file`.
pub fn staged_entries(repo: &Repository, stats: &mut DiffStats) -> Result<Vec<ChangeEntry>> {
    let path = staged_index_path(repo);
    let fast = match std::fs::read(&path) {
        Ok(bytes) => crate::source::index_file::IndexFile::parse(&bytes),
        // No index file yet: nothing has ever been staged.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && head_tree(repo)?.is_none() => {
            return Ok(Vec::new())
        }
        Err(_) => None,
    };
    if let Some(index) = fast {
        let head = head_tree(repo)?;
        let mut fast_stats = DiffStats::default();
        if let Some(entries) =
            crate::source::index_file::staged_entries(repo, &index, head.as_ref(), &mut fast_stats)?
        {
            stats.add(&fast_stats);
            return Ok(entries);
        }
    }
    let index = staged_index(repo)?;
    let diff = staged_diff(repo, &index)?;
    Ok(change_entries(&diff, stats))
}

/// Turns paths given on the command line (relative to the current directory, or absolute)
/// into repository-relative, `/`-separated paths.
pub fn repo_relative_paths(repo: &Repository, paths: &[PathBuf]) -> Result<Vec<Vec<u8>>> {
    let workdir = repo
        .workdir()
        .ok_or_else(|| Error::Usage("a bare repository has no staged files to scan".into()))?;
    let workdir = std::fs::canonicalize(workdir).unwrap_or_else(|_| workdir.to_path_buf());
    let cwd = std::env::current_dir().map_err(Error::io("the current directory"))?;
    let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    paths
        .iter()
        .map(|p| {
            let absolute = cwd.join(p);
            // Resolve `..` and symlinked parents the way the working tree sees them; the
            // file itself may be gone from disk (staged, then deleted).
            let absolute = match (absolute.parent(), absolute.file_name()) {
                (Some(parent), Some(name)) => std::fs::canonicalize(parent)
                    .map(|dir| dir.join(name))
                    .unwrap_or(absolute.clone()),
                _ => absolute.clone(),
            };
            let relative = absolute.strip_prefix(&workdir).map_err(|_| {
                Error::Usage(format!(
                    "{} is outside the repository's working tree",
                    p.display()
                ))
            })?;
            let text = relative.to_string_lossy().replace('\\', "/");
            Ok(text.into_bytes())
        })
        .collect()
}

/// The index entries of `paths` (files only; paths not in the index are left out), as
/// entries whose whole content counts as added.
pub fn index_file_entries(repo: &Repository, paths: &[Vec<u8>]) -> Result<Vec<ChangeEntry>> {
    let index = staged_index(repo)?;
    let mut entries = Vec::with_capacity(paths.len());
    for path in paths {
        let Some(entry) = index.get_path(Path::new(&*String::from_utf8_lossy(path)), 0) else {
            continue;
        };
        let is_file = matches!(entry.mode & 0o170000, 0o100000);
        if is_file {
            entries.push(ChangeEntry {
                path: path.clone(),
                new_id: entry.id,
                old_id: None,
                added: true,
            });
        }
    }
    Ok(entries)
}

/// Whether any of `entries` has the same blob in HEAD at the same path (no staged change).
pub fn any_unchanged(repo: &Repository, entries: &[ChangeEntry]) -> Result<bool> {
    let Some(tree) = head_tree(repo)? else {
        return Ok(false);
    };
    Ok(entries.iter().any(|e| {
        tree.get_path(Path::new(&*String::from_utf8_lossy(&e.path)))
            .is_ok_and(|t| t.id() == e.new_id)
    }))
}

/// The path of the index a commit will record (see [`staged_index`]).
fn staged_index_path(repo: &Repository) -> PathBuf {
    match std::env::var_os("GIT_INDEX_FILE") {
        Some(file) if !file.is_empty() => {
            let path = PathBuf::from(&file);
            match repo.workdir() {
                Some(workdir) if path.is_relative() && !path.exists() => workdir.join(path),
                _ => path,
            }
        }
        _ => repo.path().join("index"),
    }
}

/// The change between two trees (`old` = `None` for a root commit).
pub fn tree_diff<'r>(
    repo: &'r Repository,
    old: Option<&Tree<'_>>,
    new: &Tree<'_>,
) -> Result<git2::Diff<'r>> {
    let mut opts = diff_options();
    let mut diff = repo
        .diff_tree_to_tree(old, Some(new), Some(&mut opts))
        .map_err(Error::git("diffing trees"))?;
    find_renames(&mut diff)?;
    Ok(diff)
}

/// Returns true if and only if git would treat `content` as binary (a NUL in the first
/// 8000 bytes).
pub fn is_binary(content: &[u8]) -> bool {
    memchr::memchr(0, &content[..content.len().min(BINARY_SNIFF_LEN)]).is_some()
}

/// Line-start offsets of `content` (one entry per line, plus `content.len()` at the end).
fn line_starts(content: &[u8]) -> Vec<usize> {
    let mut starts = Vec::with_capacity(content.len() / 32 + 2);
    starts.push(0);
    starts.extend(memchr::memchr_iter(b'\n', content).map(|i| i + 1));
    if starts.last() != Some(&content.len()) {
        starts.push(content.len());
    }
    starts
}

/// The hunks of lines in `new` that are not in `old`.
pub fn added_hunks(old: &[u8], new: &[u8]) -> Vec<Hunk> {
    if new.is_empty() {
        return Vec::new();
    }
    if old.is_empty() {
        return vec![Hunk {
            bytes: 0..new.len(),
            first_line: 1,
        }];
    }
    let input = InternedInput::new(
        byte_lines_with_terminator(old),
        byte_lines_with_terminator(new),
    );
    let mut added: Vec<Range<u32>> = Vec::new();
    line_diff(
        Algorithm::Histogram,
        &input,
        |_before: Range<u32>, after: Range<u32>| {
            if after.is_empty() {
                return;
            }
            match added.last_mut() {
                Some(prev) if prev.end == after.start => prev.end = after.end,
                _ => added.push(after),
            }
        },
    );
    if added.is_empty() {
        return Vec::new();
    }
    let starts = line_starts(new);
    added
        .into_iter()
        .map(|lines| Hunk {
            bytes: starts[lines.start as usize]..starts[lines.end as usize],
            first_line: lines.start + 1,
        })
        .collect()
}

/// Counts the lines in `bytes` (a final line without `\n` counts).
pub fn count_lines(bytes: &[u8]) -> u64 {
    let newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
    newlines + u64::from(!bytes.is_empty() && bytes[bytes.len() - 1] != b'\n')
}

/// A blob's bytes, borrowed from libgit2's buffer (no copy); empty for the null id (an
/// intent-to-add entry).
enum BlobContent<'r> {
    Empty,
    Blob(git2::Blob<'r>),
}

impl BlobContent<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            BlobContent::Empty => &[],
            BlobContent::Blob(blob) => blob.content(),
        }
    }
}

fn read_blob<'r>(repo: &'r Repository, id: Oid, path: &[u8]) -> Result<BlobContent<'r>> {
    if id.is_zero() {
        return Ok(BlobContent::Empty);
    }
    repo.find_blob(id)
        .map(BlobContent::Blob)
        .map_err(Error::git(format!(
            "reading blob {id} ({})",
            String::from_utf8_lossy(path)
        )))
}

/// One changed entry of a diff that may add content, detached from libgit2's diff object so
/// entries can be handed to worker threads.
#[derive(Clone, Debug)]
pub struct ChangeEntry {
    /// Path on the new side.
    pub path: Vec<u8>,
    /// Blob on the new side.
    pub new_id: Oid,
    /// Blob on the old side to diff against; `None` means every line is added.
    pub old_id: Option<Oid>,
    /// Whether the entry is a new file (reported even when empty).
    pub added: bool,
}

/// The entries of `diff` that can add content. Deleted files, pure renames, mode changes,
/// submodules and symlinks are left out (counted in `stats` where they are skipped).
pub fn change_entries(diff: &git2::Diff<'_>, stats: &mut DiffStats) -> Vec<ChangeEntry> {
    let mut entries = Vec::new();
    for delta in diff.deltas() {
        match delta.status() {
            Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange => {
            }
            _ => continue,
        }
        let new = delta.new_file();
        if !matches!(new.mode(), FileMode::Blob | FileMode::BlobExecutable) {
            stats.non_files_skipped += 1;
            continue;
        }
        let old = delta.old_file();
        if delta.status() != Delta::Added && old.id() == new.id() {
            // A pure rename or a mode change: the content was already there.
            continue;
        }
        let old_is_text_file = matches!(old.mode(), FileMode::Blob | FileMode::BlobExecutable);
        let diff_against_old = matches!(
            delta.status(),
            Delta::Modified | Delta::Renamed | Delta::Copied
        ) && old_is_text_file;
        entries.push(ChangeEntry {
            path: new.path_bytes().unwrap_or_default().to_vec(),
            new_id: new.id(),
            old_id: diff_against_old.then(|| old.id()),
            added: delta.status() == Delta::Added,
        });
    }
    entries
}

/// Reads one entry's blobs, computes its added lines and calls `visit` (unless nothing was
/// added). Binary content is not diffed: `visit` sees the path only.
pub fn visit_entry(
    repo: &Repository,
    entry: &ChangeEntry,
    stats: &mut DiffStats,
    visit: &mut dyn FnMut(&ChangedFile<'_>) -> Result<()>,
) -> Result<()> {
    let path = entry.path.as_slice();
    let blob = read_blob(repo, entry.new_id, path)?;
    let content = blob.bytes();
    if is_binary(content) {
        stats.binary_skipped += 1;
        return visit(&ChangedFile {
            path,
            content: &[],
            hunks: &[],
            binary: true,
        });
    }
    let hunks = match entry.old_id {
        Some(old_id) => {
            let old_blob = read_blob(repo, old_id, path)?;
            // The old side is needed only for the diff; it is freed before scanning.
            added_hunks(old_blob.bytes(), content)
        }
        None => added_hunks(&[], content),
    };
    if hunks.is_empty() && !entry.added {
        return Ok(());
    }
    stats.files += 1;
    for h in &hunks {
        let bytes = &content[h.bytes.clone()];
        stats.added_lines += count_lines(bytes);
        stats.added_bytes += bytes.len() as u64;
    }
    visit(&ChangedFile {
        path,
        content,
        hunks: &hunks,
        binary: false,
    })
}

/// Walks a diff and calls `visit` once per file that adds content, with its added lines.
/// Deleted files, pure renames, submodules and symlinks produce no call.
pub fn for_each_changed_file(
    repo: &Repository,
    diff: &git2::Diff<'_>,
    stats: &mut DiffStats,
    mut visit: impl FnMut(&ChangedFile<'_>) -> Result<()>,
) -> Result<()> {
    for entry in change_entries(diff, stats) {
        visit_entry(repo, &entry, stats, &mut visit)?;
    }
    Ok(())
}

impl DiffStats {
    /// Adds another walk's counts to these.
    pub fn add(&mut self, other: &DiffStats) {
        self.files += other.files;
        self.added_lines += other.added_lines;
        self.added_bytes += other.added_bytes;
        self.binary_skipped += other.binary_skipped;
        self.non_files_skipped += other.non_files_skipped;
    }
}

/// The repository's working tree root, or its git directory for a bare repository.
pub fn repo_root(repo: &Repository) -> &Path {
    repo.workdir().unwrap_or_else(|| repo.path())
}

/// Which part of a merge a commit that concludes one is scanned for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MergeScan {
    /// Only lines new relative to every parent: the conflict resolution and any edit made
    /// while merging. The incoming commits were scanned on their own branch and in CI.
    #[default]
    Resolution,
    /// Everything the merge brings in relative to HEAD.
    All,
}

/// The other parents of the commit being made, when it concludes a merge: the heads git
/// names in `GITHEAD_<id>` variables for `pre-merge-commit` (where `MERGE_HEAD` is not
/// written yet), then `MERGE_HEAD` (a conflicted or `--no-commit` merge being concluded
/// with `git commit`). Empty for ordinary commits, `git merge --squash` included.
pub fn merge_heads(repo: &Repository) -> Result<Vec<Oid>> {
    let mut heads: Vec<Oid> = Vec::new();
    for (name, _) in std::env::vars_os() {
        let Some(hex) = name.to_str().and_then(|n| n.strip_prefix("GITHEAD_")) else {
            continue;
        };
        if let Ok(id) = Oid::from_str(hex) {
            if hex.len() >= 40 && repo.find_commit(id).is_ok() && !heads.contains(&id) {
                heads.push(id);
            }
        }
    }
    // MERGE_HEAD is per worktree: `repo.path()` is this worktree's git dir.
    let merge_head = repo.path().join("MERGE_HEAD");
    let from_file: Vec<Oid> = match std::fs::read_to_string(&merge_head) {
        Ok(text) => text
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .map(|hex| {
                Oid::from_str(hex).map_err(|_| {
                    Error::Usage(format!(
                        "{}: not a commit id: {hex:?}",
                        merge_head.display()
                    ))
                })
            })
            .collect::<Result<_>>()?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io(merge_head)(e)),
    };
    for id in from_file {
        if !heads.contains(&id) {
            heads.push(id);
        }
    }
    Ok(heads)
}

/// The change between a tree (`None` = the empty tree) and `index`.
pub fn tree_to_index_diff<'r>(
    repo: &'r Repository,
    tree: Option<&Tree<'_>>,
    index: &Index,
) -> Result<git2::Diff<'r>> {
    let mut opts = diff_options();
    let mut diff = repo
        .diff_tree_to_index(tree, Some(index), Some(&mut opts))
        .map_err(Error::git("diffing a merge parent against the index"))?;
    find_renames(&mut diff)?;
    Ok(diff)
}

/// What one other parent had at a path of the new side that differs from it (a path
/// missing from the map is identical in that parent).
enum ParentSide {
    /// The parent had no such file: every line is new relative to it.
    Absent,
    /// The parent had this blob (under this or a renamed path).
    Blob(Oid),
}

fn parent_sides(diff: &git2::Diff<'_>) -> std::collections::HashMap<Vec<u8>, ParentSide> {
    let mut sides = std::collections::HashMap::new();
    for delta in diff.deltas() {
        let new = delta.new_file();
        let Some(path) = new.path_bytes() else {
            continue;
        };
        let old = delta.old_file();
        let side = match delta.status() {
            Delta::Modified | Delta::Renamed | Delta::Copied
                if matches!(old.mode(), FileMode::Blob | FileMode::BlobExecutable) =>
            {
                ParentSide::Blob(old.id())
            }
            Delta::Deleted => continue,
            // Added, a type change, anything unexpected: nothing to subtract.
            _ => ParentSide::Absent,
        };
        sides.insert(path.to_vec(), side);
    }
    sides
}

/// Byte ranges present in both sorted, line-aligned hunk lists of the same content.
fn intersect_hunks(content: &[u8], a: &[Hunk], b: &[Hunk]) -> Vec<Hunk> {
    let mut out: Vec<Hunk> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let start = a[i].bytes.start.max(b[j].bytes.start);
        let end = a[i].bytes.end.min(b[j].bytes.end);
        if start < end {
            match out.last_mut() {
                Some(last) if last.bytes.end == start => last.bytes.end = end,
                _ => out.push(Hunk {
                    bytes: start..end,
                    first_line: 1 + memchr::memchr_iter(b'\n', &content[..start]).count() as u32,
                }),
            }
        }
        if a[i].bytes.end <= b[j].bytes.end {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Like [`for_each_changed_file`] over `ours` (first parent → new side), but keeps only
/// the added lines that are also new relative to every other parent (`theirs`, each
/// other parent → the same new side): the lines a merge resolution introduced. Files
/// identical to some parent produce no call.
pub fn for_each_resolution_file(
    repo: &Repository,
    ours: &git2::Diff<'_>,
    theirs: &[git2::Diff<'_>],
    stats: &mut DiffStats,
    mut visit: impl FnMut(&ChangedFile<'_>) -> Result<()>,
) -> Result<()> {
    let sides: Vec<_> = theirs.iter().map(parent_sides).collect();
    let mut inner = DiffStats::default();
    for_each_changed_file(repo, ours, &mut inner, |file| {
        let mut hunks = file.hunks.to_vec();
        for side in &sides {
            match side.get(file.path) {
                // Unchanged from that parent: every line is already there.
                None => return Ok(()),
                Some(ParentSide::Absent) => {}
                Some(ParentSide::Blob(id)) => {
                    if file.binary {
                        continue;
                    }
                    let old = read_blob(repo, *id, file.path)?;
                    let theirs = added_hunks(old.bytes(), file.content);
                    hunks = intersect_hunks(file.content, &hunks, &theirs);
                }
            }
        }
        if file.binary {
            stats.binary_skipped += 1;
            return visit(file);
        }
        if hunks.is_empty() {
            return Ok(());
        }
        stats.files += 1;
        for h in &hunks {
            let bytes = &file.content[h.bytes.clone()];
            stats.added_lines += count_lines(bytes);
            stats.added_bytes += bytes.len() as u64;
        }
        visit(&ChangedFile {
            path: file.path,
            content: file.content,
            hunks: &hunks,
            binary: false,
        })
    })?;
    stats.non_files_skipped += inner.non_files_skipped;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn added_text<'a>(new: &'a str, hunks: &[Hunk]) -> Vec<(u32, &'a str)> {
        hunks
            .iter()
            .map(|h| (h.first_line, &new[h.bytes.clone()]))
            .collect()
    }

    #[test]
    fn added_file_is_one_hunk() {
        let hunks = added_hunks(b"", b"a\nb\n");
        assert_eq!(added_text("a\nb\n", &hunks), vec![(1, "a\nb\n")]);
    }

    #[test]
    fn modified_file_maps_new_side_line_numbers() {
        let old = "one\ntwo\nthree\nfour\n";
        let new = "one\nTWO\nthree\nfour\nfive\nsix\n";
        let hunks = added_hunks(old.as_bytes(), new.as_bytes());
        assert_eq!(
            added_text(new, &hunks),
            vec![(2, "TWO\n"), (5, "five\nsix\n")]
        );
    }

    #[test]
    fn deletions_add_nothing() {
        assert!(added_hunks(b"a\nb\nc\n", b"a\nc\n").is_empty());
        assert!(added_hunks(b"a\n", b"").is_empty());
    }

    #[test]
    fn last_line_without_newline() {
        let old = "a\nb";
        let new = "a\nb\nc";
        let hunks = added_hunks(old.as_bytes(), new.as_bytes());
        // git also reports `b` as changed: it gained a newline.
        assert_eq!(added_text(new, &hunks), vec![(2, "b\nc")]);
        assert_eq!(count_lines(b"b\nc"), 2);
        assert_eq!(count_lines(b"b\n"), 1);
        assert_eq!(count_lines(b""), 0);
    }

    #[test]
    fn binary_sniff() {
        assert!(is_binary(b"abc\0def"));
        assert!(!is_binary(b"abc\r\ndef"));
        let mut late_nul = vec![b'a'; 9000];
        late_nul.push(0);
        assert!(!is_binary(&late_nul));
    }

    #[test]
    fn hunk_intersection_keeps_common_lines_with_numbers() {
        let content = "a\nb\nc\nd\ne\n";
        let h = |s: usize, e: usize, l: u32| Hunk {
            bytes: s..e,
            first_line: l,
        };
        // a: lines 2-4 (b,c,d); b: lines 1 and 3-5.
        let a = [h(2, 8, 2)];
        let b = [h(0, 2, 1), h(4, 10, 3)];
        let got = intersect_hunks(content.as_bytes(), &a, &b);
        assert_eq!(got, vec![h(4, 8, 3)]);
        assert!(intersect_hunks(content.as_bytes(), &a, &[]).is_empty());
    }
}
