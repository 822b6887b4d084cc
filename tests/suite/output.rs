//! Output errors are handled as ripgrep handles them: a reader that goes away (`| head`) is a
//! quiet, normal end with the scan's own exit status; a stream that cannot be written
//! (`2>/dev/full`) never aborts the process, and exits 2 only when there was something to
//! report that could not be reported.

use crate::common;

use std::io::Read;
use std::process::{Command, Stdio};

use common::{openai_key, Repo, Sandbox};

/// Runs `tierzero ARGS` in `repo` with stdout a pipe whose reader is closed before the
/// binary writes (the binary starts after a short delay); returns (status code, stderr).
fn with_closed_stdout(repo: &Repo<'_>, args: &[&str]) -> (Option<i32>, String) {
    let bin = assert_cmd::cargo::cargo_bin("tierzero");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(r#"sleep 0.3; exec "$0" "$@""#)
        .arg(&bin)
        .args(args)
        .current_dir(&repo.path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    repo.sandbox.env(&mut cmd);
    let mut child = cmd.spawn().unwrap();
    // Close the reading end now: every write the binary makes gets EPIPE.
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code(), stderr)
}

/// Runs `tierzero ARGS` in `repo` with one stream on /dev/full.
fn with_full(repo: &Repo<'_>, args: &[&str], stderr_full: bool) -> (Option<i32>, Vec<u8>) {
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let mut cmd = repo.tierzero();
    cmd.args(args).stdin(Stdio::null());
    if stderr_full {
        cmd.stderr(full()).stdout(Stdio::piped());
    } else {
        cmd.stdout(full()).stderr(Stdio::piped());
    }
    let out = cmd.output().unwrap();
    let other = if stderr_full { out.stdout } else { out.stderr };
    (out.status.code(), other)
}

fn repos(sb: &Sandbox) -> (Repo<'_>, Repo<'_>) {
    let clean = sb.repo("clean");
    clean.stage("app.py", "print('hello')\n");
    let dirty = sb.repo("dirty");
    dirty.stage("app.py", format!("OPENAI_API_KEY = \"{}\"\n", openai_key()));
    (clean, dirty)
}

#[test]
fn a_closed_pipe_is_a_quiet_normal_exit() {
    let sb = Sandbox::new();
    let (clean, dirty) = repos(&sb);
    for (repo, args, want) in [
        (&clean, &["rules"][..], 0),
        (&clean, &["scan", "--format", "json"][..], 0),
        (&dirty, &["scan", "--format", "json"][..], 1),
        (&dirty, &["scan", "--format", "sarif"][..], 1),
    ] {
        let (code, stderr) = with_closed_stdout(repo, args);
        assert_eq!(
            code,
            Some(want),
            "{args:?}: killed by a signal or wrong status\n{stderr}"
        );
        assert!(!stderr.contains("internal error"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_full_stderr_never_aborts() {
    let sb = Sandbox::new();
    let (clean, dirty) = repos(&sb);
    // Clean: the exit status says everything; a lost summary line loses nothing.
    let (code, _) = with_full(&clean, &["scan"], true);
    assert_eq!(code, Some(0), "clean scan with stderr full");
    // A secret whose report cannot be written: fail closed with 2 (never a signal, never 0).
    let (code, _) = with_full(&dirty, &["scan"], true);
    assert_eq!(code, Some(2), "blocked scan with stderr full");
    // The hook entry point behaves the same way.
    let (code, _) = with_full(&dirty, &["hook", "pre-commit"], true);
    assert_eq!(code, Some(2));
    // An error message that cannot be written still exits 2.
    let (code, _) = with_full(&clean, &["scan", "--range", "no-such-rev"], true);
    assert_eq!(code, Some(2));
}

#[test]
fn a_full_stdout_is_an_error_with_a_reason() {
    let sb = Sandbox::new();
    let (clean, dirty) = repos(&sb);
    for repo in [&clean, &dirty] {
        let (code, stderr) = with_full(repo, &["scan", "--format", "json"], false);
        let stderr = String::from_utf8_lossy(&stderr);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains("writing to standard output"), "{stderr}");
        assert!(!stderr.contains("internal error"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    }
}
