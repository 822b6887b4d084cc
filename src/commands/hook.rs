//! `tierzero hook <name>`: the entry point of the installed git hooks. Each hook is a scan of
//! what git is about to record or send, with the hook's own mode in the report.

use std::path::PathBuf;

use crate::commands::console::{Console, Outcome};
use crate::commands::scan::ScanOptions;
use crate::commands::scan::{self, What};
use crate::error::{Error, Result};
use crate::source::{push, refs};

/// Runs hook `name` with the arguments git passed; `color` styles the report.
pub fn run(name: &str, args: &[String], color: bool, console: &mut Console<'_>) -> Result<Outcome> {
    let opts = ScanOptions {
        color,
        ..Default::default()
    };
    let what = match name {
        // pre-merge-commit: git names the merged heads in GITHEAD_* variables, so the
        // staged scan narrows itself to the resolution.
        "pre-commit" | "pre-merge-commit" => What::Staged,
        "commit-msg" => match args.first() {
            Some(file) => What::CommitMsg(PathBuf::from(file)),
            None => {
                return Err(Error::Usage(
                    "the commit-msg hook needs the message file git passes".into(),
                ))
            }
        },
        "pre-push" => What::PrePush(push::parse_updates(std::io::stdin().lock())?),
        // Only the `prepared` state can refuse; `committed` and `aborted` are news of a
        // decision already made.
        "reference-transaction" => match args.first().map(String::as_str) {
            Some("prepared") => What::NewCommits(refs::parse_changes(std::io::stdin().lock())?),
            Some(_) => return Ok(Outcome::Clean),
            None => {
                return Err(Error::Usage(
                    "the reference-transaction hook needs the state git passes".into(),
                ))
            }
        },
        other => return Err(Error::Usage(format!("unknown hook {other:?}"))),
    };
    let outcome = scan::run(&what, &opts, console)?;
    if name == "pre-commit" && outcome == Outcome::Clean {
        // The reference-transaction hook that follows need not scan this content again.
        if let Ok(repo) = crate::source::repo::open_repository() {
            crate::source::refs::record_approval(&repo);
        }
    }
    Ok(outcome)
}
