//! The one writer every command prints through, and the typed outcome of a command with
//! its one mapping to an exit code.

use std::io::{self, Write};

use crate::error::{Error, Result, Stream};

/// Exit code: nothing found (or the command succeeded).
pub const EXIT_CLEAN: i32 = 0;
/// Exit code: secrets found (the commit is blocked), or not protected.
pub const EXIT_FOUND: i32 = 1;
/// Exit code: an error; tierzero failed closed.
pub const EXIT_ERROR: i32 = 2;

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing found, or the command did what it was asked.
    Clean,
    /// Secrets found: the commit (push) is blocked.
    Found,
    /// `status`: this repository is not protected.
    NotProtected,
    /// An agent hook refused the tool call (the agents read exit status 2 as "blocked").
    Denied,
}

impl Outcome {
    /// The exit code: 0 clean, 1 found / not protected, 2 an agent call denied. Errors are
    /// 2 too ([`EXIT_ERROR`]): both fail closed.
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Clean => EXIT_CLEAN,
            Outcome::Found | Outcome::NotProtected => EXIT_FOUND,
            Outcome::Denied => EXIT_ERROR,
        }
    }
}

/// Where every command's output goes: standard output for data (machine reports, lists),
/// standard error for the human report and notices.
pub struct Console<'a> {
    /// Standard output.
    pub out: &'a mut dyn Write,
    /// Standard error.
    pub err: &'a mut dyn Write,
}

impl Console<'_> {
    /// Writes `text` to standard output.
    pub fn print(&mut self, text: &str) -> Result<()> {
        write_all(self.out, text.as_bytes(), Stream::Stdout)
    }

    /// Writes `text` to standard error.
    pub fn eprint(&mut self, text: &str) -> Result<()> {
        write_all(self.err, text.as_bytes(), Stream::Stderr)
    }
}

/// Writes and flushes, mapping a failure to [`Error::Output`].
pub fn write_all(w: &mut dyn Write, bytes: &[u8], stream: Stream) -> Result<()> {
    w.write_all(bytes)
        .and_then(|()| w.flush())
        .map_err(|source| Error::Output { stream, source })
}

/// Whether `e` says the reader of our output went away (`| head`): a normal end.
pub fn is_closed_pipe(e: &Error) -> bool {
    matches!(e, Error::Output { source, .. } if source.kind() == io::ErrorKind::BrokenPipe)
}
