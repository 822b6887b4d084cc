//! What hook managers run: the `.pre-commit-hooks.yaml` entries, called the way the
//! pre-commit framework calls them (entry + file names).

use crate::common;

use common::{openai_key, Sandbox};

fn key_line() -> String {
    format!("OPENAI_API_KEY = \"{}\"\n", openai_key())
}

/// `(id, entry, language, pass_filenames)` of each hook in `.pre-commit-hooks.yaml`.
fn hooks() -> Vec<(String, String, String, bool)> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/.pre-commit-hooks.yaml"
    ))
    .unwrap();
    let mut out = Vec::new();
    for block in text.split("\n- ").skip(1) {
        let field = |name: &str| {
            block
                .lines()
                .map(|l| l.trim_start_matches("- ").trim())
                .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                .map(str::to_string)
        };
        out.push((
            field("id").unwrap(),
            field("entry").unwrap(),
            field("language").unwrap(),
            field("pass_filenames").as_deref() != Some("false"),
        ));
    }
    out
}

#[test]
fn pre_commit_hooks_yaml_offers_rust_and_system_variants() {
    let hooks = hooks();
    let ids: Vec<&str> = hooks.iter().map(|h| h.0.as_str()).collect();
    assert_eq!(
        ids,
        [
            "tierzero",
            "tierzero-python",
            "tierzero-system",
            "tierzero-files",
            "tierzero-files-system"
        ]
    );
    let lang = |id: &str| hooks.iter().find(|h| h.0 == id).unwrap().2.clone();
    assert_eq!(lang("tierzero"), "rust");
    assert_eq!(lang("tierzero-system"), "system");
    // The wheel (pyproject.toml, maturin) installs the binary without a Rust toolchain.
    assert_eq!(lang("tierzero-python"), "python");
    for (id, entry, _, pass) in &hooks {
        if id.contains("files") {
            assert!(entry.ends_with("--files") && *pass, "{id}");
        } else {
            // File names are passed: they tell an `--all-files` run from a commit.
            assert!(entry == "tierzero scan --staged" && *pass, "{id}");
        }
    }
}

#[test]
fn staged_entry_scans_exactly_the_staged_changes_of_the_files_named() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("b.py", "x = 1\n");
    repo.commit_setup("base");
    repo.stage("a.py", key_line());
    repo.stage(
        "fixtures/c.py",
        format!("C = \"{}\"\n", common::openai_key_2()),
    );
    repo.stage("clean.txt", "fine\n");
    // An unstaged key in the working tree is not part of the commit.
    repo.write("b.py", format!("x = 1\n{}", key_line()));
    // The framework passes the staged files its `files`/`exclude` let through, in batches:
    // each batch scans its own files' staged changes, and only those.
    let found = repo.found(&["--staged", "a.py", "clean.txt"]);
    assert_eq!(found, vec![("a.py".into(), 1, "openai-project-key".into())]);
    let found = repo.found(&["--staged", "fixtures/c.py"]);
    assert_eq!(
        found,
        vec![("fixtures/c.py".into(), 1, "openai-project-key".into())]
    );
    // `exclude: ^fixtures/` means what it says: the excluded file is not scanned.
    assert_eq!(repo.run(&["scan", "--staged", "clean.txt"]).0, 0);
    // No names: the whole staged change, as in a plain hook.
    assert_eq!(repo.found(&["--staged"]).len(), 2);
    // A name without a staged change (`--all-files`): its whole staged content, which
    // does not include the working tree's unstaged key.
    assert_eq!(repo.run(&["scan", "--staged", "b.py"]).0, 0);
}

