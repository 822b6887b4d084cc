//! Scanning beyond the commit, as CI runs it: commit ranges, the whole history, plain files,
//! standard input and commit messages, rendered as JSON, SARIF and JUnit.

use crate::common;

use std::path::Path;

use common::{anthropic_key, openai_key, openai_key_2, Repo, Sandbox};
use serde_json::Value;

fn key_line(key: &str) -> String {
    format!("OPENAI_API_KEY = \"{key}\"\n")
}

/// Commits everything staged as `author`, at a fixed date; returns the commit id.
fn commit_as(repo: &Repo<'_>, author: &str, date: &str, msg: &str) -> String {
    repo.git(&["add", "-A"]);
    // The committer date too: walks order unrelated commits by it.
    let mut cmd = std::process::Command::new("git");
    cmd.args([
        "commit",
        "-q",
        "--no-verify",
        "--allow-empty",
        "--author",
        author,
        "--date",
        date,
        "-m",
        msg,
    ])
    .current_dir(&repo.path);
    repo.sandbox.env(&mut cmd);
    let out = cmd.env("GIT_COMMITTER_DATE", date).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    rev(repo, "HEAD")
}

fn rev(repo: &Repo<'_>, name: &str) -> String {
    repo.git(&["rev-parse", name]).trim().to_string()
}

/// Reported findings of a JSON document as (path, line, commit id or "").
fn found(doc: &Value) -> Vec<(String, u64, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.get("suppressed_by").is_none())
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["commit"]["id"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Asserts that no part of any test key long enough to be useful appears in `text`.
fn assert_no_secret(text: &str, what: &str) {
    for key in [openai_key(), openai_key_2(), anthropic_key()] {
        assert!(!text.contains(&key), "{what} holds a full secret:\n{text}");
        assert!(
            !text.contains(&key[12..40]),
            "{what} holds part of a secret:\n{text}"
        );
    }
}

/// base, then Alice adds a clean file, Bob adds a key, Carol adds another key.
fn three_authors(sb: &Sandbox) -> (Repo<'_>, [String; 4]) {
    let repo = sb.repo("r");
    repo.write("README", "hello\n");
    let base = commit_as(
        &repo,
        "Base <base@example.invalid>",
        "2020-01-01T00:00:00+0000",
        "base",
    );
    repo.write("clean.py", "print('ok')\n");
    let a = commit_as(
        &repo,
        "Alice <alice@example.invalid>",
        "2020-01-02T00:00:00+0000",
        "clean",
    );
    repo.write(
        "app/x.py",
        format!("import os\n\n{}", key_line(&openai_key())),
    );
    let b = commit_as(
        &repo,
        "Bob <bob@example.invalid>",
        "2020-01-03T04:05:06+0200",
        "bob",
    );
    repo.write("y.py", format!("# config\n{}", key_line(&openai_key_2())));
    let c = commit_as(
        &repo,
        "Carol <carol@example.invalid>",
        "2020-01-04T00:00:00-0130",
        "carol",
    );
    (repo, [base, a, b, c])
}

#[test]
fn range_attributes_each_finding_to_the_commit_that_added_it() {
    let sb = Sandbox::new();
    let (repo, [base, _a, b, c]) = three_authors(&sb);
    let range = format!("{base}..main");
    let (code, doc) = repo.scan_json(&["--range", &range]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&doc),
        vec![
            ("app/x.py".into(), 3, b.clone()),
            ("y.py".into(), 2, c.clone())
        ]
    );
    let bob = &doc["findings"][0]["commit"];
    assert_eq!(bob["author"], "Bob <bob@example.invalid>");
    assert_eq!(bob["date"], "2020-01-03T04:05:06+02:00");
    assert_eq!(
        doc["findings"][1]["commit"]["author"],
        "Carol <carol@example.invalid>"
    );
    assert_eq!(
        doc["findings"][1]["commit"]["date"],
        "2020-01-04T00:00:00-01:30"
    );
    let summary = &doc["summary"];
    assert_eq!(summary["mode"], "range");
    assert_eq!(summary["commits"], 3);
    assert_eq!(summary["files"], 3);
    assert!(summary["rules_loaded"].as_u64().unwrap() > 0);

    // The human report names the commit and its author.
    let (code, _, stderr) = repo.run(&["scan", "--range", &range]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!("commit   {b} (Bob <bob@example.invalid>")),
        "{stderr}"
    );
    assert!(stderr.contains("scanned 3 commits"), "{stderr}");
    assert_no_secret(&stderr, "human range report");

    // Only the commits after Bob's: Carol's key alone.
    let (_, doc) = repo.scan_json(&["--range", &format!("{b}..main")]);
    assert_eq!(found(&doc), vec![("y.py".into(), 2, c.clone())]);
    // `^X Y` is the same range; `X^!` is one commit.
    let (_, doc) = repo.scan_json(&["--range", &format!("^{b} main")]);
    assert_eq!(found(&doc), vec![("y.py".into(), 2, c.clone())]);
    let (_, doc) = repo.scan_json(&["--range", &format!("{b}^!")]);
    assert_eq!(found(&doc), vec![("app/x.py".into(), 3, b.clone())]);
    assert_eq!(doc["summary"]["commits"], 1);
    // A single revision is that commit and its ancestors, as in git rev-list.
    let (_, doc) = repo.scan_json(&["--range", &b]);
    assert_eq!(doc["summary"]["commits"], 3);
    assert_eq!(found(&doc), vec![("app/x.py".into(), 3, b)]);
}

