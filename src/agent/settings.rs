//! Installing tierzero's hook entries into each agent's settings file, and taking them out.
//!
//! This module owns where each tool keeps its hooks (`.claude/settings.json`,
//! `.cursor/hooks.json`, `.codex/hooks.json`, `.github/hooks/tierzero.json`,
//! `.gemini/settings.json`, or their counterparts in the home directory), the entries
//! tierzero adds there, and the merge: other keys, other hooks and key order are kept
//! (the file is re-indented the way it was indented), installing twice changes nothing,
//! the original file is copied to `<file>.tierzero-backup` before the first change, and
//! uninstalling restores that copy byte for byte when nothing else changed since — or else
//! removes only tierzero's entries. A file with comments (JSONC) is refused rather than
//! rewritten without them. It also reports installed entries for `tierzero status`.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::Tool;
use crate::error::{Error, Result};

/// Suffix of the copy of the file as it was before tierzero first changed it.
pub const BACKUP_SUFFIX: &str = ".tierzero-backup";
/// Marker left when tierzero created the file (there was nothing to back up).
pub const CREATED_SUFFIX: &str = ".tierzero-created";
/// Copy of the file taken before an uninstall had to edit it (it had changed since).
pub const UNINSTALL_BACKUP_SUFFIX: &str = ".tierzero-uninstall-backup";

/// Where to install: the project (repository) or the user's home.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// `<repository>/.claude/settings.json` etc. (the default).
    #[default]
    Project,
    /// `~/.claude/settings.json` etc.
    User,
}

/// What an install or uninstall did, one line per action, for the caller to print.
#[derive(Debug, Default)]
pub struct Report {
    /// The lines.
    pub lines: Vec<String>,
}

fn home() -> Result<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .ok_or_else(|| Error::Install("cannot find the home directory (HOME is not set)".into()))
}

/// The settings file of `tool` for `scope`; `project` is the repository root.
pub fn settings_path(tool: Tool, scope: Scope, project: &Path) -> Result<PathBuf> {
    let base = match scope {
        Scope::Project => project.to_path_buf(),
        Scope::User => home()?,
    };
    Ok(match (tool, scope) {
        (Tool::ClaudeCode, _) => base.join(".claude/settings.json"),
        (Tool::Cursor, _) => base.join(".cursor/hooks.json"),
        (Tool::Codex, Scope::User) => std::env::var_os("CODEX_HOME")
            .map_or_else(|| base.join(".codex"), PathBuf::from)
            .join("hooks.json"),
        (Tool::Codex, Scope::Project) => base.join(".codex/hooks.json"),
        (Tool::Copilot, Scope::Project) => base.join(".github/hooks/tierzero.json"),
        (Tool::Copilot, Scope::User) => base.join(".copilot/hooks/tierzero.json"),
        (Tool::Gemini, _) => base.join(".gemini/settings.json"),
    })
}

/// The events tierzero hooks for each tool.
fn events(tool: Tool) -> &'static [&'static str] {
    match tool {
        Tool::ClaudeCode | Tool::Codex => &["PreToolUse", "UserPromptSubmit", "PostToolUse"],
        Tool::Cursor => &[
            "beforeShellExecution",
            "beforeMCPExecution",
            "beforeReadFile",
            "beforeSubmitPrompt",
            "preToolUse",
            "afterFileEdit",
            "afterShellExecution",
            "afterMCPExecution",
        ],
        Tool::Copilot => &["preToolUse", "userPromptSubmitted", "postToolUse"],
        Tool::Gemini => &["BeforeTool", "BeforeAgent", "AfterTool"],
    }
}

/// The hook command: the absolute path of this binary, quoted for a POSIX shell.
fn command(tool: Tool, binary: &Path, event: Option<&str>) -> String {
    let bin = crate::util::shell_quote(&binary.to_string_lossy());
    match event {
        Some(e) => format!("{bin} agent {} --event {e}", tool.name()),
        None => format!("{bin} agent {}", tool.name()),
    }
}

/// Whether a hook command string is one of ours (any binary path, this tool).
fn is_our_command(tool: Tool, cmd: &str) -> bool {
    cmd.contains("tierzero")
        && (cmd.ends_with(&format!(" agent {}", tool.name()))
            || cmd.contains(&format!(" agent {} --event ", tool.name())))
}

