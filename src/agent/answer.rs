//! Answering in each tool's own format.
//!
//! This module owns the output contract of every supported tool: what goes to stdout (the
//! JSON the tool parses), what goes to stderr, and the exit code, for an allow, a refusal
//! and a failure. Every shape here is the documented one (see docs/AGENTS.md for the
//! sources); where a tool treats a crashing or silent hook as "allow", a failure is still
//! answered with an explicit refusal. It does not decide.

use serde_json::{json, Value};

use super::payload::{CursorEvent, Request, Stage};
use super::Tool;

/// What the process prints and returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// For the tool to parse (JSON, or nothing).
    pub stdout: String,
    /// For people (and, on exit 2, for Claude Code / Codex / Gemini CLI: the reason).
    pub stderr: String,
    /// The exit code.
    pub code: i32,
}

/// The outcome to render.
#[derive(Clone, Debug)]
pub enum Outcome<'a> {
    /// Nothing found.
    Allow,
    /// A refusal (after the fact: withhold or warn), with the reason.
    Refuse(&'a str),
    /// tierzero could not decide (bad payload, unknown event, internal error, timeout):
    /// refuse, fail closed.
    Failed(&'a str),
}

fn json_line(v: Value) -> String {
    let mut s = v.to_string();
    s.push('\n');
    s
}

fn answer(stdout: Option<Value>, stderr: impl Into<String>, code: i32) -> Answer {
    Answer {
        stdout: stdout.map(json_line).unwrap_or_default(),
        stderr: stderr.into(),
        code,
    }
}

fn line(s: &str) -> String {
    format!("{s}\n")
}

/// Renders `outcome` for `tool`; `req` is `None` when the payload could not be parsed.
pub fn render(tool: Tool, req: Option<&Request>, outcome: Outcome<'_>) -> Answer {
    match tool {
        Tool::ClaudeCode | Tool::Codex => claude_like(req, outcome),
        Tool::Cursor => cursor(req, outcome),
        Tool::Copilot => copilot(req, outcome),
        Tool::Gemini => gemini(req, outcome),
    }
}

/// Claude Code, and Codex CLI which mirrors its hook contract. A refusal before a tool is
/// `hookSpecificOutput.permissionDecision = "deny"`; a prompt is blocked with
/// `decision: "block"`; after a tool, `decision: "block"` feeds the warning back (the
/// output cannot be withheld). Failures exit 2 with the reason on stderr, which blocks
/// the call (and any exit code other than 0 or 2 would let it through).
fn claude_like(req: Option<&Request>, outcome: Outcome<'_>) -> Answer {
    let Some(req) = req else {
        return match outcome {
            Outcome::Failed(why) | Outcome::Refuse(why) => answer(None, line(why), 2),
            Outcome::Allow => answer(None, "", 0),
        };
    };
    match (req.stage, outcome) {
        (_, Outcome::Allow) => answer(None, "", 0),
        (Stage::BeforeTool, Outcome::Refuse(why)) => answer(
            Some(json!({
                "hookSpecificOutput": {
                    "hookEventName": req.event_name,
                    "permissionDecision": "deny",
                    "permissionDecisionReason": why,
                }
            })),
            "",
            0,
        ),
        (Stage::Prompt | Stage::AfterTool, Outcome::Refuse(why)) => {
            answer(Some(json!({"decision": "block", "reason": why})), "", 0)
        }
        (_, Outcome::Failed(why)) => answer(None, line(why), 2),
    }
}

/// Cursor: `permission` for shell, MCP, file reads and `preToolUse`; `continue` for
/// prompts; after-the-fact events cannot refuse, so they warn on stderr. A refusal also
/// exits 2, which Cursor treats as deny even where it ignores the JSON; the messages are
/// given in both the current snake_case and the original camelCase field names.
fn cursor(req: Option<&Request>, outcome: Outcome<'_>) -> Answer {
    let event = req.and_then(|r| r.cursor);
    let deny = |why: &str| {
        json!({
            "permission": "deny",
            "continue": false,
            "user_message": why,
            "agent_message": why,
            "userMessage": why,
            "agentMessage": why,
        })
    };
    match (event, outcome) {
        (Some(CursorEvent::After), Outcome::Allow) => answer(Some(json!({})), "", 0),
        (Some(CursorEvent::After), Outcome::Refuse(why) | Outcome::Failed(why)) => answer(
            Some(json!({})),
            line(&format!(
                "{why} (tierzero could not stop this: the event runs after the fact)"
            )),
            0,
        ),
        (Some(CursorEvent::SubmitPrompt), Outcome::Allow) => {
            answer(Some(json!({"continue": true})), "", 0)
        }
        (Some(CursorEvent::SubmitPrompt), Outcome::Refuse(why)) => answer(
            Some(json!({"continue": false, "user_message": why, "userMessage": why})),
            "",
            2,
        ),
        (Some(CursorEvent::ReadFile), Outcome::Refuse(why)) => answer(
            Some(json!({"permission": "deny", "user_message": why, "userMessage": why})),
            "",
            2,
        ),
        (_, Outcome::Allow) => answer(Some(json!({"permission": "allow"})), "", 0),
        (_, Outcome::Refuse(why)) => answer(Some(deny(why)), "", 2),
        (_, Outcome::Failed(why)) => answer(Some(deny(why)), line(why), 2),
    }
}

/// GitHub Copilot CLI (camelCase events) and VS Code agent hooks (PascalCase, Claude-style
/// `hookSpecificOutput`). Copilot CLI logs and skips a failing hook, so every refusal,
/// failures included, is an explicit JSON deny at exit 0, in both shapes. A prompt cannot
/// be refused by Copilot CLI; VS Code stops on `continue: false`.
fn copilot(req: Option<&Request>, outcome: Outcome<'_>) -> Answer {
    let deny_tool = |why: &str| {
        json!({
            "permissionDecision": "deny",
            "permissionDecisionReason": why,
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": "deny",
                "permissionDecisionReason": why,
            }
        })
    };
    let stage = req.map(|r| r.stage);
    match (stage, outcome) {
        (_, Outcome::Allow) => answer(None, "", 0),
        (Some(Stage::BeforeTool), Outcome::Refuse(why)) => answer(Some(deny_tool(why)), "", 0),
        (Some(Stage::Prompt), Outcome::Refuse(why)) => answer(
            Some(json!({"continue": false, "stopReason": why, "systemMessage": why})),
            line(why),
            0,
        ),
        (Some(Stage::AfterTool), Outcome::Refuse(why)) => {
            answer(Some(json!({"systemMessage": why})), line(why), 0)
        }
        (_, Outcome::Failed(why)) | (None, Outcome::Refuse(why)) => {
            let mut v = deny_tool(why);
            v["continue"] = json!(false);
            v["stopReason"] = json!(why);
            answer(Some(v), line(why), 0)
        }
    }
}

/// Gemini CLI: `decision: "deny"` with a `reason` refuses a tool (the reason goes to the
/// agent), blocks a prompt (`BeforeAgent`) and, after a tool (`AfterTool`), replaces its
/// output, so the credential never reaches the model. Failures exit 2 (block).
fn gemini(req: Option<&Request>, outcome: Outcome<'_>) -> Answer {
    match (req, outcome) {
        (_, Outcome::Allow) => answer(Some(json!({})), "", 0),
        (Some(_), Outcome::Refuse(why)) => {
            answer(Some(json!({"decision": "deny", "reason": why})), "", 0)
        }
        (_, Outcome::Failed(why)) | (None, Outcome::Refuse(why)) => answer(None, line(why), 2),
    }
}
