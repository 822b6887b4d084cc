//! `tierzero fix`: takes blocked keys out of the code (the logic is `crate::fix`'s).

use std::io::IsTerminal;

use crate::cli::FixArgs;
use crate::commands::console::{Console, Outcome};
use crate::error::Result;
use crate::fix::{self, Confirm, FixOptions, Source};

/// Runs `tierzero fix`: the patch and the next steps on stdout, a question on a terminal.
pub fn run(args: &FixArgs, console: &mut Console<'_>) -> Result<Outcome> {
    let source = if !args.range.is_empty() {
        Source::Range(args.range.clone())
    } else if !args.files.is_empty() {
        Source::Files(args.files.clone())
    } else {
        Source::Staged
    };
    let confirm = if args.dry_run {
        Confirm::DryRun
    } else if args.yes {
        Confirm::Yes
    } else {
        Confirm::Ask {
            terminal: std::io::stdin().is_terminal() && std::io::stdout().is_terminal(),
        }
    };
    let opts = FixOptions { source, confirm };
    let outcome = fix::run(&opts, console.out, &mut std::io::stdin().lock())?;
    Ok(match outcome {
        fix::Outcome::NothingFound | fix::Outcome::Fixed => Outcome::Clean,
        // Keys remain: a dry run, a refusal, or manual steps.
        fix::Outcome::Incomplete | fix::Outcome::NotApplied => Outcome::Found,
    })
}
