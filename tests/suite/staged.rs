//! The core story: the staged change, and only its added lines, is what gets scanned.

use crate::common;

use common::{anthropic_key, openai_key, openai_key_2, Sandbox};

fn key_line(key: &str) -> String {
    format!("OPENAI_API_KEY = \"{key}\"\n")
}

#[test]
fn first_commit_on_unborn_branch_is_scanned() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("app.py", format!("import os\n{}", key_line(&openai_key())));
    let found = repo.found(&[]);
    assert_eq!(
        found,
        vec![("app.py".into(), 2, "openai-project-key".into())]
    );
    let (code, _, _) = repo.run(&["scan"]);
    assert_eq!(code, 1);
}

#[test]
fn clean_change_exits_zero() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage(
        "app.py",
        "print('hello')\napi_key = os.environ['OPENAI_API_KEY']\n",
    );
    let (code, _, stderr) = repo.run(&["scan", "--staged"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("no secrets found"), "{stderr}");
}

#[test]
fn index_is_the_truth_not_the_working_tree() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("a.py", key_line(&openai_key()));
    // Staged, then removed from the working tree: still committed, so still found.
    repo.remove("a.py");
    assert_eq!(repo.found(&[]).len(), 1);

    // Only in the working tree, not staged: not part of the commit.
    let sb2 = Sandbox::new();
    let repo2 = sb2.repo("r");
    repo2.stage("b.py", "x = 1\n");
    repo2.write("b.py", format!("x = 1\n{}", key_line(&openai_key())));
    assert!(repo2.found(&[]).is_empty());
}

#[test]
fn partial_staging_scans_only_the_staged_hunk() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("c.py", "a = 1\nb = 2\n");
    repo.commit_setup("base");
    // Stage a version with key 1 on line 1; the working tree also has key 2 (unstaged).
    let staged = format!("{}a = 1\nb = 2\n", key_line(&openai_key()));
    let blob = {
        let mut cmd = std::process::Command::new("git");
        cmd.args(["hash-object", "-w", "--stdin"])
            .current_dir(&repo.path);
        sb.env(&mut cmd);
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(staged.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    repo.git(&[
        "update-index",
        "--cacheinfo",
        &format!("100644,{blob},c.py"),
    ]);
    repo.write("c.py", format!("{staged}{}", key_line(&openai_key_2())));
    let (_, doc) = repo.scan_json(&[]);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["line"], 1);
}

#[test]
fn untouched_old_secret_is_not_reported_and_deletions_add_nothing() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("old.py", format!("{}x = 1\n", key_line(&openai_key())));
    repo.stage("gone.py", key_line(&openai_key_2()));
    repo.commit_setup("history already has keys");
    // Modify old.py elsewhere, delete gone.py, remove a line: nothing new is a secret.
    repo.stage(
        "old.py",
        format!("{}x = 2\ny = 3\n", key_line(&openai_key())),
    );
    repo.git(&["rm", "-q", "gone.py"]);
    assert!(repo.found(&[]).is_empty());
}

#[test]
fn renames_report_only_added_lines() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let body: String = (0..30).map(|i| format!("line number {i}\n")).collect();
    repo.stage(
        "src/config.py",
        format!("{}{body}", key_line(&openai_key())),
    );
    repo.commit_setup("base");
    repo.git(&["mv", "src/config.py", "src/settings.py"]);
    assert!(repo.found(&[]).is_empty(), "a pure git mv adds nothing");
    repo.stage(
        "src/settings.py",
        format!(
            "{}{body}{}",
            key_line(&openai_key()),
            format_args!("ANTHROPIC = '{}'\n", anthropic_key())
        ),
    );
    let found = repo.found(&[]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "src/settings.py");
    assert_eq!(found[0].1, 32);
}

