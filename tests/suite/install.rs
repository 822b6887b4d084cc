//! Installing and uninstalling for real: real repositories, real `git commit`s through the
//! installed hooks, a throw-away HOME so the user's git config is never touched.

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{openai_key, Repo, Sandbox};

fn key_line() -> String {
    format!("OPENAI_API_KEY = \"{}\"\n", openai_key())
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

fn write_mode(path: &Path, content: &[u8], mode: u32) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(path, content).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Every file under `dir` with its bytes and mode (to prove "nothing changed").
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, u32)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), (fs::read(&p).unwrap_or_default(), mode(&p)));
            }
        }
    }
    out
}

fn is_ours(path: &Path) -> bool {
    fs::read(path)
        .map(|c| tierzero::install::is_ours(&c))
        .unwrap_or(false)
}

/// `git rev-parse --git-path hooks`, absolute: where git itself will look.
fn git_hooks_dir(repo: &Repo<'_>, cwd: &Path) -> PathBuf {
    let out = git_in(
        repo.sandbox,
        cwd,
        &["rev-parse", "--path-format=absolute", "--git-path", "hooks"],
        &[],
    );
    assert!(out.status.success());
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn git_in(sb: &Sandbox, cwd: &Path, args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new("git");
    cmd.args(args).current_dir(cwd);
    sb.env(&mut cmd);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("git runs")
}

/// A real commit in `cwd`; returns (success, combined output).
fn commit_in(sb: &Sandbox, cwd: &Path, extra: &[&str], envs: &[(&str, &str)]) -> (bool, String) {
    let mut args = vec!["commit", "-m", "test commit"];
    args.extend_from_slice(extra);
    let out = git_in(sb, cwd, &args, envs);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn run_in(repo: &Repo<'_>, cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = repo.tierzero_in(cwd).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(r: (i32, String, String)) -> String {
    assert_eq!(r.0, 0, "expected success:\n{}{}", r.1, r.2);
    r.1 + &r.2
}

#[test]
fn fresh_repo_install_blocks_a_key_and_status_tells() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    assert_eq!(repo.run(&["status"]).0, 1, "not protected before install");
    let out = ok(repo.run(&["install"]));
    assert!(out.contains("installed pre-commit"), "{out}");
    let hooks = git_hooks_dir(&repo, &repo.path);
    for name in ["pre-commit", "pre-merge-commit"] {
        let hook = hooks.join(name);
        assert!(is_ours(&hook), "{name} installed where git looks");
        assert_eq!(mode(&hook), 0o755);
    }
    let status = ok(repo.run(&["status"]));
    assert!(status.contains("protected: yes"), "{status}");
    assert!(
        status.contains("binary: ") && status.contains("tierzero 0.1"),
        "{status}"
    );
    assert!(status.contains(".tierzero.toml (absent)"), "{status}");
    // `doctor` is the same command.
    assert_eq!(repo.run(&["doctor"]).0, 0);

    repo.stage("leak.py", key_line());
    let (committed, out) = repo.commit(&[]);
    assert!(!committed, "key must be refused: {out}");
    assert!(out.contains("leak.py:1:"), "{out}");

    let out = ok(repo.run(&["uninstall"]));
    assert!(out.contains("removed"), "{out}");
    assert!(!hooks.join("pre-commit").exists() && !hooks.join("pre-merge-commit").exists());
    let (code, stdout, _) = repo.run(&["status"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("protected: NO"), "{stdout}");
}

#[test]
fn foreign_hook_is_chained_blocks_and_is_restored_byte_for_byte() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let hook = repo.path.join(".git/hooks/pre-commit");
    // Ends in `exit 0` (appending installers produce dead code there) and has no final
    // newline; mode 0750 must survive too.
    let original = b"#!/bin/sh\necho foreign-hook-ran >&2\nif [ -f .block ]; then echo foreign-says-no >&2; exit 3; fi\nexit 0";
    write_mode(&hook, original, 0o750);

    let out = ok(repo.run(&["install"]));
    assert!(out.contains("kept the existing hook"), "{out}");
    let prev = repo.path.join(".git/hooks/pre-commit.tierzero-prev");
    assert_eq!(fs::read(&prev).unwrap(), original);
    assert_eq!(mode(&prev), 0o750);

    // It still runs, and tierzero still scans after it.
    repo.stage("a.txt", "fine\n");
    let (committed, out) = repo.commit(&[]);
    assert!(committed && out.contains("foreign-hook-ran"), "{out}");
    repo.stage("leak.py", key_line());
    let (committed, out) = repo.commit(&[]);
    assert!(
        !committed && out.contains("foreign-hook-ran") && out.contains("leak.py:1:"),
        "{out}"
    );
    repo.git(&["rm", "-q", "--cached", "leak.py"]);

    // Its failure still blocks a clean commit.
    repo.write(".block", "");
    repo.stage("b.txt", "fine\n");
    let (committed, out) = repo.commit(&[]);
    assert!(!committed && out.contains("foreign-says-no"), "{out}");
    repo.remove(".block");

    ok(repo.run(&["uninstall"]));
    assert_eq!(fs::read(&hook).unwrap(), original);
    assert_eq!(mode(&hook), 0o750);
    assert!(!prev.exists());
    assert!(!repo.path.join(".git/hooks/pre-merge-commit").exists());
}

#[test]
fn install_twice_does_not_wrap_our_own_hook() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let hook = repo.path.join(".git/hooks/pre-commit");
    let original = b"#!/bin/sh\necho foreign >&2\n";
    write_mode(&hook, original, 0o755);
    ok(repo.run(&["install"]));
    let first = fs::read(&hook).unwrap();
    let out = ok(repo.run(&["install"]));
    assert!(out.contains("already installed"), "{out}");
    assert_eq!(fs::read(&hook).unwrap(), first);
    // The chained hook is still the foreign one, not our script.
    let prev = repo.path.join(".git/hooks/pre-commit.tierzero-prev");
    assert_eq!(fs::read(&prev).unwrap(), original);
    let names: Vec<String> = fs::read_dir(repo.path.join(".git/hooks"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tierzero"))
        .collect();
    assert_eq!(names, vec!["pre-commit.tierzero-prev".to_string()]);
    // One uninstall restores it.
    ok(repo.run(&["uninstall"]));
    assert_eq!(fs::read(&hook).unwrap(), original);
}

#[test]
fn force_backs_up_and_replaces_and_uninstall_restores() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let hook = repo.path.join(".git/hooks/pre-commit");
    let original = b"#!/bin/sh\necho replaced-hook-ran >&2\n";
    write_mode(&hook, original, 0o700);
    ok(repo.run(&["install", "--force"]));
    let backup = repo.path.join(".git/hooks/pre-commit.tierzero-backup");
    assert_eq!(fs::read(&backup).unwrap(), original);
    repo.stage("a.txt", "x\n");
    let (committed, out) = repo.commit(&[]);
    assert!(committed && !out.contains("replaced-hook-ran"), "{out}");
    ok(repo.run(&["uninstall"]));
    assert_eq!(fs::read(&hook).unwrap(), original);
    assert_eq!(mode(&hook), 0o700);
}

#[test]
fn dry_run_changes_nothing_and_quiet_prints_nothing() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    write_mode(
        &repo.path.join(".git/hooks/pre-commit"),
        b"#!/bin/sh\nexit 0\n",
        0o755,
    );
    let before = snapshot(&repo.path.join(".git"));
    let out = ok(repo.run(&["install", "--dry-run", "--pre-push"]));
    assert!(
        out.contains("dry run") && out.contains("would keep the existing hook"),
        "{out}"
    );
    assert_eq!(snapshot(&repo.path.join(".git")), before);

    let home_before = snapshot(&sb.home());
    let out = ok(repo.run(&["install", "--global", "--dry-run"]));
    assert!(out.contains("core.hooksPath"), "{out}");
    let out = ok(repo.run(&["install", "--global", "--template", "--dry-run"]));
    assert!(out.contains("init.templateDir"), "{out}");
    assert_eq!(snapshot(&sb.home()), home_before);

    let (code, stdout, stderr) = repo.run(&["install", "--quiet"]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""));
    assert!(is_ours(&repo.path.join(".git/hooks/pre-commit")));
    let after_install = snapshot(&repo.path.join(".git"));
    ok(repo.run(&["uninstall", "--dry-run"]));
    assert_eq!(snapshot(&repo.path.join(".git")), after_install);
    let (code, stdout, _) = repo.run(&["uninstall", "--quiet"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
}

#[test]
fn relative_core_hooks_path_from_a_subdirectory() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let sub = repo.path.join("src/deep");
    fs::create_dir_all(&sub).unwrap();
    let out = ok(run_in(&repo, &sub, &["install"]));
    assert!(out.contains("core.hooksPath is set"), "{out}");
    let hooks = git_hooks_dir(&repo, &sub);
    assert_eq!(hooks, repo.path.join(".githooks"));
    assert!(is_ours(&hooks.join("pre-commit")));
    assert!(!repo.path.join(".git/hooks/pre-commit").exists());

    repo.stage("src/deep/leak.py", key_line());
    let (committed, out) = commit_in(&sb, &sub, &[], &[]);
    assert!(!committed && out.contains("src/deep/leak.py:1:"), "{out}");
    let status = ok(run_in(&repo, &sub, &["status"]));
    assert!(status.contains("core.hooksPath = .githooks"), "{status}");
}

