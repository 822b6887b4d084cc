//! Installing and removing tierzero's git hooks without ever losing someone else's.
//!
//! This module owns writing our hook script where git really runs hooks (asked of git
//! itself, see [`layout`]), with the absolute path of the binary recorded in it; chaining a
//! foreign hook that was already there (moved aside to `<hook>.tierzero-prev`, run first by
//! our script); keeping a hand-edited copy of our own hook (`<hook>.tierzero-edited`)
//! before replacing or removing it; and undoing all of it byte for byte. Hook managers
//! (pre-commit, lefthook, husky) and hooks directories tracked in git are never rewritten
//! (see [`managers`], [`tracked`]); machine-wide installs live in [`global`]. It does not
//! scan anything and does not print.

pub mod actions;
pub mod global;
pub mod layout;
pub mod managers;
pub mod status;
pub mod tracked;

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use actions::{Action, Actions, HookVerb};
pub use layout::Layout;

use crate::error::{Error, Result};

/// The line that marks a hook file as ours.
pub const MARKER: &str = "tierzero-managed-hook";

/// The hook script template shipped in `hooks/pre-commit`.
pub const HOOK_TEMPLATE: &str = include_str!("../../hooks/pre-commit");

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

/// Every client-side hook name git looks up in the hooks directory (and that an older
/// global install may have written).
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

/// The hooks a global `core.hooksPath` install writes a pass-through for. git looks only
/// in that directory, so each runs the repository's own hook (git-lfs' `post-checkout`,
/// a team's `commit-msg`): per-repository hooks keep working. `push-to-checkout` is left
/// out: its mere presence replaces git's own `receive.denyCurrentBranch=updateInstead`
/// update, so no pass-through can be equivalent to its absence. So are
/// `reference-transaction` and `post-index-change`: git runs them several times per
/// command (nine `reference-transaction` runs for one `git checkout`), which made
/// checkouts several times slower for a hook almost no repository has (`status` warns
/// when one does).
pub const PASS_THROUGH_HOOKS: &[&str] = &[
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
    "pre-auto-gc",
    "sendemail-validate",
    "p4-changelist",
    "p4-prepare-changelist",
    "p4-post-changelist",
    "p4-pre-submit",
];

/// Suffix of a foreign hook moved aside and chained.
pub const PREV_SUFFIX: &str = ".tierzero-prev";

/// Suffix of a foreign hook replaced with `--force` (kept, not run).
pub const BACKUP_SUFFIX: &str = ".tierzero-backup";

/// Suffix of our own hook as someone edited it, kept when tierzero replaces or removes it.
pub const EDITED_SUFFIX: &str = ".tierzero-edited";

/// The last line of every hook script we write: the SHA-256 of everything before it, so
/// a hand edit is recognised whatever tierzero version wrote the file.
const CHECKSUM_PREFIX: &str = "# tierzero-checksum: ";

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
    /// When lefthook owns the hooks, add tierzero to `lefthook-local.yml` (this machine's
    /// lefthook configuration) instead of only printing the lines.
    pub lefthook: bool,
    /// When the hooks directory is tracked in git (`core.hooksPath = .githooks`,
    /// committed), add tierzero's line to its `pre-commit` and `pre-merge-commit` instead
    /// of only printing it.
    pub tracked_hooks: bool,
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

impl Chain {
    fn template_value(&self) -> &str {
        match self {
            Chain::Sibling => "",
            Chain::RepoHooks => "repo",
            Chain::Dir(dir) => dir,
        }
    }

    fn from_template_value(value: &str) -> Chain {
        match value {
            "" => Chain::Sibling,
            "repo" => Chain::RepoHooks,
            dir => Chain::Dir(dir.to_string()),
        }
    }
}

/// Returns true if and only if `content` carries tierzero's marker line.
pub fn is_ours(content: &[u8]) -> bool {
    content
        .split(|&b| b == b'\n')
        .take(5)
        .any(|line| memchr::memmem::find(line, MARKER.as_bytes()).is_some())
}

/// Whether `content` is one of our hook scripts, even one whose marker line was edited
/// away: it still records our binary and our list of scanning hooks.
pub fn looks_ours(content: &[u8]) -> bool {
    is_ours(content)
        || (recorded_binary(content).is_some() && template_field(content, "scan_hooks='").is_some())
}

