//! Rules: what a credential looks like, and how to tell a real one from a near miss.
//!
//! This module owns the compiled form of a rule (regexes compiled lazily, on the first line
//! where one of the rule's keywords hits, because a hook must not pay at start-up for
//! hundreds of rules a commit never touches) and the `RuleSet` that ties rules to the
//! keyword prefilter. It does not read git, walk files or decide about suppression: it is
//! given one line (or block) and says where the secrets in it are.

pub mod checks;
pub mod placeholder;
pub mod prefilter;
pub mod public;
pub mod randomness;
pub mod spec;

mod builtin;
mod hir_code;
mod keyword_dfa;

use std::ops::Range;
use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};

use crate::error::{Error, Result};
use crate::rules::prefilter::Prefilter;
use checks::{shannon_entropy, Check};
pub use spec::{AllowSpec, Example, RuleFile, RuleSpec};

/// The default rules' TOML source (with examples), for tests and `tierzero rules`.
pub use builtin::RULES_TOML;

/// Where the default rules come from, in messages.
pub const BUILTIN_ORIGIN: &str = "rules.toml (built in)";

/// Compiled regexes are capped so that a hostile pattern in a config file fails with an
/// error instead of exhausting memory.
const REGEX_SIZE_LIMIT: usize = 16 * (1 << 20);

/// At most this many required literals are kept per rule (see [`Rule::required_literals`]).
pub const MAX_REQUIRED: usize = 4;

/// A rule searches its first this many bytes with the quick build of its regex (see
/// [`Engines`]). Past it, the lazy DFAs pay for themselves: both what the NFA simulations
/// cost a byte and what the lazy DFAs cost to build grow with the NFA, and they break even
/// around a kilobyte (the generic assignment rule: about 3,700 instructions a byte in the
/// backtracker, 3.7 million to build the reverse NFA and lazy DFAs).
const QUICK_BYTES: usize = 1024;

/// A multiline rule sees at most this many bytes from its hit line onward.
const MULTILINE_WINDOW: usize = 64 * 1024;

/// Compiles a rule regex: bytes, Unicode off, size-capped.
pub fn compile_regex(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| e.to_string())
}

/// A rule's own regex (and its `context` and `path` regexes): what [`compile_regex`]
/// builds, the same engine and semantics, but without the literal prefilter, and from the
/// parse `build.rs` made when the pattern is one of the default rules'. Building the
/// prefilter (literal extraction, an Aho-Corasick automaton, reverse-suffix and
/// reverse-inner analysis) and parsing were most of the cost of compiling a rule on a
/// typical commit, and the regex only ever runs on lines (or windows) the keyword prefilter
/// already picked, where a prefilter saves little. Errors are worded as `compile_regex`
/// words them.
fn compile_rule_regex(pattern: &str) -> Result<regex_automata::meta::Regex, String> {
    build_rule_regex(pattern, Engines::Full)
}

/// Which engines a rule regex is built with. Both kinds find exactly the same matches and
/// captures; they differ in what they cost to build and to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Engines {
    /// The NFA simulations only (the bounded backtracker, which the `regex` crate's `perf`
    /// feature enables in regex-automata, and the PikeVM for haystacks too long for it):
    /// half the build cost (no reverse NFA, no lazy DFA), and
    /// cheaper on a few lines than a lazy DFA that must build a state for nearly every
    /// byte it sees for the first time.
    Quick,
    /// Adds the lazy DFAs (forward and reverse): fast on any volume once warm.
    Full,
}

fn build_rule_regex(
    pattern: &str,
    engines: Engines,
) -> Result<regex_automata::meta::Regex, String> {
    use regex_automata::{meta, util::syntax};
    let builder = || {
        let mut b = meta::Regex::builder();
        b.syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(
                meta::Config::new()
                    .utf8_empty(false)
                    .auto_prefilter(false)
                    .hybrid(engines == Engines::Full)
                    .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                    .hybrid_cache_capacity(REGEX_SIZE_LIMIT)
                    .dfa_size_limit(Some(REGEX_SIZE_LIMIT)),
            );
        b
    };
    if let Some(hir) = builtin::parsed(pattern) {
        if let Ok(re) = builder().build_from_hir(&hir) {
            return Ok(re);
        }
    }
    builder()
        .build(pattern)
        .map_err(|e| match compile_regex(pattern) {
            Err(message) => message,
            Ok(_) => e.to_string(),
        })
}

