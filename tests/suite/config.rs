//! Configuration layers, their precedence, allowlists, and config errors as a user meets
//! them: files in a real repository, the real binary.

use crate::common;

use common::{anthropic_key, openai_key, Repo, Sandbox};

/// An internal token shape for a custom rule, built at run time.
fn acme_token() -> String {
    format!("acme_{}{}", "Q8zR4mW9pL2xT7vB", "3kN6yH1cF5dJ0sGa")
}

const ACME_RULE: &str = r#"
[[rules]]
id = "acme-token"
description = "ACME internal API token"
keywords = ["acme_"]
regex = '''(?:^|[^0-9A-Za-z])(acme_[A-Za-z0-9]{32})(?:[^0-9A-Za-z]|$)'''
examples = ["token = acme_Z3kP9qW2vB7nM4xL8rT1yU6iO0pA5sDf"]
negative_examples = ["token = acme_short", "acme_ is our prefix"]
"#;

fn user_config(sb: &Sandbox, text: &str) {
    let dir = sb.home().join(".config/tierzero");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), text).unwrap();
}

fn key_file(key: &str) -> String {
    format!("import os\nKEY = \"{key}\"\n")
}

fn rule_ids(repo: &Repo<'_>, extra: &[&str]) -> Vec<String> {
    repo.found(extra).into_iter().map(|(_, _, id)| id).collect()
}

