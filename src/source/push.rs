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
//! This module owns parsing git's input and choosing the commits; reading them is
//! `commits`' (the same code as `tierzero scan --range`, with merges narrowed to their
//! resolution).

use std::collections::HashSet;
use std::io::BufRead;

use git2::{Oid, Repository};

use crate::error::{Error, Result};
use crate::source::commits;

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

/// The annotated tags `updates` push (their messages are scanned with the commits).
pub fn tags_to_push(repo: &Repository, updates: &[RefUpdate]) -> Vec<Oid> {
    updates
        .iter()
        .filter(|u| !u.local.is_zero() && u.local != u.remote)
        .filter(|u| repo.find_tag(u.local).is_ok())
        .map(|u| u.local)
        .collect()
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
        for id in commits::resolve_range(repo, &[spec])? {
            if seen.insert(id) {
                commits.push(id);
            }
        }
    }
    Ok(commits)
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