/// A rule ready to run.
#[derive(Debug)]
pub struct Rule {
    /// The rule as written.
    pub spec: RuleSpec,
    /// The file it came from (for error messages and `tierzero config`).
    pub origin: String,
    checks: Vec<Check>,
    regex: OnceLock<Result<regex_automata::meta::Regex, String>>,
    /// The same regex without lazy DFAs, for the rule's first [`QUICK_BYTES`] of input.
    quick: OnceLock<Result<regex_automata::meta::Regex, String>>,
    /// Bytes this rule's regex has been asked to search so far.
    searched: std::sync::atomic::AtomicUsize,
    context: OnceLock<Result<regex_automata::meta::Regex, String>>,
    path: OnceLock<Result<regex_automata::meta::Regex, String>>,
    required: OnceLock<Vec<Box<[u8]>>>,
}

/// Where one secret is, in the haystack the rule was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretSpan {
    /// Byte range of the secret.
    pub secret: Range<usize>,
}

impl Rule {
    /// Validates a spec's static parts (ids, checks, remediation) and wraps it; regexes are
    /// compiled later, on first use, or now by [`Rule::compile`].
    pub fn new(spec: RuleSpec, origin: impl Into<String>) -> Result<Rule> {
        let origin = origin.into();
        let err = |message: String| Error::Rule {
            origin: origin.clone(),
            id: spec.id.to_string(),
            message,
        };
        if spec.id.trim().is_empty() {
            return Err(Error::Rule {
                origin: origin.clone(),
                id: String::new(),
                message: "a rule needs a non-empty `id`".into(),
            });
        }
        if spec.regex.is_none() && spec.path.is_none() {
            return Err(err("a rule needs `regex`, `path` or both".into()));
        }
        if spec.regex.is_some() && spec.keywords.is_empty() {
            return Err(err(
                "a content rule needs `keywords`: its regex runs only on lines where one of them occurs"
                    .into(),
            ));
        }
        if let Some(k) = spec.keywords.iter().find(|k| k.is_empty() || !k.is_ascii()) {
            return Err(err(format!("keyword {k:?} must be non-empty ASCII")));
        }
        let mut checks = Vec::new();
        for name in &spec.checks {
            match Check::parse(name) {
                Some(c) => checks.push(c),
                None => {
                    return Err(err(format!(
                        "unknown check {name:?} (known: {})",
                        Check::NAMES
                    )))
                }
            }
        }
        Ok(Rule {
            spec,
            origin,
            checks,
            regex: OnceLock::new(),
            quick: OnceLock::new(),
            searched: std::sync::atomic::AtomicUsize::new(0),
            context: OnceLock::new(),
            path: OnceLock::new(),
            required: OnceLock::new(),
        })
    }

    /// Whether the rule is one of the default rules (its origin is a `rules.toml` line).
    pub fn is_builtin(&self) -> bool {
        self.origin.starts_with("rules.toml") && self.origin.ends_with("(built in)")
    }

    /// The rule's id.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// Whether the rule only looks at paths.
    pub fn is_path_only(&self) -> bool {
        self.spec.regex.is_none()
    }