#[test]
fn absolute_core_hooks_path() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let dir = sb.dir.path().join("shared-hooks");
    repo.git(&["config", "core.hooksPath", dir.to_str().unwrap()]);
    ok(repo.run(&["install"]));
    assert_eq!(git_hooks_dir(&repo, &repo.path), dir);
    assert!(is_ours(&dir.join("pre-commit")));
    repo.stage("leak.py", key_line());
    assert!(!repo.commit(&[]).0);
}

#[test]
fn hooks_path_set_after_install_is_reported_as_dead_hook() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    ok(repo.run(&["install"]));
    repo.git(&["config", "core.hooksPath", ".elsewhere"]);
    let (code, stdout, _) = repo.run(&["status"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("git does not run it"), "{stdout}");
    // Uninstall still cleans up the dead copy.
    ok(repo.run(&["uninstall"]));
    assert!(!repo.path.join(".git/hooks/pre-commit").exists());
}

#[test]
fn linked_worktree_uses_the_common_hooks_dir() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("a.txt", "a\n");
    repo.commit_setup("base");
    let wt = sb.dir.path().join("wt");
    repo.git(&["worktree", "add", "-q", wt.to_str().unwrap(), "-b", "side"]);
    assert!(wt.join(".git").is_file());
    let wt_repo = Repo {
        sandbox: &sb,
        path: wt.clone(),
    };
    ok(wt_repo.run(&["install"]));
    let hooks = git_hooks_dir(&wt_repo, &wt);
    assert_eq!(
        fs::canonicalize(&hooks).unwrap(),
        fs::canonicalize(repo.path.join(".git/hooks")).unwrap()
    );
    assert!(is_ours(&hooks.join("pre-commit")));
    wt_repo.stage("leak.py", key_line());
    let (committed, out) = commit_in(&sb, &wt, &[], &[]);
    assert!(!committed && out.contains("leak.py:1:"), "{out}");
}

