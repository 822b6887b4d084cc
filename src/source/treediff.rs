//! The changed entries between two trees, found the way git's `diff-tree` finds them:
//! subtrees with the same id on both sides are skipped without being read. libgit2's
//! tree-to-tree diff walks every entry of both trees, which for a range of commits that
//! each touch a few files of a large tree was most of the scan's time.
//!
//! This is a fast path for the common commit: files added (with nothing deleted) or
//! modified in place. Anything a rename search or a type change could make look different —
//! a commit that both adds and deletes, a file that becomes a symlink or a directory, a
//! submodule, an unusual mode — answers `None`, and the caller asks libgit2 (see
//! `blob::tree_diff`), so the entries are always the ones libgit2 would list, in the same
//! (path) order. It lists entries; it does not read blobs.

use std::cmp::Ordering;

use git2::{ObjectType, Oid, Repository, TreeEntry};

use crate::source::blob::{ChangeEntry, EntryKind};

/// Deeper trees are left to libgit2 rather than risk the stack.
const MAX_DEPTH: u32 = 256;

/// What one side holds at a path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tree,
    File,
    Link,
    /// A submodule, or a mode libgit2 may read otherwise.
    Other,
}

fn kind_of(entry: &TreeEntry<'_>) -> Kind {
    match (entry.kind(), entry.filemode()) {
        (Some(ObjectType::Tree), 0o040000) => Kind::Tree,
        (Some(ObjectType::Blob), 0o100644 | 0o100755) => Kind::File,
        (Some(ObjectType::Blob), 0o120000) => Kind::Link,
        _ => Kind::Other,
    }
}

/// git's tree order: names compared bytewise, a directory as if it ended in `/`.
fn tree_order(a: &[u8], a_dir: bool, b: &[u8], b_dir: bool) -> Ordering {
    let common = a.len().min(b.len());
    match a[..common].cmp(&b[..common]) {
        Ordering::Equal => {}
        other => return other,
    }
    let next = |name: &[u8], dir: bool| match name.get(common) {
        Some(&c) => Some(c),
        None if dir => Some(b'/'),
        None => None,
    };
    next(a, a_dir).cmp(&next(b, b_dir))
}

/// Collects the change while walking; gives up (`Err(GiveUp)`) as soon as the commit
/// needs libgit2.
struct Walk<'r> {
    repo: &'r Repository,
    entries: Vec<ChangeEntry>,
    added: bool,
    deleted: bool,
}

/// The change needs libgit2's diff (or the walk failed to read a tree: libgit2 reports it).
struct GiveUp;