/// Whether `content` is exactly as tierzero wrote it (no hand edits since).
pub fn is_pristine(content: &[u8]) -> bool {
    let trimmed = content.strip_suffix(b"\n").unwrap_or(content);
    let body_end = memchr::memrchr(b'\n', trimmed).map_or(0, |i| i + 1);
    if let Some(sum) = trimmed[body_end..].strip_prefix(CHECKSUM_PREFIX.as_bytes()) {
        return sha256_hex(&content[..body_end]).as_bytes() == sum;
    }
    // Written before checksums: pristine when it is what this template would write.
    let (Some(binary), Some(chain), Some(scan)) = (
        recorded_binary(content),
        template_field(content, "chain='"),
        template_field(content, "scan_hooks='"),
    ) else {
        return false;
    };
    let scan: Vec<&str> = scan.split_whitespace().collect();
    let chain = Chain::from_template_value(&chain);
    let again = hook_script_with(&binary, &chain, &scan);
    let unsummed = again
        .rsplit_once(CHECKSUM_PREFIX)
        .map_or(again.as_str(), |(a, _)| a);
    unsummed.as_bytes() == content
        || LEGACY_TEMPLATES
            .split("@@tierzero-template@@\n")
            .skip(1)
            .any(|template| render(template, &binary, &chain, &scan).as_bytes() == content)
}

/// The templates written before hooks carried a checksum (see `hooks/legacy-templates`).
const LEGACY_TEMPLATES: &str = include_str!("../../hooks/legacy-templates");