#[test]
fn bare_repository_is_refused() {
    let sb = Sandbox::new();
    let path = sb.dir.path().join("bare.git");
    fs::create_dir_all(&path).unwrap();
    let out = git_in(&sb, &path, &["init", "-q", "--bare"], &[]);
    assert!(out.status.success());
    let bare = Repo {
        sandbox: &sb,
        path: path.clone(),
    };
    let (code, _, stderr) = bare.run(&["install"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("bare repository"), "{stderr}");
    assert!(!path.join("hooks/pre-commit").exists());
    assert_eq!(bare.run(&["status"]).0, 1);
}

#[test]
fn missing_or_broken_binary_refuses_the_commit() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    // Install with a copy of the binary, then delete the copy.
    let copy = sb.dir.path().join("bin/tierzero");
    fs::create_dir_all(copy.parent().unwrap()).unwrap();
    fs::copy(assert_cmd::cargo::cargo_bin("tierzero"), &copy).unwrap();
    let mut cmd = Command::new(&copy);
    cmd.arg("install").current_dir(&repo.path);
    sb.env(&mut cmd);
    // A binary just written can be "busy" (ETXTBSY) while another test thread's fork still
    // holds the write descriptor; retry briefly.
    let output = (0..50)
        .find_map(|_| match cmd.output() {
            Ok(out) => Some(out),
            Err(e) if e.raw_os_error() == Some(26) => {
                std::thread::sleep(std::time::Duration::from_millis(20));
                None
            }
            Err(e) => panic!("{e}"),
        })
        .expect("binary became executable");
    assert!(output.status.success());
    let hook = fs::read_to_string(repo.path.join(".git/hooks/pre-commit")).unwrap();
    assert!(
        hook.contains(copy.to_str().unwrap()),
        "absolute path recorded"
    );

    let git_dir = Path::new(&which_git())
        .parent()
        .unwrap()
        .display()
        .to_string();
    let minimal_path = format!("{git_dir}:/usr/bin:/bin");
    repo.stage("a.txt", "fine\n");
    fs::remove_file(&copy).unwrap();
    let (committed, out) = commit_in(&sb, &repo.path, &[], &[("PATH", &minimal_path)]);
    assert!(!committed, "must fail closed: {out}");
    assert!(
        out.contains("recorded at install time is missing") && out.contains("Reinstall"),
        "{out}"
    );

    // Broken: something that is not tierzero at that path.
    write_mode(&copy, b"#!/bin/sh\nexit 139\n", 0o755);
    let (committed, out) = commit_in(&sb, &repo.path, &[], &[("PATH", &minimal_path)]);
    assert!(!committed && out.contains("scanner failed"), "{out}");
    assert_eq!(repo.run(&["status"]).0, 1);
}