/// The entry tierzero adds under `event`.
fn entry(tool: Tool, binary: &Path, event: &str) -> Value {
    match tool {
        Tool::ClaudeCode | Tool::Codex => {
            let hook =
                json!({"type": "command", "command": command(tool, binary, None), "timeout": 30});
            // Claude Code documents `*` as "every tool"; Codex matchers are regexes, where an
            // absent matcher is what means every tool.
            match (tool, event) {
                (_, "UserPromptSubmit") | (Tool::Codex, _) => json!({"hooks": [hook]}),
                _ => json!({"matcher": "*", "hooks": [hook]}),
            }
        }
        Tool::Cursor => json!({"command": command(tool, binary, None), "failClosed": true}),
        Tool::Copilot => {
            let cmd = command(tool, binary, Some(event));
            json!({
                "type": "command",
                "bash": cmd,
                "command": cmd,
                "powershell": format!("& '{}' agent copilot --event {event}", binary.to_string_lossy().replace('\'', "''")),
                "timeoutSec": 30,
            })
        }
        Tool::Gemini => {
            let hook = json!({
                "type": "command",
                "command": command(tool, binary, None),
                "name": "tierzero",
                "description": "tierzero: keep credentials out of files, reads, commands and prompts",
                "timeout": 30000,
            });
            match event {
                "BeforeAgent" => json!({"hooks": [hook]}),
                _ => json!({"matcher": ".*", "hooks": [hook]}),
            }
        }
    }
}

/// Whether one entry (a group with `hooks`, or a flat entry) is ours.
fn entry_is_ours(tool: Tool, v: &Value) -> bool {
    let flat = |h: &Value| {
        ["command", "bash"]
            .iter()
            .filter_map(|k| h.get(*k).and_then(Value::as_str))
            .any(|c| is_our_command(tool, c))
    };
    flat(v)
}

/// Removes tierzero's entries from `doc`; returns how many were removed. Containers that
/// only held tierzero's entries are removed with them.
fn remove_ours(tool: Tool, doc: &mut Value) -> usize {
    let mut removed = 0;
    let Some(hooks) = doc.get_mut("hooks").and_then(Value::as_object_mut) else {
        return 0;
    };
    let mut emptied = Vec::new();
    for (event, list) in hooks.iter_mut() {
        let Some(items) = list.as_array_mut() else {
            continue;
        };
        let mut here = 0;
        items.retain_mut(|item| {
            if entry_is_ours(tool, item) {
                here += 1;
                return false;
            }
            if let Some(inner) = item.get_mut("hooks").and_then(Value::as_array_mut) {
                let n = inner.len();
                inner.retain(|h| !entry_is_ours(tool, h));
                let gone = n - inner.len();
                here += gone;
                // A group that only held tierzero's hooks goes with them.
                if gone > 0 && inner.is_empty() {
                    return false;
                }
            }
            true
        });
        removed += here;
        if here > 0 && items.is_empty() {
            emptied.push(event.clone());
        }
    }
    for event in emptied {
        // shift_remove keeps the order of the remaining events (remove would swap).
        hooks.shift_remove(&event);
    }
    if removed > 0 && hooks.is_empty() {
        if let Some(map) = doc.as_object_mut() {
            map.shift_remove("hooks");
        }
    }
    removed
}

fn add_ours(tool: Tool, binary: &Path, doc: &mut Value) -> Result<()> {
    let map = doc
        .as_object_mut()
        .ok_or_else(|| Error::Install("the settings file is not a JSON object".into()))?;
    if matches!(tool, Tool::Cursor | Tool::Copilot) && !map.contains_key("version") {
        map.insert("version".into(), json!(1));
    }
    let hooks = map
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()));
    let hooks = hooks
        .as_object_mut()
        .ok_or_else(|| Error::Install("`hooks` in the settings file is not an object".into()))?;
    for event in events(tool) {
        let list = hooks
            .entry(event.to_string())
            .or_insert_with(|| Value::Array(Vec::new()));
        let list = list.as_array_mut().ok_or_else(|| {
            Error::Install(format!(
                "`hooks.{event}` in the settings file is not an array"
            ))
        })?;
        list.push(entry(tool, binary, event));
    }
    Ok(())
}

