//! `tierzero install`, `uninstall` and `status`: runs the installer and renders what it did.

use crate::commands::console::{Console, Outcome};
use crate::error::Result;
use crate::install::{self, Actions, InstallOptions};

/// `tierzero install`.
pub fn install(opts: &InstallOptions, console: &mut Console<'_>) -> Result<Outcome> {
    let actions = install::install(opts)?;
    console.print(&render_actions(&actions, opts))?;
    Ok(Outcome::Clean)
}

/// `tierzero uninstall`.
pub fn uninstall(opts: &InstallOptions, console: &mut Console<'_>) -> Result<Outcome> {
    let actions = install::uninstall(opts)?;
    console.print(&render_actions(&actions, opts))?;
    Ok(Outcome::Clean)
}

/// `tierzero status`: protected (0) or not (1).
pub fn status(console: &mut Console<'_>) -> Result<Outcome> {
    let status = crate::install::status::check()?;
    console.print(&status.render())?;
    Ok(if status.protected() {
        Outcome::Clean
    } else {
        Outcome::NotProtected
    })
}

/// The lines an install prints: notices always, actions unless `--quiet`, in the dry run's
/// "would" wording when nothing was changed.
fn render_actions(actions: &Actions, opts: &InstallOptions) -> String {
    let mut text = String::new();
    for line in actions.render(opts.quiet, opts.dry_run) {
        text.push_str(&line);
        text.push('\n');
    }
    text
}
