//! Reading an agent's hook payload into what tierzero has to check.
//!
//! This module owns the per-tool payload shapes (Claude Code, Codex CLI, Cursor, GitHub
//! Copilot CLI / VS Code, Gemini CLI) and turns each into one [`Request`]: the event (before
//! a tool, a submitted prompt, after a tool), the working directory and a list of
//! [`Check`]s — text a write adds, a file a read opens, a shell command, free text. Tool
//! names and argument names differ between tools; they are matched by a few known aliases
//! (`file_path`/`path`/`absolute_path`, `old_string`/`old_str`, …). A tool it does not know
//! is still checked: every string in its input is scanned. It does not decide anything.

use std::path::PathBuf;

use serde_json::Value;

use super::Tool;
use crate::error::{Error, Result};

/// When the hook runs, as far as the answer's format is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Before a tool runs: the call can be refused.
    BeforeTool,
    /// A prompt the user submitted, before it reaches the model.
    Prompt,
    /// After a tool ran: its output may be withheld (Gemini) or only warned about.
    AfterTool,
}

/// Cursor's events each have their own answer shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CursorEvent {
    /// `beforeShellExecution`.
    Shell,
    /// `beforeMCPExecution`.
    Mcp,
    /// `beforeReadFile`.
    ReadFile,
    /// `beforeSubmitPrompt`.
    SubmitPrompt,
    /// `preToolUse` (generic, every tool).
    PreToolUse,
    /// `afterFileEdit`, `afterShellExecution`, `afterMCPExecution`, `postToolUse`: after the
    /// fact, nothing can be refused.
    After,
}

/// One thing to check.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    /// A write: `new` is the text written (a whole file or an edit's replacement), `old` the
    /// text it replaces (edits), so that a secret already there does not count as added.
    Write {
        /// The target file, as given (absolute or relative to the cwd).
        path: Option<String>,
        /// What the write puts in the file.
        new: String,
        /// What it replaces.
        old: Vec<String>,
    },
    /// A read of a file (its content is given by Cursor; otherwise read from disk).
    Read {
        /// The file, as given.
        path: String,
        /// The content the tool is about to send, when the payload carries it.
        content: Option<String>,
    },
    /// A shell command.
    Shell {
        /// The command line.
        command: String,
    },
    /// Free text that would reach the model or a server (prompt, MCP arguments, URLs).
    Text {
        /// What the text is, for messages (`the prompt`, `the arguments of mcp__x__y`).
        label: String,
        /// The text.
        text: String,
    },
    /// Tool output, after the tool ran.
    Output {
        /// Which tool produced it.
        label: String,
        /// The file the tool read, when it read one: the output is that file's content,
        /// so it is scanned under that path (path allowlists apply, as for the read).
        path: Option<String>,
        /// The output.
        text: String,
    },
}

/// A parsed payload.
#[derive(Clone, Debug)]
pub struct Request {
    /// The event as the tool named it (`PreToolUse`, `beforeReadFile`, …).
    pub event_name: String,
    /// When it runs.
    pub stage: Stage,
    /// Cursor's event, when the tool is Cursor.
    pub cursor: Option<CursorEvent>,
    /// The working directory the tool reported.
    pub cwd: Option<PathBuf>,
    /// What to check.
    pub checks: Vec<Check>,
}

fn bad(message: impl Into<String>) -> Error {
    Error::Usage(format!("malformed hook payload: {}", message.into()))
}

/// The first string among `keys` in `v`.
fn string_of(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_string))
}

/// A command given as a string or as an argument vector.
fn command_of(v: &Value) -> Option<String> {
    for key in ["command", "cmd", "script", "commandLine", "command_line"] {
        match v.get(key) {
            Some(Value::String(s)) => return Some(s.clone()),
            Some(Value::Array(parts)) => {
                let words: Vec<String> = parts
                    .iter()
                    .filter_map(Value::as_str)
                    .map(crate::util::shell_quote)
                    .collect();
                return Some(words.join(" "));
            }
            _ => {}
        }
    }
    None
}

const PATH_KEYS: &[&str] = &[
    "file_path",
    "filePath",
    "path",
    "absolute_path",
    "notebook_path",
    "filename",
    "file",
    "target_file",
    "targetFile",
];

