//! The serialised form of a rule: what `rules.toml` and `[[rules]]` tables in config files
//! contain, before anything is compiled.
//!
//! This file is also compiled into `build.rs` (through `#[path]`), which parses the default
//! `rules.toml` at build time so the binary never pays for TOML parsing at start-up. It must
//! therefore depend on nothing but `serde` and `std`. Compiling, validating and running rules
//! lives in the parent module.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// A string that is borrowed from the binary for built-in rules and owned for rules read from
/// a config file at run time.
pub type Text = Cow<'static, str>;

/// One `[[rules]]` table.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique identifier, kebab-case.
    pub id: Text,
    /// A short label for the terminal report ("Voiceflow API key"); the description's head
    /// when absent.
    #[serde(default)]
    pub name: Option<Text>,
    /// What the rule finds, shown in reports.
    #[serde(default)]
    pub description: Text,
    /// Literals matched ASCII-case-insensitively by the prefilter; the regex runs only on
    /// lines that contain one of them.
    #[serde(default)]
    pub keywords: Vec<Text>,
    /// The secret's shape. `None` for a path-only rule.
    #[serde(default)]
    pub regex: Option<Text>,
    /// The capture group holding the secret; `None` means the first participating group, or
    /// the whole match when the regex has no groups.
    #[serde(default)]
    pub secret_group: Option<usize>,
    /// A second regex that must match somewhere on the same line (a provider keyword or
    /// endpoint), for formats without a distinctive prefix.
    #[serde(default)]
    pub context: Option<Text>,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    #[serde(default)]
    pub entropy: Option<f64>,
    /// Offline validators the secret must pass (see `checks.rs`).
    #[serde(default)]
    pub checks: Vec<Text>,
    /// A regex over the repository-relative path.
    #[serde(default)]
    pub path: Option<Text>,
    /// Whether the regex sees the block of added lines from the hit line onward.
    #[serde(default)]
    pub multiline: bool,
    /// Whether this is a catch-all rule that yields to specific rules.
    #[serde(default)]
    pub generic: bool,
    /// Where the value should live instead.
    #[serde(default)]
    pub env_var: Option<Text>,
    /// Where the owner rotates or revokes it.
    #[serde(default)]
    pub rotate_url: Option<Text>,
    /// How to stop using a long-lived key at all.
    #[serde(default)]
    pub keyless: Option<Text>,
    /// Free-form labels carried into reports.
    #[serde(default)]
    pub tags: Vec<Text>,
    /// Inputs that must produce a finding from this rule.
    #[serde(default)]
    pub examples: Vec<Example>,
    /// Near misses that must not produce a finding from this rule.
    #[serde(default)]
    pub negative_examples: Vec<Example>,
    /// A per-rule allowlist.
    #[serde(default)]
    pub allow: Option<AllowSpec>,
}

/// An example input for a rule: file content alone, or a path with content.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Example {
    /// Content of a file named `example.txt`.
    Text(Text),
    /// A file with a given path and content.
    File(ExampleFile),
}

/// The table form of an example. Unknown keys are rejected: inside an untagged enum a
/// misspelt `txt =` would otherwise silently read as empty content.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExampleFile {
    /// Repository-relative path.
    pub path: Text,
    /// File content; empty when only the path matters.
    #[serde(default)]
    pub text: Text,
}

impl Example {
    /// The path the example is scanned under.
    pub fn path(&self) -> &str {
        match self {
            Example::Text(_) => "example.txt",
            Example::File(file) => &file.path,
        }
    }

    /// The content the example is scanned as.
    pub fn text(&self) -> &str {
        match self {
            Example::Text(text) => text,
            Example::File(file) => &file.text,
        }
    }
}

