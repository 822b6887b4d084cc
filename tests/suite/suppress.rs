//! Silencing findings that are not secrets: inline annotations, `compat`, and
//! `.tierzero-ignore` fingerprints, audited through `--verbose` and JSON.

use crate::common;

use common::{anthropic_key, openai_key, openai_key_2, Repo, Sandbox};

/// (line, rule, suppressed_by) of every finding of a JSON scan, suppressed ones included.
fn findings(repo: &Repo<'_>) -> Vec<(u64, String, Option<String>)> {
    let (_, doc) = repo.scan_json(&[]);
    common::all_json_findings(&doc)
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["rule_id"].as_str().unwrap().to_string(),
                f.get("suppressed_by")
                    .and_then(|v| v.as_str())
                    .map(str::to_string),
            )
        })
        .collect()
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

#[test]
fn inline_allow_same_line_and_next_line_with_and_without_rule_id() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let (k1, k2, ant) = (openai_key(), openai_key_2(), anthropic_key());
    let text = format!(
        "a = \"{k1}\"  # tierzero:allow\n\
         b = \"{k1}\"  # tierzero:allow openai-project-key\n\
         c = \"{k2}\"  # tierzero:allow anthropic-api-key\n\
         # tierzero:allow-next-line\n\
         d = \"{ant}\"\n\
         // tierzero:allow-next-line openai-project-key\n\
         e = \"{ant}\"\n\
         f = \"{k2}\"\n"
    );
    repo.stage("app.py", text);
    let inline = s("inline");
    assert_eq!(
        findings(&repo),
        vec![
            (1, "openai-project-key".into(), inline.clone()),
            (2, "openai-project-key".into(), inline.clone()),
            // The annotation names another rule: this one still reports.
            (3, "openai-project-key".into(), None),
            (5, "anthropic-api-key".into(), inline),
            (7, "anthropic-api-key".into(), None),
            (8, "openai-project-key".into(), None),
        ]
    );
    // Suppressed findings are counted and listed with --verbose.
    let (code, _, stderr) = repo.run(&["scan", "--verbose"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("(3 suppressed)"), "{stderr}");
    assert!(
        stderr.contains("suppressed (inline): app.py:5:"),
        "{stderr}"
    );
    let (_, _, quiet) = repo.run(&["scan"]);
    assert!(!quiet.contains("suppressed (inline)"), "{quiet}");
}

#[test]
fn compat_annotations_only_with_compat() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let key = openai_key();
    repo.stage(
        "app.py",
        format!(
            "a = \"{key}\"  # gitleaks:allow\nb = \"{key}\"  # pragma: allowlist secret\n\
             # pragma: allowlist nextline secret\nc = \"{key}\"\n"
        ),
    );
    let unsuppressed: Vec<_> = findings(&repo)
        .into_iter()
        .filter(|f| f.2.is_none())
        .collect();
    assert_eq!(
        unsuppressed.len(),
        3,
        "annotations of other tools are ignored by default"
    );

    repo.write(".tierzero.toml", "compat = true\n");
    let all = findings(&repo);
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|f| f.2 == s("inline")), "{all:?}");

    // A higher layer can turn it off again.
    repo.write("strict.toml", "compat = false\n");
    let (_, doc) = repo.scan_json(&["--config", "strict.toml"]);
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f.get("suppressed_by").is_none()));
}

/// The fingerprint of the only reported finding.
fn only_fingerprint(repo: &Repo<'_>) -> String {
    let (_, doc) = repo.scan_json(&[]);
    let reported: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.get("suppressed_by").is_none())
        .collect();
    assert_eq!(reported.len(), 1, "{doc}");
    reported[0]["fingerprint"].as_str().unwrap().to_string()
}

