//! Machine-wide installs, for every repository of the user, and undoing them exactly.
//!
//! Two ways, chosen by the user:
//! - **hooks path** (default): the user's `core.hooksPath` points at a tierzero-managed
//!   directory. git then runs hooks only from there, for every repository, so the
//!   directory holds a pass-through for every client hook name that runs the repository's
//!   own `.git/hooks/<name>` (or the previously configured global hooks directory):
//!   nothing that ran before stops running.
//! - **template**: `init.templateDir` points at a tierzero-managed template whose `hooks/`
//!   git copies into repositories created or cloned from then on (existing ones are not
//!   touched). If the user already had a template directory, tierzero installs into its
//!   `hooks/` instead of replacing it.
//!
//! What was done is recorded in `<config dir>/tierzero/global-install.json`: the mode, the
//! directory, and the exact byte edit git made to the user's gitconfig, so
//! `tierzero uninstall --global` restores the file byte for byte when nobody changed it
//! since (and otherwise restores just the previous setting). This module does not scan.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{
    hook_script, hook_script_with, looks_ours, uninstall_from, write_hooks, Action, Actions, Chain,
    HookVerb, InstallOptions, ALL_CLIENT_HOOKS, PASS_THROUGH_HOOKS, SCAN_HOOKS,
};
use crate::error::{Error, Result};

const STATE_FILE: &str = "global-install.json";

/// How a global install hooks into git.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// `core.hooksPath` → tierzero's managed hooks directory.
    HooksPath,
    /// `init.templateDir` → tierzero's managed template directory.
    Template,
    /// Hooks added to the user's existing `init.templateDir`.
    ExistingTemplate,
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::HooksPath => "core.hooksPath",
            Mode::Template => "init.templateDir",
            Mode::ExistingTemplate => "your init.templateDir",
        })
    }
}

/// A byte splice git made to a config file: `removed` at `at` became `inserted`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigEdit {
    /// The config file.
    pub file: PathBuf,
    /// Whether the file existed before.
    pub existed: bool,
    /// Offset of the change.
    pub at: usize,
    /// Bytes that were there before.
    pub removed: Vec<u8>,
    /// Bytes that are there now.
    pub inserted: Vec<u8>,
    /// SHA-256 of the whole file after the edit, to know whether anyone changed it since.
    pub after_sha256: String,
    /// The key set.
    pub key: String,
    /// Its value before (raw, as written in the file), if any.
    pub previous: Option<String>,
    /// The value tierzero set.
    pub value: String,
}

/// What `tierzero install --global` did.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct State {
    /// How.
    pub mode: Mode,
    /// The hooks directory tierzero wrote into.
    pub hooks_dir: PathBuf,
    /// The gitconfig edit, if one was made.
    pub config_edit: Option<ConfigEdit>,
    /// Scanning hooks installed.
    pub scan_hooks: Vec<String>,
}

/// tierzero's directory in the user's config dir (`~/.config/tierzero` on Linux).
pub fn config_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("", "", "tierzero")
        .map(|d| d.config_dir().to_path_buf())
        .ok_or_else(|| Error::Install("cannot find the home directory (is HOME set?)".into()))
}

fn state_path() -> Result<PathBuf> {
    Ok(config_dir()?.join(STATE_FILE))
}

/// The recorded global install, if any.
pub fn load_state() -> Result<Option<State>> {
    let path = state_path()?;
    match fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Error::Install(format!(
                "{}: unreadable record of the global install ({e}); fix or delete it",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path)(e)),
    }
}

fn save_state(state: &State) -> Result<()> {
    let path = state_path()?;
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(Error::io(parent))?;
    }
    let json = serde_json::to_vec_pretty(state)
        .map_err(|e| Error::Install(format!("recording the global install: {e}")))?;
    fs::write(&path, json).map_err(Error::io(path))
}

/// The managed hooks directory of the hooks-path mode.
pub fn managed_hooks_dir() -> Result<PathBuf> {
    Ok(config_dir()?.join("hooks"))
}

fn managed_template_dir() -> Result<PathBuf> {
    Ok(config_dir()?.join("git-template"))
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// `Some(dir)` when `dir` is tierzero's managed global hooks directory.
pub fn managed_hooks_dir_in_use(dir: &Path) -> Result<Option<PathBuf>> {
    let managed = managed_hooks_dir()?;
    Ok(same_dir(dir, &managed).then_some(managed))
}

/// The file `git config --global` writes: `$GIT_CONFIG_GLOBAL`, else `~/.gitconfig`,
/// unless only the XDG file (`$XDG_CONFIG_HOME/git/config`) exists.
pub fn global_config_file() -> Result<PathBuf> {
    if let Some(file) = std::env::var_os("GIT_CONFIG_GLOBAL").filter(|f| !f.is_empty()) {
        return Ok(PathBuf::from(file));
    }
    let base = directories::BaseDirs::new()
        .ok_or_else(|| Error::Install("cannot find the home directory (is HOME set?)".into()))?;
    let user = base.home_dir().join(".gitconfig");
    let xdg = match std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d).join("git/config"),
        None => base.home_dir().join(".config/git/config"),
    };
    Ok(if !user.exists() && xdg.exists() {
        xdg
    } else {
        user
    })
}