/// An allowlist: findings matching any of its entries are suppressed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AllowSpec {
    /// Gitignore-style globs over the repository-relative path.
    #[serde(default)]
    pub paths: Vec<Text>,
    /// Regexes matched against `target`.
    #[serde(default)]
    pub regexes: Vec<Text>,
    /// What `regexes` are matched against: `secret` (default) or `line`.
    #[serde(default)]
    pub target: Option<Text>,
    /// Case-insensitive substrings of the secret.
    #[serde(default)]
    pub stopwords: Vec<Text>,
}

/// The top level of `rules.toml`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Named regex pieces that `regex` and `context` use as `%{name}`, so a long
    /// alternation (the generic rule's credential names) is written once.
    #[serde(default)]
    pub fragments: std::collections::BTreeMap<String, String>,
    /// The rules, in file order.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
}

/// The left boundary of a token: start of line, a non-alphanumeric byte, a JSON/C escape
/// (`\n`, `\r`, `\t`, `\u0022`) just before it, as in notebook sources, or a
/// percent-escape (`api_key%3Dsk-…` in a URL-encoded body or query).
pub const START_BOUNDARY: &str = r"(?:^|[^0-9A-Za-z]|\\[nrt]|\\u[0-9A-Fa-f]{4}|%[0-9A-Fa-f]{2})";

/// Expands the shorthands of one pattern:
/// - `%{B}`: [`START_BOUNDARY`];
/// - `%{E}`: the end of a base64url token, `(?:[^0-9A-Za-z_-]|$)`;
/// - `%{E:chars}`: the end of a token over another alphabet, `(?:[^chars]|$)`;
/// - `%{name}`: the fragment `name` (fragments may use fragments).
pub fn expand(
    pattern: &str,
    fragments: &std::collections::BTreeMap<String, String>,
) -> Result<String, String> {
    let mut out = pattern.to_string();
    // Fragments may nest; a bounded number of passes rejects cycles.
    for _ in 0..8 {
        let (next, changed) = expand_once(&out, fragments)?;
        if !changed {
            return Ok(next);
        }
        out = next;
    }
    Err(format!("fragments nest too deep (a cycle?) in {pattern:?}"))
}

/// One pass of [`expand`]. `%{` not followed by a shorthand name and `}` is left alone: a
/// character class such as `[^$%{<]` is not a shorthand.
fn expand_once(
    pattern: &str,
    fragments: &std::collections::BTreeMap<String, String>,
) -> Result<(String, bool), String> {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    let mut changed = false;
    while let Some(at) = rest.find("%{") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let close = after.find('}');
        let name = close.map(|c| &after[..c]);
        let with = match name {
            Some("B") => Some(START_BOUNDARY.to_string()),
            Some("E") => Some("(?:[^0-9A-Za-z_-]|$)".to_string()),
            Some(n) if n.starts_with("E:") && n.len() > 2 && !n.contains(['[', ']']) => {
                Some(format!("(?:[^{}]|$)", &n[2..]))
            }
            Some(n)
                if !n.is_empty()
                    && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    && n.as_bytes()[0].is_ascii_alphabetic() =>
            {
                match fragments.get(n) {
                    Some(f) => Some(f.clone()),
                    None => return Err(format!("unknown fragment `%{{{n}}}`")),
                }
            }
            _ => None,
        };
        match (with, close) {
            (Some(with), Some(c)) => {
                out.push_str(&with);
                rest = &after[c + 1..];
                changed = true;
            }
            _ => {
                out.push_str("%{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok((out, changed))
}

impl RuleFile {
    /// Expands the shorthands and fragments of every rule's `regex` and `context`.
    pub fn expand_fragments(&mut self) -> Result<(), String> {
        let fragments = std::mem::take(&mut self.fragments);
        for rule in &mut self.rules {
            for pat in [&mut rule.regex, &mut rule.context].into_iter().flatten() {
                let expanded = expand(pat, &fragments).map_err(|e| format!("{}: {e}", rule.id))?;
                *pat = Cow::Owned(expanded);
            }
        }
        self.fragments = fragments;
        Ok(())
    }
}
