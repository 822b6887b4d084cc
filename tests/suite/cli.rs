//! The command line itself: help text, rule listing, usage errors.

use crate::common;

use common::Sandbox;

#[test]
fn help_documents_exit_codes() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let (code, stdout, _) = repo.run(&["--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("1  secrets found"), "{stdout}");
    assert!(stdout.contains("2  error"), "{stdout}");
}

#[test]
fn rules_lists_and_explains() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let (code, stdout, _) = repo.run(&["rules"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("openai-project-key"), "{stdout}");
    assert!(stdout.contains("keywords: sk-proj-"), "{stdout}");
    // Each rule says where it lives.
    let line = stdout
        .lines()
        .find(|l| l.starts_with("openai-project-key "))
        .expect("listed");
    assert!(line.contains("OpenAI project API key"), "{line}");
    let at: usize = line
        .split("rules.toml:")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a rules.toml line number");
    let toml = tierzero::rules::RULES_TOML;
    assert_eq!(
        toml.lines().nth(at - 1),
        Some("id = \"openai-project-key\"")
    );
    let (code, stdout, _) = repo.run(&["rules", "--explain", "openai-project-key"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("rotate at:  https://"), "{stdout}");
    assert!(stdout.contains("env var:    OPENAI_API_KEY"), "{stdout}");
    let (code, _, stderr) = repo.run(&["rules", "--explain", "no-such-rule"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no rule"), "{stderr}");
}

#[test]
fn unknown_flag_is_an_error_not_a_pass() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let (code, _, _) = repo.run(&["scan", "--no-such-flag"]);
    assert_eq!(code, 2);
}
