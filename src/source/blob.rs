//! From blobs to added lines: which entries of a change can add content, and which lines
//! of a blob are new.
//!
//! libgit2 is asked only for what it does fast — the changed entries between two trees or a
//! tree and the index, with renames paired up — and blobs are read here. An added file is all
//! added lines, with no diff at all; a modified or renamed file gets a histogram line diff
//! of the two blobs (imara-diff). No diff text is ever produced or parsed, so the user's git
//! configuration (colours, prefixes, external diff drivers, textconv) cannot leak in. A
//! merge resolution keeps only the lines new relative to every parent.
//!
//! Each entry is read, handed to the sink and forgotten, so memory is bounded by the largest
//! file, not by the whole change.

use std::collections::HashMap;
use std::ops::Range;

use git2::{Delta, DiffFindOptions, DiffOptions, FileMode, Index, Oid, Repository, Tree};
use imara_diff::intern::InternedInput;
use imara_diff::sources::byte_lines_with_terminator;
use imara_diff::{diff as line_diff, Algorithm};

use crate::error::{Error, Result};
use crate::input::{Content, Hunk, Origin, PassedOver, Sink, SkipReason, Unit};
use crate::source::decode::{lfs_object, prepare, Prepared};
use crate::source::loose;
use crate::source::pack::Packs;

/// Options for listing changed entries: type changes included, submodules ignored, no
/// content loaded.
pub fn diff_options() -> DiffOptions {
    let mut opts = DiffOptions::new();
    opts.include_typechange(true)
        .ignore_submodules(true)
        // We decide binary-ness ourselves from the blob; do not let libgit2 load content
        // (or consult attributes) just to list the changed entries.
        .skip_binary_check(true);
    opts
}

/// Pairs renames up, with explicit flags.
pub fn find_renames(diff: &mut git2::Diff<'_>) -> Result<()> {
    let mut find = DiffFindOptions::new();
    // Explicit flags: with none set, libgit2 would consult the user's `diff.renames`.
    find.renames(true).copies(false).rename_limit(1000);
    diff.find_similar(Some(&mut find))
        .map_err(Error::git("detecting renames"))
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

pub use crate::source::decode::is_binary;

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

/// A blob's bytes: inflated here from a loose object, or borrowed from libgit2's buffer (no
/// copy); empty for the null id (an intent-to-add entry).
pub enum BlobContent<'r> {
    /// The null id: no content.
    Empty,
    /// A blob read here (by `loose` or `pack`).
    Loose(Vec<u8>),
    /// A blob in libgit2's buffer.
    Blob(git2::Blob<'r>),
}

impl BlobContent<'_> {
    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        match self {
            BlobContent::Empty => &[],
            BlobContent::Loose(bytes) => bytes,
            BlobContent::Blob(blob) => blob.content(),
        }
    }
}

/// Reads blob `id` (at `path`, for the error message): directly when it is loose (as what
/// was just staged is) or, given `packs`, in one of them; else through libgit2.
pub fn read_blob<'r>(
    repo: &'r Repository,
    packs: Option<&mut Packs>,
    id: Oid,
    path: &[u8],
) -> Result<BlobContent<'r>> {
    if id.is_zero() {
        return Ok(BlobContent::Empty);
    }
    if let Some(packs) = packs {
        if let Some(bytes) = packs.read_blob(id) {
            return Ok(BlobContent::Loose(bytes));
        }
    }
    if let Some(bytes) = loose::read_blob(&loose::objects_dir(repo), id)? {
        return Ok(BlobContent::Loose(bytes));
    }
    repo.find_blob(id)
        .map(BlobContent::Blob)
        .map_err(Error::git(format!(
            "reading blob {id} ({})",
            String::from_utf8_lossy(path)
        )))
}

/// What kind of entry a change lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular (or executable) file.
    File,
    /// A symbolic link: its blob is the target path.
    Symlink,
    /// A submodule: a commit id, no content here.
    Submodule,
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
    /// What the entry is.
    pub kind: EntryKind,
}

/// The entries of `diff` that can add content. Deleted files, pure renames, mode changes,
/// submodules and symlinks are listed with their kind (the reader passes over them).
pub fn change_entries(diff: &git2::Diff<'_>) -> Vec<ChangeEntry> {
    let mut entries = Vec::new();
    for delta in diff.deltas() {
        match delta.status() {
            Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange => {
            }
            _ => continue,
        }
        let new = delta.new_file();
        let kind = match new.mode() {
            FileMode::Blob | FileMode::BlobExecutable => EntryKind::File,
            FileMode::Link => EntryKind::Symlink,
            FileMode::Commit => EntryKind::Submodule,
            _ => continue,
        };
        if kind != EntryKind::File {
            entries.push(ChangeEntry {
                path: new.path_bytes().unwrap_or_default().to_vec(),
                new_id: new.id(),
                old_id: None,
                added: delta.status() == Delta::Added,
                kind,
            });
            continue;
        }
        let old = delta.old_file();
        let same_kind = matches!(old.mode(), FileMode::Blob | FileMode::BlobExecutable);
        if delta.status() != Delta::Added && old.id() == new.id() && same_kind {
            // A pure rename or a mode change: the content was already there (a symlink
            // turned into a file with the same bytes is new content to scan).
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
            kind,
        });
    }
    entries
}

