//! `tierzero status` (alias `doctor`): is this repository protected? Proven, not inferred.
//!
//! This module owns the answer. The verdict comes from the self-test ([`selftest`]): git
//! runs the installed hook chain on a canary key, without touching the user's index,
//! working tree or history, and the repository is "protected" only when tierzero refused
//! the canary in every hook it is installed for. Around the verdict it states the facts a
//! user needs when a hook seems not to run: the hooks directory git uses and why
//! (`core.hooksPath`, where it is set), the hook files, a hook manager and whether its
//! configuration runs tierzero, which binary the hook calls, which configuration files are
//! in effect, and, when not protected, the reason and the fix. It changes nothing and
//! prints nothing itself.

pub mod selftest;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Result;
use crate::install::{self, global, managers, Layout};
use selftest::{Outcome, Proof};

/// The facts, the self-test results and the verdict.
#[derive(Debug, Default)]
pub struct Status {
    /// One fact per line.
    pub lines: Vec<String>,
    /// The self-test, one entry per hook tested.
    pub proofs: Vec<Proof>,
    /// Why the repository is not protected (empty when it is).
    pub reasons: Vec<String>,
    /// What to do about it.
    pub fixes: Vec<String>,
    /// Problems that refuse every commit whatever the self-test showed (the index of this
    /// repository cannot be read).
    pub blocking: Vec<String>,
}

impl Status {
    fn say(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }

    /// Whether tierzero refused the canary in every hook tested (at least `pre-commit`).
    pub fn protected(&self) -> bool {
        !self.proofs.is_empty()
            && self.proofs.iter().all(Proof::refused)
            && self.blocking.is_empty()
    }

    /// The report: one `label: value` line per fact, the self-test, then the verdict.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            out.push_str(line);
            out.push('\n');
        }
        for proof in &self.proofs {
            let _ = writeln!(out, "{}", render_proof(proof));
        }
        if self.protected() {
            out.push_str("protected: yes\n");
            return out;
        }
        out.push_str("protected: NO\n");
        for reason in self.blocking.iter().chain(&self.reasons) {
            let _ = writeln!(out, "reason: {reason}");
        }
        for fix in &self.fixes {
            let _ = writeln!(out, "fix: {fix}");
        }
        out
    }
}

fn indent(output: &str) -> String {
    output
        .lines()
        .map(|l| format!("\n    | {l}"))
        .collect::<String>()
}

fn render_proof(proof: &Proof) -> String {
    let ms = proof.elapsed.as_millis();
    let file = proof
        .hook_file
        .as_ref()
        .map_or_else(|| "no hook file".to_string(), |f| f.display().to_string());
    match &proof.outcome {
        Outcome::Refused { binary, script } => {
            let via = match script {
                Some(s) if Some(s) != proof.hook_file.as_ref() => {
                    format!(" through tierzero's hook {}", s.display())
                }
                _ => String::new(),
            };
            format!(
                "self-test {}: canary key REFUSED ({ms} ms): git ran {file}, which ran {}{via}",
                proof.hook,
                binary.display()
            )
        }
        Outcome::Accepted { .. } if proof.hook_file.is_none() => format!(
            "self-test {}: canary key ACCEPTED: git runs no {} hook here (none, or not executable)",
            proof.hook, proof.hook
        ),
        Outcome::Accepted { output } => format!(
            "self-test {}: canary key ACCEPTED ({ms} ms): git ran {file} and it let the key through{}",
            proof.hook,
            indent(output)
        ),
        Outcome::RefusedOtherwise { code, output } => format!(
            "self-test {}: refused ({ms} ms, exit {}), but not by a tierzero scan of the canary: git ran {file}{}",
            proof.hook,
            code.map_or_else(|| "by signal".to_string(), |c| c.to_string()),
            indent(output)
        ),
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
fn describe_binary(status: &mut Status, recorded: Option<PathBuf>) {
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
            Ok(version) => status.say(format!("binary: {} ({version})", bin.display())),
            Err(why) => status.say(format!("binary: {} does not run: {why}", bin.display())),
        },
        None => status.say("binary: not found (commits are refused until tierzero is reinstalled)"),
    }
}

/// What pre-commit (`.legacy`) and lefthook (`.old`) rename an existing hook to.
const MOVED_ASIDE: &[(&str, &str)] = &[(".legacy", "pre-commit"), (".old", "lefthook")];

