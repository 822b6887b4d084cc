//! The contract between sources and the engine: what a source hands over to be scanned, and
//! what it passed over and why.
//!
//! A source (the index, a commit range, the history, files on disk, standard input, a
//! commit message) lists cheap *jobs* and, on each worker thread, a [`Reader`] turns a job
//! into [`Unit`]s: a path, the bytes to scan and which of them are added. The engine's one
//! driver decides where each job runs and in which order results come back; a source never
//! builds a scanner, a suppressor or a report.
//!
//! This is a leaf module: it uses no other layer, so sources, the engine, policy and reports
//! can all speak it without depending on each other.

use std::ops::Range;

use serde::Serialize;

use crate::error::Result;

/// A run of consecutive added lines inside a unit's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hunk {
    /// Byte range in the content; starts at a line start, ends after a `\n` or at the end.
    pub bytes: Range<usize>,
    /// 1-based number of the hunk's first line.
    pub first_line: u32,
}

impl Hunk {
    /// The whole of `content` as one hunk (none when it is empty).
    pub fn whole(content: &[u8]) -> Option<Hunk> {
        (!content.is_empty()).then_some(Hunk {
            bytes: 0..content.len(),
            first_line: 1,
        })
    }
}

/// Where a unit's bytes came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A blob of the index git is about to commit.
    Staged,
    /// A commit's change, or a blob first reachable from a commit. The number is the
    /// source's own index of the commit; [`Reader::commit_info`] describes it, and only
    /// findings pay for that.
    Commit(u32),
    /// The message of commit number `n` (as [`Origin::Commit`]).
    CommitMessage(u32),
    /// A blob of a tree not attributed to a commit (HEAD's, for a baseline).
    Tree,
    /// A file on disk.
    Disk,
    /// Standard input.
    Stdin,
    /// A commit message being made (the commit-msg hook), or a tag's.
    Message,
}

/// Why a unit's content was not scanned (path rules still apply to it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// Binary content (a NUL byte near the start, as git decides) with no printable run.
    Binary,
    /// A git-lfs pointer whose object is not in the local LFS store: the content git-lfs
    /// uploads was not scanned.
    LfsObjectMissing,
    /// Larger than the size limit.
    TooLarge {
        /// The content's size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// A symbolic link on disk (not followed).
    Symlink,
    /// Not a regular file (a device, a socket, a fifo).
    NotRegularFile,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::Binary => {
                f.write_str("binary content is not scanned (path rules still apply)")
            }
            SkipReason::LfsObjectMissing => f.write_str(
                "git-lfs pointer whose object is not in the local LFS store: its content was not scanned",
            ),
            SkipReason::TooLarge { size, limit } => {
                write!(
                    f,
                    "larger than --max-file-size ({size} > {limit} bytes; path rules still apply)"
                )
            }
            SkipReason::Symlink => f.write_str("symbolic link (not followed)"),
            SkipReason::NotRegularFile => f.write_str("not a regular file"),
        }
    }
}

/// How text was recovered from content that is not UTF-8 text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// UTF-16, little endian (with a BOM, or NUL in every second byte).
    Utf16Le,
    /// UTF-16, big endian.
    Utf16Be,
    /// UTF-32, little endian.
    Utf32Le,
    /// UTF-32, big endian.
    Utf32Be,
    /// A binary's printable runs (8 or more characters each).
    BinaryStrings,
}

impl std::fmt::Display for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Encoding::Utf16Le => "decoded from UTF-16LE",
            Encoding::Utf16Be => "decoded from UTF-16BE",
            Encoding::Utf32Le => "decoded from UTF-32LE",
            Encoding::Utf32Be => "decoded from UTF-32BE",
            Encoding::BinaryStrings => {
                "binary: its printable runs scanned with the rules of unmistakable shape"
            }
        })
    }
}

/// A unit whose text was recovered, and how (for the report).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Recovered {
    /// The unit's path.
    pub path: String,
    /// How.
    pub how: Encoding,
}

