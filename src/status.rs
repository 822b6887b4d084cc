//! `tierzero status` (alias `doctor`): is this repository protected, and by what?
//!
//! This module owns answering, from what is on disk, the questions a user asks when a
//! hook seems not to run: which hooks directory git uses and why (`core.hooksPath` and
//! where it is set), which file runs tierzero for each hook, whether a hook manager owns
//! the hooks, which binary the hook calls and whether it runs, and which configuration
//! files are in effect. It changes nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Result;
use crate::install::{self, global, managers};

/// The verdict and the lines explaining it.
#[derive(Debug, Default)]
pub struct Status {
    /// Whether a commit in this repository runs tierzero's scan.
    pub protected: bool,
    /// One fact per line.
    pub lines: Vec<String>,
}

impl Status {
    fn say(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }

    /// The report, one `label: value` line per fact, then the verdict.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(if self.protected {
            "protected: yes\n"
        } else {
            "protected: NO\n"
        });
        out
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// `tierzero` on PATH, as the hook's fallback would find it.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// `<binary> --version`, or why it does not run.
fn version_of(binary: &Path) -> std::result::Result<String, String> {
    match Command::new(binary).arg("--version").output() {
        Ok(out) if out.status.success() => {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        }
        Ok(out) => Err(format!("`--version` failed ({})", out.status)),
        Err(e) => Err(e.to_string()),
    }
}

/// The binary a hook calls: the recorded absolute path, else `tierzero` on PATH.
fn check_binary(status: &mut Status, recorded: Option<PathBuf>) -> bool {
    let resolved = match &recorded {
        Some(path) if is_executable(path) => Some(path.clone()),
        Some(path) => {
            status.say(format!(
                "binary: {} (recorded at install) is missing or not executable; falling back to PATH",
                path.display()
            ));
            on_path("tierzero")
        }
        None => on_path("tierzero"),
    };
    match resolved {
        Some(bin) => match version_of(&bin) {
            Ok(version) => {
                status.say(format!("binary: {} ({version})", bin.display()));
                true
            }
            Err(why) => {
                status.say(format!("binary: {} does not run: {why}", bin.display()));
                false
            }
        },
        None => {
            status.say("binary: not found (commits are refused until tierzero is reinstalled)");
            false
        }
    }
}

fn config_level_name(level: git2::ConfigLevel) -> &'static str {
    match level {
        git2::ConfigLevel::Local => "the repository's .git/config",
        git2::ConfigLevel::Worktree => "the worktree's config",
        git2::ConfigLevel::Global => "your global ~/.gitconfig",
        git2::ConfigLevel::XDG => "your ~/.config/git/config",
        git2::ConfigLevel::System => "the system gitconfig",
        git2::ConfigLevel::ProgramData => "the ProgramData gitconfig",
        git2::ConfigLevel::App => "an application config",
        git2::ConfigLevel::Highest => "a config override",
    }
}