#[test]
fn ignore_command_records_reason_and_date_and_survives_line_moves() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let key = openai_key();
    repo.stage("conf.py", format!("KEY = \"{key}\"\n"));
    let (code, _, stderr) = repo.run(&["scan"]);
    assert_eq!(code, 1);
    let fp = only_fingerprint(&repo);
    // The report prints the exact command.
    let command = format!("tierzero ignore {fp} --reason");
    assert!(stderr.contains(&command), "{stderr}");

    let (code, stdout, stderr) = repo.run(&["ignore", &fp, "--reason", "test fixture,\nrevoked"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&fp), "{stdout}");
    let file = std::fs::read_to_string(repo.path.join(".tierzero-ignore")).unwrap();
    let line = file
        .lines()
        .find(|l| l.starts_with(&fp))
        .expect("line written");
    let rest = line
        .strip_prefix(&format!("{fp}  # "))
        .expect("fingerprint, two spaces, #");
    let (date, reason) = rest.split_at(10);
    assert!(
        date.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 {
            b == b'-'
        } else {
            b.is_ascii_digit()
        }),
        "{date}"
    );
    assert_eq!(reason, " test fixture, revoked");
    assert!(
        !file.contains(&key) && !file.contains(&key[key.len() / 2..]),
        "secret in ignore file"
    );

    // Running it again does not duplicate the entry.
    repo.run(&["ignore", &fp, "--reason", "again"]);
    let again = std::fs::read_to_string(repo.path.join(".tierzero-ignore")).unwrap();
    assert_eq!(again.matches(&fp).count(), 1);

    assert_eq!(
        findings(&repo),
        vec![(1, "openai-project-key".into(), s("ignore-file"))]
    );
    let (code, _, _) = repo.run(&["scan"]);
    assert_eq!(code, 0);

    // The line moves (lines inserted above, file renamed): still ignored.
    repo.commit_setup("with ignored key");
    repo.git(&["mv", "conf.py", "settings.py"]);
    repo.stage("settings.py", format!("import os\n\n\nKEY  =  \"{key}\"\n"));
    assert_eq!(
        findings(&repo),
        vec![(4, "openai-project-key".into(), s("ignore-file"))]
    );

    // A different secret on that same line is still caught.
    repo.stage(
        "settings.py",
        format!("import os\n\n\nKEY  =  \"{}\"\n", openai_key_2()),
    );
    assert_eq!(
        findings(&repo),
        vec![(4, "openai-project-key".into(), None)]
    );
    let (code, _, _) = repo.run(&["scan"]);
    assert_eq!(code, 1);
}

#[test]
fn ignore_rejects_what_is_not_a_fingerprint() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    for bad in ["ABCDEF0123456789ABCDEF0123456789", "abc", &openai_key()] {
        let (code, _, stderr) = repo.run(&["ignore", bad, "--reason", "x"]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("32 lowercase hex"), "{stderr}");
        assert!(
            !stderr.contains(bad),
            "the argument is not echoed: {stderr}"
        );
    }
    assert!(!repo.path.join(".tierzero-ignore").exists());
    let (code, _, _) = repo.run(&["ignore", &"0".repeat(32)]);
    assert_eq!(code, 2, "--reason is required");

    // A hand-edited file with a bad line fails closed, naming the line, not echoing it.
    let key = openai_key();
    repo.write(
        ".tierzero-ignore",
        format!("# ok\n{}\n{key}\n", "a".repeat(32)),
    );
    repo.stage("x.py", "x = 1\n");
    let (code, _, stderr) = repo.run(&["scan"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(".tierzero-ignore:3:"), "{stderr}");
    assert!(!stderr.contains(&key[8..]), "{stderr}");
}

#[test]
fn json_and_verbose_output_never_contain_the_secret() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let key = openai_key();
    repo.write(".tierzero.toml", "[allow]\npaths = ['fixtures/']\n");
    repo.stage("fixtures/k.py", format!("K = \"{key}\"\n"));
    repo.stage("inline.py", format!("K = \"{key}\" # tierzero:allow\n"));
    repo.stage("real.py", format!("K = \"{key}\"\n"));
    let (_, stdout, stderr) = repo.run(&["scan", "--format", "json"]);
    let (_, _, verbose) = repo.run(&["scan", "--verbose"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["summary"]["suppressed"], 2, "{stdout}");
    assert_eq!(doc["summary"]["findings"], 1, "{stdout}");
    for out in [&stdout, &stderr, &verbose] {
        assert!(!out.contains(&key), "full key leaked: {out}");
        assert!(
            !out.contains(&key[key.len() / 2..]),
            "second half leaked: {out}"
        );
    }
}
