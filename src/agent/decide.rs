//! The decision: does this tool call add, read, print or send a credential?
//!
//! This module owns applying the git hook's engine to an agent's [`Check`]s. Configuration
//! comes from the same layers (`config::load` at the repository around the payload's
//! `cwd`), text goes through the same [`Scanner`] and suppressions (`tierzero:allow`,
//! allowlists, `.tierzero-ignore`, the baseline), and "is this a secret file?" is answered
//! by the rules' own path rules (`dotenv-file`, `ssh-private-key-file`, …) through the
//! scanner, so the agent guard and the git hook share one definition. It also writes the
//! refusal text: which rule, where, the redacted preview at most, and what to do instead.
//! It does not parse payloads or format answers.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use super::payload::{Check, Request, Stage};
use super::shell::{self, Suspect};
use crate::engine::scanner::{scan_text, Scanner};
use crate::error::Result;
use crate::policy::config::{self, ConfigOptions, Loaded};
use crate::report::finding::Finding;

/// Files larger than this are checked by path only when an agent reads them (reading and
/// scanning 10 MiB on every tool call would blow the latency budget).
const MAX_READ_SCAN: u64 = 4 * 1024 * 1024;

/// What to do with the call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing found.
    Allow,
    /// Refuse (or, after the fact, withhold or warn), with the reason for the agent.
    Refuse(String),
}

/// How many findings a refusal lists before "and N more".
const LISTED: usize = 3;

struct Ctx<'a> {
    loaded: &'a Loaded,
    root: PathBuf,
    cwd: PathBuf,
    known_vars: Vec<String>,
}

/// The working tree root around `cwd`: the nearest directory holding `.git` (a directory,
/// or a file for worktrees and submodules), else `cwd` itself. A stat per level instead of
/// opening the repository with libgit2 (a quarter of a millisecond on every tool call).
fn root_of(cwd: &Path) -> PathBuf {
    cwd.ancestors()
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(cwd)
        .to_path_buf()
}

/// Upper-case identifiers named by the rules' `env_var` fields (`OPENAI_API_KEY`, …): a
/// command printing one of them prints a credential.
fn known_env_vars(loaded: &Loaded) -> Vec<String> {
    let mut out = HashSet::new();
    for rule in loaded.rules.rules() {
        if let Some(text) = &rule.spec.env_var {
            out.extend(env_names(text));
        }
    }
    out.into_iter().collect()
}

fn env_names(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| {
            w.len() >= 4
                && w.contains('_')
                && w.starts_with(|c: char| c.is_ascii_uppercase())
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_string)
        .collect()
}