#[test]
fn range_forms_follow_rev_list() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write("README", "hello\n");
    commit_as(
        &repo,
        "A <a@example.invalid>",
        "2020-01-01T00:00:00+0000",
        "base",
    );
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("f.py", key_line(&openai_key()));
    let f = commit_as(
        &repo,
        "F <f@example.invalid>",
        "2020-01-02T00:00:00+0000",
        "feature",
    );
    repo.git(&["checkout", "-q", "main"]);
    repo.write("m.py", key_line(&openai_key_2()));
    let m = commit_as(
        &repo,
        "M <m@example.invalid>",
        "2020-01-03T00:00:00+0000",
        "main",
    );

    let commits = |range: &str| {
        let (_, doc) = repo.scan_json(&["--range", range]);
        let mut ids: Vec<String> = found(&doc).into_iter().map(|(_, _, c)| c).collect();
        ids.sort();
        ids
    };
    let mut both = vec![f.clone(), m.clone()];
    both.sort();
    assert_eq!(commits("main..feature"), vec![f.clone()]);
    assert_eq!(commits("feature..main"), vec![m.clone()]);
    assert_eq!(commits("main...feature"), both);
    assert_eq!(commits("feature --not main"), vec![f.clone()]);
    assert_eq!(commits("--branches --not main"), vec![f.clone()]);
    assert_eq!(commits("--all"), both);
    // `..feature` means HEAD..feature (HEAD is main).
    assert_eq!(commits("..feature"), vec![f]);
    // An empty range scans nothing and passes.
    let (code, doc) = repo.scan_json(&["--range", "main..main"]);
    assert_eq!(code, 0);
    assert_eq!(doc["summary"]["commits"], 0);
}

#[test]
fn range_errors_fail_closed_with_a_reason() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write("README", "hello\n");
    repo.commit_setup("base");
    repo.git(&["add", "-A"]);
    repo.commit_setup("readme");

    let (code, _, stderr) = repo.run(&["scan", "--range", "origin/main..HEAD"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("unknown revision \"origin/main\""),
        "{stderr}"
    );
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "one-line reason: {stderr}"
    );

    // The all-zero "before" of a new branch in a push event gets a pointer to the fix.
    let zero = "0".repeat(40);
    let (code, _, stderr) = repo.run(&["scan", "--range", &format!("{zero}..HEAD")]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("did not exist before the push"), "{stderr}");

    let (code, _, stderr) = repo.run(&["scan", "--range", "HEAD", "--stdin"]);
    assert_eq!(code, 2, "two sources must be refused: {stderr}");
    for bad in ["", "--bogus", "HEAD~99..HEAD", "HEAD^{tree}"] {
        let (code, _, stderr) = repo.run(&["scan", "--range", bad]);
        assert_eq!(code, 2, "{bad:?}: {stderr}");
        assert!(stderr.starts_with("tierzero: error: "), "{bad:?}: {stderr}");
    }

    let outside = tempfile::tempdir().unwrap();
    let (code, _, stderr) = {
        let out = repo
            .tierzero_in(outside.path())
            .args(["scan", "--range", "HEAD"])
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::new(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a git repository"), "{stderr}");
}

#[test]
fn secret_added_then_removed_is_still_reported() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write("README", "hello\n");
    let base = commit_as(
        &repo,
        "A <a@example.invalid>",
        "2020-01-01T00:00:00+0000",
        "base",
    );
    repo.write(
        "settings.py",
        format!("DEBUG = True\n{}", key_line(&openai_key())),
    );
    let added = commit_as(
        &repo,
        "A <a@example.invalid>",
        "2020-01-02T00:00:00+0000",
        "add",
    );
    repo.write(
        "settings.py",
        "DEBUG = True\nOPENAI_API_KEY = os.environ['OPENAI_API_KEY']\n",
    );
    commit_as(
        &repo,
        "A <a@example.invalid>",
        "2020-01-03T00:00:00+0000",
        "oops, remove",
    );
    // The working tree and HEAD are clean now...
    let (code, _, _) = repo.run(&["scan", "--files", "settings.py"]);
    assert_eq!(code, 0);
    // ...but history is not.
    let (code, doc) = repo.scan_json(&["--range", &format!("{base}..HEAD")]);
    assert_eq!(code, 1);
    assert_eq!(found(&doc), vec![("settings.py".into(), 2, added.clone())]);
    let (code, doc) = repo.scan_json(&["--all-history"]);
    assert_eq!(code, 1);
    assert_eq!(found(&doc), vec![("settings.py".into(), 2, added)]);
}

