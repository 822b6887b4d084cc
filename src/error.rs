//! The library's error type. Every variant carries what a user needs to act: the file, rule
//! id or git object it is about. Printing is the commands' business, exit codes `commands::Outcome`'s.

use std::path::PathBuf;

/// Everything that can go wrong in tierzero. All of these fail closed (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The current directory is not inside a git repository.
    #[error("not a git repository (or any parent up to the filesystem root): {0}")]
    NotARepository(String),

    /// A git operation failed.
    #[error("git: {context}: {source}")]
    Git {
        /// What we were doing.
        context: String,
        /// libgit2's error.
        #[source]
        source: git2::Error,
    },

    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// A git object file is damaged (truncated, corrupt, or its header lies about it).
    #[error("git object {id} is damaged ({what}): {}; `git fsck` lists what else is", path.display())]
    DamagedObject {
        /// The object's id.
        id: String,
        /// Its file.
        path: PathBuf,
        /// What is wrong with it.
        what: &'static str,
    },

    /// A rule is broken (bad regex, missing field, failing example).
    #[error("{origin}: rule \"{id}\": {message}")]
    Rule {
        /// Where the rule came from (`rules.toml`, a config path).
        origin: String,
        /// The rule's id.
        id: String,
        /// What is wrong.
        message: String,
    },

    /// A configuration file is broken.
    #[error("{origin}: {message}")]
    Config {
        /// The file, with a line number when known (`.tierzero.toml:12`).
        origin: String,
        /// What is wrong.
        message: String,
    },

    /// The installer refused or failed.
    #[error("{0}")]
    Install(String),

    /// A bug: an invariant did not hold (a worker thread panicked, …). Fails closed.
    #[error("internal error: {0}")]
    Internal(String),

    /// Output could not be written (a closed pipe, a full disk).
    #[error("writing to {stream}: {source}")]
    Output {
        /// Which stream.
        stream: Stream,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// `tierzero fix` could not complete a step (a git write, a file it must not touch).
    #[error("fix: {0}")]
    Fix(String),

    /// A command-line usage error detected by the library.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// Wraps a git2 error with what we were doing.
    pub fn git(context: impl Into<String>) -> impl FnOnce(git2::Error) -> Error {
        let context = context.into();
        move |source| Error::Git { context, source }
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}

/// Which stream a write failed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl std::fmt::Display for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stream::Stdout => "standard output",
            Stream::Stderr => "standard error",
        })
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