#[test]
fn binary_files_are_skipped_without_error_and_a_key_after_a_nul_is_still_found() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("image.bin", b"\x00\x01\x02PNG\x00\x1a\x00".as_slice());
    let (code, doc) = repo.scan_json(&[]);
    assert_eq!(code, 0);
    assert!(doc["findings"].as_array().unwrap().is_empty());
    assert_eq!(doc["summary"]["skipped"][0]["kind"], "binary", "{doc}");
    // A NUL byte near the start no longer hides what follows it.
    let mut bytes = b"\x00\x01\x02PNG\x00".to_vec();
    bytes.extend_from_slice(openai_key().as_bytes());
    repo.stage("image.bin", bytes);
    let (code, doc) = repo.scan_json(&[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["summary"]["recovered"][0]["how"], "binary-strings");
}

#[test]
fn crlf_invalid_utf8_and_nul_free_oddities() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.git(&["config", "core.autocrlf", "false"]);
    let mut content = b"caf\xe9 = 1\r\n".to_vec();
    content.extend_from_slice(format!("key = {}\r\n", openai_key()).as_bytes());
    content.extend_from_slice(b"\xff\xfe trailing\r\n");
    repo.stage("win.txt", content);
    let found = repo.found(&[]);
    assert_eq!(
        found,
        vec![("win.txt".into(), 2, "openai-project-key".into())]
    );
}

#[test]
fn notebook_cell_with_json_escaped_key() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let nb = format!(
        "{{\n \"cells\": [\n  {{\n   \"cell_type\": \"code\",\n   \"source\": [\n    \"import openai\\n\",\n    \"client = openai.OpenAI(api_key=\\\"{}\\\")\\n\"\n   ]\n  }}\n ]\n}}\n",
        openai_key()
    );
    repo.stage("analysis.ipynb", nb);
    let found = repo.found(&[]);
    assert_eq!(
        found,
        vec![("analysis.ipynb".into(), 7, "openai-project-key".into())]
    );
}

#[test]
fn key_contexts_real_code_uses() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let k = openai_key();
    let lines = [
        format!("a = '{k}'"),
        format!("b = {k}"),
        format!("call({k}, 1)"),
        format!("call(x={k})"),
        format!("{{\"k\": {k}}}"),
        format!("let k = {k};"),
        format!("https://api.example.invalid/v1?key={k}&x=1"),
        format!("OPENAI_API_KEY={k}"),
        k.to_string(),
        format!("\"source\": \"{k}\\n\""),
    ];
    repo.stage("contexts.txt", lines.join("\n") + "\n");
    let found = repo.found(&[]);
    let numbers: Vec<u64> = found.iter().map(|f| f.1).collect();
    assert_eq!(numbers, (1..=lines.len() as u64).collect::<Vec<_>>());
}

#[test]
fn user_git_config_does_not_change_the_result() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("base.txt", "x\n");
    repo.commit_setup("base");
    for (k, v) in [
        ("color.ui", "always"),
        ("color.diff", "always"),
        ("diff.noprefix", "true"),
        ("diff.mnemonicPrefix", "true"),
        ("diff.external", "false"),
        ("diff.renames", "false"),
        ("diff.secret.textconv", "false"),
        ("core.quotePath", "true"),
    ] {
        repo.git(&["config", k, v]);
    }
    repo.write(".gitattributes", "*.txt diff=secret\n");
    repo.git(&["add", ".gitattributes"]);
    repo.stage("dir with space/clé ünïcode.txt", key_line(&openai_key()));
    let found = repo.found(&[]);
    assert_eq!(
        found,
        vec![(
            "dir with space/clé ünïcode.txt".into(),
            1,
            "openai-project-key".into()
        )]
    );
}

#[test]
fn full_secret_appears_in_no_output() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let keys = [openai_key(), anthropic_key()];
    repo.stage("s.py", format!("a = '{}'\nb = '{}'\n", keys[0], keys[1]));
    for args in [
        vec!["scan"],
        vec!["scan", "--format", "json"],
        vec!["scan", "--verbose"],
    ] {
        let (code, stdout, stderr) = repo.run(&args);
        assert_eq!(code, 1);
        for key in &keys {
            // Not the whole key, and not even its second half.
            let tail = &key[key.len() / 2..];
            assert!(
                !stdout.contains(tail) && !stderr.contains(tail),
                "{args:?} leaked"
            );
        }
    }
}

