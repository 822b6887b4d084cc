//! No way around the hook: commits git makes without running `pre-commit` (cherry-pick,
//! revert, am, rebase) are refused by the `reference-transaction` hook before a branch moves
//! to them, and fetches, checkouts and branch deletions are never scanned.

use crate::common;

use common::{openai_key, Repo, Sandbox};

fn key_line() -> String {
    format!("OPENAI_API_KEY = \"{}\"\n", openai_key())
}

/// A repository with tierzero installed and one clean commit on `main`.
fn setup(sb: &Sandbox) -> Repo<'_> {
    let repo = sb.repo("r");
    let (code, out, err) = repo.install_hook();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("reference-transaction"), "{out}");
    repo.stage("app.py", "print('hello')\n");
    let (ok, out) = repo.commit(&[]);
    assert!(ok, "{out}");
    repo
}

fn head(repo: &Repo<'_>, rev: &str) -> String {
    repo.git(&["rev-parse", rev]).trim().to_string()
}

/// A branch `leak` with a key committed past the hooks (`--no-verify`).
fn leak_branch(repo: &Repo<'_>) -> String {
    repo.git(&["checkout", "-q", "-b", "leak"]);
    repo.stage("config.py", key_line());
    // TIERZERO_SKIP lets the commit through on this branch only: the point is what
    // happens when it is brought over without the hooks.
    let out = repo
        .git_cmd(&["commit", "-q", "--no-verify", "-m", "leak"])
        .env("TIERZERO_SKIP", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = head(repo, "HEAD");
    repo.git(&["checkout", "-q", "main"]);
    // Move main on, so a commit replayed onto it can never be the very same object as
    // the leaked one (same parent, tree and second).
    let (ok, out) = repo.commit(&["--allow-empty"]);
    assert!(ok, "{out}");
    id
}

#[test]
fn cherry_pick_of_a_key_is_refused_and_the_branch_does_not_move() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    let leak = leak_branch(&repo);
    let before = head(&repo, "main");
    let out = repo.git_output(&["cherry-pick", &leak]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "cherry-pick went through:\n{text}");
    assert!(text.contains("this ref update is blocked"), "{text}");
    assert!(text.contains("config.py"), "{text}");
    assert!(!text.contains(&openai_key()), "the report printed the key");
    assert_eq!(
        head(&repo, "main"),
        before,
        "main moved to the leaked commit"
    );
}

#[test]
fn revert_and_am_that_add_a_key_are_refused() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    // A commit that removes a key (made past the hooks); reverting it brings the key back.
    let out = repo
        .git_cmd(&["commit", "-q", "--allow-empty", "-m", "noop"])
        .output()
        .unwrap();
    assert!(out.status.success());
    repo.write("old.py", key_line());
    repo.git(&["add", "old.py"]);
    let out = repo
        .git_cmd(&["commit", "-q", "--no-verify", "-m", "add"])
        .env("TIERZERO_SKIP", "1")
        .output()
        .unwrap();
    assert!(out.status.success());
    repo.git(&["rm", "-q", "old.py"]);
    let (ok, out) = repo.commit(&[]);
    assert!(ok, "{out}");
    let before = head(&repo, "main");
    let out = repo.git_output(&["revert", "--no-edit", "HEAD"]);
    assert!(!out.status.success(), "revert went through");
    assert_eq!(head(&repo, "main"), before);
    let _ = repo.git_output(&["revert", "--abort"]);
    repo.git(&["reset", "-q", "--hard", &before]);
    assert_eq!(head(&repo, "main"), before);

    // git am of a patch carrying a key.
    let leak = leak_branch(&repo);
    let before = head(&repo, "main");
    let patch = repo.git(&["format-patch", "-1", "--stdout", &leak]);
    let patch_file = sb.dir.path().join("leak.patch");
    std::fs::write(&patch_file, patch).unwrap();
    let out = repo.git_output(&["am", patch_file.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "am went through:\n{text}");
    assert!(text.contains("this ref update is blocked"), "{text}");
    assert_eq!(head(&repo, "main"), before);
}

#[test]
fn a_rebase_conflict_resolved_with_a_key_is_refused() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.stage("app.py", "print('topic')\n");
    let (ok, out) = repo.commit(&[]);
    assert!(ok, "{out}");
    repo.git(&["checkout", "-q", "main"]);
    repo.stage("app.py", "print('main')\n");
    let (ok, out) = repo.commit(&[]);
    assert!(ok, "{out}");
    repo.git(&["checkout", "-q", "topic"]);
    let topic_before = head(&repo, "topic");
    let out = repo.git_output(&["rebase", "main"]);
    assert!(!out.status.success(), "expected a conflict");
    // Resolve the conflict with a key, then continue: git commits without pre-commit.
    repo.write("app.py", key_line());
    repo.git(&["add", "app.py"]);
    let out = repo
        .git_cmd(&["rebase", "--continue"])
        .env("GIT_EDITOR", "true")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "rebase --continue went through:\n{text}"
    );
    assert!(text.contains("blocked"), "{text}");
    assert!(!text.contains(&openai_key()));
    let _ = repo.git_output(&["rebase", "--abort"]);
    assert_eq!(head(&repo, "topic"), topic_before, "topic moved");
}

#[test]
fn fetches_checkouts_and_deletions_scan_nothing() {
    let sb = Sandbox::new();
    // An upstream whose history holds a key (never scanned by us).
    let up = sb.repo("up");
    up.write("k.py", key_line());
    up.git(&["add", "k.py"]);
    up.git(&["commit", "-q", "-m", "upstream key"]);
    let repo = setup(&sb);
    repo.git(&["remote", "add", "up", up.path.to_str().unwrap()]);
    let out = repo.git_output(&["fetch", "-q", "up"]);
    assert!(
        out.status.success(),
        "fetch refused: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A branch at a commit a remote-tracking ref already reaches: nothing new.
    let out = repo.git_output(&["checkout", "-q", "-b", "upstream", "up/main"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = repo.git_output(&["checkout", "-q", "main"]);
    assert!(out.status.success());
    let out = repo.git_output(&["branch", "-q", "-D", "upstream"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // An ordinary clean commit prints nothing more than git does.
    repo.stage("b.py", "x = 1\n");
    let out = repo.git_output(&["commit", "-q", "-m", "b"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!text.contains("ref update"), "{text}");
}

#[test]
fn an_approved_index_does_not_let_a_key_in_the_message_through() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    repo.stage("b.py", "y = 2\n");
    // pre-commit approves this index (as a commit attempt that commit-msg then refused
    // would leave behind)...
    let (code, _, err) = repo.run(&["hook", "pre-commit"]);
    assert_eq!(code, 0, "{err}");
    // ...and a commit made from it past pre-commit and commit-msg carries a key in its
    // message: the reference-transaction hook still reads the message.
    let before = head(&repo, "main");
    let out = repo.git_output(&[
        "commit",
        "-q",
        "--no-verify",
        "-m",
        &format!("debug {}", openai_key()),
    ]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the message key went in:\n{text}");
    assert!(text.contains("<commit message>"), "{text}");
    assert_eq!(head(&repo, "main"), before);
}