fn which_git() -> String {
    let out = Command::new("sh")
        .args(["-c", "command -v git"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn gui_minimal_path_no_verify_and_skip() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    ok(repo.run(&["install"]));
    let git_dir = Path::new(&which_git())
        .parent()
        .unwrap()
        .display()
        .to_string();
    // A GUI client's PATH has no cargo bin dir: the recorded absolute path is used.
    let minimal_path = format!("{git_dir}:/usr/bin:/bin");
    repo.stage("leak.py", key_line());
    let (committed, out) = commit_in(&sb, &repo.path, &[], &[("PATH", &minimal_path)]);
    assert!(!committed && out.contains("leak.py:1:"), "{out}");

    let (committed, out) = commit_in(&sb, &repo.path, &[], &[("TIERZERO_SKIP", "1")]);
    assert!(committed, "{out}");
    assert!(
        out.contains("TIERZERO_SKIP=1") && out.contains("SKIPPED"),
        "{out}"
    );

    repo.stage("leak2.py", key_line());
    // --no-verify skips pre-commit and commit-msg (git's contract), but not the
    // reference-transaction hook: the branch does not move to a commit with a key.
    let (committed, out) = commit_in(&sb, &repo.path, &["--no-verify"], &[]);
    assert!(!committed, "--no-verify let a key onto the branch: {out}");
    assert!(out.contains("this ref update is blocked"), "{out}");
}

#[test]
fn husky_owned_hooks_get_a_snippet_or_our_line_with_husky_flag() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    // husky 9: core.hooksPath = .husky/_, generated `_/pre-commit` runs `.husky/pre-commit`.
    repo.write(
        ".husky/_/pre-commit",
        "#!/usr/bin/env sh\n. \"$(dirname \"$0\")/h\"\n",
    );
    repo.write(".husky/_/h", "#!/usr/bin/env sh\nn=$(basename \"$0\")\ns=$(dirname \"$(dirname \"$0\")\")/$n\n[ ! -f \"$s\" ] && exit 0\nsh -e \"$s\" \"$@\"\n");
    fs::set_permissions(
        repo.path.join(".husky/_/pre-commit"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let user_hook = b"npx lint-staged --help >/dev/null 2>&1 || true\necho husky-user-hook >&2\n";
    repo.write(".husky/pre-commit", user_hook);
    repo.git(&["config", "core.hooksPath", ".husky/_"]);
    let before = snapshot(&repo.path.join(".husky"));

    let out = ok(repo.run(&["install"]));
    assert!(
        out.contains("husky manages") && out.contains("core.hooksPath = .husky/_"),
        "{out}"
    );
    assert!(
        out.contains(tierzero::install::managers::HUSKY_LINE),
        "{out}"
    );
    assert_eq!(
        snapshot(&repo.path.join(".husky")),
        before,
        "generated files untouched"
    );
    assert_eq!(repo.run(&["status"]).0, 1);

    ok(repo.run(&["install", "--husky", "--dry-run"]));
    assert_eq!(snapshot(&repo.path.join(".husky")), before);

    let out = ok(repo.run(&["install", "--husky"]));
    assert!(out.contains("added"), "{out}");
    ok(repo.run(&["install", "--husky"]));
    let text = fs::read_to_string(repo.path.join(".husky/pre-commit")).unwrap();
    assert_eq!(text.matches("tierzero scan").count(), 1, "{text}");
    assert_eq!(
        fs::read(repo.path.join(".husky/_/pre-commit")).unwrap(),
        before[&repo.path.join(".husky/_/pre-commit")].0
    );

    // husky runs `tierzero` from PATH: put the built binary there.
    let bin = assert_cmd::cargo::cargo_bin("tierzero");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap()
    );
    repo.stage("leak.py", key_line());
    let (committed, out) = commit_in(&sb, &repo.path, &[], &[("PATH", &path)]);
    assert!(!committed && out.contains("leak.py:1:"), "{out}");
    let mut status = repo.tierzero();
    status.arg("status").env("PATH", &path);
    assert!(
        status.output().unwrap().status.success(),
        "husky config runs tierzero: protected"
    );

    ok(repo.run(&["uninstall", "--husky"]));
    assert_eq!(
        fs::read(repo.path.join(".husky/pre-commit")).unwrap(),
        user_hook
    );
    assert!(!repo.path.join(".husky/pre-merge-commit").exists());
}

#[test]
fn pre_commit_framework_and_lefthook_are_not_touched() {
    for (generated, expect) in [
        (
            "#!/usr/bin/env bash\n# File generated by pre-commit: https://pre-commit.com\n# ID: 138fd403232d2ddd5efb44317e38bf03\nexec pre-commit hook-impl --hook-type=pre-commit\n",
            "entry: tierzero scan --staged",
        ),
        (
            "#!/bin/sh\nif [ \"$LEFTHOOK_VERBOSE\" = \"1\" ]; then set -x; fi\ncall_lefthook run \"pre-commit\" \"$@\"\n",
            "run: tierzero scan --staged",
        ),
    ] {
        let sb = Sandbox::new();
        let repo = sb.repo("r");
        let hook = repo.path.join(".git/hooks/pre-commit");
        write_mode(&hook, generated.as_bytes(), 0o755);
        let before = snapshot(&repo.path.join(".git/hooks"));
        let out = ok(repo.run(&["install", "--quiet"]));
        assert!(out.contains(expect), "snippet printed even with --quiet: {out}");
        assert_eq!(snapshot(&repo.path.join(".git/hooks")), before);
        assert_eq!(repo.run(&["status"]).0, 1);
    }
}

fn global_env_check(sb: &Sandbox) -> Option<String> {
    let out = git_in(
        sb,
        sb.dir.path(),
        &["config", "--global", "--get", "core.hooksPath"],
        &[],
    );
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[test]
fn global_hooks_path_protects_new_repos_keeps_their_hooks_and_uninstalls_exactly() {
    let sb = Sandbox::new();
    let gitconfig = sb.home().join(".gitconfig");
    let original =
        b"# my settings\n[user]\n\tname = Someone\n[core]\n\teditor = vi\n[alias]\n\tst = status\n";
    fs::write(&gitconfig, original).unwrap();
    let elsewhere = sb.repo("elsewhere");
    let out = ok(elsewhere.run(&["install", "--global"]));
    assert!(out.contains("set core.hooksPath"), "{out}");
    let managed = sb.home().join(".config/tierzero/hooks");
    assert_eq!(
        global_env_check(&sb).as_deref(),
        Some(managed.to_str().unwrap())
    );
    // Idempotent.
    let out = ok(elsewhere.run(&["install", "--global"]));
    assert!(out.contains("already"), "{out}");

    // A repository created afterwards, with hooks of its own.
    let repo = sb.repo("new");
    write_mode(
        &repo.path.join(".git/hooks/commit-msg"),
        b"#!/bin/sh\necho own-commit-msg-ran >&2\n",
        0o755,
    );
    write_mode(
        &repo.path.join(".git/hooks/pre-commit"),
        b"#!/bin/sh\necho own-pre-commit-ran >&2\n[ -f .block ] && exit 4\nexit 0\n",
        0o755,
    );
    let out = ok(repo.run(&["status"]));
    assert!(out.contains("protected: yes"), "{out}");
    repo.stage("leak.py", key_line());
    let (committed, out) = repo.commit(&[]);
    assert!(!committed, "a new repository is protected: {out}");
    assert!(
        out.contains("leak.py:1:") && out.contains("own-pre-commit-ran"),
        "{out}"
    );
    repo.git(&["rm", "-q", "--cached", "leak.py"]);
    repo.stage("ok.txt", "fine\n");
    let (committed, out) = repo.commit(&[]);
    assert!(committed, "{out}");
    assert!(
        out.contains("own-commit-msg-ran"),
        "per-repo hooks keep working: {out}"
    );
    repo.write(".block", "");
    repo.stage("ok2.txt", "fine\n");
    let (committed, out) = repo.commit(&[]);
    assert!(!committed, "the repository's own hook still blocks: {out}");
    repo.remove(".block");

    // A per-repo install under the global one is a no-op, not a double scan.
    let out = ok(repo.run(&["install"]));
    assert!(
        out.contains("already protected by the global install"),
        "{out}"
    );

    let out = ok(elsewhere.run(&["uninstall", "--global"]));
    assert!(out.contains("exactly as it was"), "{out}");
    assert_eq!(
        fs::read(&gitconfig).unwrap(),
        original,
        "gitconfig byte-identical"
    );
    assert!(!managed.exists());
    assert!(!sb.home().join(".config/tierzero").exists());
    assert!(fs::read(repo.path.join(".git/hooks/pre-commit"))
        .unwrap()
        .starts_with(b"#!/bin/sh\necho own"));
    let out = ok(elsewhere.run(&["uninstall", "--global"]));
    assert!(out.contains("not installed globally"), "{out}");
}

#[test]
fn global_install_chains_a_previous_global_hooks_path_and_restores_it() {
    let sb = Sandbox::new();
    let mine = sb.home().join("my-hooks");
    write_mode(
        &mine.join("pre-commit"),
        b"#!/bin/sh\necho my-global-hook-ran >&2\n",
        0o755,
    );
    let gitconfig = sb.home().join(".gitconfig");
    let original = b"[core]\n\thooksPath = ~/my-hooks\n";
    fs::write(&gitconfig, original).unwrap();
    let repo = sb.repo("r");
    let out = ok(repo.run(&["install", "--global"]));
    assert!(out.contains("run the hooks there first"), "{out}");
    repo.stage("leak.py", key_line());
    let (committed, out) = repo.commit(&[]);
    assert!(
        !committed && out.contains("my-global-hook-ran") && out.contains("leak.py:1:"),
        "{out}"
    );

    // Someone edits the gitconfig meanwhile: only our key is put back.
    let mut edited = fs::read(&gitconfig).unwrap();
    edited.extend_from_slice(b"[alias]\n\tco = checkout\n");
    fs::write(&gitconfig, &edited).unwrap();
    let out = ok(repo.run(&["uninstall", "--global"]));
    assert!(out.contains("restored only core.hooksPath"), "{out}");
    assert_eq!(global_env_check(&sb).as_deref(), Some("~/my-hooks"));
    let text = fs::read_to_string(&gitconfig).unwrap();
    assert!(text.contains("co = checkout"), "{text}");
}

#[test]
fn global_template_dir_protects_new_clones_and_uninstalls_exactly() {
    let sb = Sandbox::new();
    let seed = sb.repo("seed");
    ok(seed.run(&["install", "--global", "--template"]));
    assert!(
        !sb.home().join(".gitconfig").exists()
            || fs::read_to_string(sb.home().join(".gitconfig"))
                .unwrap()
                .contains("templateDir")
    );
    let repo = sb.repo("new");
    assert!(
        is_ours(&repo.path.join(".git/hooks/pre-commit")),
        "copied from the template"
    );
    assert!(is_ours(&repo.path.join(".git/hooks/pre-merge-commit")));
    repo.stage("leak.py", key_line());
    let (committed, out) = repo.commit(&[]);
    assert!(!committed && out.contains("leak.py:1:"), "{out}");
    // Existing repositories are not touched by this mode.
    assert!(!seed.path.join(".git/hooks/pre-commit").exists());

    ok(seed.run(&["uninstall", "--global"]));
    assert!(
        !sb.home().join(".gitconfig").exists(),
        "tierzero created it, so it is gone again"
    );
    assert!(!sb.home().join(".config/tierzero").exists());
}

#[test]
fn global_install_into_an_existing_template_dir() {
    let sb = Sandbox::new();
    let template = sb.home().join("tpl");
    write_mode(
        &template.join("hooks/pre-commit"),
        b"#!/bin/sh\necho template-hook >&2\n",
        0o755,
    );
    fs::write(
        sb.home().join(".gitconfig"),
        b"[init]\n\ttemplateDir = ~/tpl\n",
    )
    .unwrap();
    let seed = sb.repo("seed");
    let out = ok(seed.run(&["install", "--global", "--template"]));
    assert!(out.contains("already"), "{out}");
    let repo = sb.repo("new");
    repo.stage("leak.py", key_line());
    let (committed, out) = repo.commit(&[]);
    assert!(!committed && out.contains("template-hook"), "{out}");
    ok(seed.run(&["uninstall", "--global"]));
    assert_eq!(
        fs::read(template.join("hooks/pre-commit")).unwrap(),
        b"#!/bin/sh\necho template-hook >&2\n"
    );
    assert_eq!(
        fs::read(sb.home().join(".gitconfig")).unwrap(),
        b"[init]\n\ttemplateDir = ~/tpl\n"
    );
}

#[test]
fn a_symlinked_hook_even_a_dangling_one_is_kept_and_restored() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let hook = repo.path.join(".git/hooks/pre-commit");
    std::os::unix::fs::symlink("../../tools/missing-hook", &hook).unwrap();
    ok(repo.run(&["install"]));
    let prev = repo.path.join(".git/hooks/pre-commit.tierzero-prev");
    assert_eq!(
        fs::read_link(&prev).unwrap(),
        Path::new("../../tools/missing-hook")
    );
    assert!(is_ours(&hook));
    ok(repo.run(&["uninstall"]));
    assert_eq!(
        fs::read_link(&hook).unwrap(),
        Path::new("../../tools/missing-hook")
    );
}

#[test]
fn per_repo_install_under_a_global_hooks_path_says_it_is_global() {
    let sb = Sandbox::new();
    let shared = sb.home().join("team-hooks");
    fs::write(
        sb.home().join(".gitconfig"),
        format!("[core]\n\thooksPath = {}\n", shared.display()),
    )
    .unwrap();
    let repo = sb.repo("r");
    let out = ok(repo.run(&["install"]));
    assert!(out.contains("global config"), "{out}");
    assert!(is_ours(&shared.join("pre-commit")));
}

#[test]
fn a_manager_installed_over_tierzero_still_runs_it() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let hooks = repo.path.join(".git/hooks");
    write_mode(
        &hooks.join("pre-commit"),
        b"#!/bin/sh\necho original-hook-ran >&2\n",
        0o755,
    );
    ok(repo.run(&["install"]));
    // What `pre-commit install` does: move the existing hook to `.legacy`, write its own
    // hook that runs `.legacy` first.
    fs::rename(hooks.join("pre-commit"), hooks.join("pre-commit.legacy")).unwrap();
    write_mode(
        &hooks.join("pre-commit"),
        b"#!/usr/bin/env bash\n# File generated by pre-commit: https://pre-commit.com\nHERE=\"$(cd \"$(dirname \"$0\")\" && pwd)\"\n\"$HERE/pre-commit.legacy\" \"$@\" || exit $?\nexit 0\n",
        0o755,
    );
    repo.stage("leak.py", key_line());
    let (committed, out) = repo.commit(&[]);
    assert!(
        !committed,
        "tierzero, renamed to .legacy, still scans: {out}"
    );
    assert!(
        out.contains("original-hook-ran") && out.contains("leak.py:1:"),
        "{out}"
    );
    let status = ok(repo.run(&["status"]));
    assert!(status.contains("pre-commit.legacy"), "{status}");
}

/// `tierzero status` in `repo`: (exit code, stdout).
fn status(repo: &Repo<'_>) -> (i32, String) {
    let (code, out, err) = repo.run(&["status"]);
    assert!(
        code == 0 || code == 1,
        "status fails only on errors: {out}{err}"
    );
    (code, out)
}

#[test]
fn core_hooks_path_from_an_include_if_is_where_install_writes() {
    let sb = Sandbox::new();
    let team_hooks = sb.home().join("team-hooks");
    fs::write(
        sb.home().join("team.gitconfig"),
        format!("[core]\n\thooksPath = {}\n", team_hooks.display()),
    )
    .unwrap();
    fs::write(
        sb.home().join(".gitconfig"),
        "[includeIf \"hasconfig:remote.*.url:https://git.example.invalid/team/**\"]\n\tpath = team.gitconfig\n",
    )
    .unwrap();
    let repo = sb.repo("r");
    repo.git(&[
        "remote",
        "add",
        "origin",
        "https://git.example.invalid/team/app.git",
    ]);
    let out = ok(repo.run(&["install"]));
    assert!(out.contains(&team_hooks.display().to_string()), "{out}");
    assert!(is_ours(&team_hooks.join("pre-commit")));
    assert!(
        !repo.path.join(".git/hooks/pre-commit").exists(),
        "not the ignored dir"
    );
    let (code, st) = status(&repo);
    assert_eq!(code, 0, "{st}");
    assert!(
        st.contains("team.gitconfig") && st.contains("global config"),
        "{st}"
    );
    repo.stage("leak.py", key_line());
    let (committed, out) = repo.commit(&[]);
    assert!(!committed && out.contains("leak.py:1:"), "{out}");
}

#[test]
fn a_tracked_hooks_directory_is_never_rewritten_without_the_flag() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let team_hook = b"#!/bin/sh\necho team-hook-ran >&2\n";
    write_mode(&repo.path.join(".githooks/pre-commit"), team_hook, 0o755);
    repo.git(&["add", ".githooks"]);
    repo.commit_setup("team hooks");
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let before = snapshot(&repo.path.join(".githooks"));

    let out = ok(repo.run(&["install"]));
    assert!(
        out.contains("tracked in git") && out.contains("--tracked-hooks"),
        "{out}"
    );
    assert!(out.contains(tierzero::install::tracked::SCAN_LINE), "{out}");
    assert_eq!(snapshot(&repo.path.join(".githooks")), before);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    let (code, st) = status(&repo);
    assert_eq!(code, 1, "{st}");
    repo.stage("leak.py", key_line());
    let (committed, out) = repo.commit(&[]);
    assert!(
        committed && out.contains("team-hook-ran"),
        "status agreed: {out}"
    );
    repo.git(&["reset", "-q", "--soft", "HEAD~1"]);

    let out = ok(repo.run(&["install", "--tracked-hooks"]));
    assert!(out.contains("added"), "{out}");
    let text = fs::read_to_string(repo.path.join(".githooks/pre-commit")).unwrap();
    assert!(text.contains("tierzero scan --staged || exit $?") && text.contains("team-hook-ran"));
    assert!(
        !text.contains("TIERZERO_BIN"),
        "no machine path in a team file: {text}"
    );
    let backup = repo.path.join(".git/tierzero-backups/.githooks%pre-commit");
    assert_eq!(fs::read(&backup).unwrap(), team_hook);
    let path = common::path_with_tierzero();
    let (committed, out) = commit_in(&sb, &repo.path, &[], &[("PATH", &path)]);
    assert!(!committed && out.contains("leak.py:1:"), "{out}");
    let st = repo
        .tierzero()
        .arg("status")
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stdout)
    );

    ok(repo.run(&["uninstall"]));
    assert_eq!(
        fs::read(repo.path.join(".githooks/pre-commit")).unwrap(),
        team_hook
    );
    assert!(!repo.path.join(".githooks/pre-merge-commit").exists());
}

