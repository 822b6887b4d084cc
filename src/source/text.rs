//! Texts already in memory as a source: standard input, a commit message (with the lines
//! git strips blanked out), a rule's example. Every line counts as added.
//!
//! It reads text; it does not scan it or report.

use std::io::Read;

use crate::error::{Error, Result};
use crate::input::{Content, Hunk, Origin, Reader, Sink, SkipReason, Source, Unit};
use crate::source::blob::is_binary;

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
        if is_binary(&job.bytes) {
            return sink.unit(Unit {
                path,
                content: Content::Skipped(SkipReason::Binary),
                origin: job.origin,
            });
        }
        let hunks: Vec<Hunk> = Hunk::whole(&job.bytes).into_iter().collect();
        sink.unit(Unit {
            path,
            content: Content::Text {
                bytes: &job.bytes,
                hunks: &hunks,
            },
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
}
