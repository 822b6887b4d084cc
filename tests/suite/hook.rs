//! Real `git commit` runs with the hook installed.

use crate::common;

use common::{openai_key, Sandbox};

#[test]
fn commit_with_key_is_refused_and_clean_commit_passes() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let (code, stdout, stderr) = repo.install_hook();
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(repo.path.join(".git/hooks/pre-commit").exists());

    repo.stage("clean.py", "print('hello')\n");
    let (ok, out) = repo.commit(&[]);
    assert!(ok, "clean commit must pass: {out}");

    repo.stage("leak.py", format!("KEY = '{}'\n", openai_key()));
    let (ok, out) = repo.commit(&[]);
    assert!(!ok, "commit with a key must be refused");
    assert!(out.contains("leak.py:1:"), "{out}");
    assert!(out.contains("git restore --staged"), "{out}");
    assert!(
        out.contains("https://platform.openai.com/api-keys"),
        "{out}"
    );
    assert!(!out.contains(&openai_key()[20..]), "secret leaked: {out}");
    // HEAD did not move.
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]).trim(), "1");
}

#[test]
fn commit_all_uses_the_temporary_index() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("conf.py", "x = 1\n");
    repo.commit_setup("base");
    repo.install_hook();
    // Not staged: `git commit -a` stages it into a temporary index (GIT_INDEX_FILE).
    repo.write("conf.py", format!("x = 1\nKEY = '{}'\n", openai_key()));
    let (ok, out) = repo.commit(&["-a"]);
    assert!(!ok, "git commit -a must be blocked: {out}");
    assert!(out.contains("conf.py:2:"), "{out}");
    // And `git commit <path>`.
    let (ok, out) = repo.commit(&["conf.py"]);
    assert!(!ok, "git commit <path> must be blocked: {out}");
}

#[test]
fn existing_hook_is_kept_and_still_runs() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let hook = repo.path.join(".git/hooks/pre-commit");
    let original = "#!/bin/sh\necho previous-hook-ran >&2\nexit 0\n";
    std::fs::write(&hook, original).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    repo.install_hook();
    repo.stage("a.txt", "fine\n");
    let (ok, out) = repo.commit(&[]);
    assert!(ok, "{out}");
    assert!(out.contains("previous-hook-ran"), "{out}");
}

#[test]
fn missing_binary_refuses_the_commit() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    // Install a hook that records a binary path that does not exist, with PATH lacking it.
    let hooks = repo.path.join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let script = tierzero::install::hook_script(std::path::Path::new("/nonexistent/tierzero"));
    let hook = hooks.join("pre-commit");
    std::fs::write(&hook, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    repo.stage("a.txt", "fine\n");
    let out = {
        let mut cmd = std::process::Command::new("git");
        cmd.args(["commit", "-m", "x"]).current_dir(&repo.path);
        sb.env(&mut cmd);
        cmd.env("PATH", "/usr/bin:/bin");
        cmd.output().unwrap()
    };
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("recorded at install time is missing"),
        "{stderr}"
    );
}

#[test]
fn key_pasted_into_the_commit_message_is_refused() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.install_hook();
    assert!(repo.path.join(".git/hooks/commit-msg").exists());
    repo.stage("a.txt", "fine\n");
    let out = repo.git_output(&["commit", "-m", &format!("use key {}", openai_key())]);
    assert!(
        !out.status.success(),
        "a key in the message must block the commit"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("openai-project-key"), "{stderr}");
    assert!(!stderr.contains(&openai_key()[20..]), "secret leaked");
    let (ok, out) = repo.commit(&[]);
    assert!(ok, "{out}");
}

#[test]
fn an_impostor_tierzero_on_path_is_never_trusted() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    // A hook recording a binary that is gone, and a `tierzero` on PATH that passes anything.
    let hooks = repo.path.join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let script = tierzero::install::hook_script(std::path::Path::new("/nonexistent/tierzero"));
    let hook = hooks.join("pre-commit");
    std::fs::write(&hook, script).unwrap();
    let bin_dir = sb.dir.path().join("evil-bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let impostor = bin_dir.join("tierzero");
    std::fs::write(&impostor, "#!/bin/sh\nexit 0\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&impostor, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    repo.stage("a.py", format!("KEY = \"{}\"\n", openai_key()));
    let out = {
        let mut cmd = std::process::Command::new("git");
        cmd.args(["commit", "-m", "x"]).current_dir(&repo.path);
        sb.env(&mut cmd);
        cmd.env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()));
        cmd.output().unwrap()
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the impostor passed the commit: {stderr}"
    );
    assert!(
        stderr.contains("binary recorded at install time is missing"),
        "{stderr}"
    );
    assert!(stderr.contains("Reinstall"), "{stderr}");
}
