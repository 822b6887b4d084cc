//! Files as they are on disk as a source (`--files`, `--dir`).
//!
//! Every line counts as added. Directories are walked the way git sees them: `.gitignore`,
//! `.git/info/exclude` and the user's excludes file are honoured (even outside a
//! repository), hidden files such as `.env` are not skipped, `.git` itself is. A file named
//! explicitly is scanned even when ignored, as ripgrep does: the user asked for it. Binaries
//! and files above a size limit are handed over by path only, with the reason (path rules
//! still apply to them).
//!
//! It lists and reads files; it does not scan them or report.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::input::{Content, Origin, Reader, Sink, SkipReason, Source, Unit};
use crate::source::decode::prepare;

/// The default `--max-file-size`: 10 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// Parses a size such as `10MB`, `512k`, `1GiB` or `2000` (bytes). Units are binary
/// (`MB` = `MiB` = 1024 × 1024 bytes), as in most tools' size limits.
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size (examples: 10MB, 512K, 2000)"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("{text:?}: unknown unit (use K, M or G)")),
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("{text:?} is too large"))
}

/// A path as reports show it: as given, `/`-separated, without a leading `./`.
fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_string()
}

/// A file to read, or something not to read and why.
pub enum Entry {
    /// A regular file.
    File(PathBuf),
    /// Not a regular file.
    Other(PathBuf, SkipReason),
}

/// Walks `dir` honouring git's ignore files, and appends what it finds to `out`.
fn walk_dir(dir: &Path, out: &mut Vec<Entry>) -> Result<()> {
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .ignore(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(true)
        // A directory that is not a repository still has its .gitignore honoured.
        .require_git(false)
        .parents(true)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git")
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = entry.map_err(|e| Error::Usage(format!("walking {}: {e}", dir.display())))?;
        let Some(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            continue;
        }
        let path = entry.into_path();
        if kind.is_file() {
            out.push(Entry::File(path));
        } else {
            let reason = if kind.is_symlink() {
                SkipReason::Symlink
            } else {
                SkipReason::NotRegularFile
            };
            out.push(Entry::Other(path, reason));
        }
    }
    Ok(())
}

/// Lists what `paths` name: files as they are, directories walked, in a stable order.
pub fn list(paths: &[PathBuf]) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(Error::io(path))?;
        if meta.is_dir() {
            walk_dir(path, &mut out)?;
        } else if meta.is_file() {
            out.push(Entry::File(path.clone()));
        } else {
            out.push(Entry::Other(path.clone(), SkipReason::NotRegularFile));
        }
    }
    Ok(out)
}

/// Reads files from disk; files larger than `max_size` bytes are handed over by path only.
#[derive(Clone, Copy)]
pub struct DiskReader {
    /// The size limit in bytes.
    pub max_size: u64,
}

impl Reader for DiskReader {
    type Job = Entry;

    fn read(&mut self, entry: &Entry, sink: &mut dyn Sink) -> Result<()> {
        let (path, skipped) = match entry {
            Entry::File(path) => (path, None),
            Entry::Other(path, reason) => (path, Some(*reason)),
        };
        let name = display_path(path);
        let unit = |content| Unit {
            path: name.as_bytes(),
            content,
            origin: Origin::Disk,
        };
        if skipped == Some(SkipReason::Symlink) {
            // A link's target is text that would be committed: scan it, do not follow it.
            let target = std::fs::read_link(path).map_err(Error::io(path))?;
            let target = target.to_string_lossy().into_owned();
            return sink.unit(unit(Content::LinkTarget(target.as_bytes())));
        }
        if let Some(reason) = skipped {
            return sink.unit(unit(Content::Skipped(reason)));
        }
        let size = std::fs::metadata(path).map_err(Error::io(path))?.len();
        if size > self.max_size {
            return sink.unit(unit(Content::Skipped(SkipReason::TooLarge {
                size,
                limit: self.max_size,
            })));
        }
        let content = std::fs::read(path).map_err(Error::io(path))?;
        let prepared = prepare(&content);
        let hunks = prepared.whole();
        sink.unit(unit(prepared.content(&hunks)))
    }
}

impl Source for DiskReader {
    type Reader = DiskReader;
    fn reader(&self) -> Result<DiskReader> {
        Ok(*self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("2000"), Ok(2000));
        assert_eq!(parse_size("10MB"), Ok(10 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("1 GiB"), Ok(1 << 30));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5 parsecs").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }

    #[test]
    fn display_paths() {
        assert_eq!(display_path(Path::new("./a/b.txt")), "a/b.txt");
        assert_eq!(display_path(Path::new("a/b.txt")), "a/b.txt");
    }
}
