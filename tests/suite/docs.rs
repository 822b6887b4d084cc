//! The documentation is tested as written: every ` ```sh ` block of README.md and docs/*.md
//! runs in a scratch repository (its own HOME, a bare `origin` with `main`, tierzero on
//! PATH) and must exit 0 or 1; blocks marked `<!-- docs-test: skip (why) -->` on the line
//! above only have to parse (`bash -n`). The README's example rule is the real rule, and
//! its command table names every flag `--help` lists.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::CommandFactory;

use crate::common::Sandbox;

const SKIP: &str = "<!-- docs-test: skip (";

/// A shell block: where it is, its text, and the skip reason if marked.
struct Block {
    at: String,
    text: String,
    skip: Option<String>,
}

fn doc_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

fn shell_blocks() -> Vec<Block> {
    let mut blocks = Vec::new();
    for file in doc_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let mut i = 0;
        while i < lines.len() {
            let Some(info) = lines[i].trim_start().strip_prefix("```") else {
                i += 1;
                continue;
            };
            let info = info.trim().to_string();
            let start = i;
            i += 1;
            let mut body = Vec::new();
            while i < lines.len() && lines[i].trim() != "```" {
                body.push(lines[i]);
                i += 1;
            }
            i += 1;
            if !matches!(info.as_str(), "sh" | "bash" | "shell") {
                continue;
            }
            let skip = start
                .checked_sub(1)
                .and_then(|p| lines[p].trim().strip_prefix(SKIP))
                .map(|r| {
                    r.trim_end_matches("-->")
                        .trim()
                        .trim_end_matches(')')
                        .to_string()
                });
            blocks.push(Block {
                at: format!("{name}:{}", start + 1),
                text: body.join("\n") + "\n",
                skip,
            });
        }
    }
    blocks
}

/// A scratch repository: one commit on `main`, pushed to a bare `origin`, then a second
/// commit; `tierzero` on PATH.
fn scratch(sb: &Sandbox) -> (PathBuf, String) {
    let origin = sb.dir.path().join("origin.git");
    let repo = sb.repo("project");
    repo.stage("app.py", "print('hello')\n");
    repo.commit_setup("first");
    let status = Command::new("git")
        .args(["init", "-q", "--bare"])
        .arg(&origin)
        .status()
        .unwrap();
    assert!(status.success());
    repo.git(&["remote", "add", "origin", &origin.display().to_string()]);
    repo.git(&["push", "-q", "origin", "main"]);
    repo.stage("lib.py", "x = 1\n");
    repo.commit_setup("second");
    let bin = sb.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(
        assert_cmd::cargo::cargo_bin("tierzero"),
        bin.join("tierzero"),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (repo.path.clone(), path)
}

#[test]
fn every_shell_block_in_the_docs_runs_as_written() {
    let blocks = shell_blocks();
    assert!(blocks.len() >= 10, "found only {} blocks", blocks.len());
    let mut failures = Vec::new();
    let mut ran = 0;
    for block in &blocks {
        let parse = Command::new("bash")
            .args(["-n", "-c", &block.text])
            .output()
            .unwrap();
        if !parse.status.success() {
            failures.push(format!(
                "{}: does not parse: {}",
                block.at,
                String::from_utf8_lossy(&parse.stderr)
            ));
            continue;
        }
        if let Some(reason) = &block.skip {
            assert!(!reason.is_empty(), "{}: a skip needs a reason", block.at);
            continue;
        }
        let sb = Sandbox::new();
        let (dir, path) = scratch(&sb);
        let mut cmd = Command::new("bash");
        cmd.args(["-e", "-c", &block.text, "docs-snippet"])
            .current_dir(&dir)
            .env("PATH", path);
        sb.env(&mut cmd);
        let out = cmd.output().unwrap();
        ran += 1;
        let code = out.status.code().unwrap_or(-1);
        if code != 0 && code != 1 {
            failures.push(format!(
                "{}: exit {code}\n{}\n--- stderr:\n{}",
                block.at,
                block.text,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    println!("docs: ran {ran} of {} shell blocks", blocks.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_readme_rule_example_is_the_real_rule() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("```toml\n[[rules]]\nid = 'openai-project-key'")
        .unwrap()
        + 8;
    let end = start + readme[start..].find("```").unwrap();
    let doc: toml::Table = toml::from_str(&readme[start..end]).unwrap();
    let example = &doc["rules"].as_array().unwrap()[0];
    let rules = tierzero::rules::RuleSet::builtin_rules().unwrap();
    let real = rules
        .iter()
        .find(|r| r.id() == "openai-project-key")
        .unwrap();
    let keywords: Vec<&str> = example["keywords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    let real_keywords: Vec<&str> = real.spec.keywords.iter().map(|k| k.as_ref()).collect();
    assert_eq!(keywords, real_keywords);
    assert_eq!(example["regex"].as_str(), real.spec.regex.as_deref());
    assert_eq!(example["entropy"].as_float(), real.spec.entropy);
    assert_eq!(example["env_var"].as_str(), real.spec.env_var.as_deref());
    assert_eq!(
        example["rotate_url"].as_str(),
        real.spec.rotate_url.as_deref()
    );
}

#[test]
fn the_readme_names_every_flag_help_lists() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let cli = tierzero::cli::Cli::command();
    let mut missing = Vec::new();
    let mut commands = vec![cli.clone()];
    commands.extend(cli.get_subcommands().filter(|c| !c.is_hide_set()).cloned());
    for cmd in &commands {
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                if matches!(long, "help" | "version") {
                    continue;
                }
                if !readme.contains(&format!("--{long}")) {
                    missing.push(format!("{} --{long}", cmd.get_name()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "README does not mention: {missing:?}");
}
