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
    /// The rules, in file order.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
}
