//! Opening a repository the way git does, and the few facts about it every source needs:
//! the index a commit will record, HEAD's tree, the heads of a merge being concluded, and
//! paths relative to the working tree.
//!
//! It reads nothing to scan; the other source modules do.

use std::path::{Path, PathBuf};

use git2::{Index, Oid, Repository, RepositoryOpenFlags, Tree};

use crate::error::{Error, Result};

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

/// Opens the repository containing `path`. When `path` is `.` and git exported `GIT_DIR`
/// (as it does for hooks in some layouts), git's own environment wins, as it would for git.
pub fn open_repository_at(path: &Path) -> Result<Repository> {
    if path == Path::new(".") && std::env::var_os("GIT_DIR").is_some() {
        return open_repository();
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

/// The path of the index a commit will record (see [`staged_index`]).
pub fn staged_index_path(repo: &Repository) -> PathBuf {
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

/// The repository's working tree root, or its git directory for a bare repository.
pub fn repo_root(repo: &Repository) -> &Path {
    repo.workdir().unwrap_or_else(|| repo.path())
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

/// The working tree root of the repository around the current directory, `None` outside a
/// repository (or in a bare one).
pub fn discover_root() -> Result<Option<PathBuf>> {
    match open_repository() {
        Ok(repo) => Ok(repo.workdir().map(Path::to_path_buf)),
        Err(Error::NotARepository(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