impl<'r> Walk<'r> {
    fn tree(&self, id: Oid) -> std::result::Result<git2::Tree<'r>, GiveUp> {
        self.repo.find_tree(id).map_err(|_| GiveUp)
    }

    fn add(
        &mut self,
        path: Vec<u8>,
        id: Oid,
        kind: Kind,
        old: Option<Oid>,
    ) -> std::result::Result<(), GiveUp> {
        let (kind, added) = match kind {
            Kind::File => (EntryKind::File, old.is_none()),
            Kind::Link => (EntryKind::Symlink, old.is_none()),
            Kind::Tree | Kind::Other => return Err(GiveUp),
        };
        if added {
            if self.deleted {
                return Err(GiveUp);
            }
            self.added = true;
        }
        self.entries.push(ChangeEntry {
            path,
            new_id: id,
            old_id: old.filter(|_| kind == EntryKind::File),
            added,
            kind,
        });
        Ok(())
    }

    fn delete(&mut self, kind: Kind) -> std::result::Result<(), GiveUp> {
        if self.added || kind == Kind::Other {
            return Err(GiveUp);
        }
        self.deleted = true;
        Ok(())
    }

    /// Every file of tree `id` (at `prefix`) as added.
    fn all_added(
        &mut self,
        id: Oid,
        prefix: &mut Vec<u8>,
        depth: u32,
    ) -> std::result::Result<(), GiveUp> {
        if depth > MAX_DEPTH {
            return Err(GiveUp);
        }
        let tree = self.tree(id)?;
        for entry in tree.iter() {
            let len = push_name(prefix, entry.name_bytes());
            match kind_of(&entry) {
                Kind::Tree => self.all_added(entry.id(), prefix, depth + 1)?,
                kind => self.add(prefix.clone(), entry.id(), kind, None)?,
            }
            prefix.truncate(len);
        }
        Ok(())
    }

    fn diff(
        &mut self,
        old: Oid,
        new: Oid,
        prefix: &mut Vec<u8>,
        depth: u32,
    ) -> std::result::Result<(), GiveUp> {
        if depth > MAX_DEPTH {
            return Err(GiveUp);
        }
        let (old_tree, new_tree) = (self.tree(old)?, self.tree(new)?);
        let (mut olds, mut news) = (old_tree.iter().peekable(), new_tree.iter().peekable());
        loop {
            let order = match (olds.peek(), news.peek()) {
                (None, None) => return Ok(()),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(o), Some(n)) => tree_order(
                    o.name_bytes(),
                    kind_of(o) == Kind::Tree,
                    n.name_bytes(),
                    kind_of(n) == Kind::Tree,
                ),
            };
            match order {
                Ordering::Less => {
                    let o = olds.next().ok_or(GiveUp)?;
                    self.delete(kind_of(&o))?;
                }
                Ordering::Greater => {
                    let n = news.next().ok_or(GiveUp)?;
                    let len = push_name(prefix, n.name_bytes());
                    match kind_of(&n) {
                        Kind::Tree => self.all_added(n.id(), prefix, depth + 1)?,
                        kind => self.add(prefix.clone(), n.id(), kind, None)?,
                    }
                    prefix.truncate(len);
                }
                Ordering::Equal => {
                    let (o, n) = (olds.next().ok_or(GiveUp)?, news.next().ok_or(GiveUp)?);
                    let (ok, nk) = (kind_of(&o), kind_of(&n));
                    if ok == Kind::Other || nk == Kind::Other {
                        return Err(GiveUp);
                    }
                    if ok != nk {
                        // A file that became a symlink (or back): libgit2 calls it a type
                        // change, and this path leaves those to it.
                        return Err(GiveUp);
                    }
                    if o.id() == n.id() {
                        // Same subtree or blob (a mode change adds no content).
                        continue;
                    }
                    let len = push_name(prefix, n.name_bytes());
                    match nk {
                        Kind::Tree => self.diff(o.id(), n.id(), prefix, depth + 1)?,
                        kind => self.add(prefix.clone(), n.id(), kind, Some(o.id()))?,
                    }
                    prefix.truncate(len);
                }
            }
        }
    }
}

/// Appends `/name` (or `name` at the root) to `prefix`; returns the length to truncate back to.
fn push_name(prefix: &mut Vec<u8>, name: &[u8]) -> usize {
    let len = prefix.len();
    if !prefix.is_empty() {
        prefix.push(b'/');
    }
    prefix.extend_from_slice(name);
    len
}

/// The entries that can add content between tree `old` (`None`: the empty tree) and tree
/// `new`, as `blob::change_entries` would list them from libgit2's diff; `None` when this
/// change needs libgit2's diff (see the module docs), or a tree could not be read (libgit2
/// then reads it again and reports what it meets).
pub fn quick_change_entries(
    repo: &Repository,
    old: Option<Oid>,
    new: Oid,
) -> Option<Vec<ChangeEntry>> {
    let mut walk = Walk {
        repo,
        entries: Vec::new(),
        added: false,
        deleted: false,
    };
    let mut prefix = Vec::new();
    let done = match old {
        Some(old) => walk.diff(old, new, &mut prefix, 0),
        None => walk.all_added(new, &mut prefix, 0),
    };
    done.ok().map(|()| walk.entries)
}

#[cfg(test)]
mod tests {
    use super::tree_order;
    use std::cmp::Ordering;

    #[test]
    fn directories_sort_as_if_they_ended_in_a_slash() {
        assert_eq!(tree_order(b"a", true, b"a.txt", false), Ordering::Greater);
        assert_eq!(tree_order(b"a", false, b"a.txt", false), Ordering::Less);
        assert_eq!(tree_order(b"a", true, b"a0", false), Ordering::Less);
        assert_eq!(tree_order(b"a", true, b"a", false), Ordering::Greater);
        assert_eq!(tree_order(b"a", true, b"a", true), Ordering::Equal);
        assert_eq!(tree_order(b"b", false, b"a", true), Ordering::Greater);
    }
}