/// `path` made absolute (against `cwd`, with `~` and `$HOME` expanded) and `.`/`..`
/// resolved lexically (the file may not exist).
fn absolute(path: &str, cwd: &Path) -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let expanded = match (path.strip_prefix("~/"), path.strip_prefix("$HOME/"), &home) {
        (Some(rest), _, Some(h)) | (_, Some(rest), Some(h)) => h.join(rest),
        _ if path == "~" => home.clone().unwrap_or_default(),
        _ => PathBuf::from(path),
    };
    let joined = if expanded.is_absolute() {
        expanded
    } else {
        cwd.join(expanded)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

impl Ctx<'_> {
    /// How a path is shown to the rules: repository-relative inside the repository (as the
    /// git hook sees it), absolute (with `/`) outside it, so `~/.aws/credentials` still
    /// matches `(?:^|/)\.aws/credentials$`.
    fn rule_path(&self, abs: &Path) -> String {
        let shown = abs.strip_prefix(&self.root).unwrap_or(abs);
        shown.to_string_lossy().replace('\\', "/")
    }

    /// Scans `text` as the content of `path`. With `as_text`, NUL bytes do not make it
    /// binary.
    fn scan(&self, path: &str, text: &[u8], as_text: bool) -> Result<Vec<Finding>> {
        let scanner = Scanner::new(&self.loaded.rules, &self.loaded.suppressor);
        // Content scans leave paths to `path_rules` (the one scan with empty text).
        let mut scanner = if text.is_empty() {
            scanner
        } else {
            scanner.content_only()
        };
        // Whatever an agent writes, sends or reads into its context is text to the model: a
        // NUL byte must not make it "binary" and unscanned (the git hook skips binaries).
        let text: std::borrow::Cow<'_, [u8]> = if as_text && memchr::memchr(0, text).is_some() {
            text.iter()
                .map(|&b| if b == 0 { b' ' } else { b })
                .collect::<Vec<u8>>()
                .into()
        } else {
            text.into()
        };
        scan_text(&mut scanner, path, &text)?;
        Ok(scanner.into_findings())
    }

    /// Unsuppressed content findings (not path rules) in `text`.
    fn secrets_in(&self, path: &str, text: &[u8], as_text: bool) -> Result<Vec<Finding>> {
        Ok(self
            .scan(path, text, as_text)?
            .into_iter()
            .filter(|f| f.suppressed_by.is_none() && f.secret_length > 0)
            .collect())
    }

    /// The path rules `path` matches; `with_suppressed` also returns allowlisted ones.
    fn path_rules(&self, path: &str, with_suppressed: bool) -> Result<Vec<Finding>> {
        Ok(self
            .scan(path, b"", true)?
            .into_iter()
            .filter(|f| f.secret_length == 0 && (with_suppressed || f.suppressed_by.is_none()))
            .collect())
    }

    fn check_read(&self, given: &str, content: Option<&str>) -> Result<Option<String>> {
        let abs = absolute(given, &self.cwd);
        let shown = self.rule_path(&abs);
        if shown.starts_with("/proc/") && shown.ends_with("/environ") {
            return Ok(Some(environment_reason("reading /proc/…/environ")));
        }
        if let Some(f) = self.path_rules(&shown, false)?.first() {
            return Ok(Some(format!(
                "tierzero refused to read {shown}: it is a secret file (rule `{}`: {}), and its contents would be sent to the model provider. \
                 Instead: ask the user which variable names you need (or read .env.example / .env.sample, which are allowed), \
                 and use the values only through the environment (`${{VAR}}`, `os.environ[\"VAR\"]`) without printing them. \
                 If this file holds no secrets, allowlist its path in .tierzero.toml (`[allow] paths`, see docs/AGENTS.md).",
                f.rule_id,
                crate::report::human::short_description(&f.description)
            )));
        }
        // Content the tool is about to send is text to the model; a file on disk is read
        // as the git hook reads it (binaries skipped: an image is not sent as bytes).
        let (bytes, as_text) = match content {
            Some(c) => (Some(c.as_bytes().to_vec()), true),
            None => (read_small(&abs), false),
        };
        let Some(bytes) = bytes else {
            return Ok(None);
        };
        let found = self.secrets_in(&shown, &bytes, as_text)?;
        if found.is_empty() {
            return Ok(None);
        }
        Ok(Some(format!(
            "tierzero refused to read {shown}: it holds a credential ({}), which would be sent to the model provider. {} \
             If it is a fake or test value, mark its line with a `tierzero:allow` comment (or allowlist it in .tierzero.toml).",
            list(&found),
            remedy(&found[0], false)
        )))
    }

    fn check_write(
        &self,
        given: Option<&str>,
        new: &str,
        old: &[String],
        use_disk: bool,
    ) -> Result<Option<String>> {
        let abs = given.map(|p| absolute(p, &self.cwd));
        let shown = abs
            .as_deref()
            .map_or_else(|| "<new file>".to_string(), |a| self.rule_path(a));
        // A secret file (`.env`, a key store) is where a secret belongs; the git hook keeps
        // it out of commits. Writing a key there is not a leak.
        if abs.is_some() && !self.path_rules(&shown, true)?.is_empty() {
            return Ok(None);
        }
        let found = self.secrets_in(&shown, new.as_bytes(), true)?;
        if found.is_empty() {
            return Ok(None);
        }
        // Secrets already in the text being replaced, or already in the file, are not
        // added by this write (an edit that moves or re-indents a key line).
        let mut existing = HashSet::new();
        for o in old {
            existing.extend(
                self.scan(&shown, o.as_bytes(), true)?
                    .into_iter()
                    .map(|f| f.fingerprint),
            );
        }
        if use_disk {
            if let Some(disk) = abs.as_deref().and_then(read_small) {
                existing.extend(
                    self.scan(&shown, &disk, false)?
                        .into_iter()
                        .map(|f| f.fingerprint),
                );
            }
        }
        let added: Vec<Finding> = found
            .into_iter()
            .filter(|f| !existing.contains(&f.fingerprint))
            .collect();
        if added.is_empty() {
            return Ok(None);
        }
        Ok(Some(format!(
            "tierzero refused this write to {shown}: it adds a credential ({}). Do not write secrets into files. {} \
             If it is a placeholder or test value, put a `tierzero:allow` comment on that line.",
            list(&added),
            remedy(&added[0], true)
        )))
    }

    fn check_text(&self, label: &str, text: &str, prompt: bool) -> Result<Option<String>> {
        let found = self.secrets_in("<text>", text.as_bytes(), true)?;
        if found.is_empty() {
            return Ok(None);
        }
        Ok(Some(if prompt {
            format!(
                "tierzero blocked {label}: it contains a credential ({}), which would be sent to the model provider. \
                 Remove it and refer to the key by its environment variable instead ({}); \
                 if it was real, rotate it{}. If it is not a secret, add `tierzero:allow` to that line.",
                list(&found),
                var_hint(&found[0]),
                rotate_hint(&found[0])
            )
        } else {
            format!(
                "tierzero refused this call: {label} contains a credential ({}). {} \
                 If it is not a secret, allowlist it in .tierzero.toml (see docs/AGENTS.md).",
                list(&found),
                remedy(&found[0], false)
            )
        }))
    }

    fn check_shell(&self, command: &str) -> Result<Option<String>> {
        let found = self.secrets_in("<shell command>", command.as_bytes(), true)?;
        if !found.is_empty() {
            let var = var_name(&found[0]).unwrap_or_else(|| "API_KEY".into());
            return Ok(Some(format!(
                "tierzero refused this command: it carries a credential ({}), which would end up in the transcript and the provider's logs. \
                 Reference the environment variable instead of the value, e.g. \"${var}\" (`curl -H \"Authorization: Bearer ${var}\" …`, `export {var}` without a value). {}",
                list(&found),
                keyless_hint(&found[0])
            )));
        }
        for suspect in shell::analyse(command, &self.known_vars) {
            match suspect {
                Suspect::Reads(path) => {
                    for p in expand_glob(&absolute(&path, &self.cwd), &path) {
                        if let Some(reason) = self.check_read(&p, None)? {
                            return Ok(Some(reason.replacen(
                                "tierzero refused to read",
                                "tierzero refused this command: it would print",
                                1,
                            )));
                        }
                    }
                }
                Suspect::DumpsEnvironment(program) => {
                    return Ok(Some(environment_reason(&format!("`{program}`"))));
                }
                Suspect::PrintsVariable(name) => {
                    return Ok(Some(format!(
                        "tierzero refused this command: it prints the value of {name}, a credential, into the conversation (and the provider's logs). \
                         Check that it is set without printing it (`test -n \"${{{name}}}\" && echo set`), or use it directly where it is needed \
                         (`curl -H \"Authorization: Bearer ${name}\" …`)."
                    )));
                }
            }
        }
        Ok(None)
    }
}

