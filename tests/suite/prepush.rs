//! `tierzero install --pre-push`: pushes are scanned for commits the remote does not have
//! (catching commits made with `--no-verify` or on a machine without the hook). The remote
//! is a local bare repository.

use crate::common;

use std::fs;
use std::os::unix::fs::PermissionsExt;

use common::{openai_key, Repo, Sandbox};

fn key_line() -> String {
    format!("OPENAI_API_KEY = \"{}\"\n", openai_key())
}

/// A repository with a bare `origin`, the hooks installed with `--pre-push`, and a clean
/// `main` already pushed.
fn setup(sb: &Sandbox) -> Repo<'_> {
    let remote = sb.dir.path().join("remote.git");
    fs::create_dir_all(&remote).unwrap();
    let bare = Repo {
        sandbox: sb,
        path: remote.clone(),
    };
    bare.git(&["init", "-q", "--bare"]);
    let repo = sb.repo("r");
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    let (code, out, err) = repo.run(&["install", "--pre-push"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("installed pre-push") || out.contains(", pre-push"),
        "{out}"
    );
    repo.stage("readme.md", "hello\n");
    repo.commit_setup("base");
    push(&repo, &["-u", "origin", "main"]).expect("clean push passes");
    repo
}

/// `git push`; Ok(output) on success, Err(output) on refusal.
fn push(repo: &Repo<'_>, args: &[&str]) -> Result<String, String> {
    let mut full = vec!["push", "-q"];
    full.extend_from_slice(args);
    let out = repo.git_output(&full);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(text)
    }
}

fn remote_has(repo: &Repo<'_>, branch: &str) -> bool {
    repo.git(&["ls-remote", "origin", branch]).contains(branch)
}

#[test]
fn new_branch_with_a_key_committed_without_the_hook_is_refused() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    repo.git(&["checkout", "-q", "-b", "feat"]);
    repo.stage("clean.txt", "fine\n");
    repo.commit_setup("clean one");
    repo.stage("leak.py", key_line());
    repo.commit_setup("made with --no-verify");
    let leak_commit = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.stage("later.txt", "fine\n");
    repo.commit_setup("on top");
    let out = push(&repo, &["origin", "feat"]).expect_err("push must be refused");
    assert!(out.contains("leak.py:1:"), "{out}");
    assert!(out.contains(&leak_commit), "names the commit: {out}");
    assert!(!out.contains(&openai_key()[20..]), "secret leaked: {out}");
    assert!(!remote_has(&repo, "feat"));

    // A new branch with no commits the remote lacks has nothing to scan.
    repo.git(&["branch", "-q", "empty-branch", "main"]);
    push(&repo, &["origin", "empty-branch"]).expect("nothing new to scan");
}

#[test]
fn existing_branch_scans_only_the_new_commits() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    repo.stage("leak.py", key_line());
    repo.commit_setup("key, no hook");
    let out = push(&repo, &["origin", "main"]).expect_err("refused");
    assert!(out.contains("leak.py:1:"), "{out}");

    // Once that commit is on the remote (pushed past the hook), later pushes of clean
    // commits are not blocked by it again.
    push(&repo, &["--no-verify", "origin", "main"]).unwrap();
    repo.stage("clean.txt", "fine\n");
    repo.commit_setup("clean");
    push(&repo, &["origin", "main"]).expect("only the new clean commit is scanned");
}

#[test]
fn deleting_a_branch_scans_nothing() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    repo.git(&["checkout", "-q", "-b", "feat"]);
    repo.stage("leak.py", key_line());
    repo.commit_setup("key");
    push(&repo, &["--no-verify", "origin", "feat"]).unwrap();
    assert!(remote_has(&repo, "feat"));
    repo.git(&["checkout", "-q", "main"]);
    // Remote-tracking refs would hide it anyway; delete them so only the zero sha counts.
    repo.git(&["update-ref", "-d", "refs/remotes/origin/feat"]);
    push(&repo, &["origin", "--delete", "feat"]).expect("a deletion sends nothing");
    assert!(!remote_has(&repo, "feat"));
}

#[test]
fn a_previous_pre_push_hook_still_gets_git_input() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let remote = sb.dir.path().join("remote.git");
    fs::create_dir_all(&remote).unwrap();
    Repo {
        sandbox: &sb,
        path: remote.clone(),
    }
    .git(&["init", "-q", "--bare"]);
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    let log = sb.dir.path().join("prev-stdin.txt");
    let hook = repo.path.join(".git/hooks/pre-push");
    fs::write(&hook, format!("#!/bin/sh\ncat > '{}'\n", log.display())).unwrap();
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).unwrap();
    let (code, out, _) = repo.run(&["install", "--pre-push"]);
    assert_eq!(code, 0);
    assert!(out.contains("kept the existing hook"), "{out}");
    repo.stage("leak.py", key_line());
    repo.commit_setup("key");
    let out = push(&repo, &["origin", "main"]).expect_err("refused");
    assert!(
        out.contains("leak.py:1:"),
        "tierzero also read the refs: {out}"
    );
    let seen = fs::read_to_string(&log).unwrap();
    assert!(seen.starts_with("refs/heads/main "), "{seen}");
}