/// base; feature adds a key; main moves on; an "evil" merge adds another key while merging.
fn merged_repo(sb: &Sandbox) -> (Repo<'_>, String, String) {
    let repo = sb.repo("r");
    repo.write("README", "hello\n");
    commit_as(
        &repo,
        "A <a@example.invalid>",
        "2020-01-01T00:00:00+0000",
        "base",
    );
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("feature.py", key_line(&openai_key()));
    let feature = commit_as(
        &repo,
        "F <f@example.invalid>",
        "2020-01-02T00:00:00+0000",
        "feature",
    );
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.py", "x = 1\n");
    commit_as(
        &repo,
        "M <m@example.invalid>",
        "2020-01-03T00:00:00+0000",
        "main",
    );
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", "feature"]);
    repo.write("merge.py", key_line(&anthropic_key()));
    let merge = commit_as(
        &repo,
        "M <m@example.invalid>",
        "2020-01-04T00:00:00+0000",
        "merge",
    );
    assert_eq!(
        repo.git(&["rev-list", "--count", "--merges", "HEAD"])
            .trim(),
        "1"
    );
    (repo, feature, merge)
}

#[test]
fn merges_are_skipped_by_default_and_scanned_with_merges() {
    let sb = Sandbox::new();
    let (repo, feature, merge) = merged_repo(&sb);
    // Everything the merge brought in, from main's point of view.
    let (code, doc) = repo.scan_json(&["--range", "HEAD^1..HEAD"]);
    assert_eq!(code, 1);
    assert_eq!(found(&doc), vec![("feature.py".into(), 1, feature.clone())]);
    assert_eq!(doc["summary"]["commits"], 2);
    assert_eq!(doc["summary"]["merges_skipped"], 1, "{doc}");

    // The merge itself adds merge.py relative to its first parent; feature.py is reported
    // once, by the commit that introduced it.
    let (_, doc) = repo.scan_json(&["--range", "HEAD^1..HEAD", "--merges"]);
    assert_eq!(
        found(&doc),
        vec![
            ("feature.py".into(), 1, feature),
            ("merge.py".into(), 1, merge)
        ]
    );
    assert_eq!(doc["summary"]["merges_skipped"], 0, "{doc}");

    // --merges only makes sense with a range.
    let (code, _, stderr) = repo.run(&["scan", "--merges"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn history_scans_each_blob_once_and_reports_the_oldest_commit() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write("README", "hello\n");
    commit_as(
        &repo,
        "A <a@example.invalid>",
        "2020-01-01T00:00:00+0000",
        "base",
    );
    // The same file content (one blob) is committed on two branches.
    let content = format!("# shared\n{}", key_line(&openai_key()));
    repo.git(&["checkout", "-q", "-b", "one"]);
    repo.write("cfg/keys.py", &content);
    let first = commit_as(
        &repo,
        "One <one@example.invalid>",
        "2020-01-02T00:00:00+0000",
        "one",
    );
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "two"]);
    repo.write("cfg/keys.py", &content);
    commit_as(
        &repo,
        "Two <two@example.invalid>",
        "2020-01-03T00:00:00+0000",
        "two",
    );
    // Later versions of the file keep the key: still one finding, at its first commit.
    for n in 0..3 {
        repo.write("cfg/keys.py", format!("{content}x = {n}\n"));
        commit_as(
            &repo,
            "Two <two@example.invalid>",
            &format!("2020-01-0{}T00:00:00+0000", 4 + n),
            "more",
        );
    }
    // A different key on an unmerged branch is found too.
    repo.git(&["checkout", "-q", "-b", "three", "main"]);
    repo.write("other.py", key_line(&anthropic_key()));
    let third = commit_as(
        &repo,
        "Three <t@example.invalid>",
        "2020-02-01T00:00:00+0000",
        "three",
    );
    repo.git(&["checkout", "-q", "main"]);

    let (code, doc) = repo.scan_json(&["--all-history"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&doc),
        vec![
            ("cfg/keys.py".into(), 2, first),
            ("other.py".into(), 1, third)
        ]
    );
    let summary = &doc["summary"];
    assert_eq!(summary["mode"], "all-history");
    assert_eq!(summary["commits"], 7);
    // README, four versions of cfg/keys.py (the shared one read once), other.py.
    assert_eq!(summary["files"], 6);

    // On a pipe, not even a progress bar: stderr stays empty for machine formats.
    let (_, stdout, stderr) = repo.run(&["scan", "--all-history", "--format", "json"]);
    assert!(!stdout.is_empty());
    assert_eq!(stderr, "", "nothing on stderr when it is not a terminal");

    // A commit reachable only from a tag (no branch) is history too.
    repo.git(&["checkout", "-q", "--orphan", "scratch"]);
    repo.git(&["rm", "-rfq", "."]);
    repo.write("tagged.py", key_line(&openai_key_2()));
    let tagged = commit_as(
        &repo,
        "Tag <t@example.invalid>",
        "2020-03-01T00:00:00+0000",
        "tagged",
    );
    repo.git(&["tag", "v-old"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["branch", "-D", "scratch"]);
    let (_, doc) = repo.scan_json(&["--all-history"]);
    assert!(
        found(&doc).contains(&("tagged.py".into(), 1, tagged)),
        "{doc}"
    );

    // A range over both branches reports the shared blob once as well.
    let (_, doc) = repo.scan_json(&["--range", "--branches --not main"]);
    assert_eq!(
        found(&doc).iter().filter(|f| f.0 == "cfg/keys.py").count(),
        1
    );
}

#[test]
fn history_skips_binaries_and_large_blobs_with_reasons() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let binary = b"\x00\x01PNG\x00\x1a\x0a\x00\x00IHDR\x00".to_vec();
    repo.write("logo.png", &binary);
    repo.write(
        "big.txt",
        format!("{}{}", "a".repeat(4096), key_line(&openai_key_2())),
    );
    repo.write("small.txt", "x\n");
    repo.commit_setup("c");
    repo.git(&["add", "-A"]);
    repo.commit_setup("files");
    let (code, doc) = repo.scan_json(&["--all-history", "--max-file-size", "2K"]);
    assert_eq!(code, 0, "{doc}");
    let skipped = doc["summary"]["skipped"].to_string();
    assert!(skipped.contains("big.txt"), "{skipped}");
    assert!(skipped.contains("max-file-size"), "{skipped}");
    let kinds: Vec<(&str, &str)> = doc["summary"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["path"].as_str().unwrap(), s["kind"].as_str().unwrap()))
        .collect();
    assert!(kinds.contains(&("logo.png", "binary")), "{kinds:?}");
    assert!(kinds.contains(&("big.txt", "too-large")), "{kinds:?}");
    // Without the low limit the large file is scanned.
    let (code, doc) = repo.scan_json(&["--all-history"]);
    assert_eq!(code, 1);
    assert_eq!(found(&doc).len(), 1);
}

