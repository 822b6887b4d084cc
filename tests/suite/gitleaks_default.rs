//! A team moving from gitleaks imports gitleaks' default configuration (all of its
//! rules in `tests/fixtures/gitleaks/`, covering every construct the importer handles) and
//! the converted rules find gitleaks' own kind of test secrets: at least 95% of them, each
//! from the rule it was written for, with the generic rule yielding to specific ones. Every
//! rule either converts or is named in the import's notes with the reason.

use std::collections::BTreeMap;

use crate::common::Sandbox;

const CONFIG: &str = include_str!("../fixtures/gitleaks/default.toml");
const TRUE_POSITIVES: &str = include_str!("../fixtures/gitleaks/true-positives.tsv");

/// (rule id, text, path to scan it at) per documented true positive.
fn true_positives() -> Vec<(String, String, String)> {
    TRUE_POSITIVES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let mut fields = l.split('\t');
            let id = fields.next().unwrap().to_string();
            let text = fields.next().expect("id<TAB>text").replace("\\n", "\n");
            let path = match fields.next() {
                Some(name) => format!("cases/{id}/{name}"),
                None => format!("cases/{id}.txt"),
            };
            (id, text, path)
        })
        .collect()
}

/// The rule ids of the fixture config, in order.
fn config_rule_ids() -> Vec<String> {
    let doc: toml::Table = toml::from_str(CONFIG).unwrap();
    doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_imported_gitleaks_default_config_finds_its_test_secrets() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write(".gitleaks.toml", CONFIG);
    let (code, _, notes) = repo.run(&[
        "import",
        "gitleaks",
        ".gitleaks.toml",
        "--output",
        "converted.toml",
    ]);
    assert_eq!(code, 0, "{notes}");
    let converted = std::fs::read_to_string(repo.path.join("converted.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&converted).unwrap();
    let active: Vec<String> = doc
        .get("rules")
        .and_then(|r| r.as_array())
        .map(|rules| {
            rules
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();

    // Every rule converts, or the notes say why not.
    for id in config_rule_ids() {
        let converted = active.contains(&id) || active.contains(&format!("gitleaks-{id}"));
        assert!(
            converted || notes.contains(&format!("rule {id:?}")),
            "rule {id} neither converted nor reported:\n{notes}"
        );
    }
    // The catch-all is marked generic, and the multi-line rule multiline.
    let rule = |id: &str| {
        doc["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"].as_str() == Some(id))
            .cloned()
            .unwrap_or_else(|| panic!("no rule {id} in\n{converted}"))
    };
    assert_eq!(rule("generic-api-key")["generic"].as_bool(), Some(true));
    assert_eq!(
        rule("gitleaks-private-key")["multiline"].as_bool(),
        Some(true)
    );
    // Its second allowlist (regexTarget = "match") is kept as an override allowlist.
    let second = doc["override"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"].as_str() == Some("generic-api-key"))
        .unwrap_or_else(|| panic!("no override for generic-api-key in\n{converted}"));
    assert_eq!(second["allow"]["target"].as_str(), Some("line"));
    // Path regexes became globs: optional groups, `(?:/.*)?$` (lazy too), unanchored names,
    // character classes.
    let paths: Vec<&str> = doc["allow"]["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    for glob in [
        "node_modules",
        "gradlew",
        "gradlew.bat",
        "bower_components",
        "*gitleaks.toml*",
        "**/vendor/{bundle,ruby}",
        "*.{eot,[ot]tf,woff2}",
    ] {
        assert!(paths.contains(&glob), "{glob} missing from {paths:?}");
    }
    // Go's literal `{` made it through as an escaped brace.
    let regexes = doc["allow"]["regexes"].as_array().unwrap();
    assert!(regexes
        .iter()
        .any(|r| r.as_str() == Some(r"^\$(?:\d+|\{\d+\})$")));

    // Each documented true positive in its own file, scanned with only the imported rules.
    let cases = true_positives();
    // One true positive per rule of the config, so a rule that does not convert counts
    // against the figure.
    for id in config_rule_ids() {
        assert!(cases.iter().any(|c| c.0 == id), "no true positive for {id}");
    }
    for (_, text, path) in &cases {
        repo.write(path, format!("{text}\n"));
    }
    // The same secret where gitleaks' global allowlist allows it (paths converted to globs).
    let github = &cases.iter().find(|c| c.0 == "github-pat").unwrap().1;
    for allowed in [
        "allowed/node_modules/pkg/index.js",
        "allowed/gradlew",
        "allowed/gradlew.bat",
    ] {
        repo.write(&format!("cases/{allowed}"), format!("{github}\n"));
    }
    let (code, doc) = repo.scan_json(&[
        "--no-default-rules",
        "--config",
        "converted.toml",
        "--dir",
        "cases",
    ]);
    assert_eq!(code, 1, "{doc}");
    let mut by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in doc["findings"].as_array().unwrap() {
        by_file
            .entry(f["path"].as_str().unwrap().to_string())
            .or_default()
            .push(f["rule_id"].as_str().unwrap().to_string());
    }
    let allowed: Vec<&str> = doc["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"].as_str().unwrap().starts_with("cases/allowed/"))
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(allowed.len(), 3, "{allowed:?}");
    assert!(
        by_file.keys().all(|p| !p.starts_with("cases/allowed/")),
        "{by_file:?}"
    );
    let mut missed = Vec::new();
    for (id, _, path) in &cases {
        let got = by_file.get(path).cloned().unwrap_or_default();
        if !got
            .iter()
            .any(|r| *r == *id || *r == format!("gitleaks-{id}"))
        {
            missed.push(format!("{id}: got {got:?}"));
        }
    }
    let found = cases.len() - missed.len();
    println!(
        "gitleaks default config: {found} of {} true positives found by their own rule ({:.1}%); missed: {missed:#?}",
        cases.len(),
        100.0 * found as f64 / cases.len() as f64
    );
    assert!(
        found * 100 >= cases.len() * 95,
        "only {found} of {}: {missed:#?}",
        cases.len()
    );
}

#[test]
fn rules_without_keywords_get_keywords_from_their_regex_or_a_reason() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write(
        ".gitleaks.toml",
        r#"
[[rules]]
id = "acme-token"
regex = '''\b(acme_[a-z0-9]{32})\b'''

[[rules]]
id = "either-prefix"
regex = '''(?i)(?:globex|initech)_live_[0-9a-f]{24}'''

[[rules]]
id = "braces"
regex = '''tok{[0-9]{6}}'''

[[rules]]
id = "hex-anything"
regex = '''[0-9a-f]{40}'''
"#,
    );
    let (code, out, notes) = repo.run(&["import", "gitleaks", ".gitleaks.toml"]);
    assert_eq!(code, 0, "{notes}");
    let doc: toml::Table = toml::from_str(&out).unwrap();
    let keywords: BTreeMap<String, Vec<String>> = doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["keywords"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(keywords["acme-token"], ["acme_"]);
    assert_eq!(keywords["either-prefix"], ["globex_live_", "initech_live_"]);
    assert_eq!(keywords["braces"], ["tok{"]);
    assert!(!keywords.contains_key("hex-anything"));
    assert!(
        notes.contains("rule \"hex-anything\": no keywords, and none can be derived"),
        "{notes}"
    );
    // The converted rules run: Go's literal braces match literal braces.
    repo.write("converted.toml", &out);
    repo.write("t.txt", "id = tok{482916}\n");
    let found = repo.found(&[
        "--no-default-rules",
        "--config",
        "converted.toml",
        "--files",
        "t.txt",
    ]);
    assert_eq!(found, vec![("t.txt".into(), 1, "braces".into())]);
}

#[test]
fn allowlists_written_against_gitleaks_default_rules_land_on_tierzeros_own() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write(
        ".gitleaks.toml",
        r#"
[extend]
useDefault = true
disabledRules = ["generic-api-key"]

# Extends gitleaks' default rule of that id (no regex): its allowlist is appended.
[[rules]]
id = "github-pat"
[[rules.allowlists]]
paths = ['''(?:^|/)testdata/''']

[[allowlists]]
targetRules = ["openai-api-key"]
stopwords = ["sandbox"]
"#,
    );
    let (code, out, notes) = repo.run(&["import", "gitleaks", ".gitleaks.toml"]);
    assert_eq!(code, 0, "{notes}");
    let doc: toml::Table = toml::from_str(&out).unwrap();
    let builtin: Vec<String> = tierzero::rules::RuleSet::builtin_rules()
        .unwrap()
        .iter()
        .map(|r| r.id().to_string())
        .collect();
    let overrides = doc["override"].as_array().unwrap();
    let ids: Vec<&str> = overrides
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    // Every target is a real built-in rule of the provider the gitleaks id names.
    assert!(ids.iter().any(|id| id.starts_with("github-")), "{ids:?}");
    assert!(ids.iter().any(|id| id.starts_with("openai-")), "{ids:?}");
    assert!(
        ids.iter().all(|id| builtin.iter().any(|b| b == id)),
        "{ids:?}"
    );
    let github = overrides
        .iter()
        .find(|o| o["id"].as_str().unwrap().starts_with("github-"))
        .unwrap();
    assert_eq!(github["allow"]["paths"][0].as_str(), Some("testdata/"));
    // disabledRules of the generic rule disables tierzero's generic rules, and says so.
    let disabled = doc["disable"].as_array().unwrap();
    assert!(!disabled.is_empty());
    assert!(notes.contains("disables tierzero's"), "{notes}");
    assert!(
        notes.contains("its allowlists now apply to tierzero's"),
        "{notes}"
    );
    // The result loads.
    repo.write("converted.toml", &out);
    let (code, _, err) = repo.run(&["config", "--check", "--config", "converted.toml"]);
    assert_eq!(code, 0, "{err}");
}