#[test]
fn hand_edits_of_our_hook_are_kept_and_a_missing_marker_is_recovered() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let hooks = repo.path.join(".git/hooks");
    let foreign = b"#!/bin/sh\necho foreign-ran >&2\n";
    write_mode(&hooks.join("pre-commit"), foreign, 0o755);
    ok(repo.run(&["install"]));

    // An edit: kept on uninstall, and the output says where.
    let mut ours = fs::read_to_string(hooks.join("pre-commit")).unwrap();
    ours.push_str("# my local tweak\n");
    fs::write(hooks.join("pre-commit"), &ours).unwrap();
    let out = ok(repo.run(&["uninstall"]));
    let kept = hooks.join("pre-commit.tierzero-edited");
    assert!(out.contains(&kept.display().to_string()), "{out}");
    assert_eq!(fs::read_to_string(&kept).unwrap(), ours);
    assert_eq!(fs::read(hooks.join("pre-commit")).unwrap(), foreign);
    fs::remove_file(&kept).unwrap();

    // The marker line edited away: install and uninstall still know the file is ours.
    ok(repo.run(&["install"]));
    let unmarked = fs::read_to_string(hooks.join("pre-commit"))
        .unwrap()
        .replace("tierzero-managed-hook", "our team's hook");
    fs::write(hooks.join("pre-commit"), &unmarked).unwrap();
    let out = ok(repo.run(&["install"]));
    assert!(out.contains("edited by hand"), "{out}");
    assert_eq!(fs::read_to_string(&kept).unwrap(), unmarked);
    assert!(is_ours(&hooks.join("pre-commit")));
    assert_eq!(
        fs::read(hooks.join("pre-commit.tierzero-prev")).unwrap(),
        foreign
    );
    fs::write(hooks.join("pre-commit"), &unmarked).unwrap();
    let out = ok(repo.run(&["uninstall"]));
    assert!(out.contains("pre-commit.tierzero-edited.2"), "{out}");
    assert_eq!(fs::read(hooks.join("pre-commit")).unwrap(), foreign);
    assert!(
        !hooks.join("pre-commit.tierzero-prev").exists(),
        "backup not orphaned"
    );
}

