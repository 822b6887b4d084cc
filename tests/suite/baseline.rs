//! Adopting the hook in an old repository: `tierzero baseline` records what is already
//! there (as hashes only), existing findings stop blocking, new secrets are still caught.

use crate::common;

use common::{anthropic_key, openai_key, openai_key_2, Repo, Sandbox};

fn baseline_text(repo: &Repo<'_>) -> String {
    std::fs::read_to_string(repo.path.join(".tierzero-baseline.json")).unwrap()
}

fn baseline_doc(repo: &Repo<'_>) -> serde_json::Value {
    serde_json::from_str(&baseline_text(repo)).unwrap()
}

/// Neither a full key nor its second half appears in `text` (reports may show a preview).
fn assert_no_secret(text: &str, keys: &[String]) {
    for key in keys {
        assert!(!text.contains(key.as_str()), "full key leaked: {text}");
        assert!(
            !text.contains(&key[key.len() / 2..]),
            "second half leaked: {text}"
        );
    }
}

/// A baseline holds not even the redacted preview.
fn assert_no_secret_or_preview(text: &str, keys: &[String]) {
    assert_no_secret(text, keys);
    for key in keys {
        assert!(!text.contains(&key[..8]), "preview stored: {text}");
    }
}

/// An old repository: secrets committed with --no-verify before tierzero arrived.
fn old_repo(sb: &Sandbox) -> Repo<'_> {
    let repo = sb.repo("old");
    repo.stage(
        "settings.py",
        format!("DEBUG = True\nOPENAI = \"{}\"\n", openai_key()),
    );
    repo.stage(
        "deploy/env.sh",
        format!("export A=\"{}\"\n", anthropic_key()),
    );
    repo.stage("copy.py", format!("OPENAI = \"{}\"\n", openai_key()));
    repo.commit_setup("legacy");
    repo
}