/// A directory with ignored, hidden, binary, oversize and ordinary files.
fn plain_dir(root: &Path) {
    let write = |rel: &str, content: &[u8]| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    };
    write(".gitignore", b"ignored.txt\nbuild/\n");
    write("ignored.txt", key_line(&openai_key()).as_bytes());
    write("build/out.js", key_line(&openai_key()).as_bytes());
    write(
        ".env",
        format!("ANTHROPIC_API_KEY={}\n", anthropic_key()).as_bytes(),
    );
    write(
        "src/app.py",
        format!("import os\n{}", key_line(&openai_key_2())).as_bytes(),
    );
    write("src/clean.py", b"print('hi')\n");
    // A binary with no printable run long enough to scan (keys after a NUL byte are found
    // through a binary's printable runs: see tests/suite/content.rs).
    write("bin/tool", b"\x7fELF\x00\x00\x01\x02abc\x00\xff\xfe");
    write(
        "data/huge.txt",
        format!("{}{}", key_line(&openai_key()), "z".repeat(3000)).as_bytes(),
    );
}

#[test]
fn files_mode_honours_gitignore_and_skips_binaries_and_oversize_files() {
    let sb = Sandbox::new();
    // Not a repository: .gitignore still counts.
    let dir = sb.dir.path().join("plain");
    plain_dir(&dir);
    let repo = Repo {
        sandbox: &sb,
        path: dir.clone(),
    };
    let (code, doc) = repo.scan_json(&["--dir", ".", "--max-file-size", "1K"]);
    assert_eq!(code, 1, "{doc}");
    let mut paths: Vec<String> = found(&doc).into_iter().map(|(p, _, _)| p).collect();
    paths.sort();
    // `.env` is reported twice: for the key in it and by the dotenv-file path rule.
    paths.dedup();
    assert_eq!(paths, vec![".env".to_string(), "src/app.py".to_string()]);
    let summary = &doc["summary"];
    assert_eq!(summary["mode"], "files");
    // .gitignore, .env, src/app.py, src/clean.py
    assert_eq!(summary["files"], 4);
    let skipped: Vec<(String, String)> = summary["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().into(),
                s["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        skipped
            .iter()
            .any(|(p, r)| p == "bin/tool" && r.contains("binary")),
        "{skipped:?}"
    );
    assert!(
        skipped
            .iter()
            .any(|(p, r)| p == "data/huge.txt" && r.contains("max-file-size")),
        "{skipped:?}"
    );
    assert_eq!(skipped.len(), 2, "{skipped:?}");

    // The human summary lists what was skipped and why.
    let (_, _, stderr) = repo.run(&["scan", "--dir", ".", "--max-file-size", "1K"]);
    assert!(stderr.contains("2 skipped"), "{stderr}");
    assert!(stderr.contains("skipped bin/tool: binary"), "{stderr}");
    assert!(
        stderr.contains("skipped data/huge.txt: larger than --max-file-size"),
        "{stderr}"
    );

    // With the default limit (10 MB) the 3 KB file is scanned (4 findings: the keys in
    // `.env`, src/app.py and data/huge.txt, and the dotenv-file path rule on `.env`).
    let (_, doc) = repo.scan_json(&["--dir", "."]);
    assert_eq!(found(&doc).len(), 4);

    // A file named explicitly is scanned even when ignored; a directory is walked.
    let (code, doc) = repo.scan_json(&["--files", "ignored.txt", "src"]);
    assert_eq!(code, 1);
    let mut paths: Vec<String> = found(&doc).into_iter().map(|(p, _, _)| p).collect();
    paths.sort();
    assert_eq!(
        paths,
        vec!["ignored.txt".to_string(), "src/app.py".to_string()]
    );

    // A missing file is an error, not a clean pass.
    let (code, _, stderr) = repo.run(&["scan", "--files", "nope.txt"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("nope.txt"), "{stderr}");
}

#[test]
fn files_mode_in_a_repository_uses_its_gitignore_and_exclude() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    plain_dir(&repo.path);
    repo.write(".git/info/exclude", "src/app.py\n");
    let (_, doc) = repo.scan_json(&["--dir", "."]);
    let mut paths: Vec<String> = found(&doc).into_iter().map(|(p, _, _)| p).collect();
    paths.sort();
    // `.env` is reported twice: for the key in it and by the dotenv-file path rule.
    paths.dedup();
    assert_eq!(paths, vec![".env".to_string(), "data/huge.txt".to_string()]);
    // Nothing inside .git is ever read as a file to scan.
    assert!(!doc.to_string().contains(".git/"), "{doc}");
}

#[test]
fn stdin_mode() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let input = format!("line one\n{}", key_line(&openai_key()));
    let (code, stdout, stderr) =
        repo.run_stdin(&["scan", "--stdin", "--format", "json"], input.as_bytes());
    assert_eq!(code, 1, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(found(&doc), vec![("<stdin>".into(), 2, String::new())]);
    assert_eq!(doc["summary"]["mode"], "stdin");
    assert_eq!(doc["summary"]["added_lines"], 2);
    assert_eq!(doc["summary"]["bytes"], input.len());
    assert_no_secret(&stdout, "stdin JSON");

    let (code, _, stderr) = repo.run_stdin(&["scan", "--stdin"], b"nothing to see\n");
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("no secrets found"), "{stderr}");
}

