//! No message of any kind prints more of a key than a report's preview: config errors that
//! quote a value, argument errors that quote an argument, and paths whose names hold a key.

use crate::common;

use common::{openai_key, Sandbox};

#[test]
fn config_errors_never_quote_a_key() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("a.py", "x = 1\n");
    let key = openai_key();
    for config in [
        format!("disable = [\"{key}\"]\n"),
        format!("[[rules]]\nid = \"{key}\"\nkeywords = [\"x\"]\nregex = \"(\"\n"),
        format!("[allowlist]\npaths = 12\nregexes = [\"{key}\"]\nstopwords = 3\n"),
        format!("unknown_key = \"{key}\"\n"),
        format!("[[rules]]\nid = \"r\"\nkeywords = [\"{key}\"]\nregex = \"(\"\n"),
    ] {
        repo.write(".tierzero.toml", &config);
        let (code, out, err) = repo.run(&["scan"]);
        assert_eq!(code, 2, "{config}\n{out}{err}");
        assert!(
            !out.contains(&key) && !err.contains(&key),
            "{config}\n{err}"
        );
        assert!(!err.contains(&key[..30]), "more than the preview: {err}");
        let (_, out, err) = repo.run(&["config", "--check"]);
        assert!(
            !out.contains(&key[..30]) && !err.contains(&key[..30]),
            "{err}"
        );
    }
}

#[test]
fn argument_errors_never_quote_a_key() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let key = openai_key();
    for args in [
        vec!["rules", "--explain", key.as_str()],
        vec!["ignore", key.as_str(), "--reason", "x"],
        vec!["scan", "--format", key.as_str()],
        vec!["scan", "--range", key.as_str()],
        vec!["scan", "--max-file-size", key.as_str()],
        vec![key.as_str()],
    ] {
        let (code, out, err) = repo.run(&args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(
            !out.contains(&key[..30]) && !err.contains(&key[..30]),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_key_in_a_file_name_is_found_and_never_printed_in_full() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let key = openai_key();
    let dir = format!("keys/{key}");
    repo.stage(&format!("{dir}/notes.txt"), "hello\n");
    let (code, out, err) = repo.run(&["scan"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(!err.contains(&key[..30]), "{err}");
    assert!(
        err.contains("keys/sk-proj"),
        "the redacted path is shown: {err}"
    );
    for format in ["json", "sarif", "junit"] {
        let (_, out, err) = repo.run(&["scan", "--format", format]);
        assert!(
            !out.contains(&key[..30]) && !err.contains(&key[..30]),
            "{format}: {out}"
        );
    }
}

#[test]
fn control_characters_in_file_names_are_escaped_on_the_terminal() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage(
        "evil\u{1b}[2Jname.py",
        format!("KEY = \"{}\"\n", openai_key()),
    );
    let (code, _, err) = repo.run(&["scan"]);
    assert_eq!(code, 1);
    assert!(
        !err.contains('\u{1b}'),
        "raw escape reached the terminal: {err:?}"
    );
    assert!(err.contains("evil\\x1b[2Jname.py"), "{err}");
}
