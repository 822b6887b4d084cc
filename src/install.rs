//! Installing and removing tierzero's git hooks without ever losing someone else's.
//!
//! This module owns finding the hooks directory git really uses (`core.hooksPath`, the
//! common dir of linked worktrees), writing our hook script with the absolute path of the
//! binary recorded in it, chaining a foreign hook that was already there (moved aside to
//! `<hook>.tierzero-prev`, run first by our script), and undoing all of it byte for byte.
//! Hook managers that own the hooks directory (pre-commit, lefthook, husky) are left alone
//! (see [`managers`]); machine-wide installs live in [`global`]. It does not scan anything.

pub mod global;
pub mod managers;

use std::fs;
use std::path::{Path, PathBuf};

use git2::Repository;

use crate::error::{Error, Result};

/// The line that marks a hook file as ours.
pub const MARKER: &str = "tierzero-managed-hook";

/// The hook script template shipped in `hooks/pre-commit`.
pub const HOOK_TEMPLATE: &str = include_str!("../hooks/pre-commit");

/// The hooks `tierzero install` manages by default: a clean `git merge` runs
/// `pre-merge-commit`, not `pre-commit`, so both are needed to cover every commit;
/// `commit-msg` catches a key pasted into the message; `reference-transaction` refuses the
/// commits git makes without `pre-commit` (cherry-pick, revert, am, rebase) before a branch
/// moves to them; `pre-push` scans whatever still leaves the machine.
pub const DEFAULT_HOOKS: &[&str] = &[
    "pre-commit",
    "pre-merge-commit",
    "commit-msg",
    "reference-transaction",
    "pre-push",
];

/// Every hook tierzero can scan in.
pub const SCAN_HOOKS: &[&str] = &[
    "pre-commit",
    "pre-merge-commit",
    "commit-msg",
    "reference-transaction",
    "pre-push",
];

/// Client-side hooks git looks up in the hooks directory. A global `core.hooksPath` makes
/// git look only there, so the managed directory carries a pass-through for each of these
/// that runs the repository's own hook: per-repo hooks keep working.
pub const ALL_CLIENT_HOOKS: &[&str] = &[
    "applypatch-msg",
    "pre-applypatch",
    "post-applypatch",
    "pre-commit",
    "pre-merge-commit",
    "prepare-commit-msg",
    "commit-msg",
    "post-commit",
    "pre-rebase",
    "post-checkout",
    "post-merge",
    "pre-push",
    "post-rewrite",
    "reference-transaction",
    "push-to-checkout",
    "pre-auto-gc",
    "sendemail-validate",
    "post-index-change",
    "p4-changelist",
    "p4-prepare-changelist",
    "p4-post-changelist",
    "p4-pre-submit",
];

/// Suffix of a foreign hook moved aside and chained.
pub const PREV_SUFFIX: &str = ".tierzero-prev";

/// Suffix of a foreign hook replaced with `--force` (kept, not run).
pub const BACKUP_SUFFIX: &str = ".tierzero-backup";

/// Installer choices.
#[derive(Clone, Debug, Default)]
pub struct InstallOptions {
    /// Print what would change; change nothing.
    pub dry_run: bool,
    /// Replace a foreign hook (after backing it up) instead of chaining it.
    pub force: bool,
    /// Print nothing on success.
    pub quiet: bool,
    /// Hooks to manage (defaults to [`DEFAULT_HOOKS`]).
    pub hooks: Vec<String>,
    /// The binary the hook runs (defaults to the running executable).
    pub binary: Option<PathBuf>,
    /// Also scan the commits being pushed (`pre-push`).
    pub pre_push: bool,
    /// When husky owns the hooks, add tierzero's line to `.husky/pre-commit` (and
    /// `.husky/pre-merge-commit`) instead of only printing it.
    pub husky: bool,
    /// Machine-wide install instead of the current repository.
    pub global: bool,
    /// With `global`: use `init.templateDir` (new repositories only) instead of
    /// `core.hooksPath`.
    pub template: bool,
}

impl InstallOptions {
    fn hook_names(&self) -> Vec<String> {
        if !self.hooks.is_empty() {
            return self.hooks.clone();
        }
        // `--pre-push` is kept for scripts written when pre-push was opt-in.
        DEFAULT_HOOKS.iter().map(|s| s.to_string()).collect()
    }

