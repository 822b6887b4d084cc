//! `tierzero import gitleaks`: a gitleaks config using every field it documents becomes a
//! `.tierzero.toml` that loads and scans, and everything not carried over is reported.

use crate::common;

use common::Sandbox;

const GITLEAKS: &str = r#"
title = "ACME gitleaks config"
minVersion = "v8.25.0"

[extend]
useDefault = true
disabledRules = ["openai-legacy-key", "generic-api-key"]

[[rules]]
id = "acme-token"
description = "ACME internal API token"
regex = '''(?i)\b(acme_[a-z0-9]{32})(?:['"\s;]|$)'''
secretGroup = 1
entropy = 3.5
keywords = ["acme_"]
tags = ["internal", "acme"]

  [[rules.allowlists]]
  description = "test tokens"
  regexes = ['''^acme_test''']
  stopwords = ["dummy"]

  [[rules.allowlists]]
  condition = "AND"
  paths = ['''^tests/''']
  regexes = ['''example''']

[[rules]]
id = "acme-config-file"
description = "ACME service account file"
path = '''(^|/)acme-sa\.json$'''

[[rules]]
id = "acme-db-url"
description = "ACME database URL, only in deploy files"
regex = '''postgres://acme:([^@\s]{12,})@'''
path = '''^deploy/'''
keywords = ["postgres://acme:"]

[[rules]]
id = "no-keywords"
regex = '''zz_[0-9a-f]{40}'''

[[rules]]
id = "composite"
regex = '''cmp_[0-9a-f]{16}'''
keywords = ["cmp_"]
  [[rules.required]]
  id = "acme-token"
  withinLines = 2

[[rules]]
id = "helper"
regex = '''hlp_[0-9a-f]{16}'''
keywords = ["hlp_"]
skipReport = true

[[rules]]
id = "openai-project-key"
description = "a rule whose id tierzero already has"
regex = '''sk-proj-[A-Za-z0-9_-]{20,}'''
keywords = ["sk-proj-"]

[[allowlists]]
description = "global"
paths = ['''(^|/)fixtures/''', '''\.snap$''', '''^docs/.*\.md$''', '''node_modules''']
regexes = ['''(?i)^true|false|null$''']
stopwords = ["placeholder"]
commits = ["0123456789abcdef0123456789abcdef01234567"]

[[allowlists]]
regexTarget = "line"
regexes = ['''# nosecret''']

[[allowlists]]
targetRules = ["acme-db-url"]
regexTarget = "match"
regexes = ['''localhost''']
"#;

fn acme(body: &str) -> String {
    format!("acme_{body}")
}

#[test]
fn gitleaks_config_with_every_field_converts_loads_and_scans() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write(".gitleaks.toml", GITLEAKS);
    let (code, stdout, stderr) = repo.run(&["import", "gitleaks", ".gitleaks.toml"]);
    assert_eq!(code, 0, "{stderr}");

    // Carried over.
    for want in [
        "id = 'acme-token'",
        "description = 'ACME internal API token'",
        "keywords = ['acme_']",
        "secret_group = 1",
        "entropy = 3.5",
        "tags = ['internal', 'acme']",
        "[rules.allow]",
        "regexes = ['^acme_test']",
        "stopwords = ['dummy']",
        "id = 'acme-config-file'",
        r"path = '(^|/)acme-sa\.json$'",
        "path = '^deploy/'",
        "disable = ['openai-legacy-key', ",
        "paths = ['fixtures/', '*.snap', '*node_modules*']",
        "stopwords = ['placeholder']",
        "compat = true",
        "id = 'gitleaks-openai-project-key'",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in:\n{stdout}");
    }
    // Not carried over, and said so.
    for (what, why) in [
        ("useDefault", "tierzero's built-in rules"),
        ("generic-api-key", "disables tierzero's"),
        ("condition = \"AND\"", "left out"),
        (r"^docs/.*\.md$", "no exact gitignore-style equivalent"),
        ("commits", "not supported"),
        ("rule \"no-keywords\"", "derived [\"zz_\"]"),
        ("rule \"composite\"", "`required`"),
        ("rule \"helper\"", "skipReport"),
        ("regexTarget = \"match\"", "target = \"line\""),
        ("1 regex(es) matched against the line", "left out"),
        ("rule \"openai-project-key\"", "renamed"),
    ] {
        assert!(
            stderr.lines().any(|l| l.contains(what) && l.contains(why)),
            "no note about {what} ({why}) in:\n{stderr}"
        );
    }
    // The rule without keywords got them from its regex.
    assert!(
        stdout.contains("id = 'no-keywords'") && !stdout.contains("# id = 'no-keywords'"),
        "{stdout}"
    );
    assert!(!stdout.contains("id = 'helper'"), "{stdout}");

    // Written with --output, it is a config tierzero loads.
    let (code, _, stderr) = repo.run(&[
        "import",
        "gitleaks",
        ".gitleaks.toml",
        "--output",
        "imported.toml",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(repo.path.join("imported.toml")).unwrap(),
        stdout
    );
    let (code, _, stderr) = repo.run(&["config", "--check", "--config", "imported.toml"]);
    assert_eq!(code, 0, "{stderr}");

    // And it scans as the gitleaks config meant.
    let token = acme("Q8zR4mW9pL2xT7vB3kN6yH1cF5dJ0sGa");
    repo.stage("app.py", format!("T = \"{token}\"\n"));
    repo.stage("tests/fixtures/t.py", format!("T = \"{token}\"\n"));
    repo.stage(
        "t2.py",
        format!("T = \"{}\"\n", acme("test9pL2xT7vB3kN6yH1cF5dJ0sGaQ8zR")),
    );
    repo.stage("deploy/acme-sa.json", "{}\n");
    repo.stage(
        "deploy/db.env",
        "DB=postgres://acme:Zx9Qw8Er7Ty6@db.internal/x\n",
    );
    repo.stage("x.snap", format!("T = \"{token}\"\n"));
    let mut found = repo.found(&["--config", "imported.toml"]);
    found.sort();
    assert_eq!(
        found,
        vec![
            ("app.py".to_string(), 1, "acme-token".to_string()),
            ("deploy/acme-sa.json".into(), 1, "acme-config-file".into()),
            ("deploy/db.env".into(), 1, "acme-db-url".into()),
        ]
    );
}

#[test]
fn unreadable_or_invalid_input_exits_2() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let (code, _, stderr) = repo.run(&["import", "gitleaks", "missing.toml"]);
    assert_eq!(code, 2, "{stderr}");
    repo.write("bad.toml", "[[rules]\nid = 1\n");
    let (code, _, stderr) = repo.run(&["import", "gitleaks", "bad.toml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("bad.toml"), "{stderr}");
}