#[test]
fn commit_msg_mode_blocks_keys_and_ignores_comment_lines() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let msg = repo.path.join("MSG");
    std::fs::write(&msg, format!("Add client\n\nused key {}\n", openai_key())).unwrap();
    let (code, _, stderr) = repo.run(&["scan", "--commit-msg", "MSG"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("MSG:3:"), "{stderr}");
    assert!(stderr.contains("COMMIT_EDITMSG"), "{stderr}");
    assert_no_secret(&stderr, "commit-msg report");

    // In an editor session (git's notice is in the file) comment lines are stripped, and the
    // `commit -v` diff below the scissors is not part of the message.
    std::fs::write(
        &msg,
        format!(
            "Add client\n# key was {}\n# Please enter the commit message for your changes. Lines starting\n\
             # with '#' will be ignored, and an empty message aborts the commit.\n\
             # ------------------------ >8 ------------------------\n\
             # Do not modify or remove the line above.\n+{}\n",
            openai_key(),
            key_line(&openai_key_2())
        ),
    )
    .unwrap();
    let (code, _, stderr) = repo.run(&["scan", "--commit-msg", "MSG"]);
    assert_eq!(code, 0, "{stderr}");
    // With core.commentChar the other character marks comments, and `#` lines count.
    repo.git(&["config", "core.commentChar", ";"]);
    let (code, _, stderr) = repo.run(&["scan", "--commit-msg", "MSG"]);
    assert_eq!(code, 1, "{stderr}");
    repo.git(&["config", "--unset", "core.commentChar"]);
    // commit.cleanup=verbatim keeps comment lines in the commit: they are scanned.
    repo.git(&["config", "commit.cleanup", "verbatim"]);
    let (code, _, _) = repo.run(&["scan", "--commit-msg", "MSG"]);
    assert_eq!(code, 1);
}

