//! A commit range as a source: what `git rev-list` would list for the same arguments (`A..B`,
//! `A...B`, `^A`, `B`, `X^!`, `--not`, `--all`, `--branches`, `--tags`, `--remotes`), each
//! commit diffed against its first parent (a root commit against the empty tree), added
//! lines only, so a finding names the commit that added it. Each commit's message is
//! scanned too (as `<commit message>`), and so is the message of each annotated tag the
//! range names. Merge commits are passed over, diffed against their first parent, or
//! narrowed to their resolution, as the caller asks.
//!
//! It lists and reads commits; it does not scan them or report.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use git2::{Oid, Repository, Sort};

use crate::error::{Error, Result};
use crate::input::{CommitInfo, Content, Hunk, Origin, PassedOver, Reader, Sink, Source, Unit};
use crate::source::blob::{change_entries, parent_sides, read_entry, tree_diff, Sides};
use crate::source::loose::objects_dir;
use crate::source::pack::Packs;
use crate::source::treediff::quick_change_entries;

/// The object id git prints for "no commit" (the old side of a new branch in a push).
const ZERO_OID: &str = "0000000000000000000000000000000000000000";

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
pub(crate) fn refs_matching(repo: &Repository, matches: impl Fn(&str) -> bool) -> Result<Vec<Oid>> {
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
        date: crate::util::rfc3339(author.when().seconds(), author.when().offset_minutes()),
    }
}

/// What a range does with a merge commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merges {
    /// Passed over: what it brings in was scanned on the side it came from.
    Skip,
    /// Diffed against its first parent (`--merges`).
    FirstParent,
    /// Only the lines new relative to every parent (a push: the other side's commits are
    /// pushed too, and scanned, or already on the remote).
    Resolution,
}

/// The name findings in a commit message carry.
pub const MESSAGE_PATH: &str = "<commit message>";

/// One job of a commit source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitJob {
    /// The commit at this position of the range: its change and its message.
    Commit(u32),
    /// An annotated tag: its message.
    Tag(Oid),
    /// Only the message of the commit at this position (its change was already scanned).
    Message(u32),
}

/// Hands `message` over as a unit named `name`, every line added.
fn message_unit(name: &str, message: &[u8], origin: Origin, sink: &mut dyn Sink) -> Result<()> {
    let hunks: Vec<Hunk> = Hunk::whole(message).into_iter().collect();
    sink.unit(Unit {
        path: name.as_bytes(),
        content: Content::Text {
            bytes: message,
            hunks: &hunks,
        },
        origin,
    })
}

/// The annotated tags `specs` name: every one under `refs/tags/` for `--tags` and `--all`,
/// and a single revision that is one. Their messages are scanned with the range.
pub fn annotated_tags(repo: &Repository, specs: &[impl AsRef<str>]) -> Result<Vec<Oid>> {
    let mut tags = Vec::new();
    let mut all = false;
    for token in specs.iter().flat_map(|s| s.as_ref().split_whitespace()) {
        if token == "--tags" || token == "--all" || token.starts_with("--tags=") {
            all = true;
        } else if !token.starts_with('-') && !token.starts_with('^') && !token.contains("..") {
            if let Ok(object) = repo.revparse_single(token) {
                if object.kind() == Some(git2::ObjectType::Tag) {
                    tags.push(object.id());
                }
            }
        }
    }
    if all {
        let refs = repo
            .references_glob("refs/tags/*")
            .map_err(Error::git("listing tags"))?;
        for r in refs.flatten() {
            if let Some(id) = r.target() {
                if repo.find_tag(id).is_ok() && !tags.contains(&id) {
                    tags.push(id);
                }
            }
        }
    }
    Ok(tags)
}

/// Reads commits of a range through one repository handle.
pub struct CommitReader {
    repo: Repository,
    /// For long ranges only (see [`PACKS_FROM_COMMITS`]).
    packs: Option<Packs>,
    commits: Arc<[Oid]>,
    merges: Merges,
}

impl Reader for CommitReader {
    type Job = CommitJob;

