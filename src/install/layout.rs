//! Where a repository keeps things, as git itself says: the working tree, the git and
//! common directories, the hooks directory and the `core.hooksPath` setting with where it
//! comes from.
//!
//! git's config resolution (`includeIf "hasconfig:remote.*.url:…"`, `gitdir/i:`,
//! `onbranch:`, worktree configs, `GIT_CONFIG_*`) is not reimplemented here: every answer
//! comes from `git rev-parse` and `git config`, so the installer writes exactly where git
//! will look, in any object format (SHA-1 or SHA-256). This module does not write anything.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::error::{Error, Result};

/// Which configuration scope a setting came from (`git config --show-scope`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The system gitconfig.
    System,
    /// The user's `~/.gitconfig` or `~/.config/git/config`.
    Global,
    /// The repository's `.git/config`.
    Local,
    /// The worktree's `config.worktree`.
    Worktree,
    /// `git -c` or `GIT_CONFIG_*` in the environment.
    Command,
    /// Anything git names otherwise.
    Other,
}

impl Scope {
    fn parse(word: &str) -> Scope {
        match word {
            "system" => Scope::System,
            "global" => Scope::Global,
            "local" => Scope::Local,
            "worktree" => Scope::Worktree,
            "command" => Scope::Command,
            _ => Scope::Other,
        }
    }

    /// Whether a setting at this scope applies beyond this one repository.
    pub fn is_machine_wide(self) -> bool {
        matches!(self, Scope::System | Scope::Global)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Scope::System => "system config",
            Scope::Global => "global config",
            Scope::Local => "repository config",
            Scope::Worktree => "worktree config",
            Scope::Command => "command-line or environment config",
            Scope::Other => "config",
        })
    }
}

/// `core.hooksPath` as git resolved it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HooksPathSetting {
    /// The raw value.
    pub value: String,
    /// The file it was read from (`file:` origins), else git's origin text.
    pub origin: String,
    /// The scope.
    pub scope: Scope,
}

/// A repository's layout, from git.
#[derive(Clone, Debug)]
pub struct Layout {
    /// The working tree's top directory; `None` in a bare repository.
    pub root: Option<PathBuf>,
    /// The git directory (`.git`, or `.git/worktrees/<name>` for a linked worktree).
    pub git_dir: PathBuf,
    /// The common directory (shared by linked worktrees).
    pub common_dir: PathBuf,
    /// The directory git runs hooks from.
    pub hooks_dir: PathBuf,
    /// `sha1` or `sha256`.
    pub object_format: String,
    /// `core.hooksPath`, when set.
    pub hooks_path: Option<HooksPathSetting>,
}

/// Runs git with `args` in `dir` (the current directory when `None`).
pub fn git_in(dir: Option<&Path>, args: &[&str]) -> Result<Output> {
    let mut cmd = Command::new("git");
    cmd.args(args);
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    cmd.output().map_err(|e| {
        Error::Install(format!(
            "cannot run git ({e}); is git installed and on PATH?"
        ))
    })
}

fn stdout_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn first_stderr_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

impl Layout {
    /// The layout of the repository containing the current directory (or `GIT_DIR`).
    pub fn discover() -> Result<Layout> {
        Layout::discover_in(None)
    }