/// Whether JSON text has `//` or `/* */` comments outside strings.
fn has_comments(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    let mut in_string = false;
    while i < b.len() {
        match (in_string, b[i]) {
            (true, b'\\') => i += 1,
            (true, b'"') | (false, b'"') => in_string = !in_string,
            (false, b'/') if matches!(b.get(i + 1), Some(b'/' | b'*')) => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// The indentation the file uses (the first indented line's leading whitespace).
fn indent_of(text: &str) -> String {
    text.lines()
        .skip(1)
        .find_map(|l| {
            let ws: String = l.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
            (!ws.is_empty()).then_some(ws)
        })
        .unwrap_or_else(|| "  ".into())
}

fn render(doc: &Value, indent: &str) -> Result<Vec<u8>> {
    use serde::Serialize;
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    doc.serialize(&mut ser)
        .map_err(|e| Error::Internal(format!("serialising settings: {e}")))?;
    out.push(b'\n');
    Ok(out)
}

fn parse(path: &Path, bytes: &[u8], tool: Tool, binary: &Path) -> Result<Value> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        Error::Install(format!(
            "{}: not valid UTF-8; not touching it",
            path.display()
        ))
    })?;
    if text.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(v) if v.is_object() => Ok(v),
        Ok(_) => Err(Error::Install(format!(
            "{}: the top level is not a JSON object; not touching it",
            path.display()
        ))),
        Err(e) => {
            let mut snippet = Value::Object(Map::new());
            add_ours(tool, binary, &mut snippet)?;
            let snippet = String::from_utf8_lossy(&render(&snippet, "  ")?).into_owned();
            if has_comments(text) {
                Err(Error::Install(format!(
                    "{} has comments, which tierzero cannot keep when it rewrites the file; not touching it. Add these entries by hand:\n{snippet}",
                    path.display()
                )))
            } else {
                Err(Error::Install(format!(
                    "{} is not valid JSON ({}); not touching it. Fix it, or add these entries by hand:\n{snippet}",
                    path.display(),
                    crate::policy::suppress::one_line(&e.to_string())
                )))
            }
        }
    }
}

/// The file's content after installing into `before` (`None`: no file).
fn installed(tool: Tool, binary: &Path, path: &Path, before: Option<&[u8]>) -> Result<Vec<u8>> {
    let (mut doc, indent) = match before {
        Some(bytes) => (
            parse(path, bytes, tool, binary)?,
            indent_of(&String::from_utf8_lossy(bytes)),
        ),
        None => (Value::Object(Map::new()), "  ".to_string()),
    };
    remove_ours(tool, &mut doc);
    add_ours(tool, binary, &mut doc)?;
    render(&doc, &indent)
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path)(e)),
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
    }
    // Write a temporary file and rename it, so an interrupted install never leaves a
    // half-written settings file (which the agent might then ignore or reject).
    let tmp = sibling(path, ".tierzero-tmp");
    std::fs::write(&tmp, bytes).map_err(Error::io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(Error::io(path))
}

/// Installs tierzero's entries for `tool` into `path`, calling `binary`.
pub fn install_at(tool: Tool, path: &Path, binary: &Path, dry_run: bool) -> Result<Report> {
    let mut report = Report::default();
    let current = read_optional(path)?;
    let next = installed(tool, binary, path, current.as_deref())?;
    if current.as_deref() == Some(next.as_slice()) {
        report.lines.push(format!(
            "{} hooks: already installed in {}",
            tool.name(),
            path.display()
        ));
        return Ok(report);
    }
    if tool == Tool::Copilot {
        // The Copilot file is tierzero's own; never take over someone else's.
        if let Some(bytes) = &current {
            let mut doc = parse(path, bytes, tool, binary)?;
            if remove_ours(tool, &mut doc) == 0 {
                return Err(Error::Install(format!(
                    "{} exists and is not tierzero's; not touching it",
                    path.display()
                )));
            }
        }
    }
    if dry_run {
        report.lines.push(format!(
            "would add {} hooks ({}) to {}",
            tool.name(),
            events(tool).join(", "),
            path.display()
        ));
        return Ok(report);
    }
    let backup = sibling(path, BACKUP_SUFFIX);
    let created = sibling(path, CREATED_SUFFIX);
    match &current {
        // Keep the first backup: it is the file as it was before tierzero.
        Some(bytes) if !backup.exists() && !created.exists() => {
            std::fs::write(&backup, bytes).map_err(Error::io(&backup))?;
            report.lines.push(format!(
                "backed up {} to {}",
                path.display(),
                backup.display()
            ));
        }
        None if !backup.exists() => {
            if let Some(dir) = created.parent() {
                std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
            }
            std::fs::write(
                &created,
                b"tierzero created this settings file; `tierzero uninstall --agent` removes it\n",
            )
            .map_err(Error::io(&created))?;
        }
        _ => {}
    }
    write(path, &next)?;
    report.lines.push(format!(
        "{} hooks: installed in {} ({}), calling {}",
        tool.name(),
        path.display(),
        events(tool).join(", "),
        binary.display()
    ));
    Ok(report)
}