    fn read(&mut self, job: &CommitJob, sink: &mut dyn Sink) -> Result<()> {
        let n = match *job {
            CommitJob::Commit(n) => n,
            CommitJob::Message(n) => {
                let id = self.commits[n as usize];
                let commit = self
                    .repo
                    .find_commit(id)
                    .map_err(Error::git(format!("reading commit {id}")))?;
                return message_unit(
                    MESSAGE_PATH,
                    commit.message_bytes(),
                    Origin::CommitMessage(n),
                    sink,
                );
            }
            CommitJob::Tag(id) => {
                let tag = self
                    .repo
                    .find_tag(id)
                    .map_err(Error::git(format!("reading tag {id}")))?;
                let name = format!(
                    "<tag message {}>",
                    String::from_utf8_lossy(tag.name_bytes())
                );
                return message_unit(
                    &name,
                    tag.message_bytes().unwrap_or_default(),
                    Origin::Message,
                    sink,
                );
            }
        };
        let id = self.commits[n as usize];
        let repo = &self.repo;
        sink.commit();
        let commit = repo
            .find_commit(id)
            .map_err(Error::git(format!("reading commit {id}")))?;
        message_unit(
            MESSAGE_PATH,
            commit.message_bytes(),
            Origin::CommitMessage(n),
            sink,
        )?;
        let is_merge = commit.parent_count() > 1;
        if is_merge && self.merges == Merges::Skip {
            sink.passed_over(PassedOver::MergeCommit);
            return Ok(());
        }
        let tree = commit
            .tree()
            .map_err(Error::git(format!("reading the tree of commit {id}")))?;
        let parents = commit
            .parents()
            .map(|p| p.tree())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(Error::git(format!("reading the parents of {id}")))?;
        // A root commit, or the boundary of a shallow clone: everything in it was added.
        let ours = match quick_change_entries(repo, parents.first().map(|p| p.id()), tree.id()) {
            Some(entries) => entries,
            None => change_entries(&tree_diff(repo, parents.first(), &tree)?),
        };
        let sides: Vec<Sides> = if is_merge && self.merges == Merges::Resolution {
            parents[1..]
                .iter()
                .map(|p| Ok(parent_sides(&tree_diff(repo, Some(p), &tree)?)))
                .collect::<Result<_>>()?
        } else {
            Vec::new()
        };
        for entry in &ours {
            read_entry(
                repo,
                self.packs.as_mut(),
                entry,
                &sides,
                Origin::Commit(n),
                sink,
            )?;
        }
        Ok(())
    }

    fn commit_info(&mut self, n: u32) -> Result<Option<CommitInfo>> {
        describe_commit(&self.repo, self.commits[n as usize]).map(Some)
    }
}

/// The author and date of commit `id` of `repo`, for findings.
pub fn describe_commit(repo: &Repository, id: Oid) -> Result<CommitInfo> {
    let commit = repo
        .find_commit(id)
        .map_err(Error::git(format!("reading commit {id}")))?;
    Ok(commit_info(&commit))
}

/// The commits of a range; helper threads open the repository at its git directory.
pub struct CommitSource {
    git_dir: PathBuf,
    commits: Arc<[Oid]>,
    merges: Merges,
}

impl CommitSource {
    /// Commits `commits` (oldest first) of `repo` and the messages of annotated `tags`, and
    /// the calling thread's reader.
    pub fn new(
        repo: Repository,
        commits: Vec<Oid>,
        tags: Vec<Oid>,
        merges: Merges,
    ) -> (CommitSource, Vec<CommitJob>, CommitReader) {
        let commits: Arc<[Oid]> = commits.into();
        let jobs = (0..commits.len() as u32)
            .map(CommitJob::Commit)
            .chain(tags.into_iter().map(CommitJob::Tag))
            .collect();
        let source = CommitSource {
            git_dir: repo.path().to_path_buf(),
            commits: commits.clone(),
            merges,
        };
        (
            source,
            jobs,
            CommitReader {
                packs: packs_for(&repo, &commits),
                repo,
                commits,
                merges,
            },
        )
    }
}

impl Source for CommitSource {
    type Reader = CommitReader;
    fn reader(&self) -> Result<CommitReader> {
        let repo = open_git_dir(&self.git_dir)?;
        Ok(CommitReader {
            packs: packs_for(&repo, &self.commits),
            repo,
            commits: self.commits.clone(),
            merges: self.merges,
        })
    }
}

/// Ranges of at least this many commits read packed blobs with [`Packs`] (a delta-base
/// cache pays off over many versions of a file); shorter ones, such as a push of a few
/// commits, leave them to libgit2 rather than read the pack indexes.
const PACKS_FROM_COMMITS: usize = 100;

fn packs_for(repo: &Repository, commits: &[Oid]) -> Option<Packs> {
    (commits.len() >= PACKS_FROM_COMMITS).then(|| Packs::open(&objects_dir(repo)))
}

/// Opens the repository at `git_dir` for a helper thread: `git2::Repository` is `Send` but
/// not `Sync`, so each thread has its own.
pub fn open_git_dir(git_dir: &Path) -> Result<Repository> {
    // FROM_ENV: the objects git's environment adds (GIT_OBJECT_DIRECTORY, alternates) are
    // visible to every thread, as to the main handle.
    Repository::open_ext(
        git_dir,
        git2::RepositoryOpenFlags::FROM_ENV,
        std::iter::empty::<&Path>(),
    )
    .map_err(Error::git(format!(
        "opening {} for a scan thread",
        git_dir.display()
    )))
}

/// Every commit reachable from HEAD, oldest first (a baseline with history).
pub fn reachable_from_head(repo: &Repository) -> Result<Vec<Oid>> {
    let mut walk = repo.revwalk().map_err(Error::git("walking history"))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)
        .map_err(Error::git("sorting the revision walk"))?;
    walk.push_head()
        .map_err(Error::git("walking history from HEAD"))?;
    walk.collect::<std::result::Result<Vec<_>, _>>()
        .map_err(Error::git("walking history"))
}
