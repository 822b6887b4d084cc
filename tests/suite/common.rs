//! Shared helpers for integration tests: real repositories in temp dirs, the real binary,
//! an isolated HOME so the user's git config is never read or touched.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;
use tempfile::TempDir;

/// A syntactically valid OpenAI project key built from random-looking parts (never a real
/// key). Built at run time so this file itself holds no complete key.
pub fn openai_key() -> String {
    format!(
        "sk-proj-{}T3BlbkFJ{}",
        "pvXWSzAivbqVLuhcmpkbSJ-NN2JyfLW-guyj4tAO_E5v07kFKcODg7E2nELty51vi4L87M_Jpb",
        "pHW__LmXO5v_EeKPgkmeVlw3dBYsuNnuLy8ae1e-lsyj0PSGZVfGqq_v3Y8iQVZHWPfDw1u5N-"
    )
}

/// A second, different OpenAI project key.
pub fn openai_key_2() -> String {
    format!(
        "sk-proj-{}T3BlbkFJ{}",
        "RfAXjMPH-ltWjgymgqkB5MxgQMGLMZtzR3ZZgVbygJYmtAsAyCk90x5gonNqP69RZLwi_NKTsl",
        "uXTx3q1tfF_fxt8438_GPqNI_rUzX9e5ThLH0BvR80srpUehJH96j7tzpX0mzOu9l3MWxOE4TF"
    )
}

/// An Anthropic-shaped key.
pub fn anthropic_key() -> String {
    format!(
        "sk-ant-api03-{}{}AA",
        "lEKhoLymwpwluBraqwJSPQ4Gl6KTLUZ41j-7x6__GM-s4E-rbC0vYk_M7UY8kJdkx",
        "-N2qUF4qLdiBBUvUn0nHYlm-TV9h"
    )
}

/// A scratch environment: a temp dir holding a HOME and one or more repositories.
pub struct Sandbox {
    pub dir: TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("home/.config")).unwrap();
        Sandbox { dir }
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// Applies the isolated environment to a command.
    pub fn env(&self, cmd: &mut Command) {
        cmd.env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE")
            .env_remove("TIERZERO_SKIP");
    }

    /// Creates a repository at `name` with `git init`.
    pub fn repo(&self, name: &str) -> Repo<'_> {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(&path).unwrap();
        let repo = Repo {
            sandbox: self,
            path,
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }
}

/// A repository inside a sandbox.
pub struct Repo<'a> {
    pub sandbox: &'a Sandbox,
    pub path: PathBuf,
}

