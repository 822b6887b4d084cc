//! The whole history as a source. Diffing every commit would re-read each blob twice and
//! scan the same line once per commit that touches the file, so instead every commit
//! reachable from any ref (and HEAD) is walked oldest first and each blob is listed the
//! first time it appears at a path; the driver scans each such (path, blob) pair once, in
//! full, on all cores. A blob at several paths (`cp a.py b.py`, a rename) is scanned at
//! each, so every path that holds a secret is reported, as `--range` reports them. A
//! secret is attributed to the oldest commit whose tree holds it at that path (the driver
//! keeps the first report of a secret at a path, and jobs are in walk order). A secret added
//! and removed later is still found: the blob that held it is in history.
//!
//! It lists and reads blobs; it does not scan them or report.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;

use git2::{ObjectType, Oid, Repository, Sort};

use crate::error::{Error, Result};
use crate::input::{
    CommitInfo, Content, Origin, PassedOver, Reader, Sink, SkipReason, Source, Unit,
};
use crate::source::blob::read_blob;
use crate::source::commits::{describe_commit, open_git_dir, refs_matching};
use crate::source::decode::prepare;
use crate::source::loose::objects_dir;
use crate::source::pack::Packs;

/// A blob to read, found at `path` first in commit number `commit`.
pub struct BlobJob {
    blob: Oid,
    path: Vec<u8>,
    commit: u32,
    kind: BlobKind,
}

/// What a history job holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BlobKind {
    /// A blob first seen at this path: read and scan it.
    New,
    /// A symbolic link: its target is scanned as text.
    Link,
    /// A submodule: nothing of this repository to scan.
    NonFile(PassedOver),
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

/// Hashes the keys of [`entry_key`] cheaply: both halves are already uniformly spread (a
/// hashed path, an object id), so they are folded together instead of being hashed again
/// with SipHash (which was a tenth of the walk).
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, _: usize) {
        // Slice lengths: the same (20) for every object id.
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type KeySet = HashSet<(u64, Oid), std::hash::BuildHasherDefault<KeyHasher>>;

/// Walks trees and records every blob the first time it appears at a path.
struct TreeWalker<'r> {
    repo: &'r Repository,
    seen_entries: KeySet,
    jobs: Vec<BlobJob>,
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
                        self.jobs.push(BlobJob {
                            blob: id,
                            path: prefix.clone(),
                            commit,
                            kind: BlobKind::New,
                        });
                    }
                }
                // Symlinks and submodules carry no content of this repository to scan.
                _ => {
                    if self.seen_entries.insert(entry_key(prefix, id)) {
                        let (kind, path) = if entry.filemode() == 0o120000 {
                            (BlobKind::Link, prefix.clone())
                        } else {
                            (BlobKind::NonFile(PassedOver::Submodule), Vec::new())
                        };
                        self.jobs.push(BlobJob {
                            blob: id,
                            path,
                            commit,
                            kind,
                        });
                    }
                }
            }
            prefix.truncate(len);
        }
        Ok(())
    }
}

/// Reads history blobs through one repository handle.
pub struct HistoryReader {
    repo: Repository,
    packs: Packs,
    commits: Arc<[Oid]>,
    max_size: u64,
}

impl Reader for HistoryReader {
    type Job = BlobJob;

    fn read(&mut self, job: &BlobJob, sink: &mut dyn Sink) -> Result<()> {
        let origin = Origin::Commit(job.commit);
        let path = job.path.as_slice();
        match job.kind {
            BlobKind::NonFile(what) => {
                sink.passed_over(what);
                return Ok(());
            }
            BlobKind::Link => {
                let blob = read_blob(&self.repo, Some(&mut self.packs), job.blob, path)?;
                return sink.unit(Unit {
                    path,
                    content: Content::LinkTarget(blob.bytes()),
                    origin,
                });
            }
            BlobKind::New => {}
        }
        // No size check before reading: asking libgit2 for a packed object's size walks its
        // delta chain and inflates the start of a delta, which costs about as much as
        // reading a typical source file outright.
        let blob = read_blob(&self.repo, Some(&mut self.packs), job.blob, path)?;
        let content = blob.bytes();
        let size = content.len() as u64;
        let skipped = |reason| Unit {
            path,
            content: Content::Skipped(reason),
            origin,
        };
        if size > self.max_size {
            return sink.unit(skipped(SkipReason::TooLarge {
                size,
                limit: self.max_size,
            }));
        }
        let prepared = prepare(content);
        let hunks = prepared.whole();
        let content = prepared.content(&hunks);
        sink.unit(Unit {
            path,
            content,
            origin,
        })
    }

    fn commit_info(&mut self, n: u32) -> Result<Option<CommitInfo>> {
        describe_commit(&self.repo, self.commits[n as usize]).map(Some)
    }
}

/// The whole history; helper threads open the repository at its git directory.
pub struct HistorySource {
    git_dir: PathBuf,
    commits: Arc<[Oid]>,
    max_size: u64,
}

impl HistorySource {
    /// How many commits the walk covered.
    pub fn commits(&self) -> u64 {
        self.commits.len() as u64
    }
}

impl Source for HistorySource {
    type Reader = HistoryReader;
    fn reader(&self) -> Result<HistoryReader> {
        let repo = open_git_dir(&self.git_dir)?;
        Ok(HistoryReader {
            packs: Packs::open(&objects_dir(&repo)),
            repo,
            commits: self.commits.clone(),
            max_size: self.max_size,
        })
    }
}

/// Walks every commit reachable from any ref (and HEAD), oldest first, and lists each blob
/// the first time it appears at a path. Blobs above `max_size` bytes are not scanned (path
/// rules still apply).
pub fn list(
    repo: Repository,
    max_size: u64,
) -> Result<(HistorySource, Vec<BlobJob>, HistoryReader)> {
    let mut walk = repo
        .revwalk()
        .map_err(Error::git("starting a revision walk"))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)
        .map_err(Error::git("sorting the revision walk"))?;
    let mut tips = refs_matching(&repo, |_| true)?;
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
    let mut walker = TreeWalker {
        repo: &repo,
        seen_entries: KeySet::default(),
        jobs: Vec::new(),
    };
    let mut prefix = Vec::new();
    for (n, &id) in commits.iter().enumerate() {
        let commit = repo
            .find_commit(id)
            .map_err(Error::git(format!("reading commit {id}")))?;
        walker.walk(commit.tree_id(), &mut prefix, n as u32, 0)?;
    }
    let jobs = walker.jobs;
    let commits: Arc<[Oid]> = commits.into();
    let source = HistorySource {
        git_dir: repo.path().to_path_buf(),
        commits: commits.clone(),
        max_size,
    };
    Ok((
        source,
        jobs,
        HistoryReader {
            packs: Packs::open(&objects_dir(&repo)),
            repo,
            commits,
            max_size,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_keys_differ_by_path_and_object() {
        let a = Oid::from_str("1111111111111111111111111111111111111111").unwrap();
        let b = Oid::from_str("2222222222222222222222222222222222222222").unwrap();
        assert_ne!(entry_key(b"x", a), entry_key(b"y", a));
        assert_ne!(entry_key(b"x", a), entry_key(b"x", b));
        assert_eq!(entry_key(b"x", a), entry_key(b"x", a));
    }
}
