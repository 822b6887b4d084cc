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
    let status = crate::status::check()?;
    console.print(&status.render())?;
    Ok(if status.protected {
        Outcome::Clean
    } else {
        Outcome::NotProtected
    })
}

/// The lines an install prints: notices always, actions unless `--quiet`.
fn render_actions(actions: &Actions, opts: &InstallOptions) -> String {
    let mut text = String::new();
    for notice in &actions.notices {
        text.push_str(&format!("tierzero: {notice}\n"));
    }
    if opts.quiet {
        return text;
    }
    let prefix = if opts.dry_run {
        "tierzero (dry run): "
    } else {
        "tierzero: "
    };
    for line in summarize_actions(&actions.lines) {
        let line = if opts.dry_run { would(&line) } else { line };
        text.push_str(&format!("{prefix}{line}\n"));
    }
    text
}

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

/// Folds per-hook lines that say the same thing about the same directory
/// (`pre-commit: installed /r/.git/hooks/pre-commit`, `commit-msg: installed …`) into
/// one line (`installed pre-commit, commit-msg in /r/.git/hooks`), so an install reports
/// in a line or two; other lines are kept as they are.
fn summarize_actions(lines: &[String]) -> Vec<String> {
    const VERBS: &[&str] = &["installed", "updated", "removed", "already installed at"];
    let mut out: Vec<String> = Vec::new();
    let mut groups: Vec<(String, String, Vec<String>)> = Vec::new();
    for line in lines {
        let parsed = line.split_once(": ").and_then(|(hook, rest)| {
            VERBS.iter().find_map(|verb| {
                let path = rest.strip_prefix(verb)?.strip_prefix(' ')?;
                let dir = path.strip_suffix(hook)?.strip_suffix('/')?;
                Some((
                    verb.trim_end_matches(" at").to_string(),
                    dir.to_string(),
                    hook,
                ))
            })
        });
        match parsed {
            Some((verb, dir, hook)) => {
                match groups.iter_mut().find(|(v, d, _)| *v == verb && *d == dir) {
                    Some(group) => group.2.push(hook.to_string()),
                    None => groups.push((verb, dir, vec![hook.to_string()])),
                }
            }
            None => out.push(line.clone()),
        }
    }
    let mut folded: Vec<String> = groups
        .into_iter()
        .map(|(verb, dir, hooks)| format!("{verb} {} in {dir}", hooks.join(", ")))
        .collect();
    folded.extend(out);
    folded
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