fn environment_reason(what: &str) -> String {
    format!(
        "tierzero refused this command: {what} prints the environment, which holds credentials (API keys, tokens), into the conversation and the provider's logs. \
         Instead: list only the variable names (`compgen -e`), or check one variable without printing it (`test -n \"$OPENAI_API_KEY\" && echo set`)."
    )
}

/// Reads a file for scanning when it is a regular file of reasonable size.
fn read_small(path: &Path) -> Option<Vec<u8>> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_READ_SCAN {
        return None;
    }
    std::fs::read(path).ok()
}

/// The files a shell word names: itself, or the matches of a glob in its directory.
fn expand_glob(abs: &Path, given: &str) -> Vec<String> {
    let name = abs
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !name.contains(['*', '?', '[']) {
        return vec![given.to_string()];
    }
    let Some(dir) = abs.parent() else {
        return Vec::new();
    };
    let Ok(glob) = globset::Glob::new(&name).map(|g| g.compile_matcher()) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .take(1000)
        .filter(|e| glob.is_match(e.file_name()))
        .map(|e| e.path().to_string_lossy().into_owned())
        .collect()
}

/// `rule `id` (description) at WHERE, starts `preview`` for up to three findings.
fn list(found: &[Finding]) -> String {
    let mut parts: Vec<String> = found
        .iter()
        .take(LISTED)
        .map(|f| {
            let at = if f.path.starts_with('<') {
                format!("line {}", f.line)
            } else {
                format!("{}:{}", f.path, f.line)
            };
            format!(
                "rule `{}` ({}) at {at}, starting `{}`",
                f.rule_id,
                crate::report::human::short_description(&f.description),
                f.preview
            )
        })
        .collect();
    if found.len() > LISTED {
        parts.push(format!("and {} more", found.len() - LISTED));
    }
    parts.join("; ")
}

/// The environment variable a rule says the value belongs in (`OPENAI_API_KEY`).
fn var_name(f: &Finding) -> Option<String> {
    f.remediation
        .env_var
        .as_deref()
        .and_then(|t| env_names(t).into_iter().next())
}

fn var_hint(f: &Finding) -> String {
    match var_name(f) {
        Some(v) => format!("`${v}`"),
        None => "a variable such as `$API_KEY`".into(),
    }
}