    fn binary(&self) -> Result<PathBuf> {
        match &self.binary {
            Some(b) => Ok(b.clone()),
            None => current_binary(),
        }
    }
}

/// What an install or uninstall did (or would do), one line per action.
#[derive(Debug, Default)]
pub struct Actions {
    /// Human-readable lines.
    pub lines: Vec<String>,
    /// Lines that must be shown even with `--quiet`: the user has to act on them (a hook
    /// manager's snippet).
    pub notices: Vec<String>,
}

impl Actions {
    fn say(&mut self, line: String) {
        self.lines.push(line);
    }

    fn extend(&mut self, other: Actions) {
        self.lines.extend(other.lines);
        self.notices.extend(other.notices);
    }
}

/// Which hook our script runs before scanning (the `@CHAIN@` of the template).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Chain {
    /// `<hook>.tierzero-prev` beside the script: a per-repository install.
    Sibling,
    /// The repository's own `<common dir>/hooks/<hook>`: a global `core.hooksPath`.
    RepoHooks,
    /// `<dir>/<hook>`: the global `core.hooksPath` that was set before tierzero's.
    Dir(String),
}

/// Returns true if and only if `content` is a hook script written by tierzero.
pub fn is_ours(content: &[u8]) -> bool {
    content
        .split(|&b| b == b'\n')
        .take(5)
        .any(|line| memchr::memmem::find(line, MARKER.as_bytes()).is_some())
}

fn refuse_bare(repo: &Repository) -> Result<()> {
    if repo.is_bare() {
        return Err(Error::Install(
            "this is a bare repository: commits are not made here, so there is no pre-commit hook to install \
             (scan pushes in CI with `tierzero scan --range` instead)"
                .into(),
        ));
    }
    Ok(())
}

/// The raw `core.hooksPath` value in effect for `repo`, if any.
pub fn hooks_path_setting(repo: &Repository) -> Result<Option<PathBuf>> {
    let config = repo
        .config()
        .map_err(Error::git("reading git configuration"))?;
    match config.get_path("core.hooksPath") {
        Ok(path) if !path.as_os_str().is_empty() => Ok(Some(path)),
        _ => Ok(None),
    }
}

/// The hooks directory git uses for `repo`: `core.hooksPath` when set (relative to the
/// worktree root, `~/` expanded), else `<common dir>/hooks` (shared by linked worktrees).
/// A bare repository is refused: nothing is committed there.
pub fn hooks_dir(repo: &Repository) -> Result<PathBuf> {
    refuse_bare(repo)?;
    if let Some(path) = hooks_path_setting(repo)? {
        if path.is_absolute() {
            return Ok(path);
        }
        // git runs hooks from the worktree root, so that is what a relative path means.
        let root = repo.workdir().unwrap_or_else(|| repo.path());
        return Ok(root.join(path));
    }
    Ok(repo.commondir().join("hooks"))
}

/// The binary path to record in hooks: the running executable, canonicalised.
pub fn current_binary() -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(Error::io("the running executable"))?;
    Ok(fs::canonicalize(&exe).unwrap_or(exe))
}

fn sh_single_quoted_body(s: &str) -> String {
    s.replace('\'', r"'\''")
}

/// Our per-repository hook script, with `binary` recorded in it.
pub fn hook_script(binary: &Path) -> String {
    hook_script_with(binary, &Chain::Sibling, SCAN_HOOKS)
}

/// Our hook script: runs `binary`, chains as `chain` says, scans in `scan_hooks` only.
pub fn hook_script_with(binary: &Path, chain: &Chain, scan_hooks: &[&str]) -> String {
    let chain = match chain {
        Chain::Sibling => String::new(),
        Chain::RepoHooks => "repo".to_string(),
        Chain::Dir(dir) => dir.clone(),
    };
    HOOK_TEMPLATE
        .replace(
            "@TIERZERO_BIN@",
            &sh_single_quoted_body(&binary.display().to_string()),
        )
        .replace("@CHAIN@", &sh_single_quoted_body(&chain))
        .replace("@SCAN_HOOKS@", &scan_hooks.join(" "))
}

