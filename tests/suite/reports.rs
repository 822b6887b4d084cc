//! What the reports say, read as the documents they are: JSON with reported and suppressed
//! findings apart, JSON lines, SARIF URIs from the repository root, the human report's
//! remediation per mode (first commit, later commits, ranges), an ignore hint that runs as
//! printed, every path of a copied blob in a history scan, a config whose own examples do
//! not block its commit, colour choices, completions and the man page.

use crate::common::{openai_key, openai_key_2, Sandbox};

fn secret_line() -> String {
    format!("OPENAI_API_KEY = \"{}\"\n", openai_key())
}

#[test]
fn json_separates_reported_from_suppressed_and_jsonl_has_one_finding_per_line() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage(
        "app.py",
        format!(
            "{}ALLOWED = \"{}\"  # tierzero:allow\n",
            secret_line(),
            openai_key_2()
        ),
    );
    let (code, doc) = repo.scan_json(&[]);
    assert_eq!(code, 1);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{doc}");
    assert!(findings[0].get("suppressed_by").is_none());
    assert_eq!(findings[0]["line"], 1);
    let suppressed = doc["suppressed"].as_array().unwrap();
    assert_eq!(suppressed.len(), 1, "{doc}");
    assert_eq!(suppressed[0]["line"], 2);
    assert_eq!(suppressed[0]["suppressed_by"], "inline");
    assert!(suppressed[0]["reason"]
        .as_str()
        .unwrap()
        .contains("tierzero:allow"));
    assert_eq!(doc["summary"]["findings"], 1);
    assert_eq!(doc["summary"]["suppressed"], 1);

    let (code, out, err) = repo.run(&["scan", "--format", "jsonl"]);
    assert_eq!(code, 1);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert_eq!(lines[0]["rule_id"], "openai-project-key");
    assert!(err.contains("1 secret found"), "{err}");
    let (_, out, _) = repo.run(&["scan", "--format", "jsonl", "--verbose"]);
    assert_eq!(out.lines().count(), 2, "{out}");
}

#[test]
fn sarif_uris_are_relative_to_the_repository_root_and_descriptions_short() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write("sub/app.py", secret_line());
    let abs = repo.path.canonicalize().unwrap();
    let runs = |args: &[&str], dir: &std::path::Path| -> serde_json::Value {
        let out = repo
            .tierzero_in(dir)
            .args(["scan", "--format", "sarif"])
            .args(args)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).expect("SARIF parses")
    };
    for (args, dir) in [
        (
            vec!["--dir".to_string(), abs.display().to_string()],
            abs.clone(),
        ),
        (
            vec!["--files".to_string(), "../sub/app.py".to_string()],
            abs.join("sub"),
        ),
        (
            vec!["--files".to_string(), "app.py".to_string()],
            abs.join("sub"),
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let log = runs(&args, &dir);
        let run = &log["runs"][0];
        let location = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(location["uri"], "sub/app.py", "{args:?}: {location}");
        assert_eq!(location["uriBaseId"], "%SRCROOT%");
        assert!(run.get("automationDetails").is_none(), "{run}");
        let rule = &run["tool"]["driver"]["rules"][0];
        let short = rule["shortDescription"]["text"].as_str().unwrap();
        let full = rule["fullDescription"]["text"].as_str().unwrap();
        assert!(
            short.len() < full.len() && short.len() <= 60,
            "{short:?} / {full:?}"
        );
    }

    // --output: the report in the file, the one-line summary on stderr.
    let (code, out, err) = repo.run(&[
        "scan",
        "--dir",
        ".",
        "--format",
        "sarif",
        "--output",
        "out.sarif",
    ]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.starts_with("tierzero: 1 secret found"), "{err}");
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.path.join("out.sarif")).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
}