fn rotate_hint(f: &Finding) -> String {
    f.remediation
        .rotate_url
        .as_deref()
        .map_or_else(String::new, |u| format!(" at {u}"))
}

fn keyless_hint(f: &Finding) -> String {
    f.remediation
        .keyless
        .as_deref()
        .map_or_else(String::new, |k| {
            format!("Better still, avoid the key: {k}.")
        })
}

/// What to do instead, for the agent: the rule's environment variable, a `${VAR}`
/// reference, and the rule's keyless option.
fn remedy(f: &Finding, writing: bool) -> String {
    let mut out = match (var_name(f), f.remediation.env_var.as_deref()) {
        (Some(v), _) => format!(
            "Instead: read the value from the environment variable {v} at run time (`os.environ[\"{v}\"]`, `process.env.{v}`, `std::env::var(\"{v}\")`){}",
            if writing {
                format!(", and write `${{{v}}}` where a config file needs it")
            } else {
                String::new()
            }
        ),
        (None, Some(text)) => format!("Instead: keep the value where the rule says it belongs ({text})"),
        (None, None) => {
            "Instead: keep the value in an environment variable or a secret manager and reference it by name".into()
        }
    };
    out.push('.');
    let keyless = keyless_hint(f);
    if !keyless.is_empty() {
        out.push(' ');
        out.push_str(&keyless);
    }
    out
}

/// Decides `req`.
pub fn decide(req: &Request) -> Result<Verdict> {
    let cwd = match &req.cwd {
        Some(c) => c.clone(),
        None => std::env::current_dir().map_err(crate::Error::io("."))?,
    };
    let root = root_of(&cwd);
    let loaded = config::load(Some(&root), &ConfigOptions::default())?;
    let ctx = Ctx {
        known_vars: known_env_vars(&loaded),
        loaded: &loaded,
        root,
        cwd,
    };
    // The default keywords' automaton is stored in the binary. Any other set is built on
    // first use: build it on a second core while this one compiles the path rules the first
    // check needs (an agent waits for every decision).
    if loaded.rules.prefilter().is_stored() {
        return decide_checks(&ctx, req);
    }
    std::thread::scope(|s| {
        let warm = s.spawn(|| {
            let _ = loaded.rules.prefilter().for_each_hit(b"x", |_, _| {});
        });
        let verdict = decide_checks(&ctx, req);
        // A failed warm-up only means the automaton is built on first use instead.
        let _ = warm.join();
        verdict
    })
}

fn decide_checks(ctx: &Ctx<'_>, req: &Request) -> Result<Verdict> {
    for check in &req.checks {
        let reason = match check {
            Check::Write { path, new, old } => {
                ctx.check_write(path.as_deref(), new, old, req.stage != Stage::AfterTool)?
            }
            Check::Read { path, content } => ctx.check_read(path, content.as_deref())?,
            Check::Shell { command } => ctx.check_shell(command)?,
            Check::Text { label, text } => {
                ctx.check_text(label, text, req.stage == Stage::Prompt)?
            }
            Check::Output { label, path, text } => {
                let shown = path.as_deref().map_or_else(
                    || "<tool output>".to_string(),
                    |p| ctx.rule_path(&absolute(p, &ctx.cwd)),
                );
                let found = ctx.secrets_in(&shown, text.as_bytes(), true)?;
                (!found.is_empty()).then(|| {
                    format!(
                        "tierzero: the output of {label} contains a credential ({}). Do not repeat, store or use the value; \
                         tell the user it was exposed so they can rotate it{}.",
                        list(&found),
                        rotate_hint(&found[0])
                    )
                })
            }
        };
        if let Some(reason) = reason {
            return Ok(Verdict::Refuse(reason));
        }
    }
    Ok(Verdict::Allow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_from_rule_text() {
        assert_eq!(env_names("OPENAI_API_KEY"), vec!["OPENAI_API_KEY"]);
        assert_eq!(
            env_names("AWS_PROFILE (credentials stay in ~/.aws or come from a role)"),
            vec!["AWS_PROFILE"]
        );
        assert!(env_names("DOTENV values set in the CI").is_empty());
    }

    #[test]
    fn absolute_paths_are_normalised() {
        let cwd = Path::new("/r/sub");
        assert_eq!(absolute("../.env", cwd), PathBuf::from("/r/.env"));
        assert_eq!(absolute("./a/./b", cwd), PathBuf::from("/r/sub/a/b"));
        assert_eq!(absolute("/etc/x", cwd), PathBuf::from("/etc/x"));
    }
}