#[test]
fn commit_msg_hook_refuses_a_real_commit() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let bin = assert_cmd::cargo::cargo_bin("tierzero");
    let hook = repo.path.join(".git/hooks/commit-msg");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nexec '{}' hook commit-msg \"$@\"\n",
            bin.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    repo.stage("a.py", "x = 1\n");
    let (ok, out) = repo.commit(&["-m", &format!("debug with {}", openai_key())]);
    assert!(!ok, "a key in the message must block the commit: {out}");
    assert!(out.contains("commit message"), "{out}");
    assert_no_secret(&out, "hook output");
    assert!(
        repo.git_output(&["rev-parse", "HEAD"]).status.code() != Some(0),
        "no commit made"
    );

    // Edited in an "editor" (git strips comments): the key on a comment line never lands.
    let template = repo.path.join("TEMPLATE");
    std::fs::write(&template, format!("Add a\n\n# pasted {}\n", openai_key())).unwrap();
    let out = repo.git_output(&[
        "-c",
        "core.editor=true",
        "commit",
        "-q",
        "-e",
        "-F",
        "TEMPLATE",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert!(!message.contains("sk-proj"), "{message}");
}

#[test]
fn exit_zero_reports_but_passes_in_every_mode() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("a.py", key_line(&openai_key()));
    repo.commit_setup("leak");
    std::fs::write(repo.path.join("MSG"), key_line(&openai_key())).unwrap();
    repo.stage("b.py", key_line(&openai_key_2()));
    for args in [
        vec!["scan"],
        vec!["scan", "--range", "HEAD"],
        vec!["scan", "--all-history"],
        vec!["scan", "--files", "a.py"],
        vec!["scan", "--dir", "."],
        vec!["scan", "--commit-msg", "MSG"],
    ] {
        let (code, _, stderr) = repo.run(&args);
        assert_eq!(code, 1, "{args:?} must find: {stderr}");
        let mut zero = args.clone();
        zero.push("--exit-zero");
        let (code, _, stderr) = repo.run(&zero);
        assert_eq!(code, 0, "{zero:?}: {stderr}");
        assert!(
            stderr.contains("secret found") || stderr.contains("secrets found"),
            "{zero:?}: {stderr}"
        );
    }
    let (code, _, _) = repo.run_stdin(
        &["scan", "--stdin", "--exit-zero"],
        key_line(&openai_key()).as_bytes(),
    );
    assert_eq!(code, 0);
    // Errors still fail, --exit-zero or not.
    let (code, _, _) = repo.run(&["scan", "--range", "nope", "--exit-zero"]);
    assert_eq!(code, 2);
}

/// The `language` pattern of the published schema (on `run` and `toolComponent`): ECMA-262 reads its
/// stray `]` as a literal, the Rust regex engine rejects it.
const LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";

fn sarif_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(path).unwrap();
    // `run.language` and `toolComponent.language`.
    assert_eq!(
        text.matches(LANGUAGE_PATTERN).count(),
        2,
        "the fixture is the published schema"
    );
    // The same pattern with the `]` escaped, which is what ECMA-262 means by it; every other
    // byte of the schema is used as published (tierzero never writes `language` anyway).
    let text = text.replace(
        LANGUAGE_PATTERN,
        &LANGUAGE_PATTERN.replace("]?$", "\\\\]?$"),
    );
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(validator: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}\n{doc:#}",
        errors.join("\n")
    );
}

#[test]
fn sarif_validates_against_the_official_schema_and_carries_no_secret() {
    let validator = sarif_validator();
    let sb = Sandbox::new();
    let (repo, [base, _, b, _]) = three_authors(&sb);
    // One more finding, suppressed inline, and a path with a space.
    repo.write(
        "docs/my notes.md",
        format!(
            "{} # tierzero:allow\n",
            key_line(&anthropic_key()).trim_end()
        ),
    );
    commit_as(
        &repo,
        "D <d@example.invalid>",
        "2020-01-05T00:00:00+0000",
        "notes",
    );
    let out = repo.path.join("out.sarif");
    let (code, stdout, stderr) = repo.run(&[
        "scan",
        "--range",
        &format!("{base}..main"),
        "--format",
        "sarif",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stdout.is_empty(),
        "--output writes the file, not stdout: {stdout}"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert_no_secret(&text, "SARIF");
    assert!(!text.contains("snippet"), "no snippet: {text}");
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_valid_sarif(&validator, &doc);

    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        vec!["openai-project-key", "anthropic-api-key"],
        "one rule per rule used"
    );
    let help = rules[0]["help"]["text"].as_str().unwrap();
    assert!(
        help.contains("https://platform.openai.com/api-keys"),
        "{help}"
    );
    assert!(help.contains("OPENAI_API_KEY"), "{help}");
    assert!(
        help.to_lowercase().contains("workload identity federation"),
        "{help}"
    );
    assert!(rules[0]["shortDescription"]["text"]
        .as_str()
        .unwrap()
        .contains("OpenAI"));

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let (_, json) = repo.scan_json(&["--range", &format!("{base}..main")]);
    let first = &results[0];
    assert_eq!(first["ruleId"], "openai-project-key");
    assert_eq!(first["ruleIndex"], 0);
    assert_eq!(
        first["partialFingerprints"]["tierzeroFingerprint/v1"],
        json["findings"][0]["fingerprint"]
    );
    let loc = &first["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "app/x.py");
    assert_eq!(loc["region"]["startLine"], 3);
    assert_eq!(loc["region"]["startColumn"], 19);
    assert_eq!(first["properties"]["commit"]["id"], b.as_str());
    let suppressed = &results[2];
    assert_eq!(
        suppressed["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "docs/my%20notes.md"
    );
    assert_eq!(suppressed["suppressions"][0]["kind"], "inSource");

    // Every other source renders valid SARIF as well.
    std::fs::write(repo.path.join("MSG"), key_line(&openai_key())).unwrap();
    for source in [
        vec!["--all-history"],
        vec!["--dir", "."],
        vec!["--commit-msg", "MSG"],
        vec!["--merges", "--range", "HEAD"],
    ] {
        let mut args = vec!["scan", "--format", "sarif"];
        args.extend_from_slice(&source);
        let (code, stdout, stderr) = repo.run(&args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert_valid_sarif(&validator, &serde_json::from_str(&stdout).unwrap());
    }
    let (_, stdout, _) = repo.run_stdin(
        &["scan", "--stdin", "--format", "sarif"],
        key_line(&openai_key()).as_bytes(),
    );
    assert_valid_sarif(&validator, &serde_json::from_str(&stdout).unwrap());

    // A clean scan is valid SARIF too, and the validator really checks: a broken log fails.
    let (code, stdout, _) = repo.run(&["scan", "--range", "main..main", "--format", "sarif"]);
    assert_eq!(code, 0);
    let clean: Value = serde_json::from_str(&stdout).unwrap();
    assert_valid_sarif(&validator, &clean);
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(
        !validator.is_valid(&broken),
        "the schema must reject an unknown level"
    );
    let mut broken = doc;
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(
        !validator.is_valid(&broken),
        "the schema must reject line 0"
    );
}

/// (test case name, failure count, skipped) of a JUnit document, plus the suite's counts.
const XML_1_0: quick_xml::XmlVersion = quick_xml::XmlVersion::Implicit1_0;

/// A JUnit test case: its name, how many failures it holds, whether it was skipped.
type Case = (String, usize, bool);

fn parse_junit(xml: &str) -> (Vec<Case>, (usize, usize, usize)) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut cases: Vec<Case> = Vec::new();
    let mut counts = (0, 0, 0);
    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> Option<String> {
        e.attributes()
            .map(|a| a.unwrap())
            .find(|a| a.key.as_ref() == name)
            .map(|a| a.normalized_value(XML_1_0).unwrap().into_owned())
    };
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                "testsuite" => {
                    let n = |k: &str| attr(&e, k).unwrap().parse::<usize>().unwrap();
                    counts = (n("tests"), n("failures"), n("skipped"));
                }
                "testcase" => cases.push((attr(&e, "name").unwrap(), 0, false)),
                "failure" => cases.last_mut().unwrap().1 += 1,
                "skipped" => cases.last_mut().unwrap().2 = true,
                _ => {}
            },
            _ => {}
        }
    }
    (cases, counts)
}

