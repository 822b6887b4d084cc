//! The commands behind the command line, one module per subcommand. Each returns a typed
//! [`Outcome`] (or an error) and writes its output through the one [`Console`]; the exit
//! code is chosen from the outcome in exactly one place, [`Outcome::exit_code`].
//!
//! Nothing here calls `exit`, and nothing prints except through the console.

use crate::cli::{Cli, Command};
use crate::error::Result;

pub mod agent;
pub mod baseline;
pub mod completions;
pub mod console;
pub mod fix;
pub mod hook;
pub mod info;
pub mod install;
pub mod scan;

pub use console::{is_closed_pipe, Console, Outcome, EXIT_CLEAN, EXIT_ERROR, EXIT_FOUND};

/// Runs the command `cli` asks for.
pub fn run(cli: Cli, console: &mut Console<'_>) -> Result<Outcome> {
    let color = cli.color.enabled();
    match cli.command {
        Command::Scan(args) => {
            let mut opts = args.options();
            opts.color = color;
            let outcome = scan::run(&args.source()?, &opts, console)?;
            Ok(if args.exit_zero {
                Outcome::Clean
            } else {
                outcome
            })
        }
        Command::Hook { name, args } => hook::run(&name, &args, color, console),
        Command::Fix(args) => fix::run(&args, console),
        Command::Agent { tool, event } => agent::answer(tool, event, console),
        Command::Install(args) if args.agent.is_some() => agent::install(&args, true, console),
        Command::Uninstall(args) if args.agent.is_some() => agent::install(&args, false, console),
        Command::Completions { shell } => completions::completions(shell, console),
        Command::Man => completions::man(console),
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
