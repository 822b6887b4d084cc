//! `install.sh`: options, prerequisites and exit codes. The full build is one ignored test
//! (it compiles a release binary): `cargo test --test install_script -- --ignored`.

use crate::common;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{openai_key, Sandbox};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("install.sh")
}

fn run(sb: &Sandbox, cwd: &Path, args: &[&str], path: Option<&str>) -> Output {
    let mut cmd = Command::new(script());
    cmd.args(args).current_dir(cwd);
    sb.env(&mut cmd);
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    cmd.output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn help_documents_every_option_and_bad_options_exit_2() {
    let sb = Sandbox::new();
    let out = run(&sb, sb.dir.path(), &["--help"], None);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out);
    let source = std::fs::read_to_string(script()).unwrap();
    // Every option the parser accepts is in the help.
    for line in source.lines() {
        let line = line.trim_start();
        if let Some(opt) = line
            .strip_prefix("--")
            .and_then(|l| l.split([')', '=', '|']).next())
        {
            if line.contains(')') && !opt.is_empty() && !opt.contains(' ') && !opt.contains('*') {
                assert!(
                    help.contains(&format!("--{opt}")),
                    "--{opt} undocumented:\n{help}"
                );
            }
        }
    }
    for opt in [
        "--prefix",
        "--global",
        "--template",
        "--pre-push",
        "--husky",
        "--force",
        "--no-hooks",
        "--dry-run",
        "--quiet",
        "Exit codes",
    ] {
        assert!(help.contains(opt), "{opt}:\n{help}");
    }
    let out = run(&sb, sb.dir.path(), &["--bogus"], None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = run(&sb, sb.dir.path(), &["--template"], None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "--template needs --global: {}",
        text(&out)
    );
}

#[test]
fn missing_cargo_and_git_are_named_up_front() {
    let sb = Sandbox::new();
    let bin = sb.dir.path().join("minimal-bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["sh", "dirname"] {
        let real = ["/bin", "/usr/bin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists())
            .unwrap();
        symlink(real, bin.join(tool)).unwrap();
    }
    let out = run(&sb, sb.dir.path(), &[], Some(bin.to_str().unwrap()));
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out);
    assert!(t.contains("cargo") && t.contains("git"), "{t}");
}

#[test]
fn outside_a_repository_it_stops_before_building() {
    let sb = Sandbox::new();
    let out = run(
        &sb,
        sb.dir.path(),
        &["--prefix", sb.dir.path().join("p").to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("--global"), "{}", text(&out));
}

#[test]
fn dry_run_builds_and_changes_nothing() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let prefix = sb.dir.path().join("prefix");
    let out = run(
        &sb,
        &repo.path,
        &["--dry-run", "--prefix", prefix.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("would run: cargo install --path") && t.contains("--locked"),
        "{t}"
    );
    assert!(!prefix.exists());
    assert!(!repo.path.join(".git/hooks/pre-commit").exists());
}

#[test]
#[ignore = "builds a release binary with cargo install (minutes)"]
fn full_install_then_a_commit_with_a_key_is_refused() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let prefix = sb.dir.path().join("prefix");
    let mut cmd = Command::new(script());
    cmd.args(["--prefix", prefix.to_str().unwrap()])
        .current_dir(&repo.path);
    sb.env(&mut cmd);
    // The sandbox HOME hides rustup's toolchains: point at the real ones.
    for var in ["RUSTUP_HOME", "CARGO_HOME"] {
        if std::env::var_os(var).is_none() {
            let home = std::env::var("HOME").unwrap();
            let dir = if var == "RUSTUP_HOME" {
                ".rustup"
            } else {
                ".cargo"
            };
            cmd.env(var, Path::new(&home).join(dir));
        }
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(prefix.join("bin/tierzero").exists());
    let again = cmd.output().unwrap();
    assert_eq!(again.status.code(), Some(0), "idempotent: {}", text(&again));
    assert!(
        text(&again).contains("already installed"),
        "{}",
        text(&again)
    );
    repo.stage("leak.py", format!("K = '{}'\n", openai_key()));
    let (ok, out) = repo.commit(&[]);
    assert!(!ok, "{out}");
}