    fn lazy<'a>(
        &self,
        cell: &'a OnceLock<Result<regex_automata::meta::Regex, String>>,
        what: &str,
        pattern: Option<&str>,
    ) -> Result<Option<&'a regex_automata::meta::Regex>> {
        let Some(pattern) = pattern else {
            return Ok(None);
        };
        // `context` and `path` regexes are small and see one line or one path per call.
        match cell.get_or_init(|| build_rule_regex(pattern, Engines::Quick)) {
            Ok(re) => Ok(Some(re)),
            Err(e) => Err(Error::Rule {
                origin: self.origin.clone(),
                id: self.spec.id.to_string(),
                message: format!("invalid `{what}` regex: {e}"),
            }),
        }
    }

    fn content_regex(&self, pattern: &str) -> Result<&regex_automata::meta::Regex> {
        self.regex
            .get_or_init(|| compile_rule_regex(pattern))
            .as_ref()
            .map_err(|e| self.regex_error(e))
    }

    /// The regex to search `len` more bytes with: the quick build while the rule has seen
    /// little input (most rules see one or two lines in a commit, where building and
    /// warming lazy DFAs cost several times the search), the full one after.
    fn regex_for(&self, pattern: &str, len: usize) -> Result<&regex_automata::meta::Regex> {
        use std::sync::atomic::Ordering;
        let before = self.searched.fetch_add(len, Ordering::Relaxed);
        // A generic rule's keywords (key, token, secret) are on every tenth line of ordinary
        // code: it searches enough on any commit for the lazy DFAs to pay from the start.
        if self.spec.generic
            || before.saturating_add(len) > QUICK_BYTES
            || self.regex.get().is_some()
        {
            return self.content_regex(pattern);
        }
        self.quick
            .get_or_init(|| build_rule_regex(pattern, Engines::Quick))
            .as_ref()
            .map_err(|e| self.regex_error(e))
    }

    fn regex_error(&self, e: &str) -> Error {
        Error::Rule {
            origin: self.origin.clone(),
            id: self.spec.id.to_string(),
            message: format!("invalid `regex` regex: {e}"),
        }
    }

    /// Compiles every regex of the rule now, reporting the first error. Used for rules from
    /// config files, which must fail at load time rather than mid-scan.
    pub fn compile(&self) -> Result<()> {
        if let Some(pattern) = self.spec.regex.as_deref() {
            self.content_regex(pattern)?;
        }
        self.lazy(&self.context, "context", self.spec.context.as_deref())?;
        self.lazy(&self.path, "path", self.spec.path.as_deref())?;
        if let (Some(group), Some(pattern)) = (self.spec.secret_group, self.spec.regex.as_deref()) {
            let re = self.content_regex(pattern)?;
            if group >= re.captures_len() {
                return Err(Error::Rule {
                    origin: self.origin.clone(),
                    id: self.spec.id.to_string(),
                    message: format!(
                        "secret_group = {group}, but the regex has only {} group(s)",
                        re.captures_len() - 1
                    ),
                });
            }
        }
        Ok(())
    }

    /// Returns true if and only if the rule's `path` regex (if any) matches `path`.
    pub fn path_matches(&self, path: &[u8]) -> Result<bool> {
        // Most paths contain none of the literals a default path rule needs: then the
        // answer is known without compiling the regex (about 0.3 ms a rule, on every
        // commit).
        if let Some(literals) = self.spec.path.as_deref().and_then(builtin::path_literals) {
            let contains = |l: &&[u8]| path.windows(l.len()).any(|w| w.eq_ignore_ascii_case(l));
            if !literals.iter().any(contains) {
                return Ok(false);
            }
        }
        Ok(
            match self.lazy(&self.path, "path", self.spec.path.as_deref())? {
                Some(re) => re.is_match(path),
                None => true,
            },
        )
    }

    /// Whether the regex runs over the block of lines from the hit onward.
    pub fn is_multiline(&self) -> bool {
        self.spec.multiline
    }

    /// Literals every match of the regex contains (at most [`MAX_REQUIRED`], longest
    /// first): a window that lacks one cannot match, so a multiline rule whose keyword is on
    /// every line need not search each line's window (which would cost the window size per
    /// line). A literal that overlaps a keyword says little (the keyword is on the hit line
    /// already): only when there is no other is the longest such literal kept.
    pub fn required_literals(&self) -> &[Box<[u8]>] {
        self.required.get_or_init(|| {
            let contains = |hay: &[u8], needle: &[u8]| {
                needle.len() <= hay.len()
                    && hay
                        .windows(needle.len())
                        .any(|w| w.eq_ignore_ascii_case(needle))
            };
            let related = |lit: &[u8]| {
                self.spec
                    .keywords
                    .iter()
                    .any(|k| contains(k.as_bytes(), lit) || contains(lit, k.as_bytes()))
            };
            let Some(pattern) = self.spec.regex.as_deref() else {
                return Vec::new();
            };
            let mut literals = required_literals(pattern);
            literals.sort_by_key(|l| (related(l), std::cmp::Reverse(l.len())));
            literals.dedup();
            let unrelated = literals.iter().take_while(|l| !related(l)).count();
            literals.truncate(if unrelated > 0 {
                unrelated.min(MAX_REQUIRED)
            } else {
                literals.len().min(1)
            });
            literals
        })
    }

    /// The first of [`Rule::required_literals`].
    pub fn required_literal(&self) -> Option<&[u8]> {
        self.required_literals().first().map(|l| &l[..])
    }

    /// Finds the secrets this rule reports in `haystack`. `line` is the line the keyword hit
    /// on (equal to `haystack` unless the rule is multiline); the `context` regex must match
    /// on it. Each secret passes the rule's entropy floor and checks.
    pub fn find(&self, haystack: &[u8], line: &[u8], out: &mut Vec<SecretSpan>) -> Result<()> {
        self.find_from(haystack, 0, line, out)
    }

    /// [`Rule::find`] for matches that start at `from` or later: the bytes before `from`
    /// are still seen by `^`, `\b` and boundary classes, so a window cut out of a long line
    /// does not make its first byte look like the start of the line.
    pub fn find_from(
        &self,
        haystack: &[u8],
        from: usize,
        line: &[u8],
        out: &mut Vec<SecretSpan>,
    ) -> Result<()> {
        let Some(pattern) = self.spec.regex.as_deref() else {
            return Ok(());
        };
        if let Some(context) = self.lazy(&self.context, "context", self.spec.context.as_deref())? {
            if !context.is_match(line) {
                return Ok(());
            }
        }
        let re = self.regex_for(pattern, haystack.len() - from.min(haystack.len()))?;
        let mut caps = re.create_captures();
        let mut at = from;
        while at <= haystack.len() {
            re.search_captures(&regex_automata::Input::new(haystack).range(at..), &mut caps);
            let Some(whole) = caps.get_match() else {
                break;
            };
            let secret = match self.spec.secret_group {
                Some(g) => caps.get_group(g),
                None => (1..caps.group_len()).find_map(|g| caps.get_group(g)),
            }
            .map(|span| span.range())
            .unwrap_or(whole.range());
            // Resume at the end of the secret, not of the match: a trailing boundary byte the
            // regex consumed may be the leading boundary of the next key (`k1,k2`).
            at = secret.end.max(whole.start() + 1);
            if secret.is_empty() {
                continue;
            }
            // A format without a prefix of its own (a `context` rule, a generic rule) can
            // match any stretch of base64 image data: notebook outputs, SVG data: URIs,
            // recorded API cassettes. Prefix rules still look inside (a key pasted there is
            // still a key).
            if (self.spec.context.is_some() || self.spec.generic)
                && embedded_in_base64(haystack, &secret)
            {
                continue;
            }
            let bytes = &haystack[secret.clone()];
            if let Some(min) = self.spec.entropy {
                if shannon_entropy(bytes) < min {
                    continue;
                }
            }
            if !self.checks.iter().all(|c| c.passes(bytes)) {
                continue;
            }
            out.push(SecretSpan { secret });
        }
        Ok(())
    }
}

