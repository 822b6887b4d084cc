//! New commits on local branches, from git's `reference-transaction` hook: the commits git
//! is about to make reachable from a branch (or a detached HEAD) that no ref reaches yet.
//!
//! git runs no `pre-commit` hook for `cherry-pick`, `revert`, `am` or `rebase`, but every
//! one of them updates a ref, and in the transaction's `prepared` state a refusal aborts the
//! update. Only updates of `refs/heads/*` and `HEAD` to a commit count: fetches and pushes
//! (remote-tracking refs), tags, notes, stashes and deletions are never read. Commits any
//! existing branch, remote-tracking ref or tag already reaches are not new: checking out,
//! resetting to or branching from them costs one revision walk and scans nothing.
//!
//! It lists commits; reading them is `commits`' (the same code as a range or a push).

use std::collections::HashSet;
use std::io::BufRead;

use git2::{Oid, Repository};

use crate::error::{Error, Result};
use crate::source::repo::staged_index_path;

/// Where the pre-commit hook records the index it found clean, in the worktree's git dir.
const APPROVAL_FILE: &str = "tierzero-approved-index";

/// The identity of the index a commit is made from: its trailing checksum (the last 32
/// bytes cover SHA-1 and SHA-256 indexes).
fn index_identity(repo: &Repository) -> Option<String> {
    let bytes = std::fs::read(staged_index_path(repo)).ok()?;
    let tail = &bytes[bytes.len().saturating_sub(32)..];
    Some(tail.iter().map(|b| format!("{b:02x}")).collect())
}

/// Records that the pre-commit hook scanned the index git is about to commit and found it
/// clean, so the reference-transaction hook that follows an ordinary `git commit` need not
/// scan the same content again. Best effort: without the record the commit is scanned twice.
pub fn record_approval(repo: &Repository) {
    if let Some(identity) = index_identity(repo) {
        let _ = std::fs::write(repo.path().join(APPROVAL_FILE), identity);
    }
}

/// Whether `commits` is the one commit an ordinary `git commit` just made from the index
/// the pre-commit hook approved: a single new commit on top of a ref's old value, and the
/// index unchanged since (anything that rewrote it — cherry-pick, rebase, am — changed its
/// checksum). The record is used once.
pub fn approved_by_pre_commit(repo: &Repository, commits: &[Oid], changes: &[RefChange]) -> bool {
    let [only] = commits else { return false };
    let path = repo.path().join(APPROVAL_FILE);
    let Ok(recorded) = std::fs::read_to_string(&path) else {
        return false;
    };
    let Ok(commit) = repo.find_commit(*only) else {
        return false;
    };
    let on_top = commit.parent_count() <= 1
        && changes.iter().any(|c| {
            c.new == *only
                && match commit.parent_id(0) {
                    Ok(parent) => c.old == parent,
                    Err(_) => c.old.is_zero(),
                }
        });
    let fresh = index_identity(repo).is_some_and(|now| now == recorded);
    if on_top && fresh {
        let _ = std::fs::remove_file(&path);
        return true;
    }
    false
}

/// One line of `reference-transaction` input: `<old> <new> <ref>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefChange {
    /// The value before the update (zero for a new ref).
    pub old: Oid,
    /// The value after (zero for a deletion).
    pub new: Oid,
    /// The full ref name.
    pub name: String,
}

/// Parses git's input. Lines whose values are not object ids (symbolic-ref updates, which
/// git writes as `ref:<target>`) are left out: they make nothing reachable.
pub fn parse_changes(input: impl BufRead) -> Result<Vec<RefChange>> {
    let mut changes = Vec::new();
    for line in input.lines() {
        let line = line.map_err(Error::io("<stdin>"))?;
        let mut fields = line.splitn(3, ' ');
        let (Some(old), Some(new), Some(name)) = (fields.next(), fields.next(), fields.next())
        else {
            if line.trim().is_empty() {
                continue;
            }
            return Err(Error::Usage(format!(
                "reference-transaction: unexpected input line from git: {:?}",
                crate::util::escape_control(&line)
            )));
        };
        let (Ok(old), Ok(new)) = (Oid::from_str(old), Oid::from_str(new)) else {
            continue;
        };
        changes.push(RefChange {
            old,
            new,
            name: name.to_string(),
        });
    }
    Ok(changes)
}

/// Whether any of `changes` can add commits (a local branch or HEAD moving to a commit):
/// when none can, there is nothing to open or read — `git init` runs the hook before the
/// repository is complete.
pub fn any_can_add_commits(changes: &[RefChange]) -> bool {
    changes
        .iter()
        .any(|c| is_local_branch(&c.name) && !c.new.is_zero())
}

/// Whether an update of `name` can add commits a user made locally.
fn is_local_branch(name: &str) -> bool {
    name == "HEAD" || name.starts_with("refs/heads/")
}

/// The commits `changes` make reachable that no existing branch, remote-tracking ref or
/// tag reaches, oldest first, each once.
pub fn new_commits(repo: &Repository, changes: &[RefChange]) -> Result<Vec<Oid>> {
    let wanted: Vec<&RefChange> = changes
        .iter()
        .filter(|c| is_local_branch(&c.name) && !c.new.is_zero())
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut walk = repo
        .revwalk()
        .map_err(Error::git("starting a revision walk"))?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)
        .map_err(Error::git("sorting the revision walk"))?;
    let mut pushed = false;
    for change in &wanted {
        // A ref may point at a tag or a tree in odd setups: only commits are walked.
        if repo.find_commit(change.new).is_ok() {
            walk.push(change.new)
                .map_err(Error::git(format!("walking from {}", change.new)))?;
            pushed = true;
        }
        if !change.old.is_zero() && repo.find_commit(change.old).is_ok() {
            walk.hide(change.old)
                .map_err(Error::git(format!("walking from {}", change.old)))?;
        }
    }
    if !pushed {
        return Ok(Vec::new());
    }
    // What the same transaction writes elsewhere (a clone or fetch creating remote-tracking
    // refs and tags along with the local branch) is known too, though not on disk yet.
    for change in changes {
        let known =
            change.name.starts_with("refs/remotes/") || change.name.starts_with("refs/tags/");
        if known && !change.new.is_zero() {
            if let Ok(commit) = repo
                .find_object(change.new, None)
                .and_then(|o| o.peel_to_commit())
            {
                walk.hide(commit.id())
                    .map_err(Error::git(format!("walking from {}", change.new)))?;
            }
        }
    }
    let updating: HashSet<&str> = wanted.iter().map(|c| c.name.as_str()).collect();
    for r in repo
        .references()
        .map_err(Error::git("listing references"))?
        .flatten()
    {
        let Ok(name) = r.name() else { continue };
        let known = name.starts_with("refs/heads/")
            || name.starts_with("refs/remotes/")
            || name.starts_with("refs/tags/");
        if !known || updating.contains(name) {
            continue;
        }
        if let Ok(commit) = r.peel_to_commit() {
            walk.hide(commit.id())
                .map_err(Error::git(format!("walking from {name}")))?;
        }
    }
    walk.collect::<std::result::Result<Vec<_>, _>>()
        .map_err(Error::git("walking the new commits"))
}
