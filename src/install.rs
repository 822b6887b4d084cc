//! Installing and removing tierzero's git hooks without ever losing someone else's.
//!
//! This module owns finding the hooks directory git really uses (`core.hooksPath`, the
//! common dir of linked worktrees), writing our hook script with the absolute path of the
//! binary recorded in it, chaining a foreign hook that was already there (moved aside to
//! `<hook>.tierzero-prev`, run first by our script), and undoing all of it byte for byte.
//! It does not scan anything.

use std::fs;
use std::path::{Path, PathBuf};

use git2::Repository;

use crate::error::{Error, Result};

/// The line that marks a hook file as ours.
pub const MARKER: &str = "tierzero-managed-hook";

/// The hook script template shipped in `hooks/pre-commit`.
pub const HOOK_TEMPLATE: &str = include_str!("../hooks/pre-commit");

/// The hooks `tierzero install` manages by default: a clean `git merge` runs
/// `pre-merge-commit`, not `pre-commit`, so both are needed to cover every commit.
pub const DEFAULT_HOOKS: &[&str] = &["pre-commit", "pre-merge-commit"];

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
}

impl InstallOptions {
    fn hook_names(&self) -> Vec<String> {
        if self.hooks.is_empty() {
            DEFAULT_HOOKS.iter().map(|s| s.to_string()).collect()
        } else {
            self.hooks.clone()
        }
    }
}

/// What an install or uninstall did (or would do), one line per action.
#[derive(Debug, Default)]
pub struct Actions {
    /// Human-readable lines.
    pub lines: Vec<String>,
}

impl Actions {
    fn say(&mut self, line: String) {
        self.lines.push(line);
    }
}

/// Returns true if and only if `content` is a hook script written by tierzero.
pub fn is_ours(content: &[u8]) -> bool {
    content
        .split(|&b| b == b'\n')
        .take(5)
        .any(|line| memchr::memmem::find(line, MARKER.as_bytes()).is_some())
}

/// The hooks directory git uses for `repo`: `core.hooksPath` when set (relative to the
/// worktree root, `~/` expanded), else `<common dir>/hooks` (shared by linked worktrees).
pub fn hooks_dir(repo: &Repository) -> Result<PathBuf> {
    if repo.is_bare() {
        return Err(Error::Install(
            "this is a bare repository: commits are not made here, so there is no pre-commit hook to install \
             (scan pushes in CI with `tierzero scan --range` instead)"
                .into(),
        ));
    }
    let config = repo
        .config()
        .map_err(Error::git("reading git configuration"))?;
    if let Ok(path) = config.get_path("core.hooksPath") {
        if path.is_absolute() {
            return Ok(path);
        }
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

/// Our hook script, with `binary` recorded in it.
pub fn hook_script(binary: &Path) -> String {
    let quoted = binary.display().to_string().replace('\'', r"'\''");
    HOOK_TEMPLATE.replace("@TIERZERO_BIN@", &quoted)
}

fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
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

/// Installs tierzero's hooks into `dir`.
pub fn install_into(dir: &Path, opts: &InstallOptions) -> Result<Actions> {
    let binary = match &opts.binary {
        Some(b) => b.clone(),
        None => current_binary()?,
    };
    let script = hook_script(&binary);
    let mut actions = Actions::default();
    if !dir.exists() {
        actions.say(format!("create {}", dir.display()));
        if !opts.dry_run {
            fs::create_dir_all(dir).map_err(Error::io(dir))?;
        }
    }
    for name in opts.hook_names() {
        let path = dir.join(&name);
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
                if backup.exists() {
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
                if prev.exists() {
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
                    fs::rename(&path, &prev).map_err(Error::io(&path))?;
                }
            }
            None => actions.say(format!("{name}: installed {}", path.display())),
        }
        if !opts.dry_run {
            write_executable(&path, &script)?;
        }
    }
    Ok(actions)
}

/// Removes tierzero's hooks from `dir`, restoring chained or backed-up hooks exactly.
pub fn uninstall_from(dir: &Path, opts: &InstallOptions) -> Result<Actions> {
    let mut actions = Actions::default();
    for name in opts.hook_names() {
        let path = dir.join(&name);
        let prev = sibling(&path, PREV_SUFFIX);
        let backup = sibling(&path, BACKUP_SUFFIX);
        match read_if_exists(&path)? {
            Some(existing) if is_ours(&existing) => {
                if !opts.dry_run {
                    fs::remove_file(&path).map_err(Error::io(&path))?;
                }
                let restore = [&prev, &backup].into_iter().find(|p| p.exists());
                match restore {
                    Some(from) => {
                        actions.say(format!(
                            "{name}: removed tierzero's hook and restored the previous one"
                        ));
                        if !opts.dry_run {
                            // A rename keeps the bytes and the mode bits exactly.
                            fs::rename(from, &path).map_err(Error::io(from))?;
                        }
                    }
                    None => actions.say(format!("{name}: removed {}", path.display())),
                }
            }
            Some(_) => actions.say(format!(
                "{name}: {} is not tierzero's; left as it is",
                path.display()
            )),
            None => actions.say(format!("{name}: not installed")),
        }
    }
    Ok(actions)
}

/// Installs into the current repository's hooks directory.
pub fn install(opts: &InstallOptions) -> Result<Actions> {
    let repo = crate::diff::open_repository()?;
    let dir = hooks_dir(&repo)?;
    install_into(&dir, opts)
}

/// Uninstalls from the current repository's hooks directory.
pub fn uninstall(opts: &InstallOptions) -> Result<Actions> {
    let repo = crate::diff::open_repository()?;
    let dir = hooks_dir(&repo)?;
    uninstall_from(&dir, opts)
}