/// The literals that every match of `pattern` contains (parsed as [`compile_regex`]
/// compiles it). Only literals that a match cannot avoid count: those in the top-level
/// sequence, in groups, and in repetitions of at least one; case-insensitive parts are
/// classes, not literals, so they never count. An unparsable pattern has none.
fn required_literals(pattern: &str) -> Vec<Box<[u8]>> {
    if let Some(hir) = builtin::parsed(pattern) {
        return hir_code::required_literals(&hir);
    }
    hir_code::parse(pattern)
        .map(|hir| hir_code::required_literals(&hir))
        .unwrap_or_default()
}

/// A base64 run at least this long is binary data (an image, a font, a model blob), not a
/// place where a person writes a key.
const LONG_BASE64_RUN: usize = 200;

/// Whether `span` sits inside a long run of base64 characters, or after a `data:…;base64,`
/// marker on the same line.
fn embedded_in_base64(haystack: &[u8], span: &Range<usize>) -> bool {
    let b64 = |b: &&u8| b.is_ascii_alphanumeric() || **b == b'+' || **b == b'/';
    // Counted up to the threshold only: a candidate inside a megabyte of base64 must not
    // cost a megabyte.
    let left = haystack[..span.start]
        .iter()
        .rev()
        .take(LONG_BASE64_RUN)
        .take_while(b64)
        .count();
    let right = haystack[span.end..]
        .iter()
        .take(LONG_BASE64_RUN)
        .take_while(b64)
        .count();
    if left + right > 0 && left + span.len() + right >= LONG_BASE64_RUN {
        return true;
    }
    let line_start = memchr::memrchr(b'\n', &haystack[..span.start]).map_or(0, |i| i + 1);
    let before = &haystack[line_start..span.start];
    memchr::memmem::rfind(before, b";base64,")
        .is_some_and(|at| memchr::memmem::find(&before[..at], b"data:").is_some())
}

