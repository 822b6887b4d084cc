//! What an install or uninstall did (or, with `--dry-run`, would do), as typed actions,
//! and their rendering: one line per action, with the per-hook actions that say the same
//! thing about the same directory folded into one line
//! (`installed pre-commit, pre-merge-commit, commit-msg in /r/.git/hooks`).
//!
//! This module owns the words; it does not decide anything and does not print.

use std::fmt;
use std::path::{Path, PathBuf};

/// One thing the installer did to one hook file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookVerb {
    /// Written where nothing was.
    Installed,
    /// Our older script replaced by the current one.
    Updated,
    /// Already the current script.
    AlreadyInstalled,
    /// Our script deleted, nothing to restore.
    Removed,
}

impl HookVerb {
    /// The verb as done, or as a dry run plans it (`would install`).
    fn word(self, planned: bool) -> &'static str {
        match (self, planned) {
            (HookVerb::Installed, false) => "installed",
            (HookVerb::Installed, true) => "would install",
            (HookVerb::Updated, false) => "updated",
            (HookVerb::Updated, true) => "would update",
            (HookVerb::AlreadyInstalled, _) => "already installed",
            (HookVerb::Removed, false) => "removed",
            (HookVerb::Removed, true) => "would remove",
        }
    }
}

/// One action of the installer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A directory was created.
    CreateDir(PathBuf),
    /// A hook file was installed, updated, found up to date, or removed.
    Hook {
        /// What happened.
        verb: HookVerb,
        /// The hook name.
        hook: String,
        /// The hook file.
        path: PathBuf,
    },
    /// A foreign hook was moved aside and is chained (run first).
    Chained {
        /// The hook name.
        hook: String,
        /// Where the foreign hook now is.
        prev: PathBuf,
    },
    /// A foreign hook was replaced with `--force` (backed up, not run).
    Replaced {
        /// The hook name.
        hook: String,
        /// Where it was backed up.
        backup: PathBuf,
    },
    /// Our hook was removed and the previous one put back.
    Restored {
        /// The hook name.
        hook: String,
        /// Where the previous hook was kept.
        from: PathBuf,
    },
    /// Our hook had been edited by hand: the edited file was kept.
    EditsKept {
        /// The hook name.
        hook: String,
        /// Where the edited file is now.
        backup: PathBuf,
    },
    /// A hook file that is not ours was left alone.
    NotOurs {
        /// The hook name.
        hook: String,
        /// The file.
        path: PathBuf,
    },
    /// Nothing of ours in a directory.
    NothingIn(PathBuf),
    /// `core.hooksPath` decides where hooks go.
    HooksPathIsSet {
        /// The directory git runs hooks from.
        dir: PathBuf,
        /// Set in the global or system config (affects every repository using it).
        machine_wide: bool,
    },
    /// The global install already covers this repository.
    CoveredByGlobal(PathBuf),
    /// Anything else, already in words.
    Note(String),
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(false))
    }
}

impl Action {
    /// The action in words: as done, or (`planned`, a dry run) as what would be done.
    pub fn text(&self, planned: bool) -> String {
        let would = |done: &str, plan: &str| if planned { plan } else { done }.to_string();
        match self {
            Action::CreateDir(dir) => format!("{} {}", would("created", "would create"), dir.display()),
            Action::Hook { verb, hook, path } => {
                let at = if *verb == HookVerb::AlreadyInstalled {
                    " at"
                } else {
                    ""
                };
                format!("{hook}: {}{at} {}", verb.word(planned), path.display())
            }
            Action::Chained { hook, prev } => format!(
                "{hook}: {} the existing hook as {} (tierzero runs it first)",
                would("kept", "would keep"),
                prev.display()
            ),
            Action::Replaced { hook, backup } => format!(
                "{hook}: {} the existing hook (backed up to {}, not run)",
                would("replaced", "would replace"),
                backup.display()
            ),
            Action::Restored { hook, from } => format!(
                "{hook}: {} tierzero's hook and {} the previous one from {}",
                would("removed", "would remove"),
                would("restored", "restore"),
                from.display()
            ),
            Action::EditsKept { hook, backup } => format!(
                "{hook}: tierzero's hook had been edited by hand; the edited file {} kept as {}",
                would("is", "would be"),
                backup.display()
            ),
            Action::NotOurs { hook, path } => format!(
                "{hook}: {} is not tierzero's; left as it is",
                path.display()
            ),
            Action::NothingIn(dir) => format!("no tierzero hooks in {}", dir.display()),
            Action::HooksPathIsSet { dir, machine_wide } => format!(
                "core.hooksPath is set{}: git runs hooks from {}, so tierzero {} there",
                if *machine_wide {
                    " in your global config (so this affects every repository that uses it)"
                } else {
                    ""
                },
                dir.display(),
                would("installs", "would install")
            ),
            Action::CoveredByGlobal(dir) => format!(
                "this repository is already protected by the global install (core.hooksPath = {}); nothing to do",
                dir.display()
            ),
            Action::Note(text) => text.clone(),
        }
    }
}