/// Removes tierzero's entries for `tool` from `path`.
pub fn uninstall_at(tool: Tool, path: &Path, binary: &Path, dry_run: bool) -> Result<Report> {
    let mut report = Report::default();
    let backup = sibling(path, BACKUP_SUFFIX);
    let created = sibling(path, CREATED_SUFFIX);
    let Some(current) = read_optional(path)? else {
        report.lines.push(format!(
            "{} hooks: not installed ({} does not exist)",
            tool.name(),
            path.display()
        ));
        return Ok(report);
    };
    let original = read_optional(&backup)?;
    // Unchanged since install (whatever binary path was recorded): put the original back.
    let recorded_binary = recorded_binary(tool, &current).unwrap_or_else(|| binary.to_path_buf());
    if let Some(orig) = &original {
        if installed(tool, &recorded_binary, path, Some(orig))
            .ok()
            .as_deref()
            == Some(current.as_slice())
        {
            if dry_run {
                report.lines.push(format!(
                    "would restore {} from {}",
                    path.display(),
                    backup.display()
                ));
                return Ok(report);
            }
            std::fs::write(path, orig).map_err(Error::io(path))?;
            std::fs::remove_file(&backup).map_err(Error::io(&backup))?;
            report.lines.push(format!(
                "{} hooks: removed; restored {} byte for byte from {}",
                tool.name(),
                path.display(),
                backup.display()
            ));
            return Ok(report);
        }
    } else if created.exists()
        && installed(tool, &recorded_binary, path, None)
            .ok()
            .as_deref()
            == Some(current.as_slice())
    {
        if dry_run {
            report.lines.push(format!(
                "would remove {} (tierzero created it)",
                path.display()
            ));
            return Ok(report);
        }
        std::fs::remove_file(path).map_err(Error::io(path))?;
        std::fs::remove_file(&created).map_err(Error::io(&created))?;
        report.lines.push(format!(
            "{} hooks: removed {} (tierzero had created it)",
            tool.name(),
            path.display()
        ));
        return Ok(report);
    }
    // Changed since install: take out only tierzero's entries.
    let mut doc = parse(path, &current, tool, binary)?;
    let removed = remove_ours(tool, &mut doc);
    if removed == 0 {
        report.lines.push(format!(
            "{} hooks: none of tierzero's in {}",
            tool.name(),
            path.display()
        ));
        return Ok(report);
    }
    if dry_run {
        report.lines.push(format!(
            "would remove tierzero's entries from {}",
            path.display()
        ));
        return Ok(report);
    }
    let aside = sibling(path, UNINSTALL_BACKUP_SUFFIX);
    std::fs::write(&aside, &current).map_err(Error::io(&aside))?;
    let only_ours_left = tool == Tool::Copilot
        || doc
            .as_object()
            .is_some_and(|m| m.is_empty() || (m.len() == 1 && m.contains_key("version")));
    if created.exists() && only_ours_left {
        std::fs::remove_file(path).map_err(Error::io(path))?;
    } else {
        let indent = indent_of(&String::from_utf8_lossy(&current));
        write(path, &render(&doc, &indent)?)?;
    }
    for marker in [&backup, &created] {
        if marker.exists() {
            std::fs::remove_file(marker).map_err(Error::io(marker))?;
        }
    }
    report.lines.push(format!(
        "{} hooks: removed tierzero's entries from {} (it changed since install, so the rest is kept; the file as it was is in {})",
        tool.name(),
        path.display(),
        aside.display()
    ));
    Ok(report)
}

/// The binary path recorded in an installed file's command, if any.
fn recorded_binary(tool: Tool, bytes: &[u8]) -> Option<PathBuf> {
    let text = std::str::from_utf8(bytes).ok()?;
    let doc: Value = serde_json::from_str(text).ok()?;
    let mut found = None;
    let mut visit = |cmd: &str| {
        if found.is_none() && is_our_command(tool, cmd) {
            let bin = cmd.split(" agent ").next()?.trim();
            let unquoted = bin
                .strip_prefix('\'')
                .and_then(|b| b.strip_suffix('\''))
                .map_or_else(|| bin.to_string(), |b| b.replace(r"'\''", "'"));
            found = Some(PathBuf::from(unquoted));
        }
        Some(())
    };
    for list in doc.get("hooks")?.as_object()?.values() {
        for item in list.as_array()?.iter() {
            for h in std::iter::once(item).chain(
                item.get("hooks")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            ) {
                for key in ["command", "bash"] {
                    if let Some(c) = h.get(key).and_then(Value::as_str) {
                        visit(c);
                    }
                }
            }
        }
    }
    found
}

