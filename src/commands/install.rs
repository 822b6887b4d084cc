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

/// The lines an install prints: notices always, actions unless `--quiet`.
fn render_actions(actions: &Actions, opts: &InstallOptions) -> String {
    let mut text = String::new();
    for line in actions.render(opts.quiet, opts.dry_run) {
        let line = match line.strip_prefix(DRY_RUN_PREFIX) {
            Some(action) => format!("{DRY_RUN_PREFIX}{}", would(action)),
            None => line,
        };
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// How the installer's renderer prefixes the lines of a dry run.
const DRY_RUN_PREFIX: &str = "tierzero (dry run): ";

/// A dry run's wording of an action line: what it *would* do (`would install pre-commit
/// in …`), never a past tense that reads as if it happened. The verb is the first word, or
/// the first after a `hook: ` prefix.
fn would(line: &str) -> String {
    const VERBS: &[(&str, &str)] = &[
        ("installed", "install"),
        ("updated", "update"),
        ("removed", "remove"),
        ("replaced", "replace"),
        ("restored", "restore"),
        ("created", "create"),
        ("create", "create"),
        ("kept", "keep"),
        ("added", "add"),
        ("moved", "move"),
        ("set", "set"),
        ("unset", "unset"),
        ("wrote", "write"),
    ];
    let (head, rest) = match line.split_once(": ") {
        Some((head, rest)) if !head.contains(' ') => (format!("{head}: "), rest),
        _ => (String::new(), line),
    };
    let (first, tail) = rest.split_once(' ').unwrap_or((rest, ""));
    match VERBS.iter().find(|(past, _)| *past == first) {
        Some((_, base)) if tail.is_empty() => format!("{head}would {base}"),
        Some((_, base)) => format!("{head}would {base} {tail}"),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::would;

    #[test]
    fn dry_runs_say_what_would_happen() {
        assert_eq!(
            would("installed pre-commit, commit-msg in /r/.git/hooks"),
            "would install pre-commit, commit-msg in /r/.git/hooks"
        );
        assert_eq!(
            would("pre-commit: kept the existing hook as x (tierzero runs it first)"),
            "pre-commit: would keep the existing hook as x (tierzero runs it first)"
        );
        assert_eq!(would("create /r/hooks"), "would create /r/hooks");
        assert_eq!(would("no tierzero hooks in /r"), "no tierzero hooks in /r");
    }
}