#[test]
fn sha256_repository_install_and_status_work_and_agree_with_commits() {
    let sb = Sandbox::new();
    let path = sb.dir.path().join("r");
    fs::create_dir_all(&path).unwrap();
    let repo = Repo { sandbox: &sb, path };
    repo.git(&["init", "-q", "--object-format=sha256", "-b", "main"]);
    let out = ok(repo.run(&["install"]));
    assert!(out.contains("installed pre-commit"), "{out}");
    repo.stage("leak.py", key_line());
    let (committed, out) = repo.commit(&[]);
    assert!(!committed, "a key is never committed: {out}");
    repo.git(&["rm", "-q", "--cached", "leak.py"]);
    let (code, st) = status(&repo);
    assert!(st.contains("sha256"), "{st}");
    repo.stage("ok.txt", "fine\n");
    let (committed, out) = repo.commit(&[]);
    // Whatever the scanner can read, status tells the truth about it.
    assert_eq!(
        code == 0,
        committed,
        "status said {code}, a clean commit {}: {st}\n{out}",
        if committed { "went in" } else { "was refused" }
    );
}

#[test]
fn status_proves_every_installed_hook_and_touches_nothing() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("a.txt", "one\n");
    repo.commit_setup("base");
    ok(repo.run(&["install", "--pre-push"]));
    // Staged and unstaged work of the user's, and a stash-like state to keep.
    repo.stage("staged.txt", "staged\n");
    repo.write("a.txt", "one\ntwo\n");
    repo.write("untracked.txt", "u\n");
    let git_dir = repo.path.join(".git");
    let index = fs::read(git_dir.join("index")).unwrap();
    let tree = snapshot(&repo.path);
    let refs = repo.git(&["for-each-ref"]);
    let objects = repo.git(&["count-objects", "-v"]);

    let (code, st) = status(&repo);
    assert_eq!(code, 0, "{st}");
    for hook in [
        "pre-commit",
        "pre-merge-commit",
        "commit-msg",
        "reference-transaction",
        "pre-push",
    ] {
        assert!(
            st.contains(&format!("self-test {hook}: canary key REFUSED")),
            "{hook}: {st}"
        );
    }
    assert!(st.contains("which ran /"), "names the binary: {st}");
    for debug in [
        "Some(",
        "None",
        "Refused {",
        "HooksPath",
        "Sibling",
        "PathBuf",
    ] {
        assert!(!st.contains(debug), "no Rust names ({debug}): {st}");
    }
    assert_eq!(fs::read(git_dir.join("index")).unwrap(), index);
    assert_eq!(
        snapshot(&repo.path),
        tree,
        "working tree and .git untouched"
    );
    assert_eq!(repo.git(&["for-each-ref"]), refs);
    assert_eq!(repo.git(&["count-objects", "-v"]), objects);

    // A commit-msg hook that cannot scan (its binary gone, none on PATH) refuses every
    // commit but proves nothing: not protected, with the reason.
    let hook = repo.path.join(".git/hooks/commit-msg");
    let broken = fs::read_to_string(&hook).unwrap().replacen(
        "TIERZERO_BIN='",
        "TIERZERO_BIN='/nonexistent",
        1,
    );
    fs::write(&hook, broken).unwrap();
    let out = repo
        .tierzero()
        .arg("status")
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    let st = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{st}");
    assert!(
        st.contains("self-test commit-msg: refused")
            && st.contains("reason:")
            && st.contains("fix:"),
        "{st}"
    );
}