/// The tierzero binary to record: this executable, made absolute.
pub fn current_binary() -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(Error::io("<current executable>"))?;
    Ok(exe.canonicalize().unwrap_or(exe))
}

/// The project root: the repository around the current directory, else the directory.
pub fn project_root() -> Result<PathBuf> {
    match crate::source::repo::discover_root()? {
        Some(root) => Ok(root),
        None => std::env::current_dir().map_err(Error::io(".")),
    }
}

/// `tierzero install --agent TOOL [--user|--project]`.
pub fn install(tool: Tool, scope: Scope, dry_run: bool) -> Result<Report> {
    let path = settings_path(tool, scope, &project_root()?)?;
    install_at(tool, &path, &current_binary()?, dry_run)
}

/// `tierzero uninstall --agent TOOL [--user|--project]`.
pub fn uninstall(tool: Tool, scope: Scope, dry_run: bool) -> Result<Report> {
    let path = settings_path(tool, scope, &project_root()?)?;
    uninstall_at(tool, &path, &current_binary()?, dry_run)
}

/// One line per settings file holding tierzero's agent hooks (project, then user), or a
/// line saying there are none, for `tierzero status`.
pub fn status_lines(project: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    for tool in Tool::ALL {
        for scope in [Scope::Project, Scope::User] {
            let Ok(path) = settings_path(tool, scope, project) else {
                continue;
            };
            let Ok(Some(bytes)) = read_optional(&path) else {
                continue;
            };
            let Ok(mut doc) = serde_json::from_slice::<Value>(&bytes) else {
                lines.push(format!(
                    "agent hooks: {}: {} is not valid JSON",
                    tool.name(),
                    path.display()
                ));
                continue;
            };
            let n = remove_ours(tool, &mut doc);
            if n > 0 {
                let bin = recorded_binary(tool, &bytes);
                let runs = bin.as_ref().map_or(true, |b| b.is_file());
                lines.push(format!(
                    "agent hooks: {} ({}) in {}{}",
                    tool.name(),
                    if scope == Scope::Project {
                        "project"
                    } else {
                        "user"
                    },
                    path.display(),
                    if runs {
                        String::new()
                    } else {
                        format!(
                            " — but {} is missing: reinstall",
                            bin.unwrap_or_default().display()
                        )
                    }
                ));
            }
        }
    }
    if lines.is_empty() {
        lines.push(
            "agent hooks: none (tierzero install --agent claude-code|cursor|codex|copilot|gemini)"
                .into(),
        );
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_detected_outside_strings_only() {
        assert!(has_comments("{\n // a comment\n \"a\": 1}"));
        assert!(has_comments("{ /* x */ }"));
        assert!(!has_comments("{\"url\": \"https://example.com/x\"}"));
        assert!(!has_comments("{\"a\": \"\\\"//\"}"));
    }

    #[test]
    fn merge_is_idempotent_and_keeps_other_hooks() {
        let bin = Path::new("/opt/tierzero/bin/tierzero");
        let before = br#"{
    "permissions": {"allow": ["Bash(npm test)"]},
    "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./lint.sh"}]}]}
}
"#;
        let p = Path::new("settings.json");
        let once = installed(Tool::ClaudeCode, bin, p, Some(before)).unwrap();
        let twice = installed(Tool::ClaudeCode, bin, p, Some(&once)).unwrap();
        assert_eq!(once, twice);
        let text = String::from_utf8(once.clone()).unwrap();
        assert!(
            text.contains("./lint.sh") && text.contains("Bash(npm test)"),
            "{text}"
        );
        assert!(text.starts_with("{\n    \"permissions\""), "{text}");
        let mut doc: Value = serde_json::from_slice(&once).unwrap();
        assert_eq!(remove_ours(Tool::ClaudeCode, &mut doc), 3);
        let orig: Value = serde_json::from_slice(before).unwrap();
        assert_eq!(doc, orig);
        assert_eq!(
            recorded_binary(Tool::ClaudeCode, &once).as_deref(),
            Some(bin)
        );
    }
}