#[test]
fn files_entry_scans_the_whole_files_passed_as_with_all_files() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("old.py", key_line());
    repo.commit_setup("an old key, committed long ago");
    repo.stage("clean.txt", "fine\n");
    // `pre-commit run tierzero-files --all-files` appends every tracked file.
    let hooks = hooks();
    let entry = &hooks
        .iter()
        .find(|h| h.0 == "tierzero-files-system")
        .unwrap()
        .1;
    let mut args: Vec<&str> = entry.split_whitespace().skip(1).collect();
    args.extend(["old.py", "clean.txt"]);
    let (code, _, stderr) = repo.run(&args);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("old.py:1:"), "{stderr}");
    // The staged entry given files without a staged change (`--all-files`) scans their
    // whole staged contents too: no silent pass.
    assert_eq!(repo.run(&["scan", "--staged", "old.py", "clean.txt"]).0, 1);
    // In a commit it is given the staged files, and sees only what they add.
    assert_eq!(repo.run(&["scan", "--staged", "clean.txt"]).0, 0);
}

// Real hook managers, installed from their registries (see `.ci/run`), in real
// repositories: the key commit's fate and `tierzero status` must agree.

use std::path::Path;
use std::process::Command;

fn tool_in(repo: &common::Repo<'_>, tool: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(tool);
    cmd.args(args).current_dir(&repo.path);
    repo.sandbox.env(&mut cmd);
    cmd.env("PATH", common::path_with_tierzero())
        .env("CI", "true");
    cmd.output().expect("tool runs")
}