/// What one other parent had at a path of the new side that differs from it (a path
/// missing from the map is identical in that parent).
pub enum ParentSide {
    /// The parent had no such file: every line is new relative to it.
    Absent,
    /// The parent had this blob (under this or a renamed path).
    Blob(Oid),
}

/// For each path of the new side that differs from one other parent, what that parent had
/// (see [`read_entry`]).
pub type Sides = HashMap<Vec<u8>, ParentSide>;

/// What the other parent behind `diff` (that parent → the new side) had at each path.
pub fn parent_sides(diff: &git2::Diff<'_>) -> Sides {
    let mut sides = HashMap::new();
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

/// Reads one entry's blobs, computes its added lines and hands the unit to `sink` (unless
/// nothing was added). With `sides` (a merge resolution: one map per other parent), only the
/// lines also new relative to every other parent count, and a file identical to some parent
/// adds nothing. UTF-16/32 text is decoded and a binary's printable runs are extracted
/// before diffing (see `decode`); a git-lfs pointer is replaced by its object from the
/// local LFS store; a symbolic link's target is handed over as text.
pub fn read_entry(
    repo: &Repository,
    mut packs: Option<&mut Packs>,
    entry: &ChangeEntry,
    sides: &[Sides],
    origin: Origin,
    sink: &mut dyn Sink,
) -> Result<()> {
    let path = entry.path.as_slice();
    match entry.kind {
        EntryKind::File => {}
        EntryKind::Symlink => {
            let target = read_blob(repo, packs.as_deref_mut(), entry.new_id, path)?;
            return sink.unit(Unit {
                path,
                content: Content::LinkTarget(target.bytes()),
                origin,
            });
        }
        EntryKind::Submodule => {
            sink.passed_over(PassedOver::Submodule);
            return Ok(());
        }
    }
    // Unchanged from some other parent: every line is already there.
    if sides.iter().any(|side| !side.contains_key(path)) {
        return Ok(());
    }
    let blob = read_blob(repo, packs.as_deref_mut(), entry.new_id, path)?;
    let mut content = blob.bytes();
    let lfs_content;
    let mut from_lfs = false;
    if let Some(object) = lfs_object_of(repo, content) {
        match std::fs::read(&object) {
            Ok(bytes) => {
                lfs_content = bytes;
                content = &lfs_content;
                from_lfs = true;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return sink.unit(Unit {
                    path,
                    content: Content::Skipped(SkipReason::LfsObjectMissing),
                    origin,
                });
            }
            Err(e) => return Err(Error::io(object)(e)),
        }
    }
    let new = prepare(content);
    if matches!(new, Prepared::Binary) {
        return sink.unit(Unit {
            path,
            content: Content::Skipped(SkipReason::Binary),
            origin,
        });
    }
    let text = new.bytes();
    let mut hunks = match entry.old_id.filter(|_| !from_lfs) {
        Some(old_id) => {
            let old_blob = read_blob(repo, packs.as_deref_mut(), old_id, path)?;
            // The old side is needed only for the diff; it is freed before scanning.
            added_hunks(prepare(old_blob.bytes()).bytes(), text)
        }
        None => added_hunks(&[], text),
    };
    for side in sides {
        if let Some(ParentSide::Blob(id)) = side.get(path) {
            let old = read_blob(repo, packs.as_deref_mut(), *id, path)?;
            let theirs = added_hunks(prepare(old.bytes()).bytes(), text);
            hunks = intersect_hunks(text, &hunks, &theirs);
        }
    }
    if hunks.is_empty() && (!entry.added || !sides.is_empty()) {
        return Ok(());
    }
    let content = new.content(&hunks);
    sink.unit(Unit {
        path,
        content,
        origin,
    })
}

/// The local LFS object `content` points at, when it is a git-lfs pointer (`lfs.storage`
/// honoured).
pub fn lfs_object_of(repo: &Repository, content: &[u8]) -> Option<std::path::PathBuf> {
    if !content.starts_with(b"version https://git-lfs") {
        return None;
    }
    let storage = repo
        .config()
        .ok()
        .and_then(|c| c.get_path("lfs.storage").ok())
        .map(|p| {
            if p.is_relative() {
                repo.commondir().join(p)
            } else {
                p
            }
        });
    lfs_object(repo.commondir(), storage.as_deref(), content)
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
        assert_eq!(crate::input::count_lines(b"b\nc"), 2);
        assert_eq!(crate::input::count_lines(b"b\n"), 1);
        assert_eq!(crate::input::count_lines(b""), 0);
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