/// All rules of a run, with the prefilter built over their keywords.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    prefilter: Prefilter,
    path_only: Vec<u32>,
    /// Indices of the multi-line rules.
    multiline: Vec<u32>,
}

impl RuleSet {
    /// Builds a rule set. Ids must be unique.
    pub fn new(rules: Vec<Rule>) -> Result<RuleSet> {
        let mut seen = std::collections::HashSet::new();
        for r in &rules {
            if !seen.insert(r.id()) {
                return Err(Error::Rule {
                    origin: r.origin.clone(),
                    id: r.id().to_string(),
                    message: "duplicate rule id".into(),
                });
            }
        }
        let prefilter = Prefilter::new(rules.iter().enumerate().flat_map(|(i, r)| {
            let keywords: &[spec::Text] = if r.is_path_only() {
                &[]
            } else {
                &r.spec.keywords
            };
            keywords.iter().map(move |k| (i as u32, k.as_ref()))
        }))?;
        let path_only = (0..rules.len() as u32)
            .filter(|&i| rules[i as usize].is_path_only())
            .collect();
        let multiline = (0..rules.len() as u32)
            .filter(|&i| rules[i as usize].is_multiline())
            .collect();
        Ok(RuleSet {
            rules,
            prefilter,
            path_only,
            multiline,
        })
    }

    /// The default rules, embedded in the binary. Each one's origin names the line of
    /// `rules.toml` where it is defined.
    pub fn builtin_rules() -> Result<Vec<Rule>> {
        builtin::builtin_specs()
            .into_iter()
            .zip(builtin::BUILTIN_LINES)
            .map(|(spec, line)| Rule::new(spec, format!("rules.toml:{line} (built in)")))
            .collect()
    }

    /// The default rule set.
    pub fn builtin() -> Result<RuleSet> {
        RuleSet::new(RuleSet::builtin_rules()?)
    }

    /// All rules, in priority order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule at `index`.
    pub fn rule(&self, index: u32) -> &Rule {
        &self.rules[index as usize]
    }

    /// The keyword prefilter.
    pub fn prefilter(&self) -> &Prefilter {
        &self.prefilter
    }

    /// Indices of the rules that look only at paths.
    pub fn path_only(&self) -> &[u32] {
        &self.path_only
    }

    /// Indices of the multi-line rules (PEM blocks and the like).
    pub fn multiline_rules(&self) -> &[u32] {
        &self.multiline
    }

