//! Hook files that belong to the team, not to this machine: a hooks directory committed to
//! the repository (`core.hooksPath = .githooks`) and husky's hand-written `.husky/<hook>`.
//!
//! tierzero never replaces such a file with its own wrapper (that would pin this machine's
//! binary path into a file everyone commits). By default it prints the one line to add;
//! with the explicit flag (`--tracked-hooks`, `--husky`) it adds exactly that line near the
//! top of the shell script, after saving the file as it was under
//! `<git dir>/tierzero-backups/`, and `uninstall` removes exactly that line again. This
//! module owns that line editing; it does not decide who owns a directory.

use std::fs;
use std::path::{Path, PathBuf};

use super::{Action, Actions, InstallOptions, Layout};
use crate::error::{Error, Result};

/// The line added to a team's hook: `|| exit $?` makes it block even in scripts that do
/// not run with `sh -e` (husky 4–8, most hand-written hooks).
pub const SCAN_LINE: &str = "tierzero scan --staged || exit $?";

/// What a hook file tierzero created starts with.
const NEW_FILE_HEADER: &str = "#!/bin/sh\n";

/// The hooks the line goes into: every commit runs one of them.
pub const LINE_HOOKS: &[&str] = &["pre-commit", "pre-merge-commit"];

/// `tierzero install` when the hooks directory is tracked in git.
pub fn install(layout: &Layout, tracked: &[String], opts: &InstallOptions) -> Result<Actions> {
    let dir = &layout.hooks_dir;
    let mut actions = Actions::default();
    let value = layout
        .hooks_path
        .as_ref()
        .map_or_else(|| dir.display().to_string(), |s| s.value.clone());
    if !opts.tracked_hooks {
        actions.notices.push(format!(
            "the hooks directory {} (core.hooksPath = {value}) is tracked in git ({} file{}), so tierzero did not rewrite the team's hooks; \
             add this line near the top of {value}/pre-commit and {value}/pre-merge-commit (and commit it), \
             or re-run with --tracked-hooks to have tierzero add it:\n{SCAN_LINE}",
            dir.display(),
            tracked.len(),
            if tracked.len() == 1 { "" } else { "s" },
        ));
        return Ok(actions);
    }
    for name in LINE_HOOKS {
        add_line(layout, &dir.join(name), opts, &mut actions)?;
    }
    actions.note(format!(
        "commit the change to {value} so everyone's commits are scanned (each machine needs tierzero on PATH)"
    ));
    Ok(actions)
}

/// `tierzero uninstall` when the hooks directory is tracked in git.
pub fn uninstall(layout: &Layout, opts: &InstallOptions) -> Result<Actions> {
    let mut actions = Actions::default();
    for name in LINE_HOOKS {
        remove_line(&layout.hooks_dir.join(name), opts, &mut actions)?;
    }
    if actions.done.is_empty() {
        actions.push(Action::NothingIn(layout.hooks_dir.clone()));
    }
    Ok(actions)
}

/// Where in an existing script our line goes: after the shebang, comments and husky 4–8's
/// `. "$(dirname -- "$0")/_/husky.sh"` line, so a later `exit` or `exec` cannot make it
/// dead code.
pub fn insertion_point(text: &str) -> usize {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || (t.starts_with(". ") && t.contains("husky")) {
            at += line.len();
        } else {
            break;
        }
    }
    at
}

/// Whether a line of shell can go into `text`: a file with no shebang (husky runs it with
/// `sh`) or a POSIX-like shell's.
fn is_shell_script(text: &str) -> bool {
    let Some(shebang) = text.lines().next().and_then(|l| l.strip_prefix("#!")) else {
        return true;
    };
    let program = shebang.split_whitespace().collect::<Vec<_>>();
    let name = match program.as_slice() {
        [env, name, ..] if env.ends_with("/env") => *name,
        [path, ..] => path.rsplit('/').next().unwrap_or(path),
        [] => return true,
    };
    matches!(name, "sh" | "bash" | "dash" | "zsh" | "ksh" | "ash")
}

