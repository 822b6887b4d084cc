//! Guarding AI coding agents: `tierzero agent <tool>` answers a hook call from Claude Code,
//! Cursor, Codex CLI, GitHub Copilot (CLI and VS Code) or Gemini CLI.
//!
//! An agent runs the hook before (and after) each tool call and on each prompt, passing a
//! JSON payload on stdin. This module owns the pipeline from those bytes to the answer:
//! [`payload`] reads the tool's shape into checks, [`decide`] runs them through the git
//! hook's engine and config, [`answer`] writes the refusal in the tool's own format, and
//! [`settings`] installs the hook entries into each tool's settings file. Everything fails
//! closed: a payload that does not parse, an unknown event, an error, a panic or a decision
//! slower than the deadline is answered with a refusal, never with silence. Printing is the
//! caller's job: [`run`] returns an [`Answer`].

pub mod answer;
pub mod decide;
pub mod payload;
pub mod settings;
pub mod shell;

use std::time::Duration;

pub use answer::Answer;
use answer::Outcome;

/// The agents tierzero answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tool {
    /// Anthropic's Claude Code.
    ClaudeCode,
    /// Cursor's agent.
    Cursor,
    /// OpenAI's Codex CLI.
    Codex,
    /// GitHub Copilot CLI and VS Code agent mode.
    Copilot,
    /// Google's Gemini CLI.
    Gemini,
}

impl Tool {
    /// Every tool, in the order they are listed.
    pub const ALL: [Tool; 5] = [
        Tool::ClaudeCode,
        Tool::Cursor,
        Tool::Codex,
        Tool::Copilot,
        Tool::Gemini,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Tool::ClaudeCode => "claude-code",
            Tool::Cursor => "cursor",
            Tool::Codex => "codex",
            Tool::Copilot => "copilot",
            Tool::Gemini => "gemini",
        }
    }

    /// Parses a command-line name (`claude` is accepted for `claude-code`).
    pub fn parse(name: &str) -> Result<Tool, String> {
        match name {
            "claude-code" | "claude" => Ok(Tool::ClaudeCode),
            "cursor" => Ok(Tool::Cursor),
            "codex" => Ok(Tool::Codex),
            "copilot" | "vscode" => Ok(Tool::Copilot),
            "gemini" => Ok(Tool::Gemini),
            other => Err(format!(
                "unknown agent {other:?} (expected claude-code, cursor, codex, copilot or gemini)"
            )),
        }
    }
}

/// How long a decision may take before tierzero refuses rather than keep the agent
/// waiting (agents kill slow hooks, and some treat that as "allow"). Overridable with
/// `TIERZERO_AGENT_TIMEOUT_MS`.
const DEFAULT_DEADLINE_MS: u64 = 10_000;

fn deadline() -> Duration {
    let ms = std::env::var("TIERZERO_AGENT_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(DEFAULT_DEADLINE_MS);
    Duration::from_millis(ms)
}

/// Test hook: `TIERZERO_AGENT_FAULT=panic|sleep` makes the decision panic or hang, so the
/// fail-closed paths can be exercised end to end through the real binary.
fn injected_fault() {
    match std::env::var("TIERZERO_AGENT_FAULT").as_deref() {
        Ok("panic") => panic!("injected fault (TIERZERO_AGENT_FAULT=panic)"),
        Ok("sleep") => std::thread::sleep(Duration::from_secs(3600)),
        _ => {}
    }
}

/// Answers one hook call: `input` is what the tool wrote on stdin, `event_hint` the event
/// named with `--event` (for payloads that do not carry it).
pub fn run(tool: Tool, input: Vec<u8>, event_hint: Option<String>) -> Answer {
    let req = match payload::parse(tool, &input, event_hint.as_deref()) {
        Ok(req) => req,
        Err(e) => {
            let why = format!("tierzero: {e}; refusing (fail closed)");
            return answer::render(tool, None, Outcome::Failed(&why));
        }
    };
    // The decision runs on a worker thread so that a hang becomes a refusal at the
    // deadline and a panic becomes a refusal at once.
    let (tx, rx) = std::sync::mpsc::channel();
    let worker_req = req.clone();
    let spawned = std::thread::Builder::new()
        .name("tierzero-agent".into())
        .spawn(move || {
            let result = std::panic::catch_unwind(|| {
                injected_fault();
                decide::decide(&worker_req)
            });
            let _ = tx.send(result);
        });
    let result = match spawned {
        Ok(_) => rx.recv_timeout(deadline()),
        Err(e) => {
            let why = format!(
                "tierzero: internal error: cannot start the decision ({e}); refusing (fail closed)"
            );
            return answer::render(tool, Some(&req), Outcome::Failed(&why));
        }
    };
    match result {
        Ok(Ok(Ok(decide::Verdict::Allow))) => answer::render(tool, Some(&req), Outcome::Allow),
        Ok(Ok(Ok(decide::Verdict::Refuse(why)))) => {
            answer::render(tool, Some(&req), Outcome::Refuse(&why))
        }
        Ok(Ok(Err(e))) => {
            let why = format!("tierzero: error: {e}; refusing (fail closed)");
            answer::render(tool, Some(&req), Outcome::Failed(&why))
        }
        Ok(Err(_)) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            let why = "tierzero: internal error while deciding (please report it); refusing (fail closed)";
            answer::render(tool, Some(&req), Outcome::Failed(why))
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            let why = format!(
                "tierzero: no decision within {} ms; refusing (fail closed). Raise TIERZERO_AGENT_TIMEOUT_MS if this machine is slow.",
                deadline().as_millis()
            );
            answer::render(tool, Some(&req), Outcome::Failed(&why))
        }
    }
}