/// The unquoted value of the `name'…'` line of one of our scripts.
fn template_field(content: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(content);
    let line = text.lines().find(|l| l.starts_with(name))?;
    let body = line.strip_prefix(name)?.strip_suffix('\'')?;
    Some(body.replace(r"'\''", "'"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
    let mut script = render(HOOK_TEMPLATE, binary, chain, scan_hooks);
    let sum = sha256_hex(script.as_bytes());
    script.push_str(CHECKSUM_PREFIX);
    script.push_str(&sum);
    script.push('\n');
    script
}

fn render(template: &str, binary: &Path, chain: &Chain, scan_hooks: &[&str]) -> String {
    template
        .replace(
            "@TIERZERO_BIN@",
            &sh_single_quoted_body(&binary.display().to_string()),
        )
        .replace("@CHAIN@", &sh_single_quoted_body(chain.template_value()))
        .replace("@SCAN_HOOKS@", &scan_hooks.join(" "))
}

/// The binary path recorded in one of our hook scripts.
pub fn recorded_binary(script: &[u8]) -> Option<PathBuf> {
    template_field(script, "TIERZERO_BIN='").map(PathBuf::from)
}

/// Whether one of our hook scripts, installed as `name`, scans (rather than only running
/// the repository's own hook).
pub fn scans_as(script: &[u8], name: &str) -> bool {
    template_field(script, "scan_hooks='")
        .is_some_and(|list| list.split_whitespace().any(|h| h == name))
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

/// A free name for keeping the hand-edited `path`: `<hook>.tierzero-edited`, else
/// `<hook>.tierzero-edited.2`, `.3`, …: an earlier kept edit is never overwritten.
fn edited_backup_path(path: &Path) -> PathBuf {
    let first = sibling(path, EDITED_SUFFIX);
    if !occupied(&first) {
        return first;
    }
    (2..)
        .map(|n| sibling(path, &format!("{EDITED_SUFFIX}.{n}")))
        .find(|p| !occupied(p))
        .unwrap_or(first)
}

/// Moves our hand-edited hook at `path` aside (kept, not run) and says where.
fn keep_edits(name: &str, path: &Path, opts: &InstallOptions, actions: &mut Actions) -> Result<()> {
    let backup = edited_backup_path(path);
    if !opts.dry_run {
        fs::rename(path, &backup).map_err(Error::io(path))?;
    }
    actions.push(Action::EditsKept {
        hook: name.to_string(),
        backup,
    });
    Ok(())
}

/// Installs tierzero's per-repository hooks into `dir`.
pub fn install_into(dir: &Path, opts: &InstallOptions) -> Result<Actions> {
    let binary = opts.binary()?;
    let script = hook_script(&binary);
    write_hooks(dir, &opts.hook_names(), &script, opts)
}

/// Writes `script` as each of `names` in `dir`, chaining or backing up foreign hooks and
/// keeping hand edits of ours.
fn write_hooks(
    dir: &Path,
    names: &[String],
    script: &str,
    opts: &InstallOptions,
) -> Result<Actions> {
    let mut actions = Actions::default();
    if !dir.exists() {
        actions.push(Action::CreateDir(dir.to_path_buf()));
        if !opts.dry_run {
            fs::create_dir_all(dir).map_err(Error::io(dir))?;
        }
    }
    for name in names {
        let path = dir.join(name);
        let prev = sibling(&path, PREV_SUFFIX);
        match read_if_exists(&path)? {
            Some(existing) if looks_ours(&existing) => {
                if existing == script.as_bytes() {
                    actions.push(Action::Hook {
                        verb: HookVerb::AlreadyInstalled,
                        hook: name.clone(),
                        path,
                    });
                    continue;
                }
                if !is_pristine(&existing) {
                    keep_edits(name, &path, opts, &mut actions)?;
                }
                actions.push(Action::Hook {
                    verb: HookVerb::Updated,
                    hook: name.clone(),
                    path: path.clone(),
                });
            }
            Some(_) if opts.force => {
                let backup = sibling(&path, BACKUP_SUFFIX);
                if occupied(&backup) {
                    return Err(Error::Install(format!(
                        "{name}: {} already exists; move it away before using --force",
                        backup.display()
                    )));
                }
                if !opts.dry_run {
                    fs::rename(&path, &backup).map_err(Error::io(&path))?;
                }
                actions.push(Action::Replaced {
                    hook: name.clone(),
                    backup,
                });
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
                if !opts.dry_run {
                    // A rename keeps the bytes, the mode bits and a symlink as they are.
                    fs::rename(&path, &prev).map_err(Error::io(&path))?;
                }
                actions.push(Action::Chained {
                    hook: name.clone(),
                    prev,
                });
            }
            None => actions.push(Action::Hook {
                verb: HookVerb::Installed,
                hook: name.clone(),
                path: path.clone(),
            }),
        }
        if !opts.dry_run {
            write_executable(&path, script)?;
        }
    }
    Ok(actions)
}

/// Removes tierzero's hooks from `dir`, restoring chained or backed-up hooks exactly and
/// keeping a hand-edited hook of ours (moved to `<hook>.tierzero-edited`). Looks at every
/// hook name in `names`; files that are not ours are left alone.
pub fn uninstall_from(dir: &Path, names: &[&str], opts: &InstallOptions) -> Result<Actions> {
    let mut actions = Actions::default();
    for name in names {
        let path = dir.join(name);
        let prev = sibling(&path, PREV_SUFFIX);
        let backup = sibling(&path, BACKUP_SUFFIX);
        match read_if_exists(&path)? {
            Some(existing) if looks_ours(&existing) => {
                if is_pristine(&existing) {
                    if !opts.dry_run {
                        fs::remove_file(&path).map_err(Error::io(&path))?;
                    }
                } else {
                    keep_edits(name, &path, opts, &mut actions)?;
                }
                let restore = [&prev, &backup].into_iter().find(|p| occupied(p));
                match restore {
                    Some(from) => {
                        if !opts.dry_run {
                            // A rename keeps the bytes and the mode bits exactly.
                            fs::rename(from, &path).map_err(Error::io(from))?;
                        }
                        actions.push(Action::Restored {
                            hook: name.to_string(),
                            from: from.clone(),
                        });
                    }
                    None => actions.push(Action::Hook {
                        verb: HookVerb::Removed,
                        hook: name.to_string(),
                        path,
                    }),
                }
            }
            Some(_) if DEFAULT_HOOKS.contains(name) => actions.push(Action::NotOurs {
                hook: name.to_string(),
                path,
            }),
            _ => {}
        }
    }
    if actions.done.is_empty() {
        actions.push(Action::NothingIn(dir.to_path_buf()));
    }
    Ok(actions)
}

/// Installs into the current repository's hooks directory (or machine-wide with
/// `opts.global`). When a hook manager owns the hooks, or the hooks directory is tracked
/// in git, prints the lines to add instead (or adds them, with the explicit flag).
pub fn install(opts: &InstallOptions) -> Result<Actions> {
    if opts.global {
        return global::install(opts);
    }
    let layout = Layout::discover()?;
    layout.require_worktree()?;
    let dir = &layout.hooks_dir;
    if let Some(owner) = managers::detect(&layout)? {
        return managers::install(&layout, owner, opts);
    }
    if let Some(managed) = global::managed_hooks_dir_in_use(dir)? {
        let mut actions = Actions::default();
        actions.push(Action::CoveredByGlobal(managed));
        return Ok(actions);
    }
    let tracked_files = layout.tracked_files_under(dir)?;
    if !tracked_files.is_empty() {
        return tracked::install(&layout, &tracked_files, opts);
    }
    let mut actions = Actions::default();
    if let Some(setting) = &layout.hooks_path {
        actions.push(Action::HooksPathIsSet {
            dir: dir.clone(),
            machine_wide: setting.scope.is_machine_wide(),
        });
    }
    if layout.object_format != "sha1" {
        // tierzero reads a SHA-256 repository's staged change through the git command
        // line, but not yet its commits: hooks that scan commits would refuse every push
        // and ref update, so they are left out, and said so.
        let mut only_staged = opts.clone();
        only_staged.hooks = opts
            .hook_names()
            .into_iter()
            .filter(|h| h != "pre-push" && h != "reference-transaction")
            .collect();
        actions.note(format!(
            "this repository uses {} objects: pre-push and reference-transaction are not installed \
             (tierzero scans only the staged change here); scan pushes in CI",
            layout.object_format
        ));
        actions.extend(install_into(dir, &only_staged)?);
    } else {
        actions.extend(install_into(dir, opts)?);
    }
    Ok(actions)
}

/// Uninstalls from the current repository's hooks directory (or machine-wide with
/// `opts.global`).
pub fn uninstall(opts: &InstallOptions) -> Result<Actions> {
    if opts.global {
        return global::uninstall(opts);
    }
    let layout = Layout::discover()?;
    layout.require_worktree()?;
    let dir = &layout.hooks_dir;
    if let Some(owner) = managers::detect(&layout)? {
        return managers::uninstall(&layout, owner, opts);
    }
    let tracked_files = layout.tracked_files_under(dir)?;
    let mut actions = if tracked_files.is_empty() {
        uninstall_from(dir, SCAN_HOOKS, opts)?
    } else {
        tracked::uninstall(&layout, opts)?
    };
    // An install made before core.hooksPath was set is still in the default directory,
    // where git no longer runs it: clean it up too.
    let default_dir = layout.default_hooks_dir();
    if default_dir != *dir && default_dir.is_dir() {
        let more = uninstall_from(&default_dir, SCAN_HOOKS, opts)?;
        if more.removed_count() > 0 {
            actions.extend(more);
        }
    }
    Ok(actions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksummed_scripts_are_pristine_until_edited() {
        let script = hook_script(Path::new("/opt/it's/tierzero"));
        assert!(is_ours(script.as_bytes()) && is_pristine(script.as_bytes()));
        assert_eq!(
            recorded_binary(script.as_bytes()).as_deref(),
            Some(Path::new("/opt/it's/tierzero"))
        );
        let edited = script.replace("exit \"$status\" ;;", "echo hi; exit \"$status\" ;;");
        assert!(looks_ours(edited.as_bytes()) && !is_pristine(edited.as_bytes()));
        // The marker line edited away: still recognised as ours.
        let unmarked = script.replace(MARKER, "hook");
        assert!(!is_ours(unmarked.as_bytes()) && looks_ours(unmarked.as_bytes()));
        // Written before checksums existed: compared with the template.
        let old = script.rsplit_once(CHECKSUM_PREFIX).unwrap().0;
        assert!(is_pristine(old.as_bytes()));
        assert!(!looks_ours(b"#!/bin/sh\nexit 0\n"));
        // Written by an older tierzero, untouched: not an edit.
        let template = LEGACY_TEMPLATES
            .split("@@tierzero-template@@\n")
            .nth(1)
            .unwrap();
        let old = render(template, Path::new("/t"), &Chain::Sibling, SCAN_HOOKS);
        assert!(is_ours(old.as_bytes()) && is_pristine(old.as_bytes()));
    }

    #[test]
    fn scans_as_reads_the_list() {
        let script = hook_script_with(Path::new("/t"), &Chain::RepoHooks, &["pre-commit"]);
        assert!(scans_as(script.as_bytes(), "pre-commit"));
        assert!(!scans_as(script.as_bytes(), "commit-msg"));
    }
}
