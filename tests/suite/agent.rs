//! `tierzero agent <tool>`: real hook payloads for each supported agent, shaped as the
//! tools document them, through the real binary; and `install --agent` / `uninstall
//! --agent` against settings files that already hold other hooks.

use crate::common;

use std::io::Write;
use std::process::Stdio;

use common::{anthropic_key, openai_key, Repo, Sandbox};
use serde_json::{json, Value};

/// The result of one hook call.
struct Call {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Call {
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {:?} / {}",
                self.stdout, self.stderr
            )
        })
    }

    /// Asserts that no output holds any of the secrets.
    fn assert_no_secret(&self, secrets: &[&str]) {
        for s in secrets {
            assert!(
                !self.stdout.contains(s),
                "stdout leaks a secret: {}",
                self.stdout
            );
            assert!(
                !self.stderr.contains(s),
                "stderr leaks a secret: {}",
                self.stderr
            );
            // Not even a large piece of it.
            assert!(!self.stdout.contains(&s[..20]) && !self.stderr.contains(&s[..20]));
        }
    }
}

fn agent_env(repo: &Repo, tool: &str, payload: &str, env: &[(&str, &str)], args: &[&str]) -> Call {
    let mut cmd = repo.tierzero();
    cmd.arg("agent").arg(tool).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tierzero runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(payload.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Call {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn agent(repo: &Repo, tool: &str, payload: &Value) -> Call {
    agent_env(repo, tool, &payload.to_string(), &[], &[])
}

fn abs(repo: &Repo, rel: &str) -> String {
    repo.path.join(rel).to_string_lossy().into_owned()
}

/// A Claude Code `PreToolUse` payload, with the common fields the hooks reference lists.
fn claude(repo: &Repo, event: &str, tool: &str, input: Value) -> Value {
    json!({
        "session_id": "abc123",
        "transcript_path": abs(repo, ".claude/transcript.jsonl"),
        "cwd": repo.path,
        "permission_mode": "default",
        "hook_event_name": event,
        "tool_name": tool,
        "tool_input": input,
        "tool_use_id": "toolu_01",
    })
}

/// `permissionDecision` of a Claude-style answer, `None` for an empty answer (allow).
fn claude_decision(call: &Call) -> Option<String> {
    assert_eq!(call.code, 0, "stderr: {}", call.stderr);
    if call.stdout.trim().is_empty() {
        return None;
    }
    let v = call.json();
    assert_eq!(v["hookSpecificOutput"]["hookEventName"], "PreToolUse");
    Some(
        v["hookSpecificOutput"]["permissionDecision"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

fn claude_reason(call: &Call) -> String {
    call.json()["hookSpecificOutput"]["permissionDecisionReason"]
        .as_str()
        .unwrap()
        .to_string()
}

fn setup() -> (Sandbox, std::path::PathBuf) {
    let sandbox = Sandbox::new();
    let path = sandbox.repo("r").path;
    (sandbox, path)
}

fn repo(sandbox: &Sandbox) -> Repo<'_> {
    Repo {
        sandbox,
        path: sandbox.dir.path().join("r"),
    }
}

#[test]
fn claude_write_with_a_key_is_denied_and_without_is_allowed() {
    let (sb, _) = setup();
    let r = repo(&sb);
    let key = openai_key();
    let call = agent(
        &r,
        "claude-code",
        &claude(
            &r,
            "PreToolUse",
            "Write",
            json!({"file_path": abs(&r, "app/config.py"), "content": format!("import os\nOPENAI_API_KEY = \"{key}\"\n")}),
        ),
    );
    assert_eq!(claude_decision(&call).as_deref(), Some("deny"));
    let reason = claude_reason(&call);
    assert!(reason.contains("openai"), "{reason}");
    assert!(reason.contains("app/config.py:2"), "{reason}");
    assert!(
        reason.contains("OPENAI_API_KEY") && reason.contains("${OPENAI_API_KEY}"),
        "{reason}"
    );
    assert!(
        reason.contains("Workload Identity"),
        "keyless option: {reason}"
    );
    call.assert_no_secret(&[&key]);

    let clean = agent(
        &r,
        "claude-code",
        &claude(
            &r,
            "PreToolUse",
            "Write",
            json!({"file_path": abs(&r, "app/config.py"), "content": "import os\nOPENAI_API_KEY = os.environ[\"OPENAI_API_KEY\"]\n"}),
        ),
    );
    assert_eq!(claude_decision(&clean), None);
    assert!(clean.stderr.is_empty());

    // A NUL byte does not make the text "binary" and unscanned; CRLF and a huge line
    // change nothing either.
    for content in [
        format!("\u{0}\r\nKEY = \"{key}\"\r\n"),
        format!("{}KEY = \"{key}\"\n", "x".repeat(300_000)),
    ] {
        let call = agent(
            &r,
            "claude-code",
            &claude(
                &r,
                "PreToolUse",
                "Write",
                json!({"file_path": abs(&r, "blob.txt"), "content": content}),
            ),
        );
        assert_eq!(claude_decision(&call).as_deref(), Some("deny"));
        call.assert_no_secret(&[&key]);
    }
}

#[test]
fn claude_edits_scan_only_what_they_add() {
    let (sb, _) = setup();
    let r = repo(&sb);
    let key = openai_key();
    let line = format!("OPENAI_API_KEY = \"{key}\"");
    r.write("settings.py", format!("DEBUG = True\n{line}\nNAME = 'x'\n"));
    // Moving the existing key line below NAME adds no key.
    let moved = agent(
        &r,
        "claude-code",
        &claude(
            &r,
            "PreToolUse",
            "Edit",
            json!({
                "file_path": abs(&r, "settings.py"),
                "old_string": format!("{line}\nNAME = 'x'\n"),
                "new_string": format!("NAME = 'x'\n    {line}\n"),
                "replace_all": false,
            }),
        ),
    );
    assert_eq!(claude_decision(&moved), None, "{}", moved.stdout);

    // An edit elsewhere that adds a second, new key is refused.
    let other = anthropic_key();
    let added = agent(
        &r,
        "claude-code",
        &claude(
            &r,
            "PreToolUse",
            "Edit",
            json!({
                "file_path": abs(&r, "settings.py"),
                "old_string": "DEBUG = True",
                "new_string": format!("DEBUG = True\nANTHROPIC_API_KEY = \"{other}\""),
                "replace_all": false,
            }),
        ),
    );
    assert_eq!(claude_decision(&added).as_deref(), Some("deny"));
    assert!(
        claude_reason(&added).contains("anthropic"),
        "{}",
        claude_reason(&added)
    );
    added.assert_no_secret(&[&key, &other]);

    // MultiEdit: the second edit adds the key.
    let multi = agent(
        &r,
        "claude-code",
        &claude(
            &r,
            "PreToolUse",
            "MultiEdit",
            json!({
                "file_path": abs(&r, "settings.py"),
                "edits": [
                    {"old_string": "DEBUG = True", "new_string": "DEBUG = False"},
                    {"old_string": "NAME = 'x'", "new_string": format!("NAME = 'x'\nCLAUDE = \"{other}\""), "replace_all": false}
                ]
            }),
        ),
    );
    assert_eq!(claude_decision(&multi).as_deref(), Some("deny"));
    multi.assert_no_secret(&[&other]);

    // NotebookEdit: the new cell source holds a key.
    let notebook = agent(
        &r,
        "claude-code",
        &claude(
            &r,
            "PreToolUse",
            "NotebookEdit",
            json!({
                "notebook_path": abs(&r, "analysis.ipynb"),
                "cell_id": "cell-3",
                "new_source": format!("import anthropic\nclient = anthropic.Anthropic(api_key=\"{other}\")"),
                "cell_type": "code",
                "edit_mode": "replace",
            }),
        ),
    );
    assert_eq!(claude_decision(&notebook).as_deref(), Some("deny"));
    notebook.assert_no_secret(&[&other]);
}

#[test]
fn claude_reads_of_secret_files() {
    let (sb, _) = setup();
    let r = repo(&sb);
    let key = openai_key();
    r.write(".env", format!("OPENAI_API_KEY={key}\n"));
    r.write(".env.example", "OPENAI_API_KEY=\n");
    r.write(".env.sample", "OPENAI_API_KEY=\n");
    r.write("src/client.py", format!("KEY = \"{key}\"\n"));
    r.write(
        "src/fixture.py",
        format!("KEY = \"{key}\"  # tierzero:allow test fixture\n"),
    );
    let read = |rel: &str| {
        agent(
            &r,
            "claude-code",
            &claude(&r, "PreToolUse", "Read", json!({"file_path": abs(&r, rel)})),
        )
    };
    let env = read(".env");
    assert_eq!(claude_decision(&env).as_deref(), Some("deny"));
    assert!(
        claude_reason(&env).contains("dotenv-file"),
        "{}",
        claude_reason(&env)
    );
    assert!(claude_reason(&env).contains(".env.example"));
    env.assert_no_secret(&[&key]);
    assert_eq!(claude_decision(&read(".env.example")), None);
    assert_eq!(claude_decision(&read(".env.sample")), None);
    // A source file holding a live key is not read into the model's context either...
    let src = read("src/client.py");
    assert_eq!(claude_decision(&src).as_deref(), Some("deny"));
    assert!(claude_reason(&src).contains("src/client.py:1"));
    src.assert_no_secret(&[&key]);
    // ...unless the line is marked as a fixture.
    assert_eq!(claude_decision(&read("src/fixture.py")), None);
    // Outside the repository too: ~/.aws/credentials by the same path rule as the git hook.
    let aws = agent(
        &r,
        "claude-code",
        &claude(
            &r,
            "PreToolUse",
            "Read",
            json!({"file_path": sb.home().join(".aws/credentials")}),
        ),
    );
    assert_eq!(claude_decision(&aws).as_deref(), Some("deny"));
    assert!(claude_reason(&aws).contains("aws-credentials-file"));
    // Credential files without a path rule are caught by their content (.npmrc tokens).
    let npm = format!("npm_{}", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5");
    r.write(
        ".npmrc",
        format!("//registry.npmjs.org/:_authToken={npm}\n"),
    );
    let npmrc = read(".npmrc");
    assert_eq!(claude_decision(&npmrc).as_deref(), Some("deny"));
    npmrc.assert_no_secret(&[&npm]);
    r.write(".npmrc", "registry=https://registry.npmjs.org/\n");
    assert_eq!(claude_decision(&read(".npmrc")), None);
    // Grep on a secret file prints its lines.
    let grep = agent(
        &r,
        "claude-code",
        &claude(
            &r,
            "PreToolUse",
            "Grep",
            json!({"pattern": "KEY", "path": abs(&r, ".env")}),
        ),
    );
    assert_eq!(claude_decision(&grep).as_deref(), Some("deny"));
}

#[test]
fn claude_shell_commands() {
    let (sb, _) = setup();
    let r = repo(&sb);
    let key = openai_key();
    r.write(".env", format!("OPENAI_API_KEY={key}\n"));
    r.write(".env.example", "OPENAI_API_KEY=\n");
    let bash = |command: String| {
        agent(
            &r,
            "claude-code",
            &claude(
                &r,
                "PreToolUse",
                "Bash",
                json!({"command": command, "description": "run it"}),
            ),
        )
    };
    for (command, expect) in [
        ("cat .env".to_string(), "secret file"),
        ("grep OPENAI .env | head -1".to_string(), "secret file"),
        ("sort < .env".to_string(), "secret file"),
        ("bash -c 'tail -n 2 .env'".to_string(), "secret file"),
        ("cat .env*".to_string(), "secret file"),
        (
            "printenv OPENAI_API_KEY".to_string(),
            "prints the value of OPENAI_API_KEY",
        ),
        (
            "echo \"$ANTHROPIC_API_KEY\"".to_string(),
            "prints the value of ANTHROPIC_API_KEY",
        ),
        ("env".to_string(), "prints the environment"),
        ("printenv | sort".to_string(), "prints the environment"),
        ("export -p".to_string(), "prints the environment"),
        (
            format!("curl https://api.openai.com/v1/models -H \"Authorization: Bearer {key}\""),
            "carries a credential",
        ),
        (
            format!("export OPENAI_API_KEY={key}"),
            "carries a credential",
        ),
    ] {
        let call = bash(command.clone());
        assert_eq!(claude_decision(&call).as_deref(), Some("deny"), "{command}");
        let reason = claude_reason(&call);
        assert!(reason.contains(expect), "{command}: {reason}");
        call.assert_no_secret(&[&key]);
    }
    for command in [
        "cat .env.example",
        "npm test",
        "cargo build --release 2>&1 | tail -n 20",
        "curl https://api.openai.com/v1/models -H \"Authorization: Bearer $OPENAI_API_KEY\"",
        "test -n \"$OPENAI_API_KEY\" && echo set",
        "echo hello > .env.local",
        "env NODE_ENV=test npm test",
    ] {
        assert_eq!(
            claude_decision(&bash(command.to_string())),
            None,
            "{command}"
        );
    }
}

#[test]
fn claude_prompts_mcp_and_tool_output() {
    let (sb, _) = setup();
    let r = repo(&sb);
    let key = openai_key();
    let prompt = agent(
        &r,
        "claude-code",
        &json!({
            "session_id": "abc123",
            "transcript_path": abs(&r, "t.jsonl"),
            "cwd": r.path,
            "permission_mode": "default",
            "hook_event_name": "UserPromptSubmit",
            "prompt": format!("my key is {key}, wire it into the client"),
        }),
    );
    assert_eq!(prompt.code, 0);
    let v = prompt.json();
    assert_eq!(v["decision"], "block");
    assert!(v["reason"].as_str().unwrap().contains("$OPENAI_API_KEY"));
    prompt.assert_no_secret(&[&key]);

    let clean_prompt = agent(
        &r,
        "claude-code",
        &json!({"session_id": "s", "cwd": r.path, "hook_event_name": "UserPromptSubmit", "prompt": "refactor the client"}),
    );
    assert_eq!((clean_prompt.code, clean_prompt.stdout.as_str()), (0, ""));

    let mcp = agent(
        &r,
        "claude-code",
        &claude(
            &r,
            "PreToolUse",
            "mcp__http__request",
            json!({"url": "https://api.openai.com/v1/chat/completions", "headers": {"Authorization": format!("Bearer {key}")}}),
        ),
    );
    assert_eq!(claude_decision(&mcp).as_deref(), Some("deny"));
    mcp.assert_no_secret(&[&key]);

    let mut post = claude(
        &r,
        "PostToolUse",
        "Bash",
        json!({"command": "aws configure list"}),
    );
    post["tool_response"] =
        json!({"stdout": format!("token: {key}\n"), "stderr": "", "interrupted": false});
    let post = agent(&r, "claude-code", &post);
    assert_eq!(post.code, 0);
    assert_eq!(post.json()["decision"], "block");
    assert!(post.json()["reason"].as_str().unwrap().contains("rotate"));
    post.assert_no_secret(&[&key]);
}

#[test]
fn every_tool_fails_closed_on_bad_payloads_and_internal_errors() {
    let (sb, _) = setup();
    let r = repo(&sb);
    // Malformed JSON.
    let bad = |tool: &str| agent_env(&r, tool, "{\"hook_event_name\": \"PreToolUse\", ", &[], &[]);
    let c = bad("claude-code");
    assert_eq!(c.code, 2);
    assert!(
        c.stdout.is_empty() && c.stderr.contains("malformed") && c.stderr.contains("fail closed")
    );
    let c = bad("codex");
    assert_eq!(c.code, 2);
    let c = bad("gemini");
    assert_eq!(c.code, 2);
    assert!(c.stderr.contains("malformed"));
    let c = bad("cursor");
    assert_eq!(c.code, 2);
    assert_eq!(c.json()["permission"], "deny");
    assert_eq!(c.json()["continue"], false);
    // Copilot CLI skips a failing hook, so the refusal is explicit JSON at exit 0.
    let c = bad("copilot");
    assert_eq!(c.code, 0);
    assert_eq!(c.json()["permissionDecision"], "deny");
    assert_eq!(c.json()["hookSpecificOutput"]["permissionDecision"], "deny");

    // Empty input, not an object, unknown events.
    assert_eq!(agent_env(&r, "claude-code", "", &[], &[]).code, 2);
    assert_eq!(agent_env(&r, "claude-code", "[1,2]", &[], &[]).code, 2);
    let unknown = agent(
        &r,
        "claude-code",
        &json!({"cwd": r.path, "hook_event_name": "Teleport"}),
    );
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("unknown event"),
        "{}",
        unknown.stderr
    );
    let unknown = agent(
        &r,
        "cursor",
        &json!({"hook_event_name": "beforeTeleport", "workspace_roots": [r.path]}),
    );
    assert_eq!(
        (unknown.code, unknown.json()["permission"].as_str()),
        (2, Some("deny"))
    );
    let no_tool = agent(
        &r,
        "gemini",
        &json!({"cwd": r.path, "hook_event_name": "BeforeTool"}),
    );
    assert_eq!(no_tool.code, 2);

    // Internal errors: a panic, a hang past the deadline, a broken configuration.
    let payload = claude(&r, "PreToolUse", "Bash", json!({"command": "ls"})).to_string();
    let panic = agent_env(
        &r,
        "claude-code",
        &payload,
        &[("TIERZERO_AGENT_FAULT", "panic")],
        &[],
    );
    assert_eq!(panic.code, 2);
    assert!(panic.stderr.contains("fail closed"), "{}", panic.stderr);
    let hang = agent_env(
        &r,
        "claude-code",
        &payload,
        &[
            ("TIERZERO_AGENT_FAULT", "sleep"),
            ("TIERZERO_AGENT_TIMEOUT_MS", "300"),
        ],
        &[],
    );
    assert_eq!(hang.code, 2);
    assert!(
        hang.stderr.contains("no decision within 300 ms"),
        "{}",
        hang.stderr
    );
    r.write(".tierzero.toml", "[allow\n");
    let broken = agent_env(&r, "claude-code", &payload, &[], &[]);
    assert_eq!(broken.code, 2);
    assert!(
        broken.stderr.contains(".tierzero.toml"),
        "{}",
        broken.stderr
    );
    let broken = agent_env(&r, "copilot", &payload, &[], &[]);
    assert_eq!(
        (broken.code, broken.json()["permissionDecision"].as_str()),
        (0, Some("deny"))
    );
}

#[test]
fn cursor_events() {
    let (sb, _) = setup();
    let r = repo(&sb);
    let key = openai_key();
    let env_text = format!("OPENAI_API_KEY={key}\n");
    r.write(".env", &env_text);
    let base = |event: &str| {
        json!({
            "conversation_id": "conv-123",
            "generation_id": "gen-456",
            "model": "claude-4-sonnet",
            "hook_event_name": event,
            "cursor_version": "2.1.46",
            "workspace_roots": [r.path],
            "user_email": "dev@example.invalid",
        })
    };
    let mut shell = base("beforeShellExecution");
    shell["command"] = json!("cat .env");
    shell["cwd"] = json!(r.path);
    let c = agent(&r, "cursor", &shell);
    assert_eq!(c.code, 2);
    assert_eq!(c.json()["permission"], "deny");
    assert!(c.json()["agent_message"]
        .as_str()
        .unwrap()
        .contains("dotenv-file"));
    assert!(c.json()["user_message"].is_string());
    c.assert_no_secret(&[&key]);
    shell["command"] = json!("npm test");
    let c = agent(&r, "cursor", &shell);
    assert_eq!(
        (c.code, c.json()["permission"].as_str()),
        (0, Some("allow"))
    );

    let mut read = base("beforeReadFile");
    read["file_path"] = json!(abs(&r, ".env"));
    read["content"] = json!(env_text);
    read["attachments"] = json!([]);
    let c = agent(&r, "cursor", &read);
    assert_eq!((c.code, c.json()["permission"].as_str()), (2, Some("deny")));
    c.assert_no_secret(&[&key]);
    // The content Cursor is about to send is scanned, whatever the file is called.
    read["file_path"] = json!(abs(&r, "notes.txt"));
    let c = agent(&r, "cursor", &read);
    assert_eq!((c.code, c.json()["permission"].as_str()), (2, Some("deny")));
    read["file_path"] = json!(abs(&r, ".env.example"));
    read["content"] = json!("OPENAI_API_KEY=\n");
    let c = agent(&r, "cursor", &read);
    assert_eq!(
        (c.code, c.json()["permission"].as_str()),
        (0, Some("allow"))
    );

    let mut prompt = base("beforeSubmitPrompt");
    prompt["prompt"] = json!(format!("use {key}"));
    prompt["attachments"] = json!([]);
    let c = agent(&r, "cursor", &prompt);
    assert_eq!((c.code, c.json()["continue"].as_bool()), (2, Some(false)));
    c.assert_no_secret(&[&key]);
    // An attached secret file would be sent with the prompt.
    prompt["prompt"] = json!("summarise the attached file");
    prompt["attachments"] = json!([{"type": "file", "filePath": abs(&r, ".env")}]);
    let c = agent(&r, "cursor", &prompt);
    assert_eq!(c.json()["continue"], false);
    prompt["attachments"] = json!([]);
    let c = agent(&r, "cursor", &prompt);
    assert_eq!((c.code, c.json()["continue"].as_bool()), (0, Some(true)));

    let mut mcp = base("beforeMCPExecution");
    mcp["tool_name"] = json!("github__create_issue");
    mcp["tool_input"] = json!(format!("{{\"title\": \"bug\", \"body\": \"token {key}\"}}"));
    mcp["command"] = json!("npx @mcp/server");
    let c = agent(&r, "cursor", &mcp);
    assert_eq!((c.code, c.json()["permission"].as_str()), (2, Some("deny")));
    c.assert_no_secret(&[&key]);

    let mut pre = base("preToolUse");
    pre["tool_name"] = json!("Write");
    pre["tool_input"] =
        json!({"file_path": abs(&r, "a.ts"), "content": format!("const k = \"{key}\";\n")});
    let c = agent(&r, "cursor", &pre);
    assert_eq!((c.code, c.json()["permission"].as_str()), (2, Some("deny")));

    // After the fact: nothing can be refused, so tierzero warns and answers `{}`.
    let mut after = base("afterFileEdit");
    after["file_path"] = json!(abs(&r, "main.ts"));
    after["edits"] =
        json!([{"old_string": "const k = 1", "new_string": format!("const k = \"{key}\"")}]);
    let c = agent(&r, "cursor", &after);
    assert_eq!((c.code, c.json()), (0, json!({})));
    assert!(c.stderr.contains("could not stop"), "{}", c.stderr);
    c.assert_no_secret(&[&key]);
}

#[test]
fn codex_apply_patch_and_shell() {
    let (sb, _) = setup();
    let r = repo(&sb);
    let key = openai_key();
    let patch = format!(
        "*** Begin Patch\n*** Add File: src/openai.py\n+import openai\n+openai.api_key = \"{key}\"\n*** End Patch\n"
    );
    let call = agent(
        &r,
        "codex",
        &json!({
            "session_id": "s", "transcript_path": null, "cwd": r.path, "hook_event_name": "PreToolUse",
            "model": "gpt-5-codex", "tool_name": "apply_patch", "tool_input": {"command": patch}, "tool_use_id": "call_1"
        }),
    );
    assert_eq!(claude_decision(&call).as_deref(), Some("deny"));
    assert!(
        claude_reason(&call).contains("src/openai.py:2"),
        "{}",
        claude_reason(&call)
    );
    call.assert_no_secret(&[&key]);
    let shell = agent(
        &r,
        "codex",
        &json!({"session_id": "s", "cwd": r.path, "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "printenv OPENAI_API_KEY"}}),
    );
    assert_eq!(claude_decision(&shell).as_deref(), Some("deny"));
}

#[test]
fn copilot_cli_and_vscode_payloads() {
    let (sb, _) = setup();
    let r = repo(&sb);
    let key = openai_key();
    // Copilot CLI, camelCase: toolArgs as a JSON string; the event named on the command line.
    let create = json!({
        "sessionId": "s", "timestamp": 1767225600000u64, "cwd": r.path, "toolName": "create",
        "toolArgs": json!({"path": abs(&r, "cfg.json"), "file_text": format!("{{\"openai_api_key\": \"{key}\"}}\n")}).to_string(),
    });
    let c = agent_env(
        &r,
        "copilot",
        &create.to_string(),
        &[],
        &["--event", "preToolUse"],
    );
    assert_eq!(c.code, 0);
    assert_eq!(c.json()["permissionDecision"], "deny");
    c.assert_no_secret(&[&key]);
    // VS Code, PascalCase with snake_case fields.
    let vscode = json!({
        "timestamp": "2026-02-09T10:30:00.000Z", "cwd": r.path, "sessionId": "s", "hook_event_name": "PreToolUse",
        "tool_name": "runInTerminal", "tool_input": {"command": "cat .env"}, "tool_use_id": "t1",
    });
    r.write(".env", format!("OPENAI_API_KEY={key}\n"));
    let c = agent(&r, "copilot", &vscode);
    assert_eq!(c.json()["hookSpecificOutput"]["permissionDecision"], "deny");
    let prompt =
        json!({"sessionId": "s", "timestamp": 1, "cwd": r.path, "prompt": format!("key {key}")});
    let c = agent_env(
        &r,
        "copilot",
        &prompt.to_string(),
        &[],
        &["--event", "userPromptSubmitted"],
    );
    assert_eq!((c.code, c.json()["continue"].as_bool()), (0, Some(false)));
    c.assert_no_secret(&[&key]);
    let fine = json!({"sessionId": "s", "timestamp": 1, "cwd": r.path, "toolName": "bash", "toolArgs": "{\"command\": \"ls\"}"});
    let c = agent_env(
        &r,
        "copilot",
        &fine.to_string(),
        &[],
        &["--event", "preToolUse"],
    );
    assert_eq!((c.code, c.stdout.as_str()), (0, ""));
}

#[test]
fn gemini_tools_prompt_and_withheld_output() {
    let (sb, _) = setup();
    let r = repo(&sb);
    let key = anthropic_key();
    r.write(".env.local", format!("ANTHROPIC_API_KEY={key}\n"));
    let base = |event: &str| json!({"session_id": "s", "transcript_path": "/tmp/t.json", "cwd": r.path, "hook_event_name": event, "timestamp": "2026-12-04T18:00:00Z"});
    let mut write = base("BeforeTool");
    write["tool_name"] = json!("write_file");
    write["tool_input"] =
        json!({"file_path": abs(&r, "main.py"), "content": format!("KEY = \"{key}\"\n")});
    let c = agent(&r, "gemini", &write);
    assert_eq!((c.code, c.json()["decision"].as_str()), (0, Some("deny")));
    assert!(c.json()["reason"]
        .as_str()
        .unwrap()
        .contains("ANTHROPIC_API_KEY"));
    c.assert_no_secret(&[&key]);
    let mut read = base("BeforeTool");
    read["tool_name"] = json!("read_file");
    read["tool_input"] = json!({"absolute_path": abs(&r, ".env.local")});
    assert_eq!(agent(&r, "gemini", &read).json()["decision"], "deny");
    let mut shell = base("BeforeTool");
    shell["tool_name"] = json!("run_shell_command");
    shell["tool_input"] = json!({"command": "ls -la"});
    assert_eq!(agent(&r, "gemini", &shell).json(), json!({}));
    let mut after = base("AfterTool");
    after["tool_name"] = json!("run_shell_command");
    after["tool_input"] = json!({"command": "cat config/settings"});
    after["tool_response"] = json!({"llmContent": format!("key={key}"), "returnDisplay": "…"});
    let c = agent(&r, "gemini", &after);
    assert_eq!(c.json()["decision"], "deny");
    c.assert_no_secret(&[&key]);
    let mut prompt = base("BeforeAgent");
    prompt["prompt"] = json!(format!("here: {key}"));
    assert_eq!(agent(&r, "gemini", &prompt).json()["decision"], "deny");
}

#[test]
fn escape_hatches_are_the_git_hooks() {
    let (sb, _) = setup();
    let r = repo(&sb);
    let key = openai_key();
    let write = |content: String| {
        agent(
            &r,
            "claude-code",
            &claude(
                &r,
                "PreToolUse",
                "Write",
                json!({"file_path": abs(&r, "tests/fixture.py"), "content": content}),
            ),
        )
    };
    assert_eq!(
        claude_decision(&write(format!(
            "K = \"{key}\"  # tierzero:allow fake key for a test\n"
        ))),
        None
    );
    assert_eq!(
        claude_decision(&write(format!("K = \"{key}\"\n"))).as_deref(),
        Some("deny")
    );
    // An allowlisted path in .tierzero.toml, as for the git hook.
    r.write(".tierzero.toml", "[allow]\npaths = [\"tests/\"]\n");
    assert_eq!(claude_decision(&write(format!("K = \"{key}\"\n"))), None);
    // Reading that file back: its output is judged under its path, so the allowlist holds.
    let mut post = claude(
        &r,
        "PostToolUse",
        "Read",
        json!({"file_path": abs(&r, "tests/fixture.py")}),
    );
    post["tool_response"] = json!({"type": "text", "file": {"filePath": abs(&r, "tests/fixture.py"), "content": format!("K = \"{key}\"\n")}});
    let post_call = agent(&r, "claude-code", &post);
    assert_eq!((post_call.code, post_call.stdout.as_str()), (0, ""));
    post["tool_input"] = json!({"file_path": abs(&r, "src/other.py")});
    let post_call = agent(&r, "claude-code", &post);
    assert_eq!(post_call.json()["decision"], "block");
    post_call.assert_no_secret(&[&key]);
    r.write(".env.ci", format!("OPENAI_API_KEY={key}\n"));
    r.write(".tierzero.toml", "[allow]\npaths = [\".env.ci\"]\n");
    let read = agent(
        &r,
        "claude-code",
        &claude(
            &r,
            "PreToolUse",
            "Read",
            json!({"file_path": abs(&r, ".env.ci")}),
        ),
    );
    // An allowlisted path is not a secret file for the agent guard either, as for the hook.
    assert_eq!(claude_decision(&read), None);
    r.write(".tierzero.toml", "");
    let read = agent(
        &r,
        "claude-code",
        &claude(
            &r,
            "PreToolUse",
            "Read",
            json!({"file_path": abs(&r, ".env.ci")}),
        ),
    );
    assert_eq!(claude_decision(&read).as_deref(), Some("deny"));
    read.assert_no_secret(&[&key]);
    // Writing a key into a secret file (.env) is where it belongs.
    let to_env = agent(
        &r,
        "claude-code",
        &claude(
            &r,
            "PreToolUse",
            "Write",
            json!({"file_path": abs(&r, ".env"), "content": format!("OPENAI_API_KEY={key}\n")}),
        ),
    );
    assert_eq!(claude_decision(&to_env), None);
}

// ---- install / uninstall ----

const CLAUDE_SETTINGS: &str = r#"{
  "permissions": {
    "allow": ["Bash(npm run lint)", "Read(~/.zshrc)"],
    "deny": ["Read(./secrets/**)"]
  },
  "env": {"NODE_ENV": "development"},
  "hooks": {
    "PreToolUse": [
      {
        "matcher": "Bash",
        "hooks": [{"type": "command", "command": "\"$CLAUDE_PROJECT_DIR\"/.claude/hooks/check-style.sh"}]
      }
    ],
    "PostToolUse": [
      {"matcher": "Write|Edit", "hooks": [{"type": "command", "command": "npx prettier --write"}]}
    ]
  },
  "model": "opus"
}
"#;

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn claude_install_merges_and_uninstall_restores_byte_for_byte() {
    let (sb, _) = setup();
    let r = repo(&sb);
    r.write(".claude/settings.json", CLAUDE_SETTINGS);
    let settings = r.path.join(".claude/settings.json");
    let (code, out, err) = r.run(&["install", "--agent", "claude-code"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("installed"), "{out}");
    let installed = read(&settings);
    let doc: Value = serde_json::from_str(&installed).unwrap();
    // Everything that was there is still there, in the same order.
    assert_eq!(doc["permissions"]["deny"][0], "Read(./secrets/**)");
    assert_eq!(doc["model"], "opus");
    let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["permissions", "env", "hooks", "model"]);
    let pre = doc["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(pre.len(), 2);
    assert_eq!(pre[0]["matcher"], "Bash");
    let ours = pre[1]["hooks"][0]["command"].as_str().unwrap();
    assert!(
        ours.ends_with(" agent claude-code") && ours.contains('/'),
        "{ours}"
    );
    assert_eq!(doc["hooks"]["PostToolUse"].as_array().unwrap().len(), 2);
    assert!(doc["hooks"]["UserPromptSubmit"].is_array());
    assert_eq!(
        read(&r.path.join(".claude/settings.json.tierzero-backup")),
        CLAUDE_SETTINGS
    );

    // Idempotent.
    let (code, out, _) = r.run(&["install", "--agent", "claude-code"]);
    assert_eq!(code, 0);
    assert!(out.contains("already installed"), "{out}");
    assert_eq!(read(&settings), installed);

    // The installed command really answers Claude Code.
    let key = openai_key();
    let payload = claude(
        &r,
        "PreToolUse",
        "Bash",
        json!({"command": format!("export OPENAI_API_KEY={key}")}),
    );
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(ours)
        .current_dir(&r.path)
        .env("HOME", sb.home())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(payload.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");

    // Status reports it.
    let (_, status, _) = r.run(&["status"]);
    assert!(
        status.contains("agent hooks: claude-code (project)"),
        "{status}"
    );

    // Uninstall: unchanged since install, so the original comes back byte for byte.
    let (code, out, _) = r.run(&["uninstall", "--agent", "claude-code"]);
    assert_eq!(code, 0);
    assert!(out.contains("byte for byte"), "{out}");
    assert_eq!(read(&settings), CLAUDE_SETTINGS);
    assert!(!r
        .path
        .join(".claude/settings.json.tierzero-backup")
        .exists());
}

#[test]
fn uninstall_after_other_changes_removes_only_tierzeros_entries() {
    let (sb, _) = setup();
    let r = repo(&sb);
    r.write(".claude/settings.json", CLAUDE_SETTINGS);
    let settings = r.path.join(".claude/settings.json");
    assert_eq!(r.run(&["install", "--agent", "claude-code"]).0, 0);
    // The user adds a permission after tierzero was installed.
    let mut doc: Value = serde_json::from_str(&read(&settings)).unwrap();
    doc["permissions"]["allow"]
        .as_array_mut()
        .unwrap()
        .push(json!("Bash(cargo test)"));
    std::fs::write(&settings, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let (code, out, _) = r.run(&["uninstall", "--agent", "claude-code"]);
    assert_eq!(code, 0);
    assert!(out.contains("removed tierzero's entries"), "{out}");
    let after: Value = serde_json::from_str(&read(&settings)).unwrap();
    let mut expected: Value = serde_json::from_str(CLAUDE_SETTINGS).unwrap();
    expected["permissions"]["allow"]
        .as_array_mut()
        .unwrap()
        .push(json!("Bash(cargo test)"));
    assert_eq!(after, expected);
    assert!(!read(&settings).contains("tierzero"));
}

#[test]
fn cursor_gemini_codex_copilot_install_and_uninstall() {
    let (sb, _) = setup();
    let r = repo(&sb);
    let cursor_before = "{\n  \"version\": 1,\n  \"hooks\": {\n    \"afterFileEdit\": [\n      {\n        \"command\": \"./hooks/format.sh\"\n      }\n    ]\n  }\n}\n";
    r.write(".cursor/hooks.json", cursor_before);
    let gemini_before = "{\n  \"theme\": \"GitHub\",\n  \"hooks\": {\n    \"BeforeTool\": [\n      {\n        \"matcher\": \"run_shell_command\",\n        \"hooks\": [\n          {\n            \"type\": \"command\",\n            \"command\": \"./audit.sh\"\n          }\n        ]\n      }\n    ]\n  }\n}\n";
    r.write(".gemini/settings.json", gemini_before);
    for tool in ["cursor", "gemini", "codex", "copilot"] {
        let (code, out, err) = r.run(&["install", "--agent", tool]);
        assert_eq!(code, 0, "{tool}: {out}{err}");
    }
    let cursor: Value = serde_json::from_str(&read(&r.path.join(".cursor/hooks.json"))).unwrap();
    assert_eq!(
        cursor["hooks"]["afterFileEdit"].as_array().unwrap().len(),
        2
    );
    assert_eq!(cursor["hooks"]["beforeReadFile"][0]["failClosed"], true);
    let gemini: Value = serde_json::from_str(&read(&r.path.join(".gemini/settings.json"))).unwrap();
    assert_eq!(gemini["theme"], "GitHub");
    assert_eq!(gemini["hooks"]["BeforeTool"].as_array().unwrap().len(), 2);
    let copilot: Value =
        serde_json::from_str(&read(&r.path.join(".github/hooks/tierzero.json"))).unwrap();
    assert_eq!(copilot["version"], 1);
    assert!(copilot["hooks"]["preToolUse"][0]["bash"]
        .as_str()
        .unwrap()
        .ends_with("--event preToolUse"));
    let codex: Value = serde_json::from_str(&read(&r.path.join(".codex/hooks.json"))).unwrap();
    let group = &codex["hooks"]["PreToolUse"][0];
    assert!(
        group.get("matcher").is_none(),
        "no matcher: every tool ({group})"
    );
    assert!(group["hooks"][0]["command"]
        .as_str()
        .unwrap()
        .ends_with(" agent codex"));
    for tool in ["cursor", "gemini", "codex", "copilot"] {
        let (code, out, err) = r.run(&["uninstall", "--agent", tool]);
        assert_eq!(code, 0, "{tool}: {out}{err}");
    }
    assert_eq!(read(&r.path.join(".cursor/hooks.json")), cursor_before);
    assert_eq!(read(&r.path.join(".gemini/settings.json")), gemini_before);
    // Files tierzero created are gone again, markers included.
    assert!(!r.path.join(".github/hooks/tierzero.json").exists());
    assert!(!r.path.join(".codex/hooks.json").exists());
    assert!(!r.path.join(".codex/hooks.json.tierzero-created").exists());
}

#[test]
fn user_scope_and_files_tierzero_will_not_rewrite() {
    let (sb, _) = setup();
    let r = repo(&sb);
    let (code, out, err) = r.run(&["install", "--agent", "claude-code", "--user"]);
    assert_eq!(code, 0, "{out}{err}");
    let user = sb.home().join(".claude/settings.json");
    assert!(read(&user).contains("agent claude-code"));
    assert!(!r.path.join(".claude/settings.json").exists());
    assert_eq!(
        r.run(&["uninstall", "--agent", "claude-code", "--user"]).0,
        0
    );
    assert!(!user.exists());

    // JSONC with comments: refused, file untouched, no backup left behind.
    let jsonc = "{\n  // keep my comment\n  \"theme\": \"Dracula\"\n}\n";
    r.write(".gemini/settings.json", jsonc);
    let (code, _, err) = r.run(&["install", "--agent", "gemini"]);
    assert_eq!(code, 2);
    assert!(err.contains("comments"), "{err}");
    assert!(
        err.contains("BeforeTool"),
        "the entries to add by hand: {err}"
    );
    assert_eq!(read(&r.path.join(".gemini/settings.json")), jsonc);
    assert!(!r
        .path
        .join(".gemini/settings.json.tierzero-backup")
        .exists());

    // Someone else's Copilot hook file of the same name is not taken over.
    r.write(
        ".github/hooks/tierzero.json",
        "{\"version\": 1, \"hooks\": {}}\n",
    );
    let (code, _, err) = r.run(&["install", "--agent", "copilot"]);
    assert_eq!(code, 2);
    assert!(err.contains("not tierzero's"), "{err}");
}