#[test]
fn inline_allow_suppresses_that_line_only() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage(
        "t.py",
        format!(
            "a = '{}'  # tierzero:allow\nb = '{}'\n",
            openai_key(),
            openai_key_2()
        ),
    );
    let found = repo.found(&[]);
    assert_eq!(found, vec![("t.py".into(), 2, "openai-project-key".into())]);
    let (_, doc) = repo.scan_json(&[]);
    let suppressed: Vec<_> = doc["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed_by"] == "inline")
        .collect();
    assert_eq!(suppressed.len(), 1);
}

#[test]
fn submodule_entries_are_skipped() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("a.txt", "a\n");
    repo.commit_setup("base");
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{head},vendor/sub"),
    ]);
    let (code, doc) = repo.scan_json(&[]);
    assert_eq!(code, 0, "{doc}");
}

#[test]
fn not_a_repository_fails_closed_with_exit_2() {
    let sb = Sandbox::new();
    let dir = sb.dir.path().join("plain");
    std::fs::create_dir_all(&dir).unwrap();
    let repo = common::Repo {
        sandbox: &sb,
        path: dir.clone(),
    };
    let out = repo
        .tierzero_in(&dir)
        .env("GIT_CEILING_DIRECTORIES", sb.dir.path())
        .arg("scan")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a git repository"), "{stderr}");
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "one-line reason: {stderr}"
    );
}

#[test]
fn git_dir_and_subdirectories_are_honoured() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("deep/er/x.py", key_line(&openai_key()));
    let sub = repo.path.join("deep/er");
    let out = repo.tierzero_in(&sub).args(["scan"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let elsewhere = sb.dir.path().to_path_buf();
    let out = repo
        .tierzero_in(&elsewhere)
        .env("GIT_DIR", repo.path.join(".git"))
        .env("GIT_WORK_TREE", &repo.path)
        .args(["scan"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn linked_worktree_scans_its_own_index() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("a.txt", "a\n");
    repo.commit_setup("base");
    let wt = sb.dir.path().join("wt");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        wt.to_str().unwrap(),
        "-b",
        "feature",
    ]);
    std::fs::write(wt.join("k.py"), key_line(&openai_key())).unwrap();
    let mut add = std::process::Command::new("git");
    add.args(["add", "k.py"]).current_dir(&wt);
    sb.env(&mut add);
    assert!(add.status().unwrap().success());
    let out = repo.tierzero_in(&wt).args(["scan"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    // The main worktree's index is untouched by the other worktree.
    let (code, _, _) = repo.run(&["scan"]);
    assert_eq!(code, 0);
}

#[test]
fn files_passed_by_a_hook_manager() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("old.py", format!("x = 1\n{}", key_line(&openai_key())));
    repo.stage("clean.py", "y = 1\n");
    repo.commit_setup("history already has a key");

    // A commit: the manager passes the staged file; only its added lines are scanned.
    repo.stage("old.py", format!("x = 2\n{}", key_line(&openai_key())));
    let found = repo.found(&["--staged", "old.py"]);
    assert!(found.is_empty(), "{found:?}");
    repo.git(&["reset", "-q"]);

    // `pre-commit run --all-files`: nothing staged, every file passed. Scanning the empty
    // diff would pass silently; the whole staged contents are scanned instead.
    let found = repo.found(&["--staged", "old.py", "clean.py"]);
    assert_eq!(
        found,
        vec![("old.py".into(), 2, "openai-project-key".into())]
    );
    let (code, doc) = repo.scan_json(&["old.py", "clean.py"]);
    assert_eq!(code, 1);
    assert_eq!(doc["summary"]["mode"], "staged-files");

    // Staged contents, not the working tree: an unstaged removal does not hide the key,
    // and a key only in the working tree is not reported.
    repo.write("old.py", "x = 1\n");
    repo.write("clean.py", format!("y = 1\n{}", key_line(&openai_key_2())));
    let found = repo.found(&["old.py", "clean.py"]);
    assert_eq!(
        found,
        vec![("old.py".into(), 2, "openai-project-key".into())]
    );
}
