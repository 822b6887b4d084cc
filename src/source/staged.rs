//! The staged change as a source: what `git commit` is about to record, HEAD (or the empty
//! tree) against the index git will write — `GIT_INDEX_FILE` when git set one.
//!
//! Three shapes, chosen by [`list`]: the ordinary staged change; the whole staged contents of
//! the files a hook manager named (`pre-commit run --all-files`), plus the staged change; and
//! the resolution of a merge being concluded (lines new relative to every parent).
//!
//! It lists entries and reads them; it does not scan them or report.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use git2::{Index, Repository, Tree};

use crate::error::{Error, Result};
use crate::input::{Origin, Reader, Sink, Source};
use crate::source::blob::{
    change_entries, diff_options, find_renames, parent_sides, read_entry, tree_to_index_diff,
    ChangeEntry, EntryKind, Sides,
};
use crate::source::index_file;
use crate::source::repo::{
    head_tree, merge_heads, open_repository, repo_relative_paths, staged_index, staged_index_path,
};

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

/// Which shape of staged scan [`list`] chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StagedShape {
    /// The added lines of the staged change.
    Changes,
    /// The whole staged contents of the files a hook manager named, plus the staged change.
    WholeFiles,
    /// The resolution of a merge being concluded.
    Resolution,
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
pub fn staged_entries(repo: &Repository) -> Result<Vec<ChangeEntry>> {
    let path = staged_index_path(repo);
    let fast = match std::fs::read(&path) {
        Ok(bytes) => index_file::IndexFile::parse(&bytes),
        // No index file yet: nothing has ever been staged.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && head_tree(repo)?.is_none() => {
            return Ok(Vec::new())
        }
        Err(_) => None,
    };
    if let Some(index) = fast {
        let head = head_tree(repo)?;
        if let Some(entries) = index_file::staged_entries(repo, &index, head.as_ref())? {
            return Ok(entries);
        }
    }
    let index = staged_index(repo)?;
    let diff = staged_diff(repo, &index)?;
    Ok(change_entries(&diff))
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
                kind: EntryKind::File,
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

/// Reads change entries through one repository handle.
pub struct EntryReader {
    repo: Repository,
    sides: Arc<Vec<Sides>>,
    origin: Origin,
}

impl EntryReader {
    /// A reader over `repo`; `sides` narrows each entry to a merge resolution.
    pub fn new(repo: Repository, sides: Arc<Vec<Sides>>, origin: Origin) -> EntryReader {
        EntryReader {
            repo,
            sides,
            origin,
        }
    }

    /// The repository this reader reads.
    pub fn repo(&self) -> &Repository {
        &self.repo
    }
}

impl Reader for EntryReader {
    type Job = ChangeEntry;
    fn read(&mut self, entry: &ChangeEntry, sink: &mut dyn Sink) -> Result<()> {
        read_entry(&self.repo, None, entry, &self.sides, self.origin, sink)
    }
}

/// Change entries of one repository: helper threads open their own handle the way git
/// does from the environment (worktrees, `GIT_DIR`, `GIT_INDEX_FILE`).
pub struct EntrySource {
    git_dir: Option<PathBuf>,
    sides: Arc<Vec<Sides>>,
    origin: Origin,
}

impl Source for EntrySource {
    type Reader = EntryReader;
    fn reader(&self) -> Result<EntryReader> {
        let repo = match &self.git_dir {
            Some(dir) => crate::source::commits::open_git_dir(dir)?,
            None => open_repository()?,
        };
        Ok(EntryReader::new(repo, self.sides.clone(), self.origin))
    }
}

/// A listed staged scan: the source, its jobs, the reader for the calling thread.
pub struct StagedListing {
    /// The source (for helper threads).
    pub source: EntrySource,
    /// The entries to read, in path order.
    pub jobs: Vec<ChangeEntry>,
    /// The calling thread's reader.
    pub reader: EntryReader,
    /// Which shape was chosen.
    pub shape: StagedShape,
    /// Whether HEAD is unborn (this is the repository's first commit).
    pub first_commit: bool,
}