    /// The layout of the repository containing `dir`.
    pub fn discover_in(dir: Option<&Path>) -> Result<Layout> {
        let probe = git_in(dir, &["rev-parse", "--is-bare-repository"])?;
        if !probe.status.success() {
            let cwd = dir
                .map(Path::to_path_buf)
                .or_else(|| std::env::current_dir().ok())
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "the current directory".into());
            let why = first_stderr_line(&probe);
            if why.contains("not a git repository") {
                return Err(Error::NotARepository(cwd));
            }
            return Err(Error::Install(format!("git rev-parse in {cwd}: {why}")));
        }
        let bare = stdout_lines(&probe).first().map(String::as_str) == Some("true");
        let mut args = vec![
            "rev-parse",
            "--path-format=absolute",
            "--absolute-git-dir",
            "--git-common-dir",
            "--git-path",
            "hooks",
            "--show-object-format",
        ];
        if !bare {
            args.push("--show-toplevel");
        }
        let out = git_in(dir, &args)?;
        let lines = stdout_lines(&out);
        // One line per query: the arguments after `rev-parse --path-format=absolute`,
        // `--git-path hooks` counting once.
        if !out.status.success() || lines.len() < args.len() - 3 {
            return Err(Error::Install(format!(
                "git rev-parse could not describe this repository: {}",
                first_stderr_line(&out)
            )));
        }
        let hooks_path = hooks_path_setting_in(dir)?;
        Ok(Layout {
            git_dir: PathBuf::from(&lines[0]),
            common_dir: PathBuf::from(&lines[1]),
            hooks_dir: PathBuf::from(&lines[2]),
            object_format: lines[3].clone(),
            root: lines.get(4).map(PathBuf::from),
            hooks_path,
        })
    }

    /// Whether the repository is bare.
    pub fn is_bare(&self) -> bool {
        self.root.is_none()
    }

    /// The working tree, or an error saying why a bare repository has no commit hooks.
    pub fn require_worktree(&self) -> Result<&Path> {
        self.root.as_deref().ok_or_else(|| {
            Error::Install(
                "this is a bare repository: commits are not made here, so there is no pre-commit hook to install \
                 (scan pushes in CI with `tierzero scan --range` instead)"
                    .into(),
            )
        })
    }

    /// git's default hooks directory (what applies without `core.hooksPath`).
    pub fn default_hooks_dir(&self) -> PathBuf {
        self.common_dir.join("hooks")
    }

    /// Files git tracks under `dir` (empty when `dir` is outside the working tree).
    pub fn tracked_files_under(&self, dir: &Path) -> Result<Vec<String>> {
        let Some(root) = &self.root else {
            return Ok(Vec::new());
        };
        let canon_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        let canon_dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let Ok(rel) = canon_dir.strip_prefix(&canon_root) else {
            return Ok(Vec::new());
        };
        if rel.as_os_str().is_empty() {
            return Ok(Vec::new());
        }
        let rel = rel.to_string_lossy().replace('\\', "/");
        let out = git_in(Some(root), &["ls-files", "-z", "--", &rel])?;
        if !out.status.success() {
            return Err(Error::Install(format!(
                "git ls-files -- {rel}: {}",
                first_stderr_line(&out)
            )));
        }
        Ok(out
            .stdout
            .split(|&b| b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect())
    }
}

/// `core.hooksPath` with its origin and scope, as git resolves it in `dir`.
fn hooks_path_setting_in(dir: Option<&Path>) -> Result<Option<HooksPathSetting>> {
    let out = git_in(
        dir,
        &[
            "config",
            "--show-origin",
            "--show-scope",
            "-z",
            "--get",
            "core.hooksPath",
        ],
    )?;
    if !out.status.success() {
        // 1: not set. Anything else (a broken config file) git reports on stderr.
        if out.status.code() == Some(1) {
            return Ok(None);
        }
        return Err(Error::Install(format!(
            "git config --get core.hooksPath: {}",
            first_stderr_line(&out)
        )));
    }
    // With -z: `scope NUL origin NUL value NUL`.
    let mut fields = out.stdout.split(|&b| b == 0);
    let scope = fields
        .next()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let origin = fields
        .next()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let value = fields
        .next()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    if value.is_empty() {
        return Ok(None);
    }
    Ok(Some(HooksPathSetting {
        value: value.into_owned(),
        origin: origin
            .strip_prefix("file:")
            .map(str::to_string)
            .unwrap_or_else(|| origin.into_owned()),
        scope: Scope::parse(&scope),
    }))
}
