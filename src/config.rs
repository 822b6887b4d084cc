//! Configuration: which rules run and what is allowed, assembled from layers.
//!
//! Layers, lowest to highest: the embedded `rules.toml`, the user's `config.toml` (in the
//! platform config directory), the repository's `.tierzero.toml`, and command-line flags.
//! This module owns reading and merging them into one [`Loaded`] value (a rule set and a
//! suppressor). It does not scan.

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::rules::RuleSet;
use crate::suppress::Suppressor;

/// Command-line choices that affect configuration.
#[derive(Clone, Debug, Default)]
pub struct ConfigOptions {
    /// `--config FILE`: use this file instead of the repository's `.tierzero.toml`.
    pub config_file: Option<PathBuf>,
    /// `--no-default-rules`: start from an empty rule set.
    pub no_default_rules: bool,
}

/// The effective configuration of a run.
#[derive(Debug)]
pub struct Loaded {
    /// The rules to run.
    pub rules: RuleSet,
    /// What can silence a finding.
    pub suppressor: Suppressor,
}

/// Loads the effective configuration for a repository rooted at `root` (or none).
pub fn load(_root: Option<&Path>, opts: &ConfigOptions) -> Result<Loaded> {
    let rules = if opts.no_default_rules {
        Vec::new()
    } else {
        RuleSet::builtin_rules()?
    };
    Ok(Loaded {
        rules: RuleSet::new(rules)?,
        suppressor: Suppressor::default(),
    })
}