#[test]
fn junit_has_one_case_per_file_and_a_failure_per_finding() {
    let sb = Sandbox::new();
    let dir = sb.dir.path().join("plain");
    plain_dir(&dir);
    std::fs::write(
        dir.join("src/two.py"),
        format!("{}{}", key_line(&openai_key()), key_line(&openai_key_2())),
    )
    .unwrap();
    let repo = Repo {
        sandbox: &sb,
        path: dir,
    };
    let (code, stdout, stderr) = repo.run(&[
        "scan",
        "--dir",
        ".",
        "--format",
        "junit",
        "--max-file-size",
        "1K",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert_no_secret(&stdout, "JUnit");
    let (cases, counts) = parse_junit(&stdout);
    let failing: Vec<(&str, usize)> = cases
        .iter()
        .filter(|c| c.1 > 0)
        .map(|c| (c.0.as_str(), c.1))
        .collect();
    assert_eq!(
        failing,
        // `.env`: the key in it, and the dotenv-file path rule (the file itself).
        vec![(".env", 2), ("src/app.py", 1), ("src/two.py", 2)]
    );
    let passing: Vec<&str> = cases
        .iter()
        .filter(|c| c.1 == 0 && !c.2)
        .map(|c| c.0.as_str())
        .collect();
    assert_eq!(passing, vec![".gitignore", "src/clean.py"]);
    let skipped: Vec<&str> = cases.iter().filter(|c| c.2).map(|c| c.0.as_str()).collect();
    assert_eq!(skipped, vec!["bin/tool", "data/huge.txt"]);
    assert_eq!(counts, (7, 3, 2));

    // A range scan: one case per file the commits touched.
    let sb2 = Sandbox::new();
    let (repo2, [base, ..]) = three_authors(&sb2);
    let (_, stdout, _) = repo2.run(&[
        "scan",
        "--range",
        &format!("{base}..main"),
        "--format",
        "junit",
    ]);
    let (cases, counts) = parse_junit(&stdout);
    let names: Vec<&str> = cases.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, vec!["app/x.py", "clean.py", "y.py"]);
    assert_eq!(counts, (3, 2, 0));
}

#[test]
fn no_output_format_ever_holds_the_secret() {
    let sb = Sandbox::new();
    let (repo, [base, ..]) = three_authors(&sb);
    repo.stage("staged.py", key_line(&anthropic_key()));
    std::fs::write(repo.path.join("MSG"), key_line(&openai_key())).unwrap();
    let range = format!("{base}..main");
    let sources: Vec<Vec<&str>> = vec![
        vec![],
        vec!["--range", &range],
        vec!["--all-history"],
        vec!["--dir", "."],
        vec!["--files", "y.py"],
        vec!["--commit-msg", "MSG"],
    ];
    for source in &sources {
        for format in ["human", "json", "sarif", "junit"] {
            let out = repo.path.join(format!("report.{format}"));
            let mut args = vec!["scan", "--format", format, "-v"];
            args.extend_from_slice(source);
            let (code, stdout, stderr) = repo.run(&args);
            assert_eq!(code, 1, "{args:?} must find something: {stderr}");
            assert_no_secret(&stdout, &format!("stdout of {args:?}"));
            assert_no_secret(&stderr, &format!("stderr of {args:?}"));
            args.extend_from_slice(&["--output", out.to_str().unwrap()]);
            let (code, _, _) = repo.run(&args);
            assert_eq!(code, 1);
            let written = std::fs::read_to_string(&out).unwrap();
            assert!(!written.is_empty(), "{args:?} wrote nothing");
            assert_no_secret(&written, &format!("--output of {args:?}"));
            std::fs::remove_file(&out).unwrap();
        }
    }
    let (_, stdout, stderr) = repo.run_stdin(
        &["scan", "--stdin", "--format", "sarif"],
        key_line(&openai_key()).as_bytes(),
    );
    assert_no_secret(&stdout, "stdin SARIF");
    assert_no_secret(&stderr, "stdin stderr");
}

#[test]
fn scan_range_is_a_library_call_on_any_repository_path() {
    let sb = Sandbox::new();
    let (repo, [base, _, b, _]) = three_authors(&sb);
    let opts = tierzero::commands::scan::ScanOptions::default();
    // Called the way the pre-push hook does: a path, a list of specs, options.
    let range = |repo: &std::path::Path, spec: &str| {
        let what = tierzero::commands::scan::What::Range {
            repo: repo.to_path_buf(),
            specs: vec![spec.to_string()],
        };
        tierzero::commands::scan::report(&what, &opts)
    };
    let report = range(&repo.path.join("app"), &format!("{base}..{b}"))
        .expect("a range scan succeeds from a subdirectory path");
    assert_eq!(report.summary.mode, tierzero::report::ScanMode::Range);
    assert_eq!(report.summary.commits, 2);
    let ids: Vec<&str> = report
        .blocking()
        .map(|f| f.commit.as_ref().unwrap().id.as_str())
        .collect();
    assert_eq!(ids, vec![b.as_str()]);
    let outside = tempfile::tempdir().unwrap();
    let err = range(outside.path(), "HEAD").unwrap_err().to_string();
    assert!(err.contains("not a git repository"), "{err}");
}

/// The resident set size of this process, in kilobytes (Linux).
fn rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `scan::report` is a library call: a long-lived caller (a server scanning every push)
/// calls it again and again, so each call must free the rules it loaded. Measured in a
/// child process (this test binary, running only the probe below on one thread) so that no
/// other test's allocations count.
#[test]
fn repeated_library_scans_do_not_grow_memory() {
    if rss_kb().is_none() {
        return; // Not Linux: no /proc to read the resident size from.
    }
    let sb = Sandbox::new();
    let dir = sb.dir.path().join("files");
    std::fs::create_dir_all(&dir).unwrap();
    // A line per keyword of every default rule: every content rule compiles its regexes.
    let mut text = String::new();
    for rule in tierzero::rules::RuleSet::builtin_rules().unwrap() {
        for k in &rule.spec.keywords {
            text.push_str(&format!("{k} = \"x{k}y\"\n"));
        }
    }
    std::fs::write(dir.join("notes.txt"), text).unwrap();
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "ci::library_scan_memory_probe",
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("TIERZERO_TEST_PROBE_DIR", &dir)
    .current_dir(&dir);
    sb.env(&mut cmd);
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("1 passed"),
        "the probe did not run: {stdout}"
    );
}

/// Run by [`repeated_library_scans_do_not_grow_memory`] in a child process; a no-op
/// otherwise.
#[test]
fn library_scan_memory_probe() {
    let Some(dir) = std::env::var_os("TIERZERO_TEST_PROBE_DIR") else {
        return;
    };
    let opts = tierzero::commands::scan::ScanOptions::default();
    let what = tierzero::commands::scan::What::Files(vec![dir.into()]);
    let scan = || tierzero::commands::scan::report(&what, &opts).unwrap();
    // Warm up: allocator arenas, thread pools, one-time tables.
    for _ in 0..5 {
        scan();
    }
    let before = rss_kb().unwrap();
    for _ in 0..25 {
        scan();
    }
    let grown = rss_kb().unwrap().saturating_sub(before);
    println!("probe: 25 scans grew the resident set by {grown} kB");
    // One scan's rules and compiled regexes are tens of megabytes: 25 leaked scans would
    // be hundreds.
    assert!(
        grown < 32 * 1024,
        "25 scans grew the resident set by {grown} kB"
    );
}
