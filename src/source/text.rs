//! Sources of text that are not git objects: files as they are on disk, standard input, and
//! a commit message.
//!
//! Every line of such a source counts as added. Directories are walked the way git sees
//! them: `.gitignore`, `.git/info/exclude` and the user's excludes file are honoured (even
//! outside a repository), hidden files such as `.env` are not skipped, `.git` itself is.
//! A file named explicitly is scanned even when ignored, as ripgrep does: the user asked for
//! it. Binaries and files above a size limit are skipped with a reason the summary shows
//! (path rules still apply to them). Files are read and scanned on all cores.
//!
//! This module does not match secrets (the scanner does) and does not render reports.

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::source::diff::{ChangedFile, DiffStats};
use crate::error::{Error, Result};
use crate::report::finding::Finding;
use crate::report::Skipped;
use crate::rules::RuleSet;
use crate::engine::scanner::{self, Scanner};
use crate::policy::suppress::Suppressor;

/// The default `--max-file-size`: 10 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// The name findings from standard input carry.
pub const STDIN_NAME: &str = "<stdin>";

/// What a scan of plain text produced.
#[derive(Debug, Default)]
pub struct TextScan {
    /// Findings, in path order.
    pub findings: Vec<Finding>,
    /// Files, lines and bytes scanned.
    pub stats: DiffStats,
    /// Paths scanned (binaries and oversize files excluded).
    pub paths: Vec<String>,
    /// What was not scanned, and why.
    pub skipped: Vec<Skipped>,
}

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
enum Entry {
    File(PathBuf),
    Skip(Skipped),
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
            out.push(Entry::Skip(Skipped {
                path: display_path(&path),
                reason: if kind.is_symlink() {
                    "symbolic link (not followed)".into()
                } else {
                    "not a regular file".into()
                },
            }));
        }
    }
    Ok(())
}

/// Lists what `paths` name: files as they are, directories walked.
fn expand(paths: &[PathBuf]) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(Error::io(path))?;
        if meta.is_dir() {
            walk_dir(path, &mut out)?;
        } else if meta.is_file() {
            out.push(Entry::File(path.clone()));
        } else {
            out.push(Entry::Skip(Skipped {
                path: display_path(path),
                reason: "not a regular file".into(),
            }));
        }
    }
    Ok(out)
}

/// What scanning one file produced.
#[derive(Default)]
struct FileResult {
    findings: Vec<Finding>,
    stats: DiffStats,
    scanned: Option<String>,
    skipped: Option<Skipped>,
}

fn scan_one(
    path: &Path,
    max_size: u64,
    rules: &RuleSet,
    suppressor: &Suppressor,
) -> Result<FileResult> {
    let name = display_path(path);
    let mut result = FileResult::default();
    let mut scanner = Scanner::new(rules, suppressor, false);
    let size = std::fs::metadata(path).map_err(Error::io(path))?.len();
    if size > max_size {
        result.skipped = Some(Skipped {
            path: name.clone(),
            reason: format!("larger than --max-file-size ({size} > {max_size} bytes)"),
        });
        scanner.scan_file(&ChangedFile {
            path: name.as_bytes(),
            content: &[],
            hunks: &[],
            binary: true,
        })?;
    } else {
        let content = std::fs::read(path).map_err(Error::io(path))?;
        result.stats = scanner::scan_text(&mut scanner, &name, &content)?;
        if result.stats.binary_skipped > 0 {
            result.skipped = Some(Skipped {
                path: name.clone(),
                reason: "binary (path rules only)".into(),
            });
        } else {
            result.scanned = Some(name);
        }
    }
    result.findings = scanner.into_findings();
    Ok(result)
}

/// Scans files and directories on disk; see the module documentation.
pub fn scan_paths(
    paths: &[PathBuf],
    max_size: u64,
    rules: &RuleSet,
    suppressor: &Suppressor,
) -> Result<TextScan> {
    let entries = expand(paths)?;
    let results: Vec<FileResult> = entries
        .par_iter()
        .map(|entry| match entry {
            Entry::File(path) => scan_one(path, max_size, rules, suppressor),
            Entry::Skip(skipped) => Ok(FileResult {
                skipped: Some(skipped.clone()),
                ..Default::default()
            }),
        })
        .collect::<Result<_>>()?;
    let mut scan = TextScan::default();
    for r in results {
        scan.stats.files += r.stats.files;
        scan.stats.added_lines += r.stats.added_lines;
        scan.stats.added_bytes += r.stats.added_bytes;
        scan.paths.extend(r.scanned);
        scan.skipped.extend(r.skipped);
        scan.findings.extend(r.findings);
    }
    Ok(scan)
}

