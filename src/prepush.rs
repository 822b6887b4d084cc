//! The `pre-push` hook: scan the commits a push would send that the remote does not have.
//!
//! git passes one `<local ref> <local sha> <remote ref> <remote sha>` line per ref on
//! stdin. A deletion has an all-zero local sha (nothing to send, nothing to scan). A new
//! branch has an all-zero remote sha: the commits sent are those not reachable from any
//! remote-tracking ref (`<local sha> --not --remotes`). Otherwise they are
//! `<remote sha>..<local sha>` (falling back to `--not --remotes` when the remote's commit
//! is not here, as after someone else's force-push). Each commit is diffed against its
//! first parent; a merge commit contributes only its resolution, since its other parents'
//! commits are either sent too (and scanned themselves) or already on the remote.
//!
//! This module owns parsing git's input and choosing the commits; matching is `scan`'s.

use std::collections::HashSet;
use std::io::BufRead;
use std::time::Instant;

use git2::{Commit, Oid, Repository, Revwalk, Sort};

use crate::config;
use crate::diff::{self, DiffStats};
use crate::error::{Error, Result};
use crate::finding::CommitInfo;
use crate::report::{Report, Summary};
use crate::scan::Scanner;

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
        let mut walk: Revwalk<'_> = repo.revwalk().map_err(Error::git("walking commits"))?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
            .map_err(Error::git("walking commits"))?;
        walk.push(update.local).map_err(Error::git(format!(
            "reading pushed commit {}",
            update.local
        )))?;
        let remote_known = !update.remote.is_zero() && repo.find_commit(update.remote).is_ok();
        if remote_known {
            walk.hide(update.remote).map_err(Error::git(format!(
                "reading remote commit {}",
                update.remote
            )))?;
        } else {
            walk.hide_glob("refs/remotes/*")
                .map_err(Error::git("reading remote-tracking refs"))?;
        }
        for id in walk {
            let id = id.map_err(Error::git("walking pushed commits"))?;
            if seen.insert(id) {
                commits.push(id);
            }
        }
    }
    Ok(commits)
}

/// Civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// RFC 3339 rendering of a git time, in its own offset.
fn rfc3339(time: git2::Time) -> String {
    let offset = i64::from(time.offset_minutes());
    let local = time.seconds() + offset * 60;
    let (y, mo, d) = civil(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    let sign = if offset < 0 { '-' } else { '+' };
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        offset.abs() / 60,
        offset.abs() % 60
    )
}

fn commit_info(commit: &Commit<'_>) -> CommitInfo {
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

/// Scans what a push sends, given the hook's arguments and git's stdin.
pub fn scan_push(_args: &[String], input: impl BufRead) -> Result<Report> {
    let started = Instant::now();
    let updates = parse_updates(input)?;
    let repo = diff::open_repository()?;
    let loaded = config::load(repo.workdir(), &config::ConfigOptions::default())?;
    let commits = commits_to_push(&repo, &updates)?;
    let mut stats = DiffStats::default();
    let mut findings = Vec::new();
    for id in &commits {
        let commit = repo
            .find_commit(*id)
            .map_err(Error::git(format!("reading commit {id}")))?;
        let tree = commit
            .tree()
            .map_err(Error::git(format!("reading the tree of {id}")))?;
        let parent_trees = commit
            .parents()
            .map(|p| p.tree())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(Error::git(format!("reading the parents of {id}")))?;
        let mut scanner = Scanner::new(&loaded.rules, &loaded.suppressor, false);
        let ours = diff::tree_diff(&repo, parent_trees.first(), &tree)?;
        if parent_trees.len() > 1 {
            let theirs = parent_trees[1..]
                .iter()
                .map(|p| diff::tree_diff(&repo, Some(p), &tree))
                .collect::<Result<Vec<_>>>()?;
            diff::for_each_resolution_file(&repo, &ours, &theirs, &mut stats, |f| {
                scanner.scan_file(f)
            })?;
        } else {
            diff::for_each_changed_file(&repo, &ours, &mut stats, |f| scanner.scan_file(f))?;
        }
        let info = commit_info(&commit);
        findings.extend(scanner.into_findings().into_iter().map(|mut f| {
            f.commit = Some(info.clone());
            f
        }));
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

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(rfc3339(git2::Time::new(0, 0)), "1970-01-01T00:00:00+00:00");
        assert_eq!(
            rfc3339(git2::Time::new(1_700_000_000, 60)),
            "2023-11-14T23:13:20+01:00"
        );
        assert_eq!(
            rfc3339(git2::Time::new(951_782_400, -300)),
            "2000-02-28T19:00:00-05:00"
        );
    }
}
