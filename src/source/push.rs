//! The `pre-push` hook: scan the commits a push would send that the remote does not have.
//!
//! git passes one `<local ref> <local sha> <remote ref> <remote sha>` line per ref on
//! stdin. A deletion has an all-zero local sha (nothing to send, nothing to scan). A new
//! branch has an all-zero remote sha: the commits sent are those not reachable from any
//! remote-tracking ref (`<local sha> --not --remotes`). Otherwise they are
//! `<remote sha>..<local sha>`, also minus what remote-tracking refs already hold (falling
//! back to `--not --remotes` alone when the remote's commit is not here, as after someone
//! else's force-push). Each commit is diffed against its
//! first parent; a merge commit contributes only its resolution, since its other parents'
//! commits are either sent too (and scanned themselves) or already on the remote.
//!
//! This module owns parsing git's input and choosing the commits; listing and scanning
//! ordinary commits is `history`'s (the same code as `tierzero scan --range`), matching is
//! `scan`'s.

use std::collections::HashSet;
use std::io::BufRead;
use std::time::Instant;

use git2::{Commit, Oid, Repository};

use crate::policy::config;
use crate::source::diff::{self, DiffStats};
use crate::error::{Error, Result};
use crate::report::finding::Finding;
use crate::source::history;
use crate::report::{Report, Summary};
use crate::engine::scanner::Scanner;

/// One line of `pre-push` input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefUpdate {
    /// The local ref being pushed (`(delete)` for deletions).
    pub local_ref: String,
    /// The commit being pushed; zero for a deletion.
    pub local: Oid,
    /// The remote ref updated.
    pub remote_ref: String,
    /// What the remote has now; zero for a new branch.
    pub remote: Oid,
}

/// Parses git's `pre-push` input; a malformed line is an error (fail closed).
pub fn parse_updates(input: impl BufRead) -> Result<Vec<RefUpdate>> {
    let mut updates = Vec::new();
    for line in input.lines() {
        let line = line.map_err(Error::io("<stdin>"))?;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let bad = || {
            Error::Usage(format!(
                "pre-push: unexpected input line from git: {line:?}"
            ))
        };
        if fields.len() != 4 {
            return Err(bad());
        }
        let oid = |s: &str| Oid::from_str(s).map_err(|_| bad());
        updates.push(RefUpdate {
            local_ref: fields[0].to_string(),
            local: oid(fields[1])?,
            remote_ref: fields[2].to_string(),
            remote: oid(fields[3])?,
        });
    }
    Ok(updates)
}

/// The commits `updates` would send, oldest first, each once.
pub fn commits_to_push(repo: &Repository, updates: &[RefUpdate]) -> Result<Vec<Oid>> {
    let mut seen = HashSet::new();
    let mut commits = Vec::new();
    for update in updates {
        if update.local.is_zero() {
            continue; // a deletion sends nothing
        }
        let remote_known = !update.remote.is_zero() && repo.find_commit(update.remote).is_ok();
        let spec = if remote_known {
            // What the remote branch lacks, minus what is already on a remote under
            // another name (a feature branch merged locally, say): it was scanned there.
            format!("{} ^{} --not --remotes", update.local, update.remote)
        } else {
            // A new branch, or a remote commit we do not have (someone else's push).
            format!("{} --not --remotes", update.local)
        };
        for id in history::resolve_range(repo, &[spec])? {
            if seen.insert(id) {
                commits.push(id);
            }
        }
    }
    Ok(commits)
}

/// Scans one merge commit for its resolution: lines new relative to every parent.
fn scan_merge(
    repo: &Repository,
    commit: &Commit<'_>,
    loaded: &config::Loaded,
    stats: &mut DiffStats,
) -> Result<Vec<Finding>> {
    let id = commit.id();
    let tree = commit
        .tree()
        .map_err(Error::git(format!("reading the tree of {id}")))?;
    let parent_trees = commit
        .parents()
        .map(|p| p.tree())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(Error::git(format!("reading the parents of {id}")))?;
    let ours = diff::tree_diff(repo, parent_trees.first(), &tree)?;
    let theirs = parent_trees[1..]
        .iter()
        .map(|p| diff::tree_diff(repo, Some(p), &tree))
        .collect::<Result<Vec<_>>>()?;
    let mut scanner = Scanner::new(&loaded.rules, &loaded.suppressor, false);
    diff::for_each_resolution_file(repo, &ours, &theirs, stats, |f| scanner.scan_file(f))?;
    let info = history::commit_info(commit);
    Ok(scanner
        .into_findings()
        .into_iter()
        .map(|mut f| {
            f.commit = Some(info.clone());
            f
        })
        .collect())
}

/// Scans what a push sends, given the hook's arguments and git's stdin. Ordinary commits
/// go through `history::scan_commits` (as `tierzero scan --range` does); a merge commit
/// contributes only its resolution, since its other parents' commits are either pushed
/// too (and scanned) or already on the remote.
pub fn scan_push(_args: &[String], input: impl BufRead) -> Result<Report> {
    let started = Instant::now();
    let updates = parse_updates(input)?;
    let repo = diff::open_repository()?;
    let loaded = config::load(repo.workdir(), &config::ConfigOptions::default())?;
    let commits = commits_to_push(&repo, &updates)?;
    let mut merges = Vec::new();
    let mut ordinary = Vec::new();
    for id in &commits {
        let commit = repo
            .find_commit(*id)
            .map_err(Error::git(format!("reading commit {id}")))?;
        if commit.parent_count() > 1 {
            merges.push(commit);
        } else {
            ordinary.push(*id);
        }
    }
    let scan = history::scan_commits(&repo, &ordinary, false, &loaded.rules, &loaded.suppressor)?;
    let mut stats = scan.stats;
    let mut findings = scan.findings;
    for commit in &merges {
        for f in scan_merge(&repo, commit, &loaded, &mut stats)? {
            let known = findings
                .iter()
                .any(|g| g.path == f.path && g.fingerprint == f.fingerprint);
            if !known {
                findings.push(f);
            }
        }
    }
    let suppressed = findings
        .iter()
        .filter(|f| f.suppressed_by.is_some())
        .count();
    let reported = findings.len() - suppressed;
    findings.retain(|f| f.suppressed_by.is_none());
    Ok(Report {
        findings,
        summary: Summary {
            mode: "range".into(),
            commits: commits.len() as u64,
            files: stats.files,
            added_lines: stats.added_lines,
            bytes: stats.added_bytes,
            rules_loaded: loaded.rules.rules().len(),
            findings: reported,
            suppressed,
            duration_ms: started.elapsed().as_millis() as u64,
            ..Default::default()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_git_input_and_rejects_garbage() {
        let zero = "0".repeat(40);
        let a = "1".repeat(40);
        let input =
            format!("refs/heads/x {a} refs/heads/x {zero}\n(delete) {zero} refs/heads/y {a}\n");
        let updates = parse_updates(input.as_bytes()).unwrap();
        assert_eq!(updates.len(), 2);
        assert!(updates[0].remote.is_zero() && !updates[0].local.is_zero());
        assert!(updates[1].local.is_zero());
        assert!(parse_updates("refs/heads/x abc".as_bytes()).is_err());
    }
}