fn git(args: &[&str]) -> Result<std::process::Output> {
    Command::new("git").args(args).output().map_err(|e| {
        Error::Install(format!(
            "cannot run git ({e}); is git installed and on PATH?"
        ))
    })
}

/// A global setting as git sees it (all global files), `~` expanded.
pub fn global_setting(key: &str) -> Result<Option<String>> {
    let out = git(&["config", "--global", "--type=path", "--get", key])?;
    Ok(out
        .status
        .success()
        .then(|| {
            String::from_utf8_lossy(&out.stdout)
                .trim_end_matches('\n')
                .to_string()
        })
        .filter(|v| !v.is_empty()))
}

fn file_setting(file: &Path, key: &str) -> Result<Option<String>> {
    let file = file.display().to_string();
    let out = git(&["config", "--file", &file, "--get", key])?;
    Ok(out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .trim_end_matches('\n')
            .to_string()
    }))
}

fn git_config_write(file: &Path, args: &[&str]) -> Result<()> {
    let file_arg = file.display().to_string();
    let mut full = vec!["config", "--file", file_arg.as_str()];
    full.extend_from_slice(args);
    let out = git(&full)?;
    // `--unset` of a missing key exits 5: nothing to do is fine.
    if out.status.success() || (args.first() == Some(&"--unset") && out.status.code() == Some(5)) {
        return Ok(());
    }
    Err(Error::Install(format!(
        "git config --file {} {}: {}",
        file.display(),
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    )))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Sets `key = value` in the user's global gitconfig through git itself, and records the
/// exact byte change it made.
fn set_global(key: &str, value: &str) -> Result<ConfigEdit> {
    let file = global_config_file()?;
    let before = match fs::read(&file) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(&file)(e)),
    };
    let previous = if before.is_some() {
        file_setting(&file, key)?
    } else {
        None
    };
    if let Some(parent) = file.parent() {
        fs::create_dir_all(parent).map_err(Error::io(parent))?;
    }
    git_config_write(&file, &[key, value])?;
    let after = fs::read(&file).map_err(Error::io(&file))?;
    let old = before.as_deref().unwrap_or_default();
    let prefix = old.iter().zip(&after).take_while(|(a, b)| a == b).count();
    let max_suffix = old.len().min(after.len()) - prefix;
    let suffix = old
        .iter()
        .rev()
        .zip(after.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    Ok(ConfigEdit {
        file,
        existed: before.is_some(),
        at: prefix,
        removed: old[prefix..old.len() - suffix].to_vec(),
        inserted: after[prefix..after.len() - suffix].to_vec(),
        after_sha256: sha256_hex(&after),
        key: key.to_string(),
        previous,
        value: value.to_string(),
    })
}

/// Undoes `edit`: byte for byte when the file is as tierzero left it, else by restoring
/// the previous value of the key (only if the key still holds tierzero's value).
fn restore(edit: &ConfigEdit, opts: &InstallOptions, actions: &mut Actions) -> Result<()> {
    let file = &edit.file;
    let current = match fs::read(file) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            actions.note(format!("{} is gone; nothing to restore", file.display()));
            return Ok(());
        }
        Err(e) => return Err(Error::io(file)(e)),
    };
    if sha256_hex(&current) == edit.after_sha256 {
        let end = edit.at + edit.inserted.len();
        if !edit.existed && current.len() == end && edit.at == 0 {
            actions.note(format!("removed {} (tierzero created it)", file.display()));
            if !opts.dry_run {
                fs::remove_file(file).map_err(Error::io(file))?;
            }
            return Ok(());
        }
        let mut original = Vec::with_capacity(current.len());
        original.extend_from_slice(&current[..edit.at]);
        original.extend_from_slice(&edit.removed);
        original.extend_from_slice(&current[end..]);
        actions.note(format!(
            "restored {} exactly as it was ({} {})",
            file.display(),
            edit.key,
            match &edit.previous {
                Some(v) => format!("= {v}"),
                None => "unset".into(),
            }
        ));
        if !opts.dry_run {
            fs::write(file, original).map_err(Error::io(file))?;
        }
        return Ok(());
    }
    match file_setting(file, &edit.key)? {
        Some(v) if v == edit.value => {
            actions.note(format!(
                "{} changed since the install: restored only {} ({})",
                file.display(),
                edit.key,
                edit.previous.as_deref().unwrap_or("unset")
            ));
            if !opts.dry_run {
                match &edit.previous {
                    Some(prev) => git_config_write(file, &[&edit.key, prev])?,
                    None => git_config_write(file, &["--unset", &edit.key])?,
                }
            }
        }
        other => actions.note(format!(
            "{} in {} is no longer tierzero's ({}); left as it is",
            edit.key,
            file.display(),
            other.as_deref().unwrap_or("unset")
        )),
    }
    Ok(())
}