/// What an install or uninstall did (or would do).
#[derive(Debug, Default)]
pub struct Actions {
    /// What was done, in order.
    pub done: Vec<Action>,
    /// What the user has to do (a hook manager's snippet): shown even with `--quiet`.
    pub notices: Vec<String>,
}

impl Actions {
    pub(crate) fn push(&mut self, action: Action) {
        self.done.push(action);
    }

    pub(crate) fn note(&mut self, text: impl Into<String>) {
        self.done.push(Action::Note(text.into()));
    }

    pub(crate) fn extend(&mut self, other: Actions) {
        self.done.extend(other.done);
        self.notices.extend(other.notices);
    }

    /// How many hook files were removed or restored.
    pub fn removed_count(&self) -> usize {
        self.done
            .iter()
            .filter(|a| {
                matches!(
                    a,
                    Action::Hook {
                        verb: HookVerb::Removed,
                        ..
                    } | Action::Restored { .. }
                )
            })
            .count()
    }

    /// The lines to print: notices first (unless there are none), then, unless `quiet`,
    /// the actions folded per verb and directory, each with the `tierzero: ` prefix
    /// (`tierzero (dry run): ` for a dry run).
    pub fn render(&self, quiet: bool, dry_run: bool) -> Vec<String> {
        let mut out: Vec<String> = self
            .notices
            .iter()
            .map(|n| format!("tierzero: {n}"))
            .collect();
        if quiet {
            return out;
        }
        let prefix = if dry_run {
            "tierzero (dry run): "
        } else {
            "tierzero: "
        };
        out.extend(
            fold(&self.done, dry_run)
                .into_iter()
                .map(|l| format!("{prefix}{l}")),
        );
        out
    }
}

/// Per-hook lines with the same verb and directory folded into one; the rest as they are.
fn fold(actions: &[Action], planned: bool) -> Vec<String> {
    let mut groups: Vec<(HookVerb, &Path, Vec<&str>)> = Vec::new();
    let mut rest = Vec::new();
    for action in actions {
        match action {
            Action::Hook { verb, hook, path } => {
                let dir = path.parent().unwrap_or(Path::new(""));
                match groups.iter_mut().find(|(v, d, _)| v == verb && *d == dir) {
                    Some(group) => group.2.push(hook),
                    None => groups.push((*verb, dir, vec![hook])),
                }
            }
            other => rest.push(other.text(planned)),
        }
    }
    let mut lines: Vec<String> = groups
        .into_iter()
        .map(|(verb, dir, hooks)| {
            format!(
                "{} {} in {}",
                verb.word(planned),
                hooks.join(", "),
                dir.display()
            )
        })
        .collect();
    lines.extend(rest);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hooks_in_one_directory_fold_into_one_line() {
        let mut a = Actions::default();
        for hook in ["pre-commit", "commit-msg"] {
            a.push(Action::Hook {
                verb: HookVerb::Installed,
                hook: hook.into(),
                path: PathBuf::from(format!("/r/.git/hooks/{hook}")),
            });
        }
        a.push(Action::Chained {
            hook: "pre-merge-commit".into(),
            prev: PathBuf::from("/r/.git/hooks/pre-merge-commit.tierzero-prev"),
        });
        assert_eq!(
            a.render(false, true),
            [
                "tierzero (dry run): would install pre-commit, commit-msg in /r/.git/hooks",
                "tierzero (dry run): pre-merge-commit: would keep the existing hook as /r/.git/hooks/pre-merge-commit.tierzero-prev (tierzero runs it first)",
            ]
        );
        a.notices.push("do this".into());
        assert_eq!(a.render(true, false), ["tierzero: do this"]);
    }
}