impl StagedListing {
    /// The working tree root, where configuration lives.
    pub fn workdir(&self) -> Option<&Path> {
        self.reader.repo.workdir()
    }
}

/// Lists the staged change of the repository around the current directory. `paths` are the
/// files a hook manager passed: in a commit they are the staged ones; when some have no
/// staged change at all, this is an explicit run over files (`pre-commit run --all-files`),
/// and scanning only the (empty) diff would pass silently, so the whole staged contents of
/// every file given are scanned instead. Either way only the files named are scanned: the
/// framework's `files`/`exclude` filters mean what they say, and its batches of names
/// partition the work.
pub fn list(merge_scan: MergeScan, paths: &[PathBuf]) -> Result<StagedListing> {
    let repo = open_repository()?;
    if repo.is_bare() {
        return Err(Error::Usage(
            "this is a bare repository: there is no staged change to scan (use `tierzero scan --range`)".into(),
        ));
    }
    let first_commit = head_tree(&repo)?.is_none();
    let heads = match merge_scan {
        MergeScan::Resolution => merge_heads(&repo)?,
        MergeScan::All => Vec::new(),
    };
    let mut named: Option<HashSet<Vec<u8>>> = None;
    let whole_files = if paths.is_empty() {
        None
    } else {
        let given = repo_relative_paths(&repo, paths)?;
        let entries = index_file_entries(&repo, &given)?;
        named = Some(given.into_iter().collect());
        any_unchanged(&repo, &entries)?.then_some(entries)
    };
    let is_named = |path: &[u8]| named.as_ref().map_or(true, |n| n.contains(path));
    let (mut jobs, sides, shape) = if let Some(entries) = whole_files {
        (entries, Vec::new(), StagedShape::WholeFiles)
    } else if heads.is_empty() {
        (staged_entries(&repo)?, Vec::new(), StagedShape::Changes)
    } else {
        // Concluding a merge: only what is new relative to every parent.
        let index = staged_index(&repo)?;
        let ours = staged_diff(&repo, &index)?;
        let mut sides = Vec::with_capacity(heads.len());
        for id in &heads {
            let tree: Tree<'_> = repo
                .find_commit(*id)
                .and_then(|c| c.tree())
                .map_err(Error::git(format!("reading merge parent {id}")))?;
            sides.push(parent_sides(&tree_to_index_diff(
                &repo,
                Some(&tree),
                &index,
            )?));
        }
        (change_entries(&ours), sides, StagedShape::Resolution)
    };
    jobs.retain(|e| is_named(&e.path));
    let sides = Arc::new(sides);
    // With GIT_DIR or GIT_INDEX_FILE set (git sets them for hooks in some layouts), helper
    // threads must open the repository as this one was opened: from the environment.
    Ok(StagedListing {
        source: EntrySource {
            git_dir: None,
            sides: sides.clone(),
            origin: Origin::Staged,
        },
        jobs,
        reader: EntryReader::new(repo, sides, Origin::Staged),
        shape,
        first_commit,
    })
}

/// Lists every file of HEAD's tree as added entries (a baseline), or `None` when HEAD has
/// no commit yet.
pub fn head_listing(
    repo: Repository,
    origin: Origin,
) -> Result<Option<(EntrySource, Vec<ChangeEntry>, EntryReader)>> {
    let jobs = {
        let Some(tree) = head_tree(&repo)? else {
            return Ok(None);
        };
        let diff = crate::source::blob::tree_diff(&repo, None, &tree)?;
        change_entries(&diff)
    };
    let source = EntrySource {
        git_dir: Some(repo.path().to_path_buf()),
        sides: Arc::new(Vec::new()),
        origin,
    };
    let reader = EntryReader::new(repo, Arc::new(Vec::new()), origin);
    Ok(Some((source, jobs, reader)))
}
