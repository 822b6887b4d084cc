//! What hook managers run: the `.pre-commit-hooks.yaml` entries, called the way the
//! pre-commit framework calls them (entry + file names).

use crate::common;

use common::{openai_key, Sandbox};

fn key_line() -> String {
    format!("OPENAI_API_KEY = \"{}\"\n", openai_key())
}

/// `(id, entry, language, pass_filenames)` of each hook in `.pre-commit-hooks.yaml`.
fn hooks() -> Vec<(String, String, String, bool)> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/.pre-commit-hooks.yaml"
    ))
    .unwrap();
    let mut out = Vec::new();
    for block in text.split("\n- ").skip(1) {
        let field = |name: &str| {
            block
                .lines()
                .map(|l| l.trim_start_matches("- ").trim())
                .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                .map(str::to_string)
        };
        out.push((
            field("id").unwrap(),
            field("entry").unwrap(),
            field("language").unwrap(),
            field("pass_filenames").as_deref() != Some("false"),
        ));
    }
    out
}

#[test]
fn pre_commit_hooks_yaml_offers_rust_and_system_variants() {
    let hooks = hooks();
    let ids: Vec<&str> = hooks.iter().map(|h| h.0.as_str()).collect();
    assert_eq!(
        ids,
        [
            "tierzero",
            "tierzero-python",
            "tierzero-system",
            "tierzero-files",
            "tierzero-files-system"
        ]
    );
    let lang = |id: &str| hooks.iter().find(|h| h.0 == id).unwrap().2.clone();
    assert_eq!(lang("tierzero"), "rust");
    assert_eq!(lang("tierzero-system"), "system");
    // The wheel (pyproject.toml, maturin) installs the binary without a Rust toolchain.
    assert_eq!(lang("tierzero-python"), "python");
    for (id, entry, _, pass) in &hooks {
        if id.contains("files") {
            assert!(entry.ends_with("--files") && *pass, "{id}");
        } else {
            // File names are passed: they tell an `--all-files` run from a commit.
            assert!(entry == "tierzero scan --staged" && *pass, "{id}");
        }
    }
}

#[test]
fn staged_entry_scans_the_index_whatever_file_names_it_is_given() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("b.py", "x = 1\n");
    repo.commit_setup("base");
    repo.stage("a.py", key_line());
    // An unstaged key in the working tree is not part of the commit.
    repo.write("b.py", format!("x = 1\n{}", key_line()));
    // Names as a framework would pass them (even the wrong ones): the index decides.
    let found = repo.found(&["--staged", "b.py", "clean.txt"]);
    assert_eq!(found, vec![("a.py".into(), 1, "openai-project-key".into())]);
    let (code, _, _) = repo.run(&["scan", "--staged", "b.py"]);
    assert_eq!(code, 1, "no silent pass because the names were elsewhere");
}

#[test]
fn files_entry_scans_the_whole_files_passed_as_with_all_files() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("old.py", key_line());
    repo.commit_setup("an old key, committed long ago");
    repo.stage("clean.txt", "fine\n");
    // `pre-commit run tierzero-files --all-files` appends every tracked file.
    let hooks = hooks();
    let entry = &hooks
        .iter()
        .find(|h| h.0 == "tierzero-files-system")
        .unwrap()
        .1;
    let mut args: Vec<&str> = entry.split_whitespace().skip(1).collect();
    args.extend(["old.py", "clean.txt"]);
    let (code, _, stderr) = repo.run(&args);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("old.py:1:"), "{stderr}");
    // The staged entry given files without a staged change (`--all-files`) scans their
    // whole staged contents too: no silent pass.
    assert_eq!(repo.run(&["scan", "--staged", "old.py", "clean.txt"]).0, 1);
    // In a commit it is given the staged files, and sees only what they add.
    assert_eq!(repo.run(&["scan", "--staged", "clean.txt"]).0, 0);
}
