//! The default rules, embedded at build time from `rules.toml` (see `build.rs`).

use std::borrow::Cow;

#[allow(unused_imports)] // `AllowSpec` is used only when a built-in rule has an allowlist.
use super::spec::{AllowSpec, RuleSpec};

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// The source text of the default rules, for tooling that needs the examples.
pub const RULES_TOML: &str = include_str!("../../rules.toml");