impl Repo<'_> {
    /// Runs git and asserts success; returns stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.git_output(args);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs git; returns its output whatever the status.
    pub fn git_output(&self, args: &[&str]) -> Output {
        self.git_cmd(args).output().expect("git runs")
    }

    /// Runs git with every tierzero scan skipped (`TIERZERO_SKIP=1`), for setting up
    /// history that got past the hooks; panics on failure.
    pub fn git_unscanned(&self, args: &[&str]) -> String {
        let out = self
            .git_cmd(args)
            .env("TIERZERO_SKIP", "1")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A `git` command in this repository with the sandbox's environment, to adjust
    /// before running.
    pub fn git_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.args(args).current_dir(&self.path);
        self.sandbox.env(&mut cmd);
        cmd
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let path = self.path.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, content).unwrap();
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path.join(rel)).unwrap();
    }

    /// Writes and stages a file.
    pub fn stage(&self, rel: &str, content: impl AsRef<[u8]>) {
        self.write(rel, content);
        self.git(&["add", "--", rel]);
    }

    /// Commits the index, bypassing hooks (setup only): `--no-verify` skips pre-commit and
    /// commit-msg, `TIERZERO_SKIP=1` the reference-transaction scan.
    pub fn commit_setup(&self, msg: &str) {
        let out = self
            .git_cmd(&["commit", "-q", "--no-verify", "--allow-empty", "-m", msg])
            .env("TIERZERO_SKIP", "1")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "setup commit failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The tierzero binary, run in this repository with the sandbox's environment.
    pub fn tierzero(&self) -> Command {
        self.tierzero_in(&self.path)
    }

    pub fn tierzero_in(&self, dir: &Path) -> Command {
        let mut cmd = Command::cargo_bin("tierzero").expect("binary built");
        cmd.current_dir(dir);
        self.sandbox.env(&mut cmd);
        cmd
    }

    /// Runs `tierzero` with `args`; returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.tierzero().args(args).output().expect("tierzero runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs `tierzero` with `args` and `stdin` on its standard input; returns (exit code,
    /// stdout, stderr).
    pub fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> (i32, String, String) {
        use std::io::Write;
        let mut child = self
            .tierzero()
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("tierzero runs");
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// `tierzero scan --format json`, parsed; returns (exit code, document).
    pub fn scan_json(&self, extra: &[&str]) -> (i32, serde_json::Value) {
        let mut args = vec!["scan", "--format", "json"];
        args.extend_from_slice(extra);
        let (code, stdout, stderr) = self.run(&args);
        let doc = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("bad JSON ({e}): {stdout}\nstderr: {stderr}"));
        (code, doc)
    }

    /// (path, line, rule_id) of every reported finding of a JSON scan.
    pub fn found(&self, extra: &[&str]) -> Vec<(String, u64, String)> {
        let (_, doc) = self.scan_json(extra);
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f.get("suppressed_by").is_none())
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                    f["rule_id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// Installs the hook with the built binary.
    pub fn install_hook(&self) -> (i32, String, String) {
        self.run(&["install"])
    }

    /// A real `git commit` (hooks run); returns (success, combined output).
    pub fn commit(&self, args: &[&str]) -> (bool, String) {
        let mut full = vec!["commit", "-m", "test commit"];
        full.extend_from_slice(args);
        let out = self.git_output(&full);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }
}

/// The default configuration exactly as a scan sees it (built-in rules with their
/// allowlists), with no user config: the user layer points at a directory that does not
/// exist.
pub fn builtin_config() -> tierzero::policy::config::Loaded {
    static ISOLATE: std::sync::Once = std::sync::Once::new();
    ISOLATE.call_once(|| std::env::set_var("XDG_CONFIG_HOME", "/nonexistent/tierzero-tests"));
    tierzero::policy::config::load(None, &tierzero::policy::config::ConfigOptions::default())
        .expect("built-in configuration loads")
}

/// Rule ids of the reported (unsuppressed) findings for `text` scanned as a file at `path`,
/// through the same engine path as `tierzero scan`.
pub fn reported_rule_ids(
    set: &tierzero::rules::RuleSet,
    suppressor: &tierzero::policy::suppress::Suppressor,
    path: &str,
    text: &str,
) -> Vec<String> {
    let mut scanner = tierzero::engine::scanner::Scanner::new(set, suppressor);
    tierzero::engine::scanner::scan_text(&mut scanner, path, text.as_bytes())
        .expect("scan succeeds");
    scanner
        .into_findings()
        .into_iter()
        .filter(|f| f.suppressed_by.is_none())
        .map(|f| f.rule_id)
        .collect()
}

/// A hook manager's command line tool, installed from its package registry when missing
/// (`pip install pre-commit`, `npm install -g lefthook`). `None`, with a visible message,
/// only when it cannot be installed here: the caller skips.
pub fn hook_tool(name: &str) -> Option<PathBuf> {
    use std::sync::Mutex;
    static TRIED: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let find = || {
        let path = std::env::var_os("PATH")?;
        let found = std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| p.is_file())?;
        // A pyenv shim finds its Python through HOME, which tests replace: use the real
        // program behind it.
        if found.to_string_lossy().contains("/shims/") {
            let out = Command::new("pyenv").args(["which", name]).output().ok()?;
            let real = String::from_utf8_lossy(&out.stdout).trim().to_string();
            return (out.status.success() && !real.is_empty()).then(|| PathBuf::from(real));
        }
        Some(found)
    };
    if let Some(found) = find() {
        return Some(found);
    }
    let mut tried = TRIED.lock().unwrap_or_else(|e| e.into_inner());
    if !tried.iter().any(|t| t == name) {
        tried.push(name.to_string());
        // From `/`, never inside a repository: lefthook's npm install script would
        // install its hooks into the repository it is run in.
        let (program, args): (&str, &[&str]) = match name {
            "pre-commit" => ("pip", &["install", "-q", "pre-commit"]),
            "lefthook" => ("npm", &["install", "-g", "--ignore-scripts", "lefthook"]),
            _ => return None,
        };
        let _ = Command::new(program)
            .args(args)
            .current_dir("/")
            .env("CI", "true")
            .output();
    }
    let found = find();
    if found.is_none() {
        eprintln!("SKIPPED: `{name}` is not installed and could not be installed from its package registry");
    }
    found
}

/// PATH with the built tierzero binary's directory first (hook managers call `tierzero`).
pub fn path_with_tierzero() -> String {
    let bin = assert_cmd::cargo::cargo_bin("tierzero");
    format!(
        "{}:{}",
        bin.parent().expect("binary has a directory").display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Every finding of a JSON report, reported (`findings`) and suppressed (`suppressed`) ones,
/// in file order (path, line, column).
pub fn all_json_findings(doc: &serde_json::Value) -> Vec<serde_json::Value> {
    let mut all: Vec<serde_json::Value> = ["findings", "suppressed"]
        .iter()
        .flat_map(|k| doc[*k].as_array().cloned().unwrap_or_default())
        .collect();
    all.sort_by_key(|f| {
        (
            f["path"].as_str().unwrap_or_default().to_string(),
            f["line"].as_u64(),
            f["column"].as_u64(),
        )
    });
    all
}
