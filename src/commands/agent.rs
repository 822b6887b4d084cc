//! `tierzero agent <tool>` and `tierzero install|uninstall --agent <tool>`: the AI coding
//! agents' hook entry point and its settings-file installer (the logic is `crate::agent`'s).

use crate::agent::settings::{self, Scope};
use crate::agent::Tool;
use crate::cli::InstallArgs;
use crate::commands::console::{Console, Outcome};
use crate::error::{Error, Result};

/// Answers one hook call: the payload on stdin, the tool's own answer on stdout/stderr.
pub fn answer(tool: Tool, event: Option<String>, console: &mut Console<'_>) -> Result<Outcome> {
    let mut input = Vec::new();
    // An unreadable payload is still answered: empty input is refused as malformed.
    if std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut input).is_err() {
        input.clear();
    }
    let answer = crate::agent::run(tool, input, event);
    console.print(&answer.stdout)?;
    console.eprint(&answer.stderr)?;
    Ok(match answer.code {
        0 => Outcome::Clean,
        _ => Outcome::Denied,
    })
}

/// Merges tierzero's entries into (or takes them out of) the agent's settings file.
pub fn install(args: &InstallArgs, install: bool, console: &mut Console<'_>) -> Result<Outcome> {
    let Some(tool) = args.agent else {
        return Err(Error::Usage("--agent needs a tool".into()));
    };
    let scope = if args.user {
        Scope::User
    } else {
        Scope::Project
    };
    let report = if install {
        settings::install(tool, scope, args.dry_run)?
    } else {
        settings::uninstall(tool, scope, args.dry_run)?
    };
    if !args.quiet {
        let mut text = String::new();
        for line in &report.lines {
            text.push_str(&format!("tierzero: {line}\n"));
        }
        console.print(&text)?;
    }
    Ok(Outcome::Clean)
}