#[test]
fn pushed_merges_contribute_only_their_resolution() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    // A feature branch whose key is already on the remote (pushed past the hook).
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.stage("feature.py", key_line());
    repo.commit_setup("key on feature");
    push(&repo, &["--no-verify", "origin", "feature"]).unwrap();
    repo.git(&["checkout", "-q", "main"]);
    repo.stage("main.txt", "main work\n");
    repo.commit_setup("main work");
    // A clean merge brings the key into main: nothing new to report.
    repo.git_unscanned(&["merge", "-q", "--no-verify", "--no-edit", "feature"]);
    push(&repo, &["origin", "main"]).expect("the merged key was already on the remote");

    // An "evil merge": a key added while merging, in no parent.
    repo.git(&["checkout", "-q", "-b", "side", "main~1"]);
    repo.stage("side.txt", "side\n");
    repo.commit_setup("side");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-commit", "--no-ff", "side"]);
    repo.stage("main.txt", format!("main work\n{}", key_line()));
    repo.git_unscanned(&["commit", "-q", "--no-verify", "--no-edit"]);
    let out = push(&repo, &["origin", "main"]).expect_err("resolution key refused");
    assert!(out.contains("main.txt:2:"), "{out}");
}

#[test]
fn global_install_with_pre_push_scans_pushes_of_any_repository() {
    let sb = Sandbox::new();
    let seed = sb.repo("seed");
    let (code, out, err) = seed.run(&["install", "--global", "--pre-push"]);
    assert_eq!(code, 0, "{out}{err}");
    let remote = sb.dir.path().join("remote.git");
    fs::create_dir_all(&remote).unwrap();
    Repo {
        sandbox: &sb,
        path: remote.clone(),
    }
    .git(&["init", "-q", "--bare"]);
    let repo = sb.repo("r");
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    // The repository's own pre-push still runs and still reads git's stdin.
    let log = sb.dir.path().join("own-stdin.txt");
    let hook = repo.path.join(".git/hooks/pre-push");
    fs::write(&hook, format!("#!/bin/sh\ncat > '{}'\n", log.display())).unwrap();
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).unwrap();
    repo.stage("leak.py", key_line());
    repo.commit_setup("key, no hook");
    let out = push(&repo, &["origin", "main"]).expect_err("refused");
    assert!(out.contains("leak.py:1:"), "{out}");
    assert!(fs::read_to_string(&log)
        .unwrap()
        .starts_with("refs/heads/main "));
}

#[test]
fn the_pre_push_report_has_its_own_mode_skipped_files_and_suppressed_findings() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    repo.stage("logo.png", b"\x89PNG\r\n\x1a\n\0\0\0binary".as_slice());
    repo.stage(
        "allowed.py",
        format!("KEY = \"{}\"  # tierzero:allow\n", openai_key()),
    );
    repo.stage("app.py", key_line());
    repo.git_unscanned(&["commit", "-q", "--no-verify", "-m", "add"]);
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let remote = repo.git(&["rev-parse", "origin/main"]).trim().to_string();
    let line = format!("refs/heads/main {head} refs/heads/main {remote}\n");
    let (code, stdout, _) =
        repo.run_stdin(&["scan", "--pre-push", "--format", "json"], line.as_bytes());
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let summary = &doc["summary"];
    assert_eq!(summary["mode"], "pre-push");
    assert_eq!(summary["commits"], 1);
    assert_eq!(summary["findings"], 1);
    assert_eq!(summary["suppressed"], 1);
    let skipped = summary["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{summary}");
    assert_eq!(skipped[0]["path"], "logo.png");
    assert_eq!(skipped[0]["kind"], "binary");
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f.get("suppressed_by").is_none()));
    let suppressed: Vec<&serde_json::Value> =
        doc["suppressed"].as_array().unwrap().iter().collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["path"], "allowed.py");
    assert_eq!(suppressed[0]["suppressed_by"], "inline");
    // The human pre-push report says the push, not a commit, is blocked.
    let (_, _, stderr) = repo.run_stdin(&["scan", "--pre-push"], line.as_bytes());
    assert!(stderr.contains("this push is blocked"), "{stderr}");
    assert!(stderr.contains("commits being pushed"), "{stderr}");
    assert!(!stderr.contains("git restore --staged"), "{stderr}");
}
