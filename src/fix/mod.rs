//! `tierzero fix`: takes a blocked key out of the code for the user.
//!
//! For each finding in a file whose language it knows, the key's string literal becomes an
//! environment lookup written the way that language's users write it; the value moves to a
//! `.env` at the repository root (mode 0600, ignored by git); a `.env`-like file that was
//! staged is unstaged and ignored instead. The staged version and the working-tree file
//! get the same replacement, so a partially staged file keeps both its staged and its
//! unstaged changes. Every file it touches is backed up first under
//! `.git/tierzero/fix-backup/<time>/`, and the patch it prints shows the removed key only
//! as its redacted preview.
//!
//! This module owns planning ([`plan`]), the edits ([`rewrite`], [`notebook`]), the writes
//! ([`apply`]) and the text shown to the user ([`render`]). It finds keys through the
//! regular engine (`commands::scan_*`) and re-finds each secret's bytes itself, in memory,
//! by running the finding's rule on its line and matching the fingerprint. It never prints:
//! everything goes to the writer it is given.

pub mod advice;
pub mod apply;
pub mod envfile;
pub mod gitops;
pub mod lang;
pub mod lexer;
pub mod notebook;
pub mod plan;
pub mod render;
pub mod rewrite;

use std::io::{BufRead, Write};
use std::path::PathBuf;

use crate::commands::scan::{self, ScanOptions, What};
use crate::error::{Error, Result};
use crate::policy::config::{self, ConfigOptions};

/// Where the findings to fix come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The staged change (what a blocked commit was refused for).
    Staged,
    /// These files as they are on disk.
    Files(Vec<PathBuf>),
    /// The commits of these `git rev-list` arguments (their keys are fixed where they still
    /// are: the index and the working tree).
    Range(Vec<String>),
}

/// Whether to apply the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirm {
    /// Print the patch, change nothing.
    DryRun,
    /// Apply without asking (scripts).
    Yes,
    /// Ask once; `terminal` says whether there is someone to ask.
    Ask {
        /// Whether standard input and output are a terminal.
        terminal: bool,
    },
}

/// Options of `tierzero fix`.
#[derive(Clone, Debug)]
pub struct FixOptions {
    /// Where the findings come from.
    pub source: Source,
    /// Whether to apply.
    pub confirm: Confirm,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No secrets were found: nothing to do.
    NothingFound,
    /// Every finding was fixed.
    Fixed,
    /// Some findings were fixed or none could be; the rest need the manual steps printed.
    Incomplete,
    /// The patch was shown but not applied (dry run, declined, no terminal to ask).
    NotApplied,
}

/// Runs `tierzero fix`: scans, plans, shows the patch, asks (or not), applies, and says
/// what is left to do. Everything meant for the user is written to `out`; the answer to
/// the one question is read from `input`.
pub fn run(opts: &FixOptions, out: &mut dyn Write, input: &mut dyn BufRead) -> Result<Outcome> {
    let io = Error::io("<stdout>");
    let repo = crate::source::repo::open_repository()?;
    let git = gitops::Git::new(&repo)?;
    let loaded = config::load(Some(&git.workdir), &ConfigOptions::default())?;
    let scan = ScanOptions::default();
    let report = match &opts.source {
        Source::Staged => scan::report(&What::Staged, &scan)?,
        Source::Files(paths) => scan::report(&What::Files(paths.clone()), &scan)?,
        Source::Range(specs) => scan::report(
            &What::Range {
                repo: PathBuf::from("."),
                specs: specs.clone(),
            },
            &scan,
        )?,
    };
    if report.blocking().next().is_none() {
        writeln!(
            out,
            "tierzero fix: no secrets found in {}: nothing to fix",
            render::scope(&opts.source)
        )
        .map_err(io)?;
        return Ok(Outcome::NothingFound);
    }
    let plan = plan::build(&repo, &git, &loaded, &report, &opts.source)?;
    out.write_all(render::patch(&plan).as_bytes())
        .map_err(Error::io("<stdout>"))?;
    if !plan.has_changes() {
        out.write_all(render::next_steps(&plan, None).as_bytes())
            .map_err(Error::io("<stdout>"))?;
        return Ok(Outcome::Incomplete);
    }
    let go = match opts.confirm {
        Confirm::DryRun => {
            writeln!(out, "tierzero fix: dry run: nothing was changed")
                .map_err(Error::io("<stdout>"))?;
            false
        }
        Confirm::Yes => true,
        Confirm::Ask { terminal: false } => {
            writeln!(
                out,
                "tierzero fix: not applied: there is no terminal to ask; re-run with --yes to apply (--dry-run only prints)"
            )
            .map_err(Error::io("<stdout>"))?;
            false
        }
        Confirm::Ask { terminal: true } => {
            write!(out, "Apply these changes? [y/N] ").map_err(Error::io("<stdout>"))?;
            out.flush().map_err(Error::io("<stdout>"))?;
            let mut answer = String::new();
            input.read_line(&mut answer).map_err(Error::io("<stdin>"))?;
            let yes = matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES");
            if !yes {
                writeln!(out, "tierzero fix: nothing was changed")
                    .map_err(Error::io("<stdout>"))?;
            }
            yes
        }
    };
    if !go {
        return Ok(Outcome::NotApplied);
    }
    let applied = apply::apply(&plan, &git, &repo)?;
    out.write_all(render::next_steps(&plan, Some(&applied)).as_bytes())
        .map_err(Error::io("<stdout>"))?;
    Ok(if plan.manual.is_empty() {
        Outcome::Fixed
    } else {
        Outcome::Incomplete
    })
}
