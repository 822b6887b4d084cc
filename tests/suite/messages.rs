//! Keys in commit and tag messages: the commit-msg hook scans what git will keep (following
//! `commit.cleanup` and the comment character, every line when unsure), and range and push
//! scans read commit and annotated tag messages too.

use crate::common;

use common::{openai_key, Repo, Sandbox};

fn installed(sb: &Sandbox) -> Repo<'_> {
    let repo = sb.repo("r");
    let (code, out, err) = repo.install_hook();
    assert_eq!(code, 0, "{out}{err}");
    repo.stage("a.py", "x = 1\n");
    let (ok, out) = repo.commit(&[]);
    assert!(ok, "{out}");
    repo
}

fn commit_with_message(repo: &Repo<'_>, message: &str) -> (bool, String) {
    repo.stage("b.py", format!("y = {}\n", message.len()));
    let out = repo.git_output(&["commit", "-q", "-m", message]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn comment_lines_of_a_dash_m_message_are_kept_by_git_and_scanned() {
    let sb = Sandbox::new();
    let repo = installed(&sb);
    let message = format!("Fix config\n\n# OPENAI_API_KEY={}\n", openai_key());
    let (ok, out) = commit_with_message(&repo, &message);
    assert!(!ok, "a key in a `#` line of -m went through:\n{out}");
    assert!(out.contains("commit message"), "{out}");
    assert!(!out.contains(&openai_key()), "{out}");
    // What git would have recorded really holds the key: with the hooks skipped, it is there.
    repo.git_unscanned(&["commit", "-q", "--no-verify", "-m", &message]);
    let recorded = repo.git(&["log", "-1", "--format=%B"]);
    assert!(recorded.contains(&openai_key()));
}

#[test]
fn another_comment_char_and_verbatim_cleanup_are_followed() {
    let sb = Sandbox::new();
    let repo = installed(&sb);
    repo.git(&["config", "core.commentChar", ";"]);
    let (ok, out) = commit_with_message(&repo, &format!("x\n; key {}\n", openai_key()));
    assert!(!ok, "{out}");
    repo.git(&["config", "commit.cleanup", "verbatim"]);
    let message = format!(
        "x\n; ------------------------ >8 ------------------------\nkey {}\n",
        openai_key()
    );
    let (ok, out) = commit_with_message(&repo, &message);
    assert!(
        !ok,
        "verbatim keeps the lines below a scissors line:\n{out}"
    );
    // With cleanup=strip, comment lines really are dropped: no false alarm.
    repo.git(&["config", "commit.cleanup", "strip"]);
    let (ok, out) = commit_with_message(&repo, &format!("x\n; key {}\n", openai_key()));
    assert!(ok, "{out}");
}

#[test]
fn range_and_push_scans_read_commit_and_tag_messages() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("a.py", "x = 1\n");
    repo.commit_setup("clean");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.stage("b.py", "y = 2\n");
    repo.git_unscanned(&[
        "commit",
        "-q",
        "--no-verify",
        "-m",
        &format!("add b\n\ntoken: {}", openai_key()),
    ]);
    let (code, doc) = repo.scan_json(&["--range", &format!("{base}..HEAD")]);
    assert_eq!(code, 1, "{doc}");
    let f = &doc["findings"][0];
    assert_eq!(f["path"], "<commit message>");
    assert_eq!(f["line"], 3);
    assert!(f["commit"]["id"].as_str().is_some());
    assert!(!doc.to_string().contains(&openai_key()));

    // An annotated tag whose message carries a key.
    repo.git(&[
        "tag",
        "-a",
        "v1",
        &base,
        "-m",
        &format!("release\n{}", openai_key()),
    ]);
    let (code, doc) = repo.scan_json(&["--range", "v1"]);
    assert_eq!(code, 1, "{doc}");
    let paths: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"<tag message v1>"), "{paths:?}");

    // Pushing that tag is refused by the pre-push scan.
    let remote = sb.dir.path().join("remote.git");
    let bare = Repo {
        sandbox: &sb,
        path: remote.clone(),
    };
    std::fs::create_dir_all(&remote).unwrap();
    bare.git(&["init", "-q", "--bare"]);
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    let (code, out, err) = repo.install_hook();
    assert_eq!(code, 0, "{out}{err}");
    let out = repo.git_output(&["push", "-q", "origin", &format!("{base}:refs/heads/main")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = repo.git_output(&["push", "-q", "origin", "v1"]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "tag push went through:\n{text}");
    assert!(text.contains("<tag message v1>"), "{text}");
}