/// `tierzero install --global`.
pub fn install(opts: &InstallOptions) -> Result<Actions> {
    let wanted = if opts.template {
        Mode::Template
    } else {
        Mode::HooksPath
    };
    let existing = load_state()?;
    if let Some(state) = &existing {
        let same = state.mode == wanted
            || (state.mode == Mode::ExistingTemplate && wanted == Mode::Template);
        if !same {
            return Err(Error::Install(format!(
                "tierzero is already installed globally another way ({}, {}); run `tierzero uninstall --global` first",
                state.mode,
                state.hooks_dir.display()
            )));
        }
    }
    let binary = opts.binary()?;
    let scan = opts.hook_names();
    let scan_refs: Vec<&str> = scan.iter().map(String::as_str).collect();
    let mut actions = Actions::default();
    let mut state = existing.clone();

    match wanted {
        Mode::HooksPath => {
            let dir = managed_hooks_dir()?;
            let dir_value = dir.display().to_string();
            let current = global_setting("core.hooksPath")?;
            let ours_already = current
                .as_deref()
                .is_some_and(|c| same_dir(Path::new(c), &dir));
            // Chain to whatever git would have run without us.
            let chain = match (&state, &current) {
                (
                    Some(State {
                        config_edit: Some(edit),
                        ..
                    }),
                    _,
                ) if ours_already => match &edit.previous {
                    Some(prev) => Chain::Dir(expand_home(prev)),
                    None => Chain::RepoHooks,
                },
                (_, Some(c)) if !ours_already => Chain::Dir(c.clone()),
                _ => Chain::RepoHooks,
            };
            if let Chain::Dir(prev) = &chain {
                actions.note(format!(
                    "core.hooksPath was {prev}: tierzero's hooks run the hooks there first"
                ));
            }
            let script = hook_script_with(&binary, &chain, &scan_refs);
            let mut sub = Actions::default();
            if !dir.exists() {
                sub.push(Action::CreateDir(dir.clone()));
                if !opts.dry_run {
                    fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
                }
            }
            let mut changed = 0;
            // An older install also wrote pass-throughs that change git's behaviour
            // (`push-to-checkout`): take those out.
            for name in ALL_CLIENT_HOOKS
                .iter()
                .filter(|n| !PASS_THROUGH_HOOKS.contains(n))
            {
                let path = dir.join(name);
                if fs::read(&path).is_ok_and(|c| looks_ours(&c)) {
                    sub.push(Action::Hook {
                        verb: HookVerb::Removed,
                        hook: name.to_string(),
                        path: path.clone(),
                    });
                    if !opts.dry_run {
                        fs::remove_file(&path).map_err(Error::io(&path))?;
                    }
                }
            }
            for name in PASS_THROUGH_HOOKS {
                let name = name.to_string();
                let path = dir.join(&name);
                let existing = fs::read(&path).ok();
                if existing.as_deref() == Some(script.as_bytes()) {
                    continue;
                }
                if existing.as_deref().is_some_and(|e| !looks_ours(e)) {
                    // Someone else's file in our directory: keep it aside, as anywhere.
                    let one = write_hooks(&dir, std::slice::from_ref(&name), &script, opts)?;
                    sub.extend(one);
                    continue;
                }
                if existing.as_deref().is_some_and(|e| !super::is_pristine(e)) {
                    super::keep_edits(&name, &path, opts, &mut sub)?;
                }
                changed += 1;
                if !opts.dry_run {
                    super::write_executable(&path, &script)?;
                }
            }
            if changed > 0 {
                sub.note(format!(
                    "wrote {changed} hooks in {} (scanning in {}; the others only run each repository's own hook)",
                    dir.display(),
                    scan.join(", ")
                ));
            } else {
                sub.note(format!("hooks in {} already up to date", dir.display()));
            }
            actions.extend(sub);
            if ours_already {
                actions.note(format!(
                    "core.hooksPath already points at {}",
                    dir.display()
                ));
            } else {
                actions.note(format!(
                    "set core.hooksPath = {} in {} (every repository without its own core.hooksPath is protected)",
                    dir_value,
                    global_config_file()?.display()
                ));
                if !opts.dry_run {
                    let edit = set_global("core.hooksPath", &dir_value)?;
                    state = Some(State {
                        mode: Mode::HooksPath,
                        hooks_dir: dir.clone(),
                        config_edit: Some(edit),
                        scan_hooks: scan.clone(),
                    });
                }
            }
            if let Some(s) = &mut state {
                s.scan_hooks = scan.clone();
            }
        }
        Mode::Template | Mode::ExistingTemplate => {
            let managed = managed_template_dir()?;
            let current = global_setting("init.templateDir")?;
            let script = hook_script(&binary);
            match current {
                Some(c) if !same_dir(Path::new(&c), &managed) => {
                    // The user has a template of their own: add to it rather than replace it.
                    let hooks = Path::new(&c).join("hooks");
                    actions.note(format!(
                        "init.templateDir is already {c}: installing into {} (new repositories only)",
                        hooks.display()
                    ));
                    actions.extend(write_hooks(&hooks, &scan, &script, opts)?);
                    state = Some(State {
                        mode: Mode::ExistingTemplate,
                        hooks_dir: hooks,
                        config_edit: None,
                        scan_hooks: scan.clone(),
                    });
                }
                current => {
                    let hooks = managed.join("hooks");
                    actions.extend(write_hooks(&hooks, &scan, &script, opts)?);
                    if current.is_some() {
                        actions.note(format!(
                            "init.templateDir already points at {}",
                            managed.display()
                        ));
                    } else {
                        actions.note(format!(
                            "set init.templateDir = {} in {} (repositories created or cloned from now on get the hooks; run `tierzero install` in existing ones)",
                            managed.display(),
                            global_config_file()?.display()
                        ));
                        if !opts.dry_run {
                            let edit =
                                set_global("init.templateDir", &managed.display().to_string())?;
                            state = Some(State {
                                mode: Mode::Template,
                                hooks_dir: hooks,
                                config_edit: Some(edit),
                                scan_hooks: scan.clone(),
                            });
                        }
                    }
                }
            }
        }
    }
    if !opts.dry_run {
        if let Some(state) = &state {
            save_state(state)?;
        }
    }
    Ok(actions)
}

