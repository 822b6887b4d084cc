//! Texts already in memory as a source: standard input, a commit message (with the lines
//! git strips blanked out), a rule's example. Every line counts as added.
//!
//! It reads text; it does not scan it or report.

use std::io::Read;

use crate::error::{Error, Result};
use crate::input::{Origin, Reader, Sink, Source, Unit};
use crate::source::decode::prepare;

/// The name findings from standard input carry.
pub const STDIN_NAME: &str = "<stdin>";

/// One in-memory text, scanned as a whole.
pub struct Text {
    /// The name findings carry.
    pub name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Where it came from.
    pub origin: Origin,
}

/// Reads in-memory texts (nothing to open: every thread can have one).
#[derive(Clone, Copy, Default)]
pub struct TextReader;

impl Reader for TextReader {
    type Job = Text;

    fn read(&mut self, job: &Text, sink: &mut dyn Sink) -> Result<()> {
        let path = job.name.as_bytes();
        let prepared = prepare(&job.bytes);
        let hunks = prepared.whole();
        let content = prepared.content(&hunks);
        sink.unit(Unit {
            path,
            content,
            origin: job.origin,
        })
    }
}

impl Source for TextReader {
    type Reader = TextReader;
    fn reader(&self) -> Result<TextReader> {
        Ok(TextReader)
    }
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

/// What git does to a commit message before recording it, as `commit.cleanup` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cleanup {
    /// `strip`: comment lines go, and everything from the scissors line.
    Strip,
    /// `scissors`: everything from the scissors line goes; comment lines stay.
    Scissors,
    /// `whitespace` or `verbatim`: every line stays.
    KeepAll,
    /// Unset (`default`): `strip` when the message was edited in an editor, `whitespace`
    /// for `-m` and `-F`. The editor case is recognised by the notice git writes into the
    /// message it opens ("Lines starting with '#' will be ignored, and an empty message
    /// aborts the commit"); without it (or in another language) every line is scanned.
    /// The block `git commit -v` appends (its scissors line with git's own notice below
    /// it, then the diff, already scanned as the staged change) is always left out.
    Default,
}

/// The commit message git will record from `raw`, with the lines git drops blanked out (not
/// removed, so line numbers still match the file). `comment` is git's comment prefix
/// (`core.commentString` / `core.commentChar`, `#` by default).
pub fn commit_message_text(raw: &[u8], comment: &[u8], cleanup: Cleanup) -> Vec<u8> {
    let comment = if comment.is_empty() {
        b"#" as &[u8]
    } else {
        comment
    };
    let mut scissors = comment.to_vec();
    scissors.extend_from_slice(b" ------------------------ >8 ------------------------");
    let lines: Vec<&[u8]> = raw.split_inclusive(|&b| b == b'\n').collect();
    let editor_notice = |line: &&[u8]| {
        line.starts_with(comment)
            && String::from_utf8_lossy(line)
                .contains("will be ignored, and an empty message aborts the commit")
    };
    let cleanup = if cleanup == Cleanup::Default && lines.iter().any(editor_notice) {
        Cleanup::Strip
    } else {
        cleanup
    };
    let body = |line: &[u8]| -> Vec<u8> {
        let b = line.strip_suffix(b"\n").unwrap_or(line);
        b.strip_suffix(b"\r").unwrap_or(b).to_vec()
    };
    let mut out = Vec::with_capacity(raw.len());
    for (i, line) in lines.iter().enumerate() {
        if body(line) == scissors {
            let cut = match cleanup {
                Cleanup::Strip | Cleanup::Scissors => true,
                Cleanup::KeepAll => false,
                // Only git's own `-v` block: the notice it writes right below the line.
                Cleanup::Default => lines.get(i + 1).is_some_and(|next| {
                    next.starts_with(comment)
                        && String::from_utf8_lossy(next)
                            .contains("Do not modify or remove the line above")
                }),
            };
            if cut {
                break;
            }
        }
        if cleanup == Cleanup::Strip && line.starts_with(comment) {
            if line.ends_with(b"\n") {
                out.push(b'\n');
            }
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

/// The cleanup mode `commit.cleanup` sets in `repo` (see [`Cleanup`]).
pub fn cleanup_mode(repo: Option<&git2::Repository>) -> Cleanup {
    let mode = repo
        .and_then(|r| r.config().ok())
        .and_then(|c| c.get_string("commit.cleanup").ok());
    match mode.as_deref() {
        Some("strip") => Cleanup::Strip,
        Some("scissors") => Cleanup::Scissors,
        Some("verbatim") | Some("whitespace") => Cleanup::KeepAll,
        _ => Cleanup::Default,
    }
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
    fn commit_message_follows_the_cleanup_mode() {
        let raw = b"Subject\n\n# a comment\nbody\n# ------------------------ >8 ------------------------\n# Do not modify or remove the line above.\ndiff --git a b\n+secret\n";
        assert_eq!(
            commit_message_text(raw, b"#", Cleanup::Strip),
            b"Subject\n\n\nbody\n".to_vec()
        );
        assert_eq!(
            commit_message_text(b"; note\nx # not a comment\n", b";", Cleanup::Strip),
            b"\nx # not a comment\n".to_vec()
        );
        // scissors keeps comment lines and cuts at the line.
        assert_eq!(
            commit_message_text(raw, b"#", Cleanup::Scissors),
            b"Subject\n\n# a comment\nbody\n".to_vec()
        );
        // verbatim and whitespace keep every line, the scissors line included.
        assert_eq!(
            commit_message_text(raw, b"#", Cleanup::KeepAll),
            raw.to_vec()
        );
        // Unset: comment lines are scanned (`-m` keeps them), git's `-v` block is not.
        assert_eq!(
            commit_message_text(raw, b"#", Cleanup::Default),
            b"Subject\n\n# a comment\nbody\n".to_vec()
        );
        // An editor session (git's notice is in the file): git strips comment lines.
        let edited = b"Subject\n# key\n# Please enter the commit message for your changes. Lines starting\n# with '#' will be ignored, and an empty message aborts the commit.\n";
        assert_eq!(
            commit_message_text(edited, b"#", Cleanup::Default),
            b"Subject\n\n\n\n".to_vec()
        );
        // A scissors line a user typed (no notice below it) does not hide what follows.
        let typed = b"x\n# ------------------------ >8 ------------------------\nkey\n";
        assert_eq!(
            commit_message_text(typed, b"#", Cleanup::Default),
            typed.to_vec()
        );
    }
}