/// Checks the repository in the current directory.
pub fn check() -> Result<Status> {
    let mut status = Status::default();
    let layout = Layout::discover()?;
    let Some(root) = layout.root.clone() else {
        status.say("repository: bare (no commits are made here, so no commit hook applies; scan pushes in CI)");
        status
            .reasons
            .push("a bare repository has no commit hooks".into());
        return Ok(status);
    };
    let format = if layout.object_format == "sha1" {
        String::new()
    } else {
        format!(" ({} objects)", layout.object_format)
    };
    status.say(format!("repository: {}{format}", root.display()));
    let dir = layout.hooks_dir.clone();
    match &layout.hooks_path {
        Some(setting) => status.say(format!(
            "hooks directory: {} (core.hooksPath = {} from {}, {}; it overrides {})",
            dir.display(),
            setting.value,
            setting.origin,
            setting.scope,
            layout.default_hooks_dir().display()
        )),
        None => status.say(format!(
            "hooks directory: {} (git's default)",
            dir.display()
        )),
    }
    let tracked = layout.tracked_files_under(&dir)?;
    if !tracked.is_empty() {
        status.say(format!(
            "hooks directory is tracked in git ({} file{}): tierzero adds its line to the team's hooks only with `tierzero install --tracked-hooks`",
            tracked.len(),
            if tracked.len() == 1 { "" } else { "s" }
        ));
    }

    let owner = managers::detect(&layout)?;
    let mut manager_fix = None;
    if let Some(owner) = owner {
        let verdict = managers::config_verdict(&root, owner);
        match &verdict {
            managers::ConfigVerdict::Runs(file) => status.say(format!(
                "hook manager: {owner} owns the hooks; {} runs tierzero",
                file.display()
            )),
            managers::ConfigVerdict::DoesNotRun(files) => {
                status.say(format!(
                    "hook manager: {owner} owns the hooks; its configuration{} does NOT run tierzero",
                    if files.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " ({})",
                            files
                                .iter()
                                .map(|f| f.display().to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                ));
                manager_fix = Some(managers::snippet(owner));
            }
            managers::ConfigVerdict::Broken(why) => {
                status.say(format!("hook manager: {owner} owns the hooks; {why}"));
                manager_fix = Some(format!("repair the {owner} configuration"));
            }
        }
    }
    for (suffix, by) in MOVED_ASIDE {
        let moved = dir.join(format!("pre-commit{suffix}"));
        if std::fs::read(&moved).is_ok_and(|c| install::looks_ours(&c)) {
            status.say(format!(
                "pre-commit{suffix}: {} is tierzero's hook, moved aside by {by}'s install (it runs only if {by} runs it)",
                moved.display()
            ));
        }
    }

    let managed_global = global::managed_hooks_dir_in_use(&dir)?.is_some();
    if managed_global {
        status.say("global install: core.hooksPath points at tierzero's managed directory; it also runs this repository's own .git/hooks");
    }
    if managed_global {
        for name in install::ALL_CLIENT_HOOKS
            .iter()
            .filter(|n| !install::PASS_THROUGH_HOOKS.contains(n))
        {
            let own = layout.default_hooks_dir().join(name);
            if is_executable(&own) {
                status.say(format!(
                    "warning: {} does not run under the global install (tierzero passes only the other hooks through); run `tierzero install` in this repository with `git config core.hooksPath .git/hooks`",
                    own.display()
                ));
            }
        }
    }
    let mut recorded = None;
    for name in install::SCAN_HOOKS {
        let path = dir.join(name);
        let line = match std::fs::read(&path) {
            Ok(content) if install::looks_ours(&content) => {
                if !install::scans_as(&content, name) {
                    format!(
                        "{name}: {} is tierzero's pass-through (runs the repository's own hook, no scan)",
                        path.display()
                    )
                } else if !is_executable(&path) {
                    format!(
                        "{name}: {} is tierzero's but NOT executable, so git skips it",
                        path.display()
                    )
                } else {
                    if recorded.is_none() {
                        recorded = install::recorded_binary(&content);
                    }
                    let edited = if install::is_pristine(&content) {
                        ""
                    } else {
                        " (edited by hand since install)"
                    };
                    let prev = path.with_file_name(format!("{name}{}", install::PREV_SUFFIX));
                    if prev.exists() {
                        format!(
                            "{name}: {} runs tierzero{edited} (after the previous hook, {})",
                            path.display(),
                            prev.display()
                        )
                    } else {
                        format!("{name}: {} runs tierzero{edited}", path.display())
                    }
                }
            }
            Ok(_) => format!("{name}: {} is another tool's hook", path.display()),
            Err(_) if *name == "pre-push" => {
                format!("{name}: not installed (optional: tierzero install --pre-push)")
            }
            Err(_) => format!("{name}: not installed"),
        };
        status.say(line);
    }
    // A per-repo install that core.hooksPath made dead: the classic silent failure.
    let default_hook = layout.default_hooks_dir().join("pre-commit");
    if !managed_global
        && default_hook != dir.join("pre-commit")
        && std::fs::read(&default_hook).is_ok_and(|c| install::looks_ours(&c))
    {
        status.say(format!(
            "warning: {} is tierzero's but git does not run it, because core.hooksPath points elsewhere",
            default_hook.display()
        ));
    }
    let recorded_for_probe = recorded.clone();
    match (recorded, owner) {
        (None, Some(owner)) => match on_path("tierzero") {
            Some(bin) => status.say(format!(
                "binary: {owner}'s configuration calls `tierzero` on PATH: {}",
                bin.display()
            )),
            None => status.say(format!(
                "binary: {owner}'s configuration calls `tierzero` on PATH, and it is not on PATH here"
            )),
        },
        (recorded, _) => describe_binary(&mut status, recorded),
    }

    if let Some(state) = global::load_state()? {
        status.say(format!(
            "global install: {} ({})",
            state.mode,
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
    for line in crate::agent::settings::status_lines(&root) {
        status.say(line);
    }
    let skip = std::env::var_os("TIERZERO_SKIP").is_some_and(|v| v == "1");
    if skip {
        status.say("warning: TIERZERO_SKIP=1 is set in this environment: hooks skip the scan");
    }

    let hooks = selftest::hooks_to_prove(&layout);
    status.proofs = selftest::prove(&layout, &hooks)?;
    // The canary's index is a plain one; a split or sparse index of the user's is read
    // only by real commits: check that the binary can read it (read-only, nothing
    // printed), or every commit is refused.
    if uses_split_or_sparse_index(&layout) {
        let binary = recorded_for_probe.or_else(|| install::current_binary().ok());
        if let Some(binary) = binary {
            let out = Command::new(&binary)
                .args(["scan", "--staged", "--format", "json", "--output"])
                .arg(null_device())
                .output();
            if let Ok(out) = out {
                if out.status.code() == Some(2) {
                    let err = String::from_utf8_lossy(&out.stderr);
                    let line = err
                        .lines()
                        .find(|l| l.starts_with("tierzero:"))
                        .unwrap_or("")
                        .trim()
                        .to_string();
                    status.blocking.push(format!(
                        "{} cannot read this repository's index, so every commit is refused ({line})",
                        binary.display()
                    ));
                    status.fixes.push("solve the error above (until then only `git commit --no-verify` commits, unscanned)".into());
                }
            }
        }
    }
    explain(&mut status, &layout, !tracked.is_empty(), manager_fix, skip);
    Ok(status)
}

/// Whether git keeps this repository's index split (`core.splitIndex`, shared index
/// files) or sparse (`index.sparse`), formats the canary's temporary index does not use.
fn uses_split_or_sparse_index(layout: &Layout) -> bool {
    let setting = |key: &str| {
        crate::install::layout::git_in(
            layout.root.as_deref(),
            &["config", "--type=bool", "--get", key],
        )
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "true")
    };
    let shared = std::fs::read_dir(&layout.git_dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("sharedindex."))
    });
    shared || setting("core.splitIndex") || setting("index.sparse")
}

fn null_device() -> &'static str {
    if cfg!(windows) {
        "NUL"
    } else {
        "/dev/null"
    }
}