fn expand_home(value: &str) -> String {
    match (value.strip_prefix("~/"), directories::BaseDirs::new()) {
        (Some(rest), Some(base)) => base.home_dir().join(rest).display().to_string(),
        _ => value.to_string(),
    }
}

/// `tierzero uninstall --global`: undoes exactly what the install recorded.
pub fn uninstall(opts: &InstallOptions) -> Result<Actions> {
    let mut actions = Actions::default();
    let Some(state) = load_state()? else {
        actions.note(
            "tierzero is not installed globally (no record of a global install); nothing to do",
        );
        return Ok(actions);
    };
    if let Some(edit) = &state.config_edit {
        restore(edit, opts, &mut actions)?;
    }
    let names: &[&str] = match state.mode {
        Mode::HooksPath => ALL_CLIENT_HOOKS,
        _ => SCAN_HOOKS,
    };
    let removed = uninstall_from(&state.hooks_dir, names, opts)?;
    let count = removed.removed_count();
    if state.mode == Mode::HooksPath {
        actions.note(format!(
            "removed {count} hooks from {}",
            state.hooks_dir.display()
        ));
        actions.done.extend(
            removed
                .done
                .into_iter()
                .filter(|a| matches!(a, Action::Restored { .. } | Action::EditsKept { .. })),
        );
    } else {
        actions.extend(removed);
    }
    if !opts.dry_run {
        // Remove the managed directories only if tierzero's files were all that was there.
        if state.mode != Mode::ExistingTemplate {
            let _ = fs::remove_dir(&state.hooks_dir);
            if state.mode == Mode::Template {
                if let Some(parent) = state.hooks_dir.parent() {
                    let _ = fs::remove_dir(parent);
                }
            }
        }
        let path = state_path()?;
        fs::remove_file(&path).map_err(Error::io(&path))?;
        if let Ok(dir) = config_dir() {
            let _ = fs::remove_dir(dir);
        }
    }
    if state.mode == Mode::Template || state.mode == Mode::ExistingTemplate {
        actions.note("repositories created while it was installed keep their copied hooks: run `tierzero uninstall` in them");
    }
    Ok(actions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_home_leaves_absolute_paths() {
        assert_eq!(expand_home("/a/b"), "/a/b");
        assert_eq!(expand_home(".githooks"), ".githooks");
    }
}
