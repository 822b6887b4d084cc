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

/// A file edited in many commits, packed by `git gc --aggressive` into long delta chains:
/// history and range scans read every version through the chains and find the key in the
/// version that added it, at its line, and nothing else.
#[test]
fn versions_in_delta_chains_read_back_exactly() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let mut lines: Vec<String> = (0..400).map(|i| format!("setting_{i} = {i}\n")).collect();
    let mut ids = Vec::new();
    // More than 100 commits: long ranges read packs themselves too.
    for version in 0..110 {
        // Each version edits a few lines; version 25 adds the key at line 201, version 30
        // takes it out again.
        for j in 0..3 {
            lines[(version * 7 + j * 131) % 400] = format!("setting_{version}_{j} = {j}\n");
        }
        if version == 25 {
            lines.insert(200, format!("OPENAI_API_KEY = \"{}\"\n", openai_key()));
        }
        if version == 30 {
            lines.remove(200);
        }
        repo.write("settings.py", lines.concat());
        repo.git(&["add", "-A"]);
        repo.commit_setup(&format!("version {version}"));
        ids.push(repo.git(&["rev-parse", "HEAD"]).trim().to_string());
    }
    repo.git(&["gc", "-q", "--aggressive", "--prune=now"]);
    let deltas = repo.git(&["verify-pack", "-v", &pack_index(&repo)]);
    assert!(
        deltas
            .lines()
            .filter(|l| l.contains(" blob "))
            .filter(|l| l.split_whitespace().count() > 5)
            .count()
            > 30,
        "the versions are stored as deltas:\n{deltas}"
    );
    let expected = vec![("settings.py".to_string(), 201, ids[25].clone())];
    for scan in [&["--all-history"][..], &["--range", "HEAD"][..]] {
        let (code, doc) = repo.scan_json(scan);
        assert_eq!(code, 1, "{scan:?}: {doc}");
        let found: Vec<(String, u64, String)> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                    f["commit"]["id"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(found, expected, "{scan:?}");
    }
    // Each version's lines: the range scan adds up exactly the lines the commits added.
    let (_, doc) = repo.scan_json(&["--range", "HEAD"]);
    let added: u64 = repo
        .git(&["log", "--numstat", "--format=", "HEAD"])
        .lines()
        .filter_map(|l| l.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    assert_eq!(doc["summary"]["added_lines"], added);
}

fn pack_index(repo: &common::Repo<'_>) -> String {
    let dir = repo.path.join(".git/objects/pack");
    let idx = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "idx"))
        .expect("gc wrote a pack");
    idx.display().to_string()
}
