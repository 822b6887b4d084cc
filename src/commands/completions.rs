//! `tierzero completions SHELL` and `tierzero man`: the shell completion scripts and the
//! man page, generated from the same clap definitions that parse the command line, so
//! they can never list a flag the binary does not take.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, ShellArg};
use crate::commands::console::{Console, Outcome};
use crate::error::{Error, Result};

/// `tierzero completions SHELL`: the completion script on stdout.
pub fn completions(shell: ShellArg, console: &mut Console<'_>) -> Result<Outcome> {
    let shell = match shell {
        ShellArg::Bash => Shell::Bash,
        ShellArg::Zsh => Shell::Zsh,
        ShellArg::Fish => Shell::Fish,
        ShellArg::Powershell => Shell::PowerShell,
        ShellArg::Elvish => Shell::Elvish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "tierzero", &mut script);
    console.print(&String::from_utf8_lossy(&script))?;
    Ok(Outcome::Clean)
}

/// `tierzero man`: the man page (section 1, roff) on stdout, with every subcommand's page
/// appended so `man` shows the whole command line in one place.
pub fn man(console: &mut Console<'_>) -> Result<Outcome> {
    let mut page = Vec::new();
    let render = |man: clap_mangen::Man, page: &mut Vec<u8>| {
        man.render(page)
            .map_err(|e| Error::Internal(format!("rendering the man page: {e}")))
    };
    let cli = Cli::command();
    render(clap_mangen::Man::new(cli.clone()), &mut page)?;
    for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
        let title = format!("tierzero-{}", sub.get_name());
        render(clap_mangen::Man::new(sub.clone()).title(title), &mut page)?;
    }
    console.print(&String::from_utf8_lossy(&page))?;
    Ok(Outcome::Clean)
}