#[test]
fn baseline_on_an_old_repo_then_a_new_secret_is_still_blocked() {
    let sb = Sandbox::new();
    let repo = old_repo(&sb);
    let (code, stdout, stderr) = repo.run(&["baseline"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("2 fingerprint(s) for 3 finding(s)"),
        "{stdout}"
    );

    let doc = baseline_doc(&repo);
    let entries = doc["findings"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    let openai = entries
        .iter()
        .find(|e| e["rule_id"] == "openai-project-key")
        .unwrap();
    assert_eq!(
        openai["paths"],
        serde_json::json!(["copy.py", "settings.py"])
    );
    assert_eq!(openai["count"], 2);
    assert_eq!(openai["fingerprint"].as_str().unwrap().len(), 32);
    let fps: Vec<&str> = entries
        .iter()
        .map(|e| e["fingerprint"].as_str().unwrap())
        .collect();
    let mut sorted = fps.clone();
    sorted.sort();
    assert_eq!(fps, sorted, "entries sorted by fingerprint");
    assert_no_secret_or_preview(&baseline_text(&repo), &[openai_key(), anthropic_key()]);

    repo.stage(".tierzero-baseline.json", baseline_text(&repo));
    repo.commit_setup("add baseline");
    repo.install_hook();

    // Moving and reformatting the line of a baselined secret is fine.
    repo.stage(
        "settings.py",
        format!(
            "import os\nDEBUG = False\nOPENAI  =  \"{}\"\n",
            openai_key()
        ),
    );
    let (code, doc) = repo.scan_json(&[]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0, "{doc}");
    assert_eq!(doc["suppressed"][0]["suppressed_by"], "baseline");
    assert_eq!(
        doc["suppressed"][0]["reason"],
        "its fingerprint is in the baseline"
    );
    let (ok, out) = repo.commit(&[]);
    assert!(ok, "baselined secret must not block: {out}");

    // A new secret on that same line is blocked by the real hook.
    repo.stage(
        "settings.py",
        format!(
            "import os\nDEBUG = False\nOPENAI  =  \"{}\"\n",
            openai_key_2()
        ),
    );
    let (ok, out) = repo.commit(&[]);
    assert!(!ok, "a new secret must block: {out}");
    assert!(out.contains("settings.py:3:"), "{out}");
    assert_no_secret(&out, &[openai_key_2()]);

    // JSON output (suppressed findings included) never holds a secret either.
    let (_, stdout, _) = repo.run(&["scan", "--format", "json", "--verbose"]);
    assert!(stdout.contains("\"baseline\"") || stdout.contains("openai-project-key"));
    assert_no_secret(&stdout, &[openai_key(), openai_key_2()]);
}

#[test]
fn update_adds_new_and_drops_stale_and_is_stable() {
    let sb = Sandbox::new();
    let repo = old_repo(&sb);
    repo.run(&["baseline"]);
    let first = baseline_text(&repo);

    // Without --update an existing baseline is not replaced.
    let (code, _, stderr) = repo.run(&["baseline"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--update"), "{stderr}");

    // Unchanged repository: --update rewrites the same bytes.
    let (code, stdout, _) = repo.run(&["baseline", "--update"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("0 added, 0 dropped"), "{stdout}");
    assert_eq!(baseline_text(&repo), first);

    // The Anthropic key is removed, a second OpenAI key committed past the hook.
    repo.git(&["rm", "-q", "deploy/env.sh"]);
    repo.stage("new.py", format!("K = \"{}\"\n", openai_key_2()));
    repo.commit_setup("rotate");
    let (code, stdout, stderr) = repo.run(&["baseline", "--update"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("1 added, 1 dropped"), "{stdout}");
    let doc = baseline_doc(&repo);
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["openai-project-key", "openai-project-key"]);
    assert!(!baseline_text(&repo).contains("deploy/env.sh"));
    assert_no_secret_or_preview(
        &baseline_text(&repo),
        &[openai_key(), openai_key_2(), anthropic_key()],
    );
}

#[test]
fn history_covers_secrets_deleted_from_head() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("old.py", format!("K = \"{}\"\n", anthropic_key()));
    repo.commit_setup("leak");
    repo.git(&["rm", "-q", "old.py"]);
    repo.stage("app.py", format!("K = \"{}\"\n", openai_key()));
    repo.commit_setup("current");

    repo.run(&["baseline"]);
    let head_only = baseline_text(&repo);
    assert!(!head_only.contains("anthropic-api-key"), "{head_only}");
    assert!(head_only.contains("\"scope\": \"head\""), "{head_only}");

    let (code, stdout, stderr) = repo.run(&["baseline", "--update", "--history"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("2 commit(s)"), "{stdout}");
    let doc = baseline_doc(&repo);
    assert_eq!(doc["scope"], "head+history");
    let anthropic = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["rule_id"] == "anthropic-api-key")
        .expect("history finding");
    assert_eq!(anthropic["paths"], serde_json::json!(["old.py"]));
    assert_no_secret_or_preview(&baseline_text(&repo), &[openai_key(), anthropic_key()]);

    // Re-adding the deleted (baselined) key is not reported; `tierzero config` shows it.
    repo.stage("old.py", format!("K = \"{}\"\n", anthropic_key()));
    let (code, _) = repo.scan_json(&[]);
    assert_eq!(code, 0);
    let (_, config, _) = repo.run(&["config"]);
    assert!(config.contains("(2 fingerprints)"), "{config}");
}

#[test]
fn baseline_respects_suppressions_and_a_broken_baseline_fails_closed() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage(
        "a.py",
        format!("K = \"{}\"  # tierzero:allow\n", openai_key()),
    );
    repo.stage("b.py", format!("K = \"{}\"\n", anthropic_key()));
    repo.commit_setup("base");
    repo.run(&["baseline"]);
    let doc = baseline_doc(&repo);
    assert_eq!(
        doc["findings"].as_array().unwrap().len(),
        1,
        "inline-allowed finding left out"
    );

    // An empty repository has nothing to baseline.
    let empty = sb.repo("empty");
    let (code, _, stderr) = empty.run(&["baseline"]);
    assert_eq!(code, 2, "{stderr}");

    repo.write(".tierzero-baseline.json", "{ not json");
    repo.stage("c.py", "x = 1\n");
    let (code, _, stderr) = repo.run(&["scan"]);
    assert_eq!(code, 2);
    assert!(stderr.contains(".tierzero-baseline.json"), "{stderr}");
}