/// The binary path recorded in one of our hook scripts.
pub fn recorded_binary(script: &[u8]) -> Option<PathBuf> {
    let text = String::from_utf8_lossy(script);
    let line = text.lines().find(|l| l.starts_with("TIERZERO_BIN='"))?;
    let body = line.strip_prefix("TIERZERO_BIN='")?.strip_suffix('\'')?;
    Some(PathBuf::from(body.replace(r"'\''", "'")))
}

/// Whether one of our hook scripts, installed as `name`, scans (rather than only running
/// the repository's own hook).
pub fn scans_as(script: &[u8], name: &str) -> bool {
    let text = String::from_utf8_lossy(script);
    text.lines()
        .find_map(|l| l.strip_prefix("scan_hooks='"))
        .is_some_and(|list| {
            list.split_whitespace()
                .any(|h| h.trim_end_matches('\'') == name)
        })
}

/// Whether something (a file, a symlink, even a dangling one) is at `path`.
fn occupied(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        // A dangling symlink is still someone's hook: treat it as foreign, never overwrite.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && occupied(path) => {
            Ok(Some(Vec::new()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Io {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

fn write_executable(path: &Path, content: &str) -> Result<()> {
    // Write beside the target and rename over it, so a crash never leaves half a hook.
    let tmp = path.with_extension("tierzero-tmp");
    fs::write(&tmp, content).map_err(Error::io(&tmp))?;
    set_executable(&tmp)?;
    fs::rename(&tmp, path).map_err(Error::io(path))
}

#[cfg(unix)]
fn set_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).map_err(Error::io(path))
}

#[cfg(not(unix))]
fn set_executable(_path: &Path) -> Result<()> {
    Ok(())
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Installs tierzero's per-repository hooks into `dir`.
pub fn install_into(dir: &Path, opts: &InstallOptions) -> Result<Actions> {
    let binary = opts.binary()?;
    let script = hook_script(&binary);
    write_hooks(dir, &opts.hook_names(), &script, opts)
}

/// Writes `script` as each of `names` in `dir`, chaining or backing up foreign hooks.
fn write_hooks(
    dir: &Path,
    names: &[String],
    script: &str,
    opts: &InstallOptions,
) -> Result<Actions> {
    let mut actions = Actions::default();
    if !dir.exists() {
        actions.say(format!("create {}", dir.display()));
        if !opts.dry_run {
            fs::create_dir_all(dir).map_err(Error::io(dir))?;
        }
    }
    for name in names {
        let path = dir.join(name);
        let prev = sibling(&path, PREV_SUFFIX);
        match read_if_exists(&path)? {
            Some(existing) if is_ours(&existing) => {
                if existing == script.as_bytes() {
                    actions.say(format!("{name}: already installed at {}", path.display()));
                    continue;
                }
                actions.say(format!("{name}: updated {}", path.display()));
            }
            Some(_) if opts.force => {
                let backup = sibling(&path, BACKUP_SUFFIX);
                if occupied(&backup) {
                    return Err(Error::Install(format!(
                        "{name}: {} already exists; move it away before using --force",
                        backup.display()
                    )));
                }
                actions.say(format!(
                    "{name}: replaced the existing hook (backed up to {}, not run)",
                    backup.display()
                ));
                if !opts.dry_run {
                    fs::rename(&path, &backup).map_err(Error::io(&path))?;
                }
            }
            Some(_) => {
                if occupied(&prev) {
                    return Err(Error::Install(format!(
                        "{name}: both {} and {} exist and the first is not tierzero's; \
                         refusing to guess which to keep (remove one, or use --force)",
                        path.display(),
                        prev.display()
                    )));
                }
                actions.say(format!(
                    "{name}: kept the existing hook as {} (tierzero runs it first)",
                    prev.display()
                ));
                if !opts.dry_run {
                    // A rename keeps the bytes, the mode bits and a symlink as they are.
                    fs::rename(&path, &prev).map_err(Error::io(&path))?;
                }
            }
            None => actions.say(format!("{name}: installed {}", path.display())),
        }
        if !opts.dry_run {
            write_executable(&path, script)?;
        }
    }
    Ok(actions)
}

/// Removes tierzero's hooks from `dir`, restoring chained or backed-up hooks exactly.
/// Looks at every hook name in `names`; files that are not ours are left alone.
pub fn uninstall_from(dir: &Path, names: &[&str], opts: &InstallOptions) -> Result<Actions> {
    let mut actions = Actions::default();
    let mut removed_any = false;
    for name in names {
        let path = dir.join(name);
        let prev = sibling(&path, PREV_SUFFIX);
        let backup = sibling(&path, BACKUP_SUFFIX);
        match read_if_exists(&path)? {
            Some(existing) if is_ours(&existing) => {
                removed_any = true;
                if !opts.dry_run {
                    fs::remove_file(&path).map_err(Error::io(&path))?;
                }
                let restore = [&prev, &backup].into_iter().find(|p| occupied(p));
                match restore {
                    Some(from) => {
                        actions.say(format!(
                            "{name}: removed tierzero's hook and restored the previous one from {}",
                            from.display()
                        ));
                        if !opts.dry_run {
                            // A rename keeps the bytes and the mode bits exactly.
                            fs::rename(from, &path).map_err(Error::io(from))?;
                        }
                    }
                    None => actions.say(format!("{name}: removed {}", path.display())),
                }
            }
            Some(_) if DEFAULT_HOOKS.contains(name) => actions.say(format!(
                "{name}: {} is not tierzero's; left as it is",
                path.display()
            )),
            _ => {}
        }
    }
    if !removed_any && actions.lines.is_empty() {
        actions.say(format!("no tierzero hooks in {}", dir.display()));
    }
    Ok(actions)
}

/// Installs into the current repository's hooks directory (or machine-wide with
/// `opts.global`). When a hook manager owns the hooks, prints its snippet instead.
pub fn install(opts: &InstallOptions) -> Result<Actions> {
    if opts.global {
        return global::install(opts);
    }
    let repo = crate::source::repo::open_repository()?;
    let dir = hooks_dir(&repo)?;
    if let Some(owner) = managers::detect(&repo, &dir)? {
        return managers::install(&repo, owner, opts);
    }
    if let Some(managed) = global::managed_hooks_dir_in_use(&dir)? {
        let mut actions = Actions::default();
        actions.say(format!(
            "this repository is already protected by the global install (core.hooksPath = {}); nothing to do",
            managed.display()
        ));
        return Ok(actions);
    }
    let mut actions = Actions::default();
    if hooks_path_setting(&repo)?.is_some() {
        let config = repo
            .config()
            .map_err(Error::git("reading git configuration"))?;
        let global = config.get_entry("core.hooksPath").is_ok_and(|e| {
            matches!(
                e.level(),
                git2::ConfigLevel::Global | git2::ConfigLevel::XDG | git2::ConfigLevel::System
            )
        });
        actions.say(format!(
            "core.hooksPath is set{}: git runs hooks from {}, so tierzero installs there",
            if global {
                " in your global config (so this affects every repository that uses it)"
            } else {
                ""
            },
            dir.display()
        ));
    }
    actions.extend(install_into(&dir, opts)?);
    Ok(actions)
}

/// Uninstalls from the current repository's hooks directory (or machine-wide with
/// `opts.global`).
pub fn uninstall(opts: &InstallOptions) -> Result<Actions> {
    if opts.global {
        return global::uninstall(opts);
    }
    let repo = crate::source::repo::open_repository()?;
    let dir = hooks_dir(&repo)?;
    if let Some(owner) = managers::detect(&repo, &dir)? {
        return managers::uninstall(&repo, owner, opts);
    }
    let mut actions = uninstall_from(&dir, SCAN_HOOKS, opts)?;
    // An install made before core.hooksPath was set is still in the default directory,
    // where git no longer runs it: clean it up too.
    let default_dir = repo.commondir().join("hooks");
    if default_dir != dir && default_dir.is_dir() {
        let more = uninstall_from(&default_dir, SCAN_HOOKS, opts)?;
        if more.lines.iter().any(|l| l.contains("removed")) {
            actions.extend(more);
        }
    }
    Ok(actions)
}
