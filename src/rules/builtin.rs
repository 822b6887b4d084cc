//! The default rules, embedded at build time from `rules.toml` (see `build.rs`).

use std::borrow::Cow;

#[allow(unused_imports)] // `AllowSpec` is used only when a built-in rule has an allowlist.
use super::spec::{AllowSpec, RuleSpec};

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// The source text of the default rules, for tooling that needs the examples.
pub const RULES_TOML: &str = include_str!("../../rules.toml");

/// The default rules' parse of `pattern`, if it is one of their patterns (any rule, a
/// config file's too, may use the same text and gets the same parse).
pub(crate) fn parsed(pattern: &str) -> Option<regex_syntax::hir::Hir> {
    let at = PARSED.binary_search_by(|(p, _)| (*p).cmp(pattern)).ok()?;
    super::hir_code::decode(PARSED[at].1)
}

#[cfg(test)]
mod tests {
    use regex_automata::util::syntax;

    /// The parse build.rs stored for each default pattern is exactly the parse a run would
    /// make, so using it can never change what a rule matches.
    #[test]
    fn every_default_pattern_has_its_exact_parse() {
        let config = syntax::Config::new().unicode(false).utf8(false);
        let mut checked = 0;
        for spec in super::builtin_specs() {
            for pattern in [&spec.regex, &spec.context, &spec.path]
                .into_iter()
                .flatten()
            {
                let stored = super::parsed(pattern).unwrap_or_else(|| panic!("{}", spec.id));
                let parsed = syntax::parse_with(pattern, &config).unwrap();
                assert_eq!(stored, parsed, "{}", spec.id);
                checked += 1;
            }
        }
        assert!(checked > 200, "{checked}");
        assert!(super::parsed("not a default pattern").is_none());
    }
}