    /// The largest window a multiline rule may see.
    pub fn multiline_window(&self) -> usize {
        MULTILINE_WINDOW
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick build (NFA simulations only) and the full build (lazy DFAs) of every
    /// default rule find the same matches and captures on every example, positive and
    /// negative, and on the examples run together as one long haystack.
    #[test]
    fn quick_and_full_builds_agree_on_every_default_rule() {
        let mut file: RuleFile = toml::from_str(RULES_TOML).unwrap();
        file.expand_fragments().unwrap();
        let all: String = file
            .rules
            .iter()
            .flat_map(|r| r.examples.iter().chain(&r.negative_examples))
            .map(|e| format!("{}\n", e.text()))
            .collect();
        let mut compared = 0;
        for spec in &file.rules {
            let Some(pattern) = spec.regex.as_deref() else {
                continue;
            };
            let quick = build_rule_regex(pattern, Engines::Quick).unwrap();
            let full = build_rule_regex(pattern, Engines::Full).unwrap();
            let texts = spec.examples.iter().chain(&spec.negative_examples);
            for hay in texts.map(|e| e.text()).chain([all.as_str()]) {
                let spans = |re: &regex_automata::meta::Regex| -> Vec<Vec<Option<Range<usize>>>> {
                    re.captures_iter(hay.as_bytes())
                        .map(|c| {
                            (0..c.group_len())
                                .map(|g| c.get_group(g).map(|s| s.range()))
                                .collect()
                        })
                        .collect()
                };
                assert_eq!(spans(&quick), spans(&full), "{}", spec.id);
                // `find_from` searches from inside a line, where look-behind (`^`, `\b`,
                // boundary classes) still sees the bytes before the start.
                let from = |re: &regex_automata::meta::Regex, at: usize| {
                    let mut caps = re.create_captures();
                    re.search_captures(
                        &regex_automata::Input::new(hay.as_bytes()).range(at..),
                        &mut caps,
                    );
                    (0..caps.group_len())
                        .map(|g| caps.get_group(g).map(|s| s.range()))
                        .collect::<Vec<_>>()
                };
                let offsets = if hay.len() == all.len() { 0 } else { hay.len() };
                for at in (1..offsets).step_by(3) {
                    assert_eq!(from(&quick, at), from(&full, at), "{} from {at}", spec.id);
                }
                compared += 1;
            }
        }
        assert!(compared > 600, "{compared}");
    }

    fn rule(regex: &str) -> Rule {
        Rule::new(
            RuleSpec {
                id: "t".into(),
                keywords: vec!["k".into()],
                regex: Some(regex.to_string().into()),
                ..Default::default()
            },
            "test",
        )
        .unwrap()
    }

    fn find(r: &Rule, hay: &str) -> Vec<String> {
        let mut out = Vec::new();
        r.find(hay.as_bytes(), hay.as_bytes(), &mut out).unwrap();
        out.iter()
            .map(|s| hay[s.secret.clone()].to_string())
            .collect()
    }

    #[test]
    fn adjacent_keys_share_a_boundary_byte() {
        let r = rule(r"(?:^|[^a-z])(k[a-z]{3})(?:[^a-z]|$)");
        assert_eq!(find(&r, "kabc,kdef"), vec!["kabc", "kdef"]);
    }

    #[test]
    fn invalid_regex_names_the_rule() {
        let r = rule("(unclosed");
        let err = r.compile().unwrap_err().to_string();
        assert!(err.contains("rule \"t\""), "{err}");
        assert!(err.contains("invalid `regex`"), "{err}");
    }

    #[test]
    fn unicode_classes_are_rejected_and_bytes_are_fine() {
        assert!(compile_regex(r"\p{Greek}").is_err());
        let r = rule(r"(k\xff+)");
        let mut out = Vec::new();
        r.find(b"k\xff\xff", b"k\xff\xff", &mut out).unwrap();
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn required_literals_skip_keywords() {
        let req = |keyword: &str, pattern: &str| {
            let rule = Rule::new(
                RuleSpec {
                    id: "t".into(),
                    keywords: vec![keyword.to_string().into()],
                    regex: Some(pattern.to_string().into()),
                    multiline: true,
                    ..Default::default()
                },
                "test",
            )
            .unwrap();
            rule.required_literal()
                .map(|l| String::from_utf8(l.to_vec()).unwrap())
        };
        let gcp = r#"^[^\n]*?"type"\s*:\s*"service_account"[\s\S]{0,1500}?"private_key"\s*:(x+)"#;
        assert_eq!(
            req("service_account", gcp).as_deref(),
            Some("\"private_key\"")
        );
        let team = r"session:[\s\S]*?(acme_[a-z]{4})";
        assert_eq!(req("session:", team).as_deref(), Some("acme_"));
        assert_eq!(req("abc", r"(?:abc|abd)[0-9]"), None);
        // Case-insensitive letters are classes; the `=` is still a literal.
        assert_eq!(req("secret", r"(?i)secret=([a-z]+)").as_deref(), Some("="));
        assert_eq!(req("secret", r"(?i)secret([a-z]+)"), None);
        assert_eq!(req("x_token", r"(?:x_token)?[0-9]{8}"), None);
        assert_eq!(req("zz", r"(?:key:)+[0-9]").as_deref(), Some("key:"));
        // Only keyword-related literals: the longest still is a necessary condition.
        assert_eq!(req("tok", r"tok_(?:[a-z]+)tok").as_deref(), Some("tok_"));
        let rule = Rule::new(
            RuleSpec {
                id: "t".into(),
                keywords: vec!["service_account".into()],
                regex: Some(gcp.into()),
                ..Default::default()
            },
            "test",
        )
        .unwrap();
        let all: Vec<&[u8]> = rule.required_literals().iter().map(|l| &l[..]).collect();
        assert_eq!(all, vec![&b"\"private_key\""[..], b"\"type\"", b":", b"x"]);
    }

    #[test]
    fn prefixless_rules_skip_base64_image_data() {
        let mut r = rule(r"(?:^|[^A-Za-z0-9])(k[A-Za-z0-9]{11})(?:[^A-Za-z0-9]|$)");
        r.spec.context = Some("k".into());
        let blob = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB".repeat(10);
        let inside = format!("{blob}+kQ8vZ3xLm2Pq/{blob}");
        assert!(find(&r, &inside).is_empty());
        let uri = "<img src=\"data:image/png;base64,iVBOR+kQ8vZ3xLm2Pq\">";
        assert!(find(&r, uri).is_empty());
        assert_eq!(find(&r, "ibm key kQ8vZ3xLm2Pq"), vec!["kQ8vZ3xLm2Pq"]);
        // A prefix rule still looks inside.
        r.spec.context = None;
        assert_eq!(find(&r, &inside), vec!["kQ8vZ3xLm2Pq"]);
    }

    #[test]
    fn fragments_and_boundary_shorthands_expand() {
        let mut frags = std::collections::BTreeMap::new();
        frags.insert("n".to_string(), "(?:api|%{x})".to_string());
        frags.insert("x".to_string(), "key".to_string());
        let got = spec::expand("%{B}%{n}[^$%{<]%{E:0-9a-f}%{E}", &frags).unwrap();
        assert_eq!(
            got,
            format!(
                "{}(?:api|key)[^$%{{<](?:[^0-9a-f]|$)(?:[^0-9A-Za-z_-]|$)",
                spec::START_BOUNDARY
            )
        );
        assert!(spec::expand("%{nope}", &frags).is_err());
    }

    /// Threads sharing a rule cross its quick-to-full switch at different moments (some
    /// still on the quick build while another builds the full one): every call finds the
    /// same secrets, and the rule ends on the full build.
    #[test]
    fn threads_crossing_the_quick_full_switch_find_the_same() {
        let r = rule(r"(?:^|[^a-z])(k[a-z]{3})(?:[^a-z]|$)");
        let line = "x kabc,kdef y ".repeat(20);
        let want = ["kabc", "kdef"].repeat(20);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..20 {
                        assert_eq!(find(&r, &line), want);
                    }
                });
            }
        });
        assert!(r.quick.get().is_some() && r.regex.get().is_some());
    }

    #[test]
    fn builtin_rules_load() {
        let set = RuleSet::builtin().unwrap();
        assert!(!set.rules().is_empty());
    }
}

