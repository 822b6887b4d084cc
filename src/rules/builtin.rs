//! The default rules, embedded at build time from `rules.toml` (see `build.rs`).

use std::borrow::Cow;

use super::keyword_dfa::KeywordDfa;
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

/// Literals of which every match of the default path pattern `pattern` contains one
/// (ignoring ASCII case), if `build.rs` found such a set.
pub(crate) fn path_literals(pattern: &str) -> Option<&'static [&'static [u8]]> {
    let at = PATH_LITERALS
        .binary_search_by(|(p, _)| (*p).cmp(pattern))
        .ok()?;
    Some(PATH_LITERALS[at].1)
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

    /// Every path that a default path rule matches contains one of the literals stored
    /// for it, and most path rules have such literals (else their regexes compile on every
    /// commit).
    #[test]
    fn path_literals_are_necessary() {
        let specs = super::builtin_specs();
        let paths = [
            ".env",
            "app/.env.local",
            "prod.env",
            ".ssh/id_rsa",
            "k/release.JKS",
            "a.p12",
            "infra/terraform.tfstate",
            "terraform.tfstate.1.backup",
            ".git-credentials",
            "_netrc",
            "home/.netrc",
            "credentials.json",
            ".aws/credentials",
            ".npmrc",
            ".pypirc",
            "client_secret_1-a.apps.googleusercontent.com.json",
        ];
        let mut gated = 0;
        let mut matched = 0;
        for spec in &specs {
            let Some(pattern) = spec.path.as_deref() else {
                continue;
            };
            let re = regex::bytes::RegexBuilder::new(pattern)
                .unicode(false)
                .build()
                .unwrap();
            let Some(literals) = super::path_literals(pattern) else {
                continue;
            };
            gated += 1;
            for path in paths {
                if re.is_match(path.as_bytes()) {
                    matched += 1;
                    assert!(
                        literals.iter().any(|l| path
                            .as_bytes()
                            .windows(l.len())
                            .any(|w| w.eq_ignore_ascii_case(l))),
                        "{} matches {path} without its literals",
                        spec.id
                    );
                }
            }
        }
        let total = specs.iter().filter(|s| s.path.is_some()).count();
        assert!(
            gated * 4 >= total * 3,
            "{gated} of {total} path rules gated"
        );
        assert!(matched >= 12, "{matched}");
    }
}