/// All findings of a JSON scan (suppressed included) as ("path:line", rule, suppressed_by).
fn all_findings(repo: &Repo<'_>) -> Vec<(String, String, Option<String>)> {
    let (_, doc) = repo.scan_json(&[]);
    crate::common::all_json_findings(&doc)
        .iter()
        .map(|f| {
            (
                format!("{}:{}", f["path"].as_str().unwrap(), f["line"]),
                f["rule_id"].as_str().unwrap().to_string(),
                f.get("suppressed_by")
                    .and_then(|v| v.as_str())
                    .map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn user_layer_disables_and_repo_layer_reenables() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("app.py", key_file(&openai_key()));
    assert_eq!(rule_ids(&repo, &[]), vec!["openai-project-key"]);

    user_config(&sb, "disable = [\"openai-project-key\"]\n");
    assert!(
        rule_ids(&repo, &[]).is_empty(),
        "the user layer disables the rule"
    );
    let (code, _, _) = repo.run(&["scan"]);
    assert_eq!(code, 0);

    repo.write(".tierzero.toml", "enable = [\"openai-project-key\"]\n");
    assert_eq!(
        rule_ids(&repo, &[]),
        vec!["openai-project-key"],
        "the repo layer wins"
    );

    let (code, stdout, stderr) = repo.run(&["config"]);
    assert_eq!(code, 0, "{stderr}");
    let user_path = sb.home().join(".config/tierzero/config.toml");
    assert!(
        stdout.contains(&format!("disabled in {}", user_path.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "re-enabled in {}",
            repo.path.join(".tierzero.toml").display()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{}  [loaded]", user_path.display())),
        "{stdout}"
    );
}

#[test]
fn repo_override_changes_only_the_fields_it_sets() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    user_config(
        &sb,
        "[[override]]\nid = \"openai-project-key\"\ndescription = \"from the user\"\n",
    );
    repo.write(
        ".tierzero.toml",
        "[[override]]\nid = \"openai-project-key\"\ndescription = \"OpenAI key (team wording)\"\n",
    );
    repo.stage("app.py", key_file(&openai_key()));
    let (code, doc) = repo.scan_json(&[]);
    assert_eq!(code, 1);
    let f = &doc["findings"][0];
    assert_eq!(f["description"], "OpenAI key (team wording)");
    // Fields the override did not set are the built-in rule's.
    assert_eq!(f["remediation"]["env_var"], "OPENAI_API_KEY");

    let (_, stdout, _) = repo.run(&["config"]);
    let repo_file = repo.path.join(".tierzero.toml").display().to_string();
    assert!(
        stdout.contains(&format!("overridden in {repo_file}: description")),
        "{stdout}"
    );
}

#[test]
fn custom_rule_is_added_and_config_flag_replaces_the_repo_file() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write(
        ".tierzero.toml",
        format!("disable = [\"openai-project-key\"]\n{ACME_RULE}"),
    );
    repo.stage(
        "app.py",
        format!("{}T = \"{}\"\n", key_file(&openai_key()), acme_token()),
    );
    assert_eq!(rule_ids(&repo, &[]), vec!["acme-token"]);

    // --config replaces .tierzero.toml: its disable and its rule no longer apply.
    repo.write("other.toml", "compat = false\n");
    assert_eq!(
        rule_ids(&repo, &["--config", "other.toml"]),
        vec!["openai-project-key"]
    );
    let (_, stdout, _) = repo.run(&["config", "--config", "other.toml"]);
    assert!(stdout.contains("skipped (--config)"), "{stdout}");

    // A --config file that does not exist is an error, not a silent fallback.
    let (code, _, stderr) = repo.run(&["scan", "--config", "missing.toml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("missing.toml"), "{stderr}");
}

#[test]
fn no_default_rules_keeps_only_config_rules() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write(".tierzero.toml", ACME_RULE);
    repo.stage(
        "app.py",
        format!(
            "{}A = \"{}\"\nT = \"{}\"\n",
            key_file(&openai_key()),
            anthropic_key(),
            acme_token()
        ),
    );
    let mut all = rule_ids(&repo, &[]);
    all.sort();
    assert_eq!(
        all,
        vec!["acme-token", "anthropic-api-key", "openai-project-key"]
    );
    assert_eq!(rule_ids(&repo, &["--no-default-rules"]), vec!["acme-token"]);
    // Naming a built-in rule stays valid under --no-default-rules.
    repo.write(
        ".tierzero.toml",
        format!("disable = [\"aws-access-key-id\"]\n{ACME_RULE}"),
    );
    assert_eq!(rule_ids(&repo, &["--no-default-rules"]), vec!["acme-token"]);
}

/// Writes `.tierzero.toml`, runs `scan` and `config --check`: both must exit 2 with one line
/// naming the file, the line and `key`.
fn assert_config_error(config: &str, line: usize, key: &str) {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write(".tierzero.toml", config);
    repo.stage("app.py", key_file(&openai_key()));
    let file = repo.path.join(".tierzero.toml").display().to_string();
    for args in [&["scan"][..], &["config", "--check"][..]] {
        let (code, _, stderr) = repo.run(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
        assert!(
            stderr.contains(&format!("{file}:{line}:")),
            "{args:?} must name {file}:{line}: {stderr}"
        );
        assert!(stderr.contains(key), "{args:?} must name {key}: {stderr}");
    }
}

#[test]
fn config_errors_name_file_line_and_key() {
    assert_config_error("compat = true\nallowlist = [\"x\"]\n", 2, "allowlist");
    assert_config_error(
        "[allow]\npaths = [\"ok/**\"]\nregexs = [\"x\"]\n",
        3,
        "regexs",
    );
    assert_config_error(
        "[[rules]]\nid = \"bad\"\nkeywords = [\"tok_\"]\nregex = '''(tok_[a-z]+'''\n",
        4,
        "rules[0].regex",
    );
    assert_config_error(
        "[allow]\nregexes = [\n  \"fine\",\n  \"(unclosed\",\n]\n",
        4,
        "allow.regexes[1]",
    );
    assert_config_error(
        "[allow]\npaths = [\"docs/*.md\", \"fixtures/[a\"]\n",
        2,
        "allow.paths[1]",
    );
    assert_config_error(
        "disable = [\"openai-project-key\",\n  \"no-such-rule\"]\n",
        2,
        "disable[1]",
    );
    assert_config_error(
        "\n[[override]]\nid = \"no-such-rule\"\nentropy = 3.0\n",
        3,
        "override[0].id",
    );
    assert_config_error(
        &format!("{ACME_RULE}[[override]]\nid = \"acme-token\"\nregex = '(acme_'\n"),
        11,
        "override[0].regex",
    );
    // A custom rule whose own example does not fire, and one whose negative example does.
    let failing = ACME_RULE.replace(
        "examples = [\"token = acme_Z3kP9qW2vB7nM4xL8rT1yU6iO0pA5sDf\"]",
        "examples = [\"token = acme_Z3kP9qW2vB7n\"]",
    );
    assert_config_error(&failing, 7, "rules[0].examples[0]");
    let firing = ACME_RULE.replace(
        "\"token = acme_short\"",
        "\"token = acme_Z3kP9qW2vB7nM4xL8rT1yU6iO0pA5sDf\"",
    );
    assert_config_error(&firing, 8, "rules[0].negative_examples[0]");
    // Redefining an existing rule with [[rules]] points at [[override]].
    assert_config_error(
        "[[rules]]\nid = \"openai-project-key\"\nkeywords = [\"x\"]\nregex = \"x\"\n",
        2,
        "rules[0].id",
    );
}

#[test]
fn errors_in_the_user_layer_name_that_file() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    user_config(&sb, "# mine\n\ndisable = [\"nope\"]\n");
    let (code, _, stderr) = repo.run(&["config", "--check"]);
    assert_eq!(code, 2);
    let user = sb
        .home()
        .join(".config/tierzero/config.toml")
        .display()
        .to_string();
    assert!(stderr.contains(&format!("{user}:3:")), "{stderr}");
}

#[test]
fn config_check_accepts_a_valid_file() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write(
        ".tierzero.toml",
        format!("compat = true\n[allow]\npaths = [\"**/fixtures/**\"]\n{ACME_RULE}"),
    );
    let (code, stdout, stderr) = repo.run(&["config", "--check"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.is_empty() && stderr.contains("configuration OK"),
        "{stderr}"
    );
    let (_, stdout, _) = repo.run(&["config"]);
    assert!(stdout.contains("acme-token"), "{stdout}");
    assert!(stdout.contains("compat = true"), "{stdout}");
    assert!(stdout.contains("paths: \"**/fixtures/**\""), "{stdout}");
}

#[test]
fn path_allowlists_behave_like_gitignore() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write(
        ".tierzero.toml",
        "[allow]\npaths = [\"**/fixtures/**\", \"docs/*.md\", \"*.snap\"]\n",
    );
    let line = key_file(&openai_key());
    for path in [
        "tests/fixtures/a.py",
        "fixtures/deep/b.py",
        "docs/setup.md",
        "src/__snapshots__/x.snap",
        "docs/api/deeper.md",
        "src/docs/setup.md",
        "src/app.py",
    ] {
        repo.stage(path, &line);
    }
    let mut got = all_findings(&repo);
    got.sort();
    let allow = Some("allowlist".to_string());
    let want = vec![
        (
            "docs/api/deeper.md:2".to_string(),
            "openai-project-key".to_string(),
            None,
        ),
        (
            "docs/setup.md:2".into(),
            "openai-project-key".into(),
            allow.clone(),
        ),
        (
            "fixtures/deep/b.py:2".into(),
            "openai-project-key".into(),
            allow.clone(),
        ),
        (
            "src/__snapshots__/x.snap:2".into(),
            "openai-project-key".into(),
            allow.clone(),
        ),
        ("src/app.py:2".into(), "openai-project-key".into(), None),
        (
            "src/docs/setup.md:2".into(),
            "openai-project-key".into(),
            None,
        ),
        (
            "tests/fixtures/a.py:2".into(),
            "openai-project-key".into(),
            allow,
        ),
    ];
    assert_eq!(got, want);
}

#[test]
fn regex_stopword_and_per_rule_allowlists() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let key = openai_key();
    let acme = acme_token();
    repo.write(
        ".tierzero.toml",
        format!(
            "[allow]\nregexes = ['^sk-proj-pvXW']\nstopwords = ['q8zr4mw9']\n\
             {ACME_RULE}\n[rules.allow]\npaths = ['*.md']\n\n\
             [[override]]\nid = 'anthropic-api-key'\n[override.allow]\nregexes = ['^\\s*EXAMPLE_KEY =']\ntarget = 'line'\n"
        ),
    );
    repo.stage(
        "a.py",
        format!("K = \"{key}\"\nK2 = \"{}\"\n", common::openai_key_2()),
    );
    repo.stage("t.py", format!("T = \"{acme}\"\n"));
    repo.stage("b.py", "T = \"acme_Z3kP9qW2vB7nM4xL8rT1yU6iO0pA5sDf\"\n");
    repo.stage("n.md", "T = \"acme_Z3kP9qW2vB7nM4xL8rT1yU6iO0pA5sDf\"\n");
    repo.stage(
        "c.py",
        format!("EXAMPLE_KEY = \"{0}\"\nREAL = \"{0}\"\n", anthropic_key()),
    );
    let mut got = all_findings(&repo);
    got.sort();
    let allow = Some("allowlist".to_string());
    assert_eq!(
        got,
        vec![
            // Key 1 matches the global secret regex; key 2 does not.
            (
                "a.py:1".to_string(),
                "openai-project-key".to_string(),
                allow.clone()
            ),
            ("a.py:2".into(), "openai-project-key".into(), None),
            ("b.py:1".into(), "acme-token".into(), None),
            // The override's line regex covers only the EXAMPLE_KEY line.
            ("c.py:1".into(), "anthropic-api-key".into(), allow.clone()),
            ("c.py:2".into(), "anthropic-api-key".into(), None),
            // The custom rule's own path allowlist.
            ("n.md:1".into(), "acme-token".into(), allow.clone()),
            // The global stopword (case-insensitive) covers this token.
            ("t.py:1".into(), "acme-token".into(), allow),
        ]
    );
}

/// The annotated example in docs/CONFIG.md.
fn documented_example() -> String {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/CONFIG.md")).unwrap();
    let section = &doc[doc.find("## A complete example").expect("section")..];
    let start = section.find("```toml\n").expect("toml block") + "```toml\n".len();
    let end = section[start..].find("```").unwrap();
    section[start..start + end].to_string()
}

#[test]
fn the_documented_example_loads_and_works() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write(".tierzero.toml", documented_example());
    let (code, _, stderr) = repo.run(&["config", "--check"]);
    assert_eq!(code, 0, "{stderr}");
    let token = acme_token();
    repo.stage("app.py", format!("T = \"{token}\"\n"));
    repo.stage("sandbox/t.py", format!("T = \"{token}\"\n"));
    repo.stage("docs/readme.md", format!("T = \"{token}\"\n"));
    assert_eq!(
        repo.found(&[]),
        vec![("app.py".to_string(), 1, "acme-token".to_string())]
    );
    let (_, stdout, _) = repo.run(&["config"]);
    assert!(
        stdout.contains("aws-access-key-id                    disabled"),
        "{stdout}"
    );
    assert!(stdout.contains(": description, entropy, allow"), "{stdout}");
}

#[test]
fn a_broken_config_refuses_the_commit_through_the_hook() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.install_hook();
    repo.write(".tierzero.toml", "[allow]\npaths = ['fixtures/[']\n");
    repo.stage("clean.py", "print('hello')\n");
    let (ok, out) = repo.commit(&[]);
    assert!(!ok, "a broken config must fail closed: {out}");
    assert!(
        out.contains(".tierzero.toml:2: key `allow.paths[0]`"),
        "{out}"
    );
    repo.write(".tierzero.toml", "[allow]\npaths = ['fixtures/']\n");
    let (ok, out) = repo.commit(&[]);
    assert!(ok, "{out}");
}