#[test]
fn remediation_per_mode_and_an_ignore_hint_that_runs_as_printed() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("app.py", secret_line());
    // The first commit: there is no HEAD to restore from.
    let (code, _, err) = repo.run(&["scan", "--color", "never"]);
    assert_eq!(code, 1);
    assert!(err.contains("unstage  git rm --cached -- app.py"), "{err}");
    assert!(err.contains("delete the key from app.py"), "{err}");
    assert!(err.contains("commit .tierzero-ignore"), "{err}");
    assert!(!err.contains("git restore --staged"), "{err}");

    repo.git(&["rm", "-q", "--cached", "app.py"]);
    repo.stage("README", "x\n");
    repo.commit_setup("first");
    repo.stage("app.py", secret_line());
    let (_, _, err) = repo.run(&["scan"]);
    assert!(
        err.contains("unstage  git restore --staged -- app.py"),
        "{err}"
    );

    // The hint names this binary by its absolute path: it is not `tierzero` on PATH.
    let hint = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("ignore   "))
        .expect("an ignore line")
        .to_string();
    let exe = assert_cmd::cargo::cargo_bin("tierzero");
    assert!(
        hint.starts_with(&format!(
            "{} ignore ",
            exe.canonicalize().unwrap().display()
        )),
        "{hint}"
    );
    let ran = std::process::Command::new("sh")
        .arg("-c")
        .arg(&hint)
        .current_dir(&repo.path)
        .env("HOME", sb.home())
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert!(ran.status.success(), "{hint}");
    assert!(
        String::from_utf8_lossy(&ran.stdout).contains("git add .tierzero-ignore"),
        "the ignore command says to commit the file"
    );
    let (code, _, _) = repo.run(&["scan"]);
    assert_eq!(code, 0, "the printed ignore command took effect");

    // A range report: no unstage line, and how to purge history.
    repo.remove(".tierzero-ignore");
    repo.commit_setup("add key");
    let (code, _, err) = repo.run(&["scan", "--range", "HEAD~1..HEAD"]);
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("unstage"), "{err}");
    assert!(err.contains("git filter-repo"), "{err}");
}

#[test]
fn all_history_reports_every_path_of_a_copied_blob() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("a.py", secret_line());
    repo.stage("b.py", secret_line());
    repo.commit_setup("two copies");
    let found = repo.found(&["--all-history"]);
    let paths: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(paths, ["a.py", "b.py"], "{found:?}");
    let ranged = repo.found(&["--range", "HEAD"]);
    assert_eq!(ranged.len(), 2, "{ranged:?}");
}

#[test]
fn a_config_with_custom_rules_and_examples_can_be_committed() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let (code, _, err) = repo.install_hook();
    assert_eq!(code, 0, "{err}");
    let token = format!("acme_{}", "Z3kP9qW2vB7nM4xL8rT1yU6iO0pA5sDf");
    repo.stage(
        ".tierzero.toml",
        format!(
            "[[rules]]\nid = \"acme-token\"\ndescription = \"ACME token\"\nkeywords = [\"acme_\"]\n\
             regex = '''(?:^|[^0-9A-Za-z])(acme_[A-Za-z0-9]{{32}})(?:[^0-9A-Za-z]|$)'''\n\
             examples = [\n  'ACME_TOKEN = \"{token}\"',\n  \"ACME_TOKEN={token} OPENAI_API_KEY={}\",\n]\n",
            openai_key()
        ),
    );
    let (ok, out) = repo.commit(&[]);
    assert!(ok, "the config's own examples blocked its commit: {out}");
    // The same key anywhere else is still a finding.
    repo.stage("app.env", format!("ACME_TOKEN={token}\n"));
    let (ok, out) = repo.commit(&[]);
    assert!(!ok, "{out}");
    assert!(out.contains("acme-token"), "{out}");
}

