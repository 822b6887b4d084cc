//! How a range's commits are diffed: whatever the shape of a commit's change — an edit deep
//! in a large tree, a new directory, deletions, a rename with an edit, a mode change, a
//! file turned into a symlink or a directory — only the lines it adds are reported, at the
//! commit that added them, exactly once.

use serde_json::Value;

use crate::common;

use common::{openai_key, openai_key_2, Repo, Sandbox};

fn key_line(key: &str) -> String {
    format!("OPENAI_API_KEY = \"{key}\"\n")
}

fn commit(repo: &Repo<'_>, msg: &str) -> String {
    repo.git(&["add", "-A"]);
    repo.commit_setup(msg);
    repo.git(&["rev-parse", "HEAD"]).trim().to_string()
}

fn found(doc: &Value) -> Vec<(String, u64, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["commit"]["id"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn lines(from: usize, to: usize) -> String {
    (from..to).map(|i| format!("value_{i} = {i}\n")).collect()
}

#[test]
fn every_shape_of_change_reports_only_its_added_lines_at_its_commit() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    // A tree of untouched directories around the ones that change.
    for d in 0..20 {
        repo.write(&format!("pkg{d}/sub/mod.py"), lines(0, 50));
    }
    repo.write("deep/a/b/c/conf.py", lines(0, 40));
    repo.write("old/gone.py", lines(0, 10));
    repo.write("moved.py", lines(0, 30));
    repo.write("tool.sh", key_line(&openai_key_2()));
    repo.write("becomes_dir", "x = 1\n");
    let base = commit(&repo, "base");

    // An edit deep in the tree: the key is line 21.
    repo.write(
        "deep/a/b/c/conf.py",
        format!(
            "{}{}{}",
            lines(0, 20),
            key_line(&openai_key()),
            lines(20, 40)
        ),
    );
    let edit = commit(&repo, "edit deep");
    // Another edit of the same file: the key is not added again.
    repo.write(
        "deep/a/b/c/conf.py",
        format!(
            "{}{}{}",
            lines(0, 20),
            key_line(&openai_key()),
            lines(20, 41)
        ),
    );
    commit(&repo, "edit again");
    // A new directory holding the second key on line 2.
    repo.write(
        "new/dir/x.py",
        format!("import os\n{}", key_line(&openai_key_2())),
    );
    repo.write("new/dir/y.py", lines(0, 5));
    let added = commit(&repo, "new dir");
    // Deletions only.
    repo.remove("old/gone.py");
    commit(&repo, "delete");
    // A rename with an edit: only the added line (31) is new.
    repo.remove("moved.py");
    repo.write(
        "renamed.py",
        format!("{}{}", lines(0, 30), key_line(&openai_key())),
    );
    let renamed = commit(&repo, "rename with edit");
    // A mode change of a file that holds a key adds nothing.
    std::fs::set_permissions(
        repo.path.join("tool.sh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    commit(&repo, "chmod");
    // A file that becomes a directory.
    repo.remove("becomes_dir");
    repo.write(
        "becomes_dir/inner.py",
        format!("{}{}", lines(0, 3), key_line(&openai_key())),
    );
    let retyped = commit(&repo, "file to directory");
    // A file that becomes a symlink: its target is text, not added lines.
    repo.remove("new/dir/y.py");
    std::os::unix::fs::symlink("x.py", repo.path.join("new/dir/y.py")).unwrap();
    commit(&repo, "file to symlink");

    let (code, doc) = repo.scan_json(&["--range", &format!("{base}..HEAD")]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(
        found(&doc),
        vec![
            ("deep/a/b/c/conf.py".into(), 21, edit),
            ("new/dir/x.py".into(), 2, added),
            ("renamed.py".into(), 31, renamed),
            ("becomes_dir/inner.py".into(), 4, retyped),
        ]
    );
    assert_eq!(doc["summary"]["commits"], 8);
    // Added lines: 1 + 1 (edits), 2 + 5 (new files), 1 (rename), 4 (new file).
    assert_eq!(doc["summary"]["added_lines"], 14, "{}", doc["summary"]);

    // The base commit itself: every file of it added, the tool's key among them.
    let (_, doc) = repo.scan_json(&["--range", &format!("{base}^!")]);
    assert_eq!(found(&doc), vec![("tool.sh".into(), 1, base)]);
}
