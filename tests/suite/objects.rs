//! How blobs are read: loose objects directly, packed ones and everything else through
//! libgit2. Whichever way a blob is stored, the same lines are found; a damaged object
//! fails the scan instead of passing it.

use crate::common;

use common::{openai_key, Sandbox};

fn loose_path(repo: &common::Repo<'_>, id: &str) -> std::path::PathBuf {
    repo.path.join(".git/objects").join(&id[..2]).join(&id[2..])
}

fn staged_blob(repo: &common::Repo<'_>, path: &str) -> String {
    repo.git(&["rev-parse", &format!(":{path}")])
        .trim()
        .to_string()
}

#[test]
fn loose_and_packed_blobs_give_the_same_findings() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    // Big enough for several inflate calls; the key lands mid-file in a modified file.
    let filler: String = (0..20_000)
        .map(|i| format!("value_{i} = compute({i})\n"))
        .collect();
    repo.stage("big.py", &filler);
    repo.commit_setup("base");
    let key_line = format!("OPENAI_API_KEY = \"{}\"\n", openai_key());
    let half = &filler[..filler.len() / 2];
    let head = &half[..half.rfind('\n').unwrap() + 1];
    repo.stage(
        "big.py",
        format!("{head}{key_line}{}", &filler[head.len()..]),
    );
    repo.stage("new.py", format!("import os\n{key_line}"));
    let line = 1 + head.matches('\n').count() as u64;
    let expected = vec![
        ("big.py".to_string(), line, "openai-project-key".to_string()),
        ("new.py".to_string(), 2, "openai-project-key".to_string()),
    ];
    let big = staged_blob(&repo, "big.py");
    assert!(
        loose_path(&repo, &big).exists(),
        "a staged blob starts loose"
    );
    assert_eq!(repo.found(&[]), expected);

    // `git gc` packs what the index references too: now every blob is read from the pack.
    repo.git(&["gc", "-q", "--prune=now"]);
    assert!(
        !loose_path(&repo, &big).exists(),
        "gc packed the staged blob"
    );
    assert_eq!(repo.found(&[]), expected);
}

#[test]
fn a_damaged_loose_blob_fails_the_scan() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let content: String = (0..2_000).map(|i| format!("line {i}\n")).collect();
    repo.stage("a.txt", &content);
    let object = loose_path(&repo, &staged_blob(&repo, "a.txt"));
    let bytes = std::fs::read(&object).unwrap();
    let mut perms = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).unwrap();
    std::fs::write(&object, &bytes[..bytes.len() / 2]).unwrap();
    let (code, stdout, stderr) = repo.run(&["scan", "--staged"]);
    assert_eq!(
        code, 2,
        "a truncated object must not pass: {stdout}{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("is damaged (the file is truncated)"),
        "{stderr}"
    );
}