/// What a source hands over for one file.
#[derive(Clone, Copy, Debug)]
pub enum Content<'a> {
    /// Text to scan: the whole new content, and the ranges of it that are added.
    Text {
        /// The full content (context for multi-line rules and the previous line).
        bytes: &'a [u8],
        /// The added lines, in order.
        hunks: &'a [Hunk],
    },
    /// Text recovered from content that is not UTF-8 text: decoded UTF-16/32, or the
    /// printable runs of a binary (one per line), which only rules whose shape is
    /// unmistakable are run on.
    Decoded {
        /// The text (UTF-8).
        bytes: &'a [u8],
        /// The added lines of it.
        hunks: &'a [Hunk],
        /// How it was recovered.
        from: Encoding,
    },
    /// A symbolic link: its target path, which git commits as the blob's content.
    LinkTarget(&'a [u8]),
    /// Nothing to scan but the path.
    Skipped(SkipReason),
    /// The same content was handed over at another path already: only the path is new.
    PathOnly,
}

/// One file (or text) to scan.
#[derive(Clone, Copy, Debug)]
pub struct Unit<'a> {
    /// Repository-relative path, `/`-separated, as raw bytes (or a name such as `<stdin>`).
    pub path: &'a [u8],
    /// What to scan.
    pub content: Content<'a>,
    /// Where it came from.
    pub origin: Origin,
}

/// Entries a source saw and passed over without a unit: they carry no content of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PassedOver {
    /// A submodule (a commit id, not content).
    Submodule,
    /// A symbolic link (its target is not followed).
    Symlink,
    /// A merge commit not diffed (range scans without `--merges`).
    MergeCommit,
}

/// Where a reader delivers what it read. The engine's driver implements it.
pub trait Sink {
    /// Scans one unit.
    fn unit(&mut self, unit: Unit<'_>) -> Result<()>;
    /// Counts an entry that had nothing to scan.
    fn passed_over(&mut self, what: PassedOver);
    /// Counts a commit walked.
    fn commit(&mut self) {}
}

/// Turns jobs into units on one thread. Each worker thread has its own reader (and so its
/// own repository handle: libgit2 handles are not shared across threads).
pub trait Reader {
    /// What the source lists.
    type Job: Sync;
    /// Reads one job, handing each unit to `sink` in a stable order.
    fn read(&mut self, job: &Self::Job, sink: &mut dyn Sink) -> Result<()>;
    /// Describes commit number `n` of [`Origin::Commit`], for findings.
    fn commit_info(&mut self, _n: u32) -> Result<Option<CommitInfo>> {
        Ok(None)
    }
}

/// A source: opens readers for helper threads. The jobs themselves are listed by the
/// source's own constructor, together with the reader for the calling thread, so a small
/// scan never opens a second repository handle.
pub trait Source: Sync {
    /// The reader a worker thread uses.
    type Reader: Reader;
    /// A reader for one more worker thread.
    fn reader(&self) -> Result<Self::Reader>;
}

/// The commit a finding was introduced in (range and history scans).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommitInfo {
    /// Full hex object id.
    pub id: String,
    /// `Name <email>`.
    pub author: String,
    /// RFC 3339 author date.
    pub date: String,
}

/// A unit whose content was not scanned, and why. Serialised as `{"path", "kind", "reason"}`
/// (plus `size` and `limit` for a file too large), the reason in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The unit's path.
    pub path: String,
    /// Why.
    pub reason: SkipReason,
}

/// Counts the lines in `bytes` (a final line without `\n` counts).
pub fn count_lines(bytes: &[u8]) -> u64 {
    let newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
    newlines + u64::from(!bytes.is_empty() && bytes[bytes.len() - 1] != b'\n')
}

impl Serialize for Skipped {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("path", &self.path)?;
        let kind = match self.reason {
            SkipReason::Binary => "binary",
            SkipReason::LfsObjectMissing => "lfs-object-missing",
            SkipReason::TooLarge { size, limit } => {
                map.serialize_entry("size", &size)?;
                map.serialize_entry("limit", &limit)?;
                "too-large"
            }
            SkipReason::Symlink => "symlink",
            SkipReason::NotRegularFile => "not-a-regular-file",
        };
        map.serialize_entry("kind", kind)?;
        map.serialize_entry("reason", &self.reason.to_string())?;
        map.end()
    }
}
