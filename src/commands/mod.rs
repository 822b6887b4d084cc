//! The commands behind the command line, one module per subcommand. Each returns a typed
//! [`Outcome`] (or an error) and writes its output through the one [`Console`]; the exit
//! code is chosen from the outcome in exactly one place, [`Outcome::exit_code`].
//!
//! Nothing here calls `exit`, and nothing prints except through the console.

use std::io::{self, Write};
use std::path::PathBuf;

use crate::cli::{Cli, Command};
use crate::error::{Error, Result};
use crate::policy::config::ConfigOptions;
use crate::report::Format;
use crate::source::staged::MergeScan;

pub mod baseline;
pub mod hook;
pub mod info;
pub mod install;
pub mod scan;

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
}

impl Outcome {
    /// The exit code: 0 clean, 1 found / not protected. Errors are 2 ([`EXIT_ERROR`]).
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Clean => EXIT_CLEAN,
            Outcome::Found | Outcome::NotProtected => EXIT_FOUND,
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

/// Options shared by every scan.
#[derive(Clone, Debug, Default)]
pub struct ScanOptions {
    /// Output format.
    pub format: Format,
    /// Where machine formats go (stdout when `None`).
    pub output: Option<PathBuf>,
    /// Also show suppressed findings.
    pub verbose: bool,
    /// Configuration choices.
    pub config: ConfigOptions,
    /// What a commit that concludes a merge is scanned for.
    pub merge_scan: MergeScan,
    /// Range scans: also diff merge commits against their first parent.
    pub merges: bool,
    /// Files, history: skip content larger than this many bytes (default
    /// [`crate::source::disk::DEFAULT_MAX_FILE_SIZE`]).
    pub max_file_size: Option<u64>,
    /// Staged mode: paths a hook manager passed.
    pub paths: Vec<PathBuf>,
}

/// Runs the command `cli` asks for.
pub fn run(cli: Cli, console: &mut Console<'_>) -> Result<Outcome> {
    match cli.command {
        Command::Scan(args) => {
            let opts = args.options();
            let outcome = scan::run(&args.source(), &opts, console)?;
            Ok(if args.exit_zero {
                Outcome::Clean
            } else {
                outcome
            })
        }
        Command::Hook { name, args } => hook::run(&name, &args, console),
        Command::Install(args) => install::install(&args.options(), console),
        Command::Uninstall(args) => install::uninstall(&args.options(), console),
        Command::Status => install::status(console),
        Command::Config(args) => info::config(args.check, &args.flags.options(), console),
        Command::Ignore {
            fingerprint,
            reason,
        } => info::ignore(&fingerprint, &reason, console),
        Command::Baseline(args) => baseline::run(
            &baseline::BaselineOptions {
                update: args.update,
                history: args.history,
                config: args.flags.options(),
            },
            console,
        ),
        Command::Import(crate::cli::ImportCommand::Gitleaks { file, output }) => {
            info::import_gitleaks(&file, output.as_deref(), console)
        }
        Command::Rules { explain } => info::rules(explain.as_deref(), console),
    }
}