/// Checks the repository in the current directory.
pub fn check() -> Result<Status> {
    let mut status = Status::default();
    let repo = crate::source::repo::open_repository()?;
    if repo.is_bare() {
        status.say("repository: bare (no commits are made here, so no commit hook applies; scan pushes in CI)");
        return Ok(status);
    }
    let root = crate::source::repo::repo_root(&repo).to_path_buf();
    status.say(format!("repository: {}", root.display()));
    let dir = install::hooks_dir(&repo)?;
    let config = repo
        .config()
        .map_err(crate::Error::git("reading git configuration"))?;
    match config.get_entry("core.hooksPath") {
        Ok(entry) if entry.has_value() => status.say(format!(
            "hooks directory: {} (core.hooksPath = {} from {}; it overrides {})",
            dir.display(),
            entry.value().unwrap_or_default(),
            config_level_name(entry.level()),
            repo.commondir().join("hooks").display()
        )),
        _ => status.say(format!(
            "hooks directory: {} (git's default)",
            dir.display()
        )),
    }

    let protected_by_hook = if let Some(owner) = managers::detect(&repo, &dir)? {
        let moved = managers::ours_moved_aside(&dir);
        if let Some(path) = &moved {
            status.say(format!(
                "{}: {} ran `install` after tierzero and still runs tierzero's hook, moved to {}",
                owner.name(),
                owner.name(),
                path.display()
            ));
        }
        let configured = managers::configured(&repo, owner) || moved.is_some();
        status.say(format!(
            "hook manager: {} owns the hooks; its configuration {} tierzero",
            owner.name(),
            if configured { "runs" } else { "does NOT run" }
        ));
        if !configured {
            status.say(format!("fix: {}", managers::snippet(owner)));
        }
        // The manager's configuration calls `tierzero` on PATH; our moved hook, its
        // recorded binary.
        let recorded = moved
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|c| install::recorded_binary(&c));
        let binary_ok = check_binary(&mut status, recorded);
        configured && binary_ok
    } else {
        if global::managed_hooks_dir_in_use(&dir)?.is_some() {
            status.say("global install: core.hooksPath points at tierzero's managed directory; it also runs this repository's own .git/hooks");
        }
        let mut recorded = None;
        let mut pre_commit_ok = false;
        for name in install::SCAN_HOOKS {
            let path = dir.join(name);
            let line = match std::fs::read(&path) {
                Ok(content) if install::is_ours(&content) && !install::scans_as(&content, name) => {
                    format!("{name}: {} is tierzero's pass-through (runs the repository's own hook, no scan)", path.display())
                }
                Ok(content) if install::is_ours(&content) => {
                    if !is_executable(&path) {
                        format!(
                            "{name}: {} is tierzero's but NOT executable, so git skips it",
                            path.display()
                        )
                    } else {
                        if *name == "pre-commit" {
                            pre_commit_ok = true;
                            recorded = install::recorded_binary(&content);
                        }
                        let prev = path.with_file_name(format!("{name}{}", install::PREV_SUFFIX));
                        if prev.exists() {
                            format!(
                                "{name}: {} runs tierzero (after the previous hook, {})",
                                path.display(),
                                prev.display()
                            )
                        } else {
                            format!("{name}: {} runs tierzero", path.display())
                        }
                    }
                }
                Ok(_) => format!(
                    "{name}: {} is another tool's hook; tierzero is not installed there",
                    path.display()
                ),
                Err(_) if *name == "pre-push" => {
                    format!("{name}: not installed (optional: tierzero install --pre-push)")
                }
                Err(_) => format!("{name}: not installed"),
            };
            status.say(line);
        }
        // A per-repo install that core.hooksPath made dead: the classic silent failure.
        let default_hook = repo.commondir().join("hooks/pre-commit");
        if global::managed_hooks_dir_in_use(&dir)?.is_none()
            && default_hook != dir.join("pre-commit")
            && std::fs::read(&default_hook).is_ok_and(|c| install::is_ours(&c))
        {
            status.say(format!(
                "warning: {} is tierzero's but git does not run it, because core.hooksPath points elsewhere",
                default_hook.display()
            ));
        }
        if !pre_commit_ok {
            status.say("fix: run `tierzero install` here (or `tierzero install --global` once for every repository)");
        }
        let binary_ok = pre_commit_ok && check_binary(&mut status, recorded);
        pre_commit_ok && binary_ok
    };

    if let Some(state) = global::load_state()? {
        status.say(format!(
            "global install: {} ({})",
            state.mode.describe(),
            state.hooks_dir.display()
        ));
    }
    let repo_config = root.join(".tierzero.toml");
    let user_config = global::config_dir()?.join("config.toml");
    let ignore_file = root.join(".tierzero-ignore");
    let baseline = root.join(".tierzero-baseline.json");
    for (label, path) in [
        ("repository config", &repo_config),
        ("user config", &user_config),
        ("ignore file", &ignore_file),
        ("baseline", &baseline),
    ] {
        status.say(format!(
            "{label}: {} ({})",
            path.display(),
            if path.is_file() {
                "in effect"
            } else {
                "absent"
            }
        ));
    }
    if std::env::var_os("TIERZERO_SKIP").is_some_and(|v| v == "1") {
        status.say("warning: TIERZERO_SKIP=1 is set in this environment: hooks skip the scan");
    }
    status.protected = protected_by_hook;
    Ok(status)
}