/// Scans `text` as one file named `name` (standard input, a commit message).
pub fn scan_named_text(
    name: &str,
    text: &[u8],
    rules: &RuleSet,
    suppressor: &Suppressor,
) -> Result<TextScan> {
    let mut scanner = Scanner::new(rules, suppressor, false);
    let stats = scanner::scan_text(&mut scanner, name, text)?;
    let mut scan = TextScan {
        findings: scanner.into_findings(),
        ..Default::default()
    };
    if stats.binary_skipped > 0 {
        scan.skipped.push(Skipped {
            path: name.to_string(),
            reason: "binary (not scanned)".into(),
        });
    } else {
        scan.paths.push(name.to_string());
    }
    scan.stats = stats;
    Ok(scan)
}

/// Reads all of standard input.
pub fn read_stdin() -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut buf)
        .map_err(Error::io(STDIN_NAME))?;
    Ok(buf)
}

/// The commit message git will record from `raw`, with the lines git strips blanked out
/// (not removed, so line numbers still match the file): when `strip_comments`, lines starting with
/// `comment` (git's `core.commentChar`, `#` by default), and everything from the scissors
/// line that `git commit -v` writes above the diff.
pub fn commit_message_text(raw: &[u8], comment: &[u8], strip_comments: bool) -> Vec<u8> {
    let comment = if comment.is_empty() {
        b"#" as &[u8]
    } else {
        comment
    };
    let mut scissors = comment.to_vec();
    scissors.extend_from_slice(b" ------------------------ >8 ------------------------");
    let mut out = Vec::with_capacity(raw.len());
    for line in raw.split_inclusive(|&b| b == b'\n') {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        if body == scissors.as_slice() {
            break;
        }
        if strip_comments && line.starts_with(comment) {
            if line.ends_with(b"\n") {
                out.push(b'\n');
            }
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

/// Whether git will strip comment lines from the message, going by `commit.cleanup`:
/// `strip` does, `verbatim`, `whitespace` and `scissors` do not. Unset (`default`), git strips
/// them when the message was edited in an editor and keeps them for `-m` and `-F`, which a
/// hook cannot tell apart; tierzero assumes the editor, the interactive default.
pub fn strips_comments(repo: Option<&git2::Repository>) -> bool {
    let mode = repo
        .and_then(|r| r.config().ok())
        .and_then(|c| c.get_string("commit.cleanup").ok());
    !matches!(
        mode.as_deref(),
        Some("verbatim") | Some("whitespace") | Some("scissors")
    )
}

/// The comment prefix git uses in `repo`: `core.commentString` or `core.commentChar`, `#`
/// when unset or `auto` (git then picks a character absent from the message; `#` is the
/// one it tries first).
pub fn comment_prefix(repo: Option<&git2::Repository>) -> Vec<u8> {
    let configured = repo
        .and_then(|r| r.config().ok())
        .and_then(|c| {
            c.get_string("core.commentString")
                .or_else(|_| c.get_string("core.commentChar"))
                .ok()
        })
        .filter(|s| !s.is_empty() && s != "auto");
    configured.map_or_else(|| b"#".to_vec(), String::into_bytes)
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
    fn commit_message_blanks_comments_and_cuts_at_scissors() {
        let raw = b"Subject\n\n# a comment\nbody\n# ------------------------ >8 ------------------------\ndiff --git a b\n+secret\n";
        assert_eq!(
            commit_message_text(raw, b"#", true),
            b"Subject\n\n\nbody\n".to_vec()
        );
        assert_eq!(
            commit_message_text(b"; note\nx # not a comment\n", b";", true),
            b"\nx # not a comment\n".to_vec()
        );
        // commit.cleanup=verbatim keeps comment lines; the scissors line still ends it.
        assert_eq!(
            commit_message_text(raw, b"#", false),
            b"Subject\n\n# a comment\nbody\n".to_vec()
        );
    }

    #[test]
    fn display_paths() {
        assert_eq!(display_path(Path::new("./a/b.txt")), "a/b.txt");
        assert_eq!(display_path(Path::new("a/b.txt")), "a/b.txt");
    }
}