#[test]
fn global_install_leaves_push_to_checkout_to_git_and_keeps_repo_hooks() {
    let sb = Sandbox::new();
    let elsewhere = sb.repo("elsewhere");
    ok(elsewhere.run(&["install", "--global"]));
    let managed = sb.home().join(".config/tierzero/hooks");
    assert!(is_ours(&managed.join("post-checkout")));
    assert!(!managed.join("push-to-checkout").exists());

    // A non-bare remote updated by push (receive.denyCurrentBranch=updateInstead): git
    // updates its working tree only when no push-to-checkout hook exists.
    let remote = sb.repo("remote");
    remote.stage("a.txt", "one\n");
    remote.commit_setup("base");
    remote.git(&["config", "receive.denyCurrentBranch", "updateInstead"]);
    let clone = sb.dir.path().join("clone");
    git_in(
        &sb,
        sb.dir.path(),
        &["clone", "-q", remote.path.to_str().unwrap(), "clone"],
        &[],
    );
    fs::write(clone.join("a.txt"), "two\n").unwrap();
    git_in(&sb, &clone, &["commit", "-qam", "change"], &[]);
    let out = git_in(&sb, &clone, &["push", "-q", "origin", "main"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        fs::read_to_string(remote.path.join("a.txt")).unwrap(),
        "two\n"
    );

    // A repository's own post-checkout (git-lfs installs one) still runs.
    write_mode(
        &remote.path.join(".git/hooks/post-checkout"),
        b"#!/bin/sh\necho own-post-checkout-ran >&2\n",
        0o755,
    );
    let out = git_in(&sb, &remote.path, &["checkout", "-q", "-b", "topic"], &[]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("own-post-checkout-ran"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ok(elsewhere.run(&["uninstall", "--global"]));
    assert!(!managed.exists());
}

#[test]
fn global_install_keeps_a_repositorys_git_lfs_hooks_working() {
    let lfs = Command::new("git").args(["lfs", "version"]).output();
    if !lfs.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED: git-lfs is not installed (apt-get install git-lfs; see .ci/run)");
        return;
    }
    let sb = Sandbox::new();
    let remote = sb.dir.path().join("remote.git");
    git_in(
        &sb,
        sb.dir.path(),
        &["init", "-q", "--bare", "remote.git"],
        &[],
    );
    let repo = sb.repo("r");
    // git-lfs puts pre-push, post-checkout, post-commit and post-merge in .git/hooks.
    repo.git(&["lfs", "install", "--local"]);
    assert!(repo.path.join(".git/hooks/pre-push").exists());
    ok(repo.run(&["install", "--global"]));
    repo.git(&["lfs", "track", "*.bin"]);
    repo.write("big.bin", vec![7u8; 4096]);
    repo.git(&["add", ".gitattributes", "big.bin"]);
    let (committed, out) = repo.commit(&[]);
    assert!(committed, "{out}");
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    repo.git(&["push", "-q", "origin", "main"]);
    // Only git-lfs's own pre-push uploads the object: the pass-through ran it.
    let uploaded = snapshot(&remote.join("lfs/objects"));
    assert_eq!(uploaded.len(), 1, "{uploaded:?}");
}

#[test]
fn split_and_sparse_indexes_status_agrees_with_a_clean_commit() {
    for layout in ["split", "sparse"] {
        let sb = Sandbox::new();
        let repo = sb.repo("r");
        repo.stage("a.txt", "one\n");
        repo.stage("dir/b.txt", "two\n");
        repo.commit_setup("base");
        if layout == "split" {
            repo.git(&["config", "core.splitIndex", "true"]);
            repo.git(&["update-index", "--split-index"]);
        } else {
            repo.git(&["sparse-checkout", "set", "--sparse-index", "dir"]);
        }
        ok(repo.run(&["install"]));
        let (code, st) = status(&repo);
        repo.stage("dir/c.txt", "fine\n");
        let (committed, out) = repo.commit(&[]);
        assert_eq!(
            code == 0,
            committed,
            "{layout}: status said {code}, a clean commit {}: {st}\n{out}",
            if committed { "went in" } else { "was refused" }
        );
        if !committed {
            assert!(st.contains("cannot read this repository's index"), "{st}");
        }
    }
}