#[test]
fn colour_follows_the_flag_no_color_and_clicolor_force() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("app.py", secret_line());
    let stderr = |args: &[&str], env: &[(&str, &str)]| -> String {
        let mut cmd = repo.tierzero();
        cmd.arg("scan").args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        String::from_utf8_lossy(&cmd.output().unwrap().stderr).into_owned()
    };
    let esc = |s: &str| s.contains('\u{1b}');
    assert!(!esc(&stderr(&[], &[])), "a pipe is not a terminal");
    assert!(esc(&stderr(&["--color", "always"], &[])));
    assert!(esc(&stderr(&[], &[("CLICOLOR_FORCE", "1")])));
    assert!(!esc(&stderr(
        &[],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
    )));
    assert!(!esc(&stderr(
        &["--color", "never"],
        &[("CLICOLOR_FORCE", "1")]
    )));
    let coloured = stderr(&["--color", "always"], &[]);
    let plain = stderr(&["--color", "never"], &[]);
    let stripped = String::from_utf8(anstream_free(&coloured)).unwrap();
    assert_eq!(
        stripped
            .lines()
            .filter(|l| !l.contains(" ms"))
            .collect::<Vec<_>>(),
        plain
            .lines()
            .filter(|l| !l.contains(" ms"))
            .collect::<Vec<_>>()
    );
}

/// `text` without ANSI escape sequences (CSI … final byte).
fn anstream_free(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
            i += 2;
            while i < bytes.len() && !(0x40..=0x7e).contains(&bytes[i]) {
                i += 1;
            }
            i += 1;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn completions_and_man_page() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef tierzero"),
        ("fish", "complete -c tierzero"),
    ] {
        let (code, out, err) = repo.run(&["completions", shell]);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains(marker),
            "{shell}: {}",
            &out[..out.len().min(200)]
        );
        assert!(
            out.contains("all-history"),
            "{shell} completes scan's flags"
        );
    }
    let (code, out, _) = repo.run(&["man"]);
    assert_eq!(code, 0);
    assert!(out.contains(".TH tierzero 1"), "{}", &out[..200]);
    assert!(out.contains(".TH tierzero-scan 1"));
    assert!(out.contains("all\\-history"));
    let (_, out, _) = repo.run(&["uninstall", "--help"]);
    assert!(out.starts_with("Remove tierzero's hooks"), "{out}");
}

#[test]
fn status_and_dry_runs_speak_in_words() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let (code, out, err) = repo.run(&["install", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("would install"), "{out}");
    assert!(!out.contains("installed"), "{out}");
    let (code, _, err) = repo.run(&["install", "--global"]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = repo.run(&["status"]);
    assert!(out.contains("global install: core.hooksPath"), "{out}");
    for variant in ["HooksPath", "ExistingTemplate", "Some(", "None"] {
        assert!(!out.contains(variant), "{variant} in {out}");
    }
}

#[test]
fn install_sh_completions_land_where_the_shells_look() {
    // A stand-in `cargo` that "installs" by linking the built binary, so the script runs
    // end to end without a release build.
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let prefix = sb.dir.path().join("prefix");
    std::fs::create_dir_all(prefix.join("bin")).unwrap();
    let fake = sb.dir.path().join("fakebin");
    std::fs::create_dir_all(&fake).unwrap();
    let built = assert_cmd::cargo::cargo_bin("tierzero");
    std::fs::write(
        fake.join("cargo"),
        format!(
            "#!/bin/sh\nln -sf '{}' '{}'\n",
            built.display(),
            prefix.join("bin/tierzero").display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(fake.join("cargo"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("install.sh");
    let mut cmd = std::process::Command::new(&script);
    cmd.args(["--no-hooks", "--completions", "--prefix"])
        .arg(&prefix)
        .current_dir(&repo.path);
    sb.env(&mut cmd);
    cmd.env_remove("XDG_DATA_HOME").env(
        "PATH",
        format!("{}:{}", fake.display(), std::env::var("PATH").unwrap()),
    );
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let home = sb.home();
    for (file, marker) in [
        (
            home.join(".local/share/bash-completion/completions/tierzero"),
            "complete -F",
        ),
        (home.join(".zfunc/_tierzero"), "#compdef tierzero"),
        (
            sb.home().join(".config/fish/completions/tierzero.fish"),
            "complete -c tierzero",
        ),
    ] {
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(text.contains(marker), "{}", file.display());
    }
}