#[cfg(test)]
mod gate_tests {
    use super::*;
    use regex_syntax::hir::{Class, Hir, HirKind};

    /// A small deterministic generator (xorshift64*), so failures reproduce.
    pub(crate) struct Rng(pub u64);

    impl Rng {
        pub(crate) fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        pub(crate) fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Appends a random string that `hir` matches (look-arounds aside: they are checked
    /// by the regex afterwards).
    fn sample(hir: &Hir, rng: &mut Rng, out: &mut Vec<u8>) {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(lit) => out.extend_from_slice(&lit.0),
            HirKind::Class(Class::Bytes(c)) => {
                if !c.ranges().is_empty() {
                    let r = c.ranges()[rng.below(c.ranges().len())];
                    let span = usize::from(r.end() - r.start()) + 1;
                    out.push(r.start() + rng.below(span) as u8);
                }
            }
            HirKind::Class(Class::Unicode(c)) => {
                if let Some(r) = c.ranges().first() {
                    let mut buf = [0; 4];
                    out.extend_from_slice(r.start().encode_utf8(&mut buf).as_bytes());
                }
            }
            HirKind::Repetition(rep) => {
                let max = rep.max.unwrap_or(rep.min + 3).min(rep.min + 3);
                let n = rep.min + rng.below((max - rep.min + 1) as usize) as u32;
                for _ in 0..n {
                    sample(&rep.sub, rng, out);
                }
            }
            HirKind::Capture(cap) => sample(&cap.sub, rng, out),
            HirKind::Concat(subs) => subs.iter().for_each(|s| sample(s, rng, out)),
            HirKind::Alternation(subs) => sample(&subs[rng.below(subs.len())], rng, out),
        }
    }

