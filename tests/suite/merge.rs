//! Merges: a commit that concludes a merge is scanned for its resolution (lines new
//! relative to both parents) by default; `--merge-scan all` scans everything it brings in;
//! `git merge --squash` + `git commit` is an ordinary commit and is scanned in full.

use crate::common;

use common::{openai_key, openai_key_2, Repo, Sandbox};

fn key_line(key: &str) -> String {
    format!("OPENAI_API_KEY = \"{key}\"\n")
}

/// main and feature diverge; feature adds a key in `feature.py` (committed without the
/// hook, as from a machine without it). Returns the repo on main with hooks installed.
fn diverged(sb: &Sandbox) -> Repo<'_> {
    let repo = sb.repo("r");
    repo.stage("shared.txt", "one\ntwo\nthree\n");
    repo.commit_setup("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.stage("feature.py", key_line(&openai_key()));
    repo.commit_setup("feature adds a key");
    repo.git(&["checkout", "-q", "main"]);
    repo.stage("main.txt", "main work\n");
    repo.commit_setup("main work");
    let (code, out, err) = repo.run(&["install"]);
    assert_eq!(code, 0, "{out}{err}");
    repo
}

#[test]
fn clean_merge_does_not_rereport_incoming_commits_but_all_mode_does() {
    let sb = Sandbox::new();
    let repo = diverged(&sb);
    // Stop before committing to look at both modes with MERGE_HEAD present.
    repo.git(&["merge", "--no-ff", "--no-commit", "feature"]);
    assert!(repo.path.join(".git/MERGE_HEAD").exists());
    assert!(repo.found(&[]).is_empty(), "resolution mode: nothing new");
    assert!(repo.found(&["--merge-scan", "resolution"]).is_empty());
    let all = repo.found(&["--merge-scan", "all"]);
    assert_eq!(
        all,
        vec![("feature.py".into(), 1, "openai-project-key".into())]
    );
    let (ok, out) = repo.commit(&[]);
    assert!(ok, "concluding a clean merge passes: {out}");

    // A clean `git merge` runs pre-merge-commit (not pre-commit): it passes too, and the
    // hook does run (TIERZERO_SKIP makes it say so).
    repo.git(&["checkout", "-q", "-b", "other", "HEAD~1"]);
    repo.stage("other.txt", "x\n");
    repo.commit_setup("other");
    let out = repo.git_output(&["merge", "--no-edit", "feature"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cmd = std::process::Command::new("git");
    cmd.args(["merge", "--no-edit", "--no-ff", "main"])
        .current_dir(&repo.path);
    sb.env(&mut cmd);
    cmd.env("TIERZERO_SKIP", "1");
    let out = cmd.output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SKIPPED for this pre-merge-commit"), "{err}");
}

#[test]
fn conflicted_merge_whose_resolution_adds_a_key_is_blocked() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("conf.py", "name = 'base'\n");
    repo.commit_setup("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.stage("conf.py", "name = 'feature'\n");
    repo.commit_setup("feature");
    repo.git(&["checkout", "-q", "main"]);
    repo.stage("conf.py", "name = 'main'\n");
    repo.commit_setup("main");
    repo.install_hook();
    let out = repo.git_output(&["merge", "feature"]);
    assert!(!out.status.success(), "conflict expected");
    // The resolution brings in a key neither side had.
    repo.stage(
        "conf.py",
        format!("name = 'both'\n{}", key_line(&openai_key_2())),
    );
    let found = repo.found(&[]);
    assert_eq!(
        found,
        vec![("conf.py".into(), 2, "openai-project-key".into())]
    );
    let (ok, out) = repo.commit(&["--no-edit"]);
    assert!(!ok, "the resolution's key must be refused: {out}");
    assert!(out.contains("conf.py:2:"), "{out}");
    assert!(
        repo.path.join(".git/MERGE_HEAD").exists(),
        "merge still in progress"
    );
}

#[test]
fn edits_made_while_merging_are_part_of_the_resolution() {
    let sb = Sandbox::new();
    let repo = diverged(&sb);
    repo.git(&["merge", "--no-ff", "--no-commit", "feature"]);
    // Not a conflict, but a line neither parent has: an "evil merge".
    repo.stage(
        "shared.txt",
        format!("one\n{}two\nthree\n", key_line(&openai_key_2())),
    );
    let found = repo.found(&[]);
    assert_eq!(
        found,
        vec![("shared.txt".into(), 2, "openai-project-key".into())]
    );
    let (ok, _) = repo.commit(&[]);
    assert!(!ok);
}

#[test]
fn squash_merge_is_an_ordinary_commit_and_scanned_in_full() {
    let sb = Sandbox::new();
    let repo = diverged(&sb);
    repo.git(&["merge", "--squash", "feature"]);
    assert!(!repo.path.join(".git/MERGE_HEAD").exists());
    assert_eq!(repo.found(&[]).len(), 1);
    let (ok, out) = repo.commit(&[]);
    assert!(!ok, "squashed key is in this commit: {out}");
    assert!(out.contains("feature.py:1:"), "{out}");
}