/// `git commit` with the built tierzero on PATH (hook managers call it there).
fn commit_with_path(repo: &common::Repo<'_>, msg: &str) -> (bool, String) {
    let mut cmd = Command::new("git");
    cmd.args(["commit", "-m", msg]).current_dir(&repo.path);
    repo.sandbox.env(&mut cmd);
    cmd.env("PATH", common::path_with_tierzero());
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// `tierzero status` with the built tierzero on PATH: (exit code, stdout).
fn status_with_path(repo: &common::Repo<'_>) -> (i32, String) {
    let out = repo
        .tierzero()
        .arg("status")
        .env("PATH", common::path_with_tierzero())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn assert_ok(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn lefthook_installed_after_tierzero_is_not_protected_until_tierzero_is_in_its_config() {
    let Some(lefthook) = common::hook_tool("lefthook") else {
        return;
    };
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.commit_setup("base");
    let (code, _, _) = repo.run(&["install"]);
    assert_eq!(code, 0);
    // The team adopts lefthook: `lefthook install` moves tierzero's hook to
    // pre-commit.old and never runs it.
    repo.write(
        "lefthook.yml",
        "pre-commit:\n  commands:\n    lint:\n      run: echo lint-ran\n",
    );
    assert_ok(&tool_in(&repo, &lefthook, &["install"]), "lefthook install");
    assert!(repo.path.join(".git/hooks/pre-commit.old").exists());

    let (code, status) = status_with_path(&repo);
    assert_eq!(code, 1, "{status}");
    assert!(
        status.contains("protected: NO") && status.contains("canary key ACCEPTED"),
        "{status}"
    );
    assert!(status.contains("--lefthook"), "the fix is named: {status}");
    // And status is right about pre-commit: lefthook runs its lint, not tierzero. The key
    // still does not land — tierzero's reference-transaction hook, which lefthook leaves
    // alone, refuses to move the branch — but the commit-time report is gone.
    repo.stage("leak.py", key_line());
    let (committed, out) = commit_with_path(&repo, "leak");
    assert!(!committed && out.contains("lint-ran"), "{out}");
    assert!(out.contains("this ref update is blocked"), "{out}");

    // The explicit flag adds tierzero to this machine's lefthook configuration.
    let (code, out, err) = repo.run(&["install", "--lefthook"]);
    assert_eq!(code, 0, "{out}{err}");
    let local = std::fs::read_to_string(repo.path.join("lefthook-local.yml")).unwrap();
    assert!(local.contains("scan --staged"), "{local}");
    assert_eq!(
        std::fs::read_to_string(repo.path.join("lefthook.yml")).unwrap(),
        "pre-commit:\n  commands:\n    lint:\n      run: echo lint-ran\n",
        "the team's file is untouched"
    );
    let (code, status) = status_with_path(&repo);
    assert_eq!(code, 0, "{status}");
    assert!(status.contains("canary key REFUSED"), "{status}");
    let (committed, out) = commit_with_path(&repo, "leak");
    assert!(!committed && out.contains("leak.py:1:"), "{out}");

    let (code, out, _) = repo.run(&["uninstall"]);
    assert_eq!(code, 0, "{out}");
    assert!(!repo.path.join("lefthook-local.yml").exists(), "{out}");
}

#[test]
fn lefthook_toml_that_runs_tierzero_is_protected() {
    let Some(lefthook) = common::hook_tool("lefthook") else {
        return;
    };
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.commit_setup("base");
    repo.write(
        "lefthook.toml",
        "# tierzero below\n[pre-commit.commands.tierzero]\nrun = \"tierzero scan --staged\"\n",
    );
    assert_ok(&tool_in(&repo, &lefthook, &["install"]), "lefthook install");
    let (code, status) = status_with_path(&repo);
    assert_eq!(code, 0, "{status}");
    assert!(status.contains("lefthook.toml runs tierzero"), "{status}");
    repo.stage("leak.py", key_line());
    let (committed, out) = commit_with_path(&repo, "leak");
    assert!(!committed && out.contains("leak.py:1:"), "{out}");

    // Disabled (`skip = true`): the config still mentions tierzero, but nothing runs it.
    repo.write(
        "lefthook.toml",
        "[pre-commit.commands.tierzero]\nrun = \"tierzero scan --staged\"\nskip = true\n",
    );
    let (code, status) = status_with_path(&repo);
    assert_eq!(code, 1, "{status}");
    let (committed, out) = commit_with_path(&repo, "leak");
    assert!(
        committed,
        "status said NOT protected, and the key went in: {out}"
    );
}

#[test]
fn pre_commit_config_mentioning_tierzero_in_a_comment_is_not_protected() {
    let Some(pre_commit) = common::hook_tool("pre-commit") else {
        return;
    };
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage(
        ".pre-commit-config.yaml",
        "# TODO: add tierzero (entry: tierzero scan --staged)\nrepos:\n  - repo: local\n    hooks:\n      - id: hello\n        name: hello\n        entry: echo framework-ran\n        language: system\n",
    );
    repo.commit_setup("config");
    assert_ok(
        &tool_in(&repo, &pre_commit, &["install"]),
        "pre-commit install",
    );
    let (code, status) = status_with_path(&repo);
    assert_eq!(code, 1, "{status}");
    assert!(status.contains("does NOT run tierzero"), "{status}");
    repo.stage("leak.py", key_line());
    let (committed, out) = commit_with_path(&repo, "leak");
    assert!(committed && out.contains("hello"), "status agreed: {out}");
}

#[test]
fn pre_commit_framework_runs_tierzero_with_exclude_and_status_proves_it() {
    let Some(pre_commit) = common::hook_tool("pre-commit") else {
        return;
    };
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage(
        ".pre-commit-config.yaml",
        "repos:\n  - repo: local\n    hooks:\n      - id: tierzero\n        name: tierzero\n        entry: tierzero scan --staged\n        language: system\n        exclude: ^fixtures/\n",
    );
    repo.commit_setup("config");
    assert_ok(
        &tool_in(&repo, &pre_commit, &["install"]),
        "pre-commit install",
    );
    // Unstaged work the framework would stash if status ran it in the real tree.
    repo.write("wip.txt", "not staged\n");
    let before = std::fs::read(repo.path.join(".git/index")).unwrap();
    let (code, status) = status_with_path(&repo);
    assert_eq!(code, 0, "{status}");
    assert!(status.contains("canary key REFUSED"), "{status}");
    assert_eq!(std::fs::read(repo.path.join(".git/index")).unwrap(), before);
    assert_eq!(repo.git(&["status", "--porcelain"]), "?? wip.txt\n");

    // An excluded file passes, even staged with another file.
    repo.stage("fixtures/sample.py", key_line());
    repo.stage("notes.txt", "fine\n");
    let (committed, out) = commit_with_path(&repo, "fixtures");
    assert!(committed, "excluded means excluded: {out}");
    // Anything else is refused.
    repo.stage("leak.py", key_line());
    let (committed, out) = commit_with_path(&repo, "leak");
    assert!(!committed && out.contains("leak.py:1:"), "{out}");
}