/// Where the file is saved before tierzero edits it.
fn backup_path(layout: &Layout, path: &Path) -> PathBuf {
    let rel = layout
        .root
        .as_deref()
        .and_then(|root| path.strip_prefix(root).ok())
        .unwrap_or(path);
    let flat = rel.to_string_lossy().replace(['/', '\\'], "%");
    layout.git_dir.join("tierzero-backups").join(flat)
}

/// Adds [`SCAN_LINE`] to the shell script at `path` (creating it if missing).
pub fn add_line(
    layout: &Layout,
    path: &Path,
    opts: &InstallOptions,
    actions: &mut Actions,
) -> Result<()> {
    let display = path.display();
    let (new, existed) = match fs::read_to_string(path) {
        Ok(text) => {
            if text.lines().any(|l| l.trim() == SCAN_LINE) {
                actions.note(format!("{display} already runs tierzero"));
                return Ok(());
            }
            if !is_shell_script(&text) {
                return Err(Error::Install(format!(
                    "{display} is not a shell script, so tierzero cannot add its line; \
                     make it run `tierzero scan --staged` and fail when that fails"
                )));
            }
            let at = insertion_point(&text);
            let mut new = String::with_capacity(text.len() + SCAN_LINE.len() + 1);
            new.push_str(&text[..at]);
            if at > 0 && !text[..at].ends_with('\n') {
                new.push('\n');
            }
            new.push_str(SCAN_LINE);
            new.push('\n');
            new.push_str(&text[at..]);
            let backup = backup_path(layout, path);
            actions.note(format!(
                "added `{SCAN_LINE}` to {display} (as it was before: {})",
                backup.display()
            ));
            if !opts.dry_run {
                if let Some(parent) = backup.parent() {
                    fs::create_dir_all(parent).map_err(Error::io(parent))?;
                }
                fs::write(&backup, text.as_bytes()).map_err(Error::io(&backup))?;
            }
            (new, true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            actions.note(format!("created {display} running tierzero"));
            (format!("{NEW_FILE_HEADER}{SCAN_LINE}\n"), false)
        }
        Err(e) => return Err(Error::io(path)(e)),
    };
    if opts.dry_run {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(Error::io(parent))?;
    }
    fs::write(path, new).map_err(Error::io(path))?;
    if !existed {
        super::set_executable(path)?;
    }
    Ok(())
}

/// Removes exactly [`SCAN_LINE`] from the script at `path` (the file itself when tierzero
/// created it and nothing else was added since).
pub fn remove_line(path: &Path, opts: &InstallOptions, actions: &mut Actions) -> Result<()> {
    let Ok(text) = fs::read_to_string(path) else {
        return Ok(());
    };
    if !text.lines().any(|l| l.trim() == SCAN_LINE) {
        return Ok(());
    }
    let kept: String = text
        .split_inclusive('\n')
        .filter(|l| l.trim() != SCAN_LINE)
        .collect();
    if kept == NEW_FILE_HEADER {
        actions.note(format!("removed {} (tierzero created it)", path.display()));
        if !opts.dry_run {
            fs::remove_file(path).map_err(Error::io(path))?;
        }
    } else {
        actions.note(format!("removed tierzero's line from {}", path.display()));
        if !opts.dry_run {
            fs::write(path, kept).map_err(Error::io(path))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_goes_before_any_exit() {
        let text = "#!/usr/bin/env sh\n. \"$(dirname -- \"$0\")/_/husky.sh\"\n\nnpm test\nexit 0\n";
        let at = insertion_point(text);
        assert_eq!(&text[at..], "npm test\nexit 0\n");
        assert_eq!(insertion_point("npx lint-staged\n"), 0);
    }

    #[test]
    fn only_shell_scripts_get_the_line() {
        assert!(is_shell_script("npx lint-staged\n"));
        assert!(is_shell_script("#!/usr/bin/env bash\nmake\n"));
        assert!(is_shell_script("#!/bin/sh -e\nmake\n"));
        assert!(!is_shell_script("#!/usr/bin/env python3\nimport sys\n"));
        assert!(!is_shell_script("#!/usr/bin/node\n"));
    }
}