/// Every string in `v`, one `key: value` line each, so that rules needing a nearby
/// keyword (`Authorization`, `api_key`) see it. Strings holding JSON are expanded.
pub fn flatten(v: &Value, key: &str, out: &mut String, depth: usize) {
    if depth > 32 {
        return;
    }
    match v {
        Value::String(s) => {
            let trimmed = s.trim_start();
            if (trimmed.starts_with('{') || trimmed.starts_with('[')) && depth < 4 {
                if let Ok(inner) = serde_json::from_str::<Value>(s) {
                    flatten(&inner, key, out, depth + 1);
                    return;
                }
            }
            if !key.is_empty() {
                out.push_str(key);
                out.push_str(": ");
            }
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(items) => {
            for item in items {
                flatten(item, key, out, depth + 1);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                flatten(item, k, out, depth + 1);
            }
        }
        Value::Number(n) => {
            if !key.is_empty() {
                out.push_str(key);
                out.push_str(": ");
            }
            out.push_str(&n.to_string());
            out.push('\n');
        }
        Value::Bool(_) | Value::Null => {}
    }
}

fn normalized(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The files and added lines of a Codex-style patch (`*** Begin Patch`, `*** Add File: p`,
/// `*** Update File: p`, `+line`, `-line`).
fn patch_checks(patch: &str, out: &mut Vec<Check>) {
    let mut current: Option<(String, String, String)> = None;
    let finish = |cur: Option<(String, String, String)>, out: &mut Vec<Check>| {
        if let Some((path, new, old)) = cur {
            out.push(Check::Write {
                path: Some(path),
                new,
                old: vec![old],
            });
        }
    };
    for raw in patch.lines() {
        let line = raw.trim_start();
        let header = ["*** Add File:", "*** Update File:", "*** Move to:"]
            .iter()
            .find_map(|h| line.strip_prefix(h));
        if let Some(path) = header {
            if line.starts_with("*** Move to:") {
                if let Some(cur) = current.as_mut() {
                    cur.0 = path.trim().to_string();
                }
                continue;
            }
            finish(current.take(), out);
            current = Some((path.trim().to_string(), String::new(), String::new()));
            continue;
        }
        if line.starts_with("*** ") {
            finish(current.take(), out);
            continue;
        }
        if let Some(cur) = current.as_mut() {
            if let Some(added) = raw.strip_prefix('+') {
                cur.1.push_str(added);
                cur.1.push('\n');
            } else if let Some(removed) = raw.strip_prefix('-') {
                cur.2.push_str(removed);
                cur.2.push('\n');
            } else if let Some(context) = raw.strip_prefix(' ') {
                // Context lines are in the file already: they count as old text.
                cur.2.push_str(context);
                cur.2.push('\n');
            }
        }
    }
    finish(current, out);
}

/// The checks for one tool call.
fn tool_checks(tool_name: &str, input: &Value, out: &mut Vec<Check>) {
    let name = normalized(tool_name);
    let path = string_of(input, PATH_KEYS);
    let label = format!("the input of {tool_name}");
    match name.as_str() {
        "write" | "writefile" | "create" | "createfile" | "newfile" | "writetofile" => {
            let new = string_of(
                input,
                &["content", "file_text", "contents", "text", "fileText"],
            )
            .unwrap_or_default();
            out.push(Check::Write {
                path,
                new,
                old: Vec::new(),
            });
        }
        "edit"
        | "replace"
        | "strreplace"
        | "editfile"
        | "strreplacebasededittool"
        | "replacestringinfile"
        | "searchreplace" => {
            let new = string_of(
                input,
                &["new_string", "new_str", "newString", "replacement"],
            )
            .unwrap_or_default();
            let old = string_of(input, &["old_string", "old_str", "oldString"])
                .into_iter()
                .collect();
            out.push(Check::Write { path, new, old });
        }
        "multiedit" | "multireplacestringinfile" => {
            let mut new = String::new();
            let mut old = Vec::new();
            for edit in input
                .get("edits")
                .or_else(|| input.get("replacements"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(s) = string_of(edit, &["new_string", "new_str", "newString"]) {
                    new.push_str(&s);
                    new.push('\n');
                }
                if let Some(s) = string_of(edit, &["old_string", "old_str", "oldString"]) {
                    old.push(s);
                }
            }
            out.push(Check::Write { path, new, old });
        }
        "notebookedit" | "editnotebook" | "editnotebookfile" => {
            let new = string_of(input, &["new_source", "newCode", "new_code", "source"])
                .unwrap_or_default();
            out.push(Check::Write {
                path,
                new,
                old: Vec::new(),
            });
        }
        "read" | "readfile" | "view" | "viewfile" | "cat" | "open" | "readtextfile" => {
            if let Some(path) = path {
                out.push(Check::Read {
                    path,
                    content: None,
                });
            }
        }
        "readmanyfiles" | "readmultiplefiles" => {
            for p in input
                .get("paths")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                out.push(Check::Read {
                    path: p.to_string(),
                    content: None,
                });
            }
        }
        "grep" | "search" | "searchfiles" | "greptool" | "ripgrep" => {
            if let Some(path) = path {
                out.push(Check::Read {
                    path,
                    content: None,
                });
            }
        }
        "bash" | "shell" | "runshellcommand" | "runinterminal" | "runterminalcommand"
        | "powershell" | "execcommand" | "terminal" | "localshell" | "exec" | "shellcommand" => {
            if let Some(command) = command_of(input).or_else(|| input.as_str().map(str::to_string))
            {
                if command.trim_start().starts_with("*** Begin Patch") {
                    patch_checks(&command, out);
                } else {
                    out.push(Check::Shell { command });
                }
            }
        }
        "applypatch" => {
            let patch = command_of(input)
                .or_else(|| string_of(input, &["patch", "input"]))
                .or_else(|| input.as_str().map(str::to_string))
                .unwrap_or_default();
            // The argument-vector form (`["apply_patch", "*** Begin Patch…"]`) was joined
            // with quotes; take the patch from the first header on.
            let start = patch.find("*** Begin Patch").unwrap_or(0);
            patch_checks(&patch[start..], out);
        }
        _ => {
            // Unknown tools (MCP servers, web fetches, subagents): scan every string, and
            // treat a path argument as a read of that path (path rules only would miss a
            // server that returns file content, so content is checked too).
            let mut text = String::new();
            flatten(input, "", &mut text, 0);
            out.push(Check::Text { label, text });
            if let Some(path) = path {
                out.push(Check::Read {
                    path,
                    content: None,
                });
            }
        }
    }
}

fn tool_output(v: &Value, keys: &[&str]) -> String {
    let mut text = String::new();
    for key in keys {
        if let Some(item) = v.get(*key) {
            flatten(item, "", &mut text, 0);
        }
    }
    text
}

/// Parses `bytes` as a payload from `tool`. `event_hint` is the event named on the command
/// line (`--event`), used when the payload does not say (Copilot CLI's camelCase payloads).
pub fn parse(tool: Tool, bytes: &[u8], event_hint: Option<&str>) -> Result<Request> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| {
        bad(format!(
            "not JSON ({})",
            crate::policy::suppress::one_line(&e.to_string())
        ))
    })?;
    if !v.is_object() {
        return Err(bad("not a JSON object"));
    }
    let named = string_of(&v, &["hook_event_name", "hookEventName"]);
    let event_name = match (named, event_hint) {
        (Some(n), _) => n,
        (None, Some(h)) => h.to_string(),
        (None, None) => {
            // Copilot CLI's camelCase payloads carry no event name: infer it.
            if v.get("toolResult").is_some() {
                "postToolUse".to_string()
            } else if v.get("toolName").is_some() {
                "preToolUse".to_string()
            } else if v.get("prompt").is_some() {
                "userPromptSubmitted".to_string()
            } else {
                return Err(bad("no hook_event_name"));
            }
        }
    };
    let cwd = string_of(&v, &["cwd"])
        .filter(|s| !s.is_empty())
        .or_else(|| {
            v.get("workspace_roots")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .map(PathBuf::from);
    let mut checks = Vec::new();
    let tool_name = string_of(&v, &["tool_name", "toolName"]);
    let tool_input = {
        let raw = v.get("tool_input").or_else(|| v.get("toolArgs"));
        match raw {
            // Some tools send the arguments as a JSON string.
            Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
            Some(other) => other.clone(),
            None => Value::Null,
        }
    };
    let need_tool = || -> Result<String> {
        tool_name
            .clone()
            .ok_or_else(|| bad(format!("{event_name} without tool_name")))
    };
    let (stage, cursor) = if tool == Tool::Cursor {
        let (stage, ev) = match event_name.as_str() {
            "beforeShellExecution" => {
                let command = string_of(&v, &["command"])
                    .ok_or_else(|| bad("beforeShellExecution without command"))?;
                checks.push(Check::Shell { command });
                (Stage::BeforeTool, CursorEvent::Shell)
            }
            "beforeMCPExecution" => {
                let name = tool_name.clone().unwrap_or_else(|| "an MCP tool".into());
                let mut text = String::new();
                flatten(&tool_input, "", &mut text, 0);
                checks.push(Check::Text {
                    label: format!("the arguments of {name}"),
                    text,
                });
                (Stage::BeforeTool, CursorEvent::Mcp)
            }
            "beforeReadFile" | "beforeTabFileRead" => {
                let path = string_of(&v, &["file_path", "filePath"])
                    .ok_or_else(|| bad("beforeReadFile without file_path"))?;
                let content = string_of(&v, &["content"]);
                checks.push(Check::Read { path, content });
                (Stage::BeforeTool, CursorEvent::ReadFile)
            }
            "beforeSubmitPrompt" => {
                let text = string_of(&v, &["prompt"])
                    .ok_or_else(|| bad("beforeSubmitPrompt without prompt"))?;
                checks.push(Check::Text {
                    label: "the prompt".into(),
                    text,
                });
                for a in v
                    .get("attachments")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(path) = string_of(a, &["file_path", "filePath"]) {
                        checks.push(Check::Read {
                            path,
                            content: None,
                        });
                    }
                }
                (Stage::Prompt, CursorEvent::SubmitPrompt)
            }
            "preToolUse" => {
                tool_checks(&need_tool()?, &tool_input, &mut checks);
                (Stage::BeforeTool, CursorEvent::PreToolUse)
            }
            "afterFileEdit" | "afterTabFileEdit" => {
                let path = string_of(&v, &["file_path", "filePath"]);
                let mut new = String::new();
                let mut old = Vec::new();
                for e in v
                    .get("edits")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(s) = string_of(e, &["new_string"]) {
                        new.push_str(&s);
                        new.push('\n');
                    }
                    if let Some(s) = string_of(e, &["old_string"]) {
                        old.push(s);
                    }
                }
                checks.push(Check::Write { path, new, old });
                (Stage::AfterTool, CursorEvent::After)
            }
            "afterShellExecution" | "afterMCPExecution" | "postToolUse" => {
                checks.push(Check::Output {
                    label: tool_name
                        .clone()
                        .unwrap_or_else(|| "the shell command".into()),
                    path: None,
                    text: tool_output(&v, &["output", "result_json", "tool_output"]),
                });
                (Stage::AfterTool, CursorEvent::After)
            }
            other => return Err(bad(format!("unknown Cursor event {other:?}"))),
        };
        (stage, Some(ev))
    } else {
        let stage = match event_name.as_str() {
            "PreToolUse" | "preToolUse" | "BeforeTool" => {
                tool_checks(&need_tool()?, &tool_input, &mut checks);
                Stage::BeforeTool
            }
            "UserPromptSubmit" | "userPromptSubmitted" | "BeforeAgent" => {
                let text = string_of(&v, &["prompt"])
                    .ok_or_else(|| bad(format!("{event_name} without prompt")))?;
                checks.push(Check::Text {
                    label: "the prompt".into(),
                    text,
                });
                Stage::Prompt
            }
            "PostToolUse" | "postToolUse" | "AfterTool" => {
                let name = need_tool()?;
                checks.push(Check::Output {
                    path: string_of(&tool_input, PATH_KEYS),
                    label: name,
                    text: tool_output(
                        &v,
                        &["tool_response", "toolResult", "tool_result", "tool_output"],
                    ),
                });
                Stage::AfterTool
            }
            other => {
                return Err(bad(format!(
                    "unknown event {other:?} for {} (tierzero handles the events `tierzero install --agent` sets up)",
                    tool.name()
                )))
            }
        };
        (stage, None)
    };
    Ok(Request {
        event_name,
        stage,
        cursor,
        cwd,
        checks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_files_and_added_lines() {
        let mut out = Vec::new();
        patch_checks(
            "*** Begin Patch\n*** Add File: a.py\n+x = 1\n*** Update File: b.py\n@@\n keep\n-old\n+new\n*** End Patch\n",
            &mut out,
        );
        assert_eq!(
            out,
            vec![
                Check::Write {
                    path: Some("a.py".into()),
                    new: "x = 1\n".into(),
                    old: vec![String::new()]
                },
                Check::Write {
                    path: Some("b.py".into()),
                    new: "new\n".into(),
                    old: vec!["keep\nold\n".into()]
                },
            ]
        );
    }

    #[test]
    fn flatten_keeps_keys_and_expands_json_strings() {
        let v: Value =
            serde_json::json!({"headers": "{\"Authorization\": \"Bearer abc\"}", "n": 1});
        let mut out = String::new();
        flatten(&v, "", &mut out, 0);
        assert!(out.contains("Authorization: Bearer abc\n"), "{out}");
    }
}