/// The reasons and fixes for each hook that did not refuse the canary.
fn explain(
    status: &mut Status,
    layout: &Layout,
    tracked: bool,
    manager_fix: Option<String>,
    skip: bool,
) {
    let failed: Vec<Proof> = status
        .proofs
        .iter()
        .filter(|p| !p.refused())
        .cloned()
        .collect();
    for proof in failed {
        let hook = &proof.hook;
        let reason = match (&proof.outcome, &proof.hook_file) {
            (Outcome::Accepted { .. }, None) => format!(
                "git runs no {hook} hook from {} (none there, or not executable), so a key would be committed",
                layout.hooks_dir.display()
            ),
            (Outcome::Accepted { .. }, Some(file)) => format!(
                "git ran {} and it let the canary key through, so a key would be {}",
                file.display(),
                if hook == "pre-push" { "pushed" } else { "committed" }
            ),
            (Outcome::RefusedOtherwise { .. }, Some(file)) => format!(
                "{} refused the canary, but no tierzero scan did (another hook failed first, or tierzero failed: see its output above), so it is not proven that keys are refused",
                file.display()
            ),
            (Outcome::RefusedOtherwise { .. }, None) | (Outcome::Refused { .. }, _) => {
                format!("the {hook} self-test did not show tierzero refusing the canary")
            }
        };
        let tierzero_error = match &proof.outcome {
            Outcome::RefusedOtherwise { output, .. } => output
                .lines()
                .find(|l| l.starts_with("tierzero: error:"))
                .map(str::to_string),
            _ => None,
        };
        let reason = match &tierzero_error {
            Some(line) => format!("tierzero failed in the {hook} hook instead of scanning ({line}), so every commit is refused, clean or not"),
            None => reason,
        };
        status.reasons.push(reason);
        let fix = if tierzero_error.is_some() {
            "solve the error above (until then only `git commit --no-verify` commits, unscanned)"
                .to_string()
        } else if skip {
            "unset TIERZERO_SKIP (it makes every hook skip the scan)".to_string()
        } else if hook != "pre-commit" {
            format!(
                "run `tierzero install{}` here to reinstall the {hook} hook",
                if hook == "pre-push" {
                    " --pre-push"
                } else {
                    ""
                }
            )
        } else if let Some(fix) = &manager_fix {
            fix.clone()
        } else if tracked {
            "run `tierzero install` and add the line it prints to the tracked hooks (or `tierzero install --tracked-hooks`)".to_string()
        } else {
            "run `tierzero install` here (or `tierzero install --global` once for every repository)"
                .to_string()
        };
        if !status.fixes.contains(&fix) {
            status.fixes.push(fix);
        }
    }
}