    /// Bytes a path may hold around a match: both separators, dots, non-UTF-8, NUL.
    const NOISE: &[&[u8]] = &[
        b"/",
        b"\\",
        b".",
        b"_",
        b"-",
        b"a",
        b"Z",
        b"0",
        b" ",
        b"\xff",
        b"\x80",
        b"\x00",
        b"\n",
        b"src/",
        b"C:\\x\\",
        b"\xc3\xa9",
    ];

    /// The path-literal gate never turns away a path the rule's path regex matches: paths
    /// sampled from each default path pattern, then cased, cut, extended and spliced at
    /// random (both separators, non-UTF-8 bytes), through `Rule::path_matches`, against the
    /// regex compiled as a config rule's would be.
    #[test]
    fn path_literal_gate_never_rejects_a_matching_path() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for spec in builtin::builtin_specs() {
            let Some(pattern) = spec.path.clone() else {
                continue;
            };
            let hir = hir_code::parse(&pattern).unwrap();
            let re = compile_regex(&pattern).unwrap();
            let rule = Rule::new(
                RuleSpec {
                    id: "t".into(),
                    path: Some(pattern.clone()),
                    ..Default::default()
                },
                "test",
            )
            .unwrap();
            let (mut matched, mut rejected) = (0, 0);
            for _ in 0..20_000 {
                let mut path = Vec::new();
                for _ in 0..rng.below(3) {
                    path.extend_from_slice(NOISE[rng.below(NOISE.len())]);
                }
                sample(&hir, &mut rng, &mut path);
                if rng.below(3) == 0 {
                    sample(&hir, &mut rng, &mut path);
                }
                for _ in 0..rng.below(2) {
                    path.extend_from_slice(NOISE[rng.below(NOISE.len())]);
                }
                match rng.below(6) {
                    0 => path.make_ascii_uppercase(),
                    1 => path
                        .iter_mut()
                        .filter(|_| rng.below(3) == 0)
                        .for_each(|b| b.make_ascii_uppercase()),
                    2 if !path.is_empty() => {
                        let at = rng.below(path.len());
                        path[at] = NOISE[rng.below(NOISE.len())][0];
                    }
                    3 if !path.is_empty() => {
                        path.remove(rng.below(path.len()));
                    }
                    _ => {}
                }
                let want = re.is_match(&path);
                if want {
                    matched += 1;
                } else {
                    rejected += 1;
                }
                assert_eq!(
                    rule.path_matches(&path).unwrap(),
                    want,
                    "{} on {:?}",
                    spec.id,
                    String::from_utf8_lossy(&path)
                );
            }
            // Both answers occur often enough for the comparison to mean something.
            assert!(
                matched > 2_000 && rejected > 1_000,
                "{}: {matched} {rejected}",
                spec.id
            );
        }
    }
}
