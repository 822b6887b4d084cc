//! Deciding that a finding is not to be reported, and saying why.
//!
//! Narrowest first: an inline `tierzero:allow` annotation on (or just above) the line, a
//! configured allowlist (paths, regexes, stopwords; global or per rule), a fingerprint in
//! `.tierzero-ignore`, a fingerprint in the baseline; and in the config file that defines
//! a rule, that rule's own examples. A suppressed finding is still returned
//! to the caller, marked with the reason, so reviewers can audit what was silenced.
//!
//! This module does not find secrets and does not load files: it is handed compiled lists.

use std::collections::HashSet;

use regex::bytes::Regex;

use crate::error::Result;
use crate::report::finding::SuppressedBy;
use crate::rules::{AllowSpec, Rule};

/// What the suppressor may look at for one finding.
pub struct LineContext<'a> {
    /// Repository-relative path.
    pub path: &'a str,
    /// The line the finding is on, without its terminator.
    pub line: &'a [u8],
    /// The line before it, if any.
    pub previous_line: Option<&'a [u8]>,
    /// The secret (or, for path rules, the path).
    pub secret: &'a [u8],
    /// The finding's fingerprint.
    pub fingerprint: &'a str,
}

/// What an allowlist regex is matched against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AllowTarget {
    /// The secret alone.
    #[default]
    Secret,
    /// The whole line.
    Line,
}

/// A compiled allowlist.
#[derive(Clone, Debug, Default)]
pub struct Allowlist {
    /// Path globs.
    pub paths: Option<globset::GlobSet>,
    /// Regexes.
    pub regexes: Vec<Regex>,
    /// What the regexes see.
    pub target: AllowTarget,
    /// Lower-cased substrings of the secret.
    pub stopwords: Vec<String>,
    /// A built-in rule's allowlist, compiled the first time a finding of that rule needs
    /// it (most runs never do: start-up must not pay for every rule's allowlist).
    deferred: Option<Deferred>,
}

/// An allowlist spec and, once needed, its compiled form.
#[derive(Clone, Debug)]
struct Deferred {
    spec: AllowSpec,
    compiled: std::sync::OnceLock<Option<Box<Allowlist>>>,
}

/// Why an allowlist could not be compiled: the field, the entry's index in it, and what is
/// wrong. The caller turns this into a message with a file and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowError {
    /// `paths`, `regexes`, `target` or `stopwords`.
    pub field: &'static str,
    /// The offending entry, for list fields.
    pub index: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl Allowlist {
    /// A built-in rule's allowlist, compiled on first use. Built-in allowlists are checked
    /// by the test suite; one that still failed to compile would allow nothing.
    pub fn deferred(spec: &AllowSpec) -> Allowlist {
        Allowlist {
            deferred: Some(Deferred {
                spec: spec.clone(),
                compiled: std::sync::OnceLock::new(),
            }),
            ..Default::default()
        }
    }

    /// Compiles an allowlist as written in a config file. Paths are gitignore-style globs
    /// (see [`gitignore_globs`]); regexes use the rule regex syntax; `target` is `secret`
    /// (the default) or `line`.
    pub fn from_spec(spec: &AllowSpec) -> Result<Allowlist, AllowError> {
        let paths = if spec.paths.is_empty() {
            None
        } else {
            let mut builder = globset::GlobSetBuilder::new();
            for (i, pattern) in spec.paths.iter().enumerate() {
                let err = |message: String| AllowError {
                    field: "paths",
                    index: Some(i),
                    message,
                };
                for glob in gitignore_globs(pattern).map_err(err)? {
                    let compiled = globset::GlobBuilder::new(&glob)
                        .literal_separator(true)
                        .backslash_escape(true)
                        .build()
                        .map_err(|e| err(format!("invalid glob {pattern:?}: {}", e.kind())))?;
                    builder.add(compiled);
                }
            }
            Some(builder.build().map_err(|e| AllowError {
                field: "paths",
                index: None,
                message: e.to_string(),
            })?)
        };
        let mut regexes = Vec::with_capacity(spec.regexes.len());
        for (i, pattern) in spec.regexes.iter().enumerate() {
            let re = crate::rules::compile_regex(pattern).map_err(|e| AllowError {
                field: "regexes",
                index: Some(i),
                message: format!("invalid regex: {}", one_line(&e)),
            })?;
            regexes.push(re);
        }
        let target = match spec.target.as_deref() {
            None | Some("secret") => AllowTarget::Secret,
            Some("line") => AllowTarget::Line,
            Some(other) => {
                return Err(AllowError {
                    field: "target",
                    index: None,
                    message: format!("unknown target {other:?} (expected \"secret\" or \"line\")"),
                })
            }
        };
        let mut stopwords = Vec::with_capacity(spec.stopwords.len());
        for (i, word) in spec.stopwords.iter().enumerate() {
            if word.is_empty() {
                return Err(AllowError {
                    field: "stopwords",
                    index: Some(i),
                    message: "an empty stopword would allow every secret".into(),
                });
            }
            stopwords.push(word.to_lowercase());
        }
        Ok(Allowlist {
            paths,
            regexes,
            target,
            stopwords,
            deferred: None,
        })
    }

    /// Returns true if and only if the allowlist covers this finding.
    pub fn allows(&self, ctx: &LineContext<'_>) -> bool {
        if let Some(deferred) = &self.deferred {
            return deferred
                .compiled
                .get_or_init(|| Allowlist::from_spec(&deferred.spec).ok().map(Box::new))
                .as_ref()
                .is_some_and(|list| list.allows(ctx));
        }
        if let Some(paths) = &self.paths {
            if paths.is_match(ctx.path) {
                return true;
            }
        }
        let haystack = match self.target {
            AllowTarget::Secret => ctx.secret,
            AllowTarget::Line => ctx.line,
        };
        if self.regexes.iter().any(|re| re.is_match(haystack)) {
            return true;
        }
        !self.stopwords.is_empty() && {
            let lower = ctx.secret.to_ascii_lowercase();
            self.stopwords
                .iter()
                .any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some())
        }
    }
}

/// Everything that can silence a finding.
#[derive(Debug, Default)]
pub struct Suppressor {
    /// Also honour `gitleaks:allow` and detect-secrets' `pragma: allowlist secret`.
    pub compat: bool,
    /// Global allowlists.
    pub allowlists: Vec<Allowlist>,
    /// Per-rule allowlists, by rule id (one per layer that set one).
    pub rule_allowlists: std::collections::HashMap<String, Vec<Allowlist>>,
    /// Fingerprints from `.tierzero-ignore`.
    pub ignored: HashSet<String>,
    /// Fingerprints from the baseline.
    pub baseline: HashSet<String>,
    /// Fingerprints of what the configured rules' own `examples` produce: test data, not
    /// credentials, when they sit in one of [`Suppressor::config_files`].
    pub config_examples: HashSet<String>,
    /// File names of the config files that defined rules with examples (`.tierzero.toml`).
    pub config_files: HashSet<String>,
}

impl Suppressor {
    /// Why this finding is suppressed, or `None` when it must be reported.
    pub fn check(&self, rule: &Rule, ctx: &LineContext<'_>) -> Result<Option<SuppressedBy>> {
        if inline_allows(ctx.line, rule.id(), false, self.compat)
            || ctx
                .previous_line
                .is_some_and(|prev| inline_allows(prev, rule.id(), true, self.compat))
        {
            return Ok(Some(SuppressedBy::Inline));
        }
        if self.allowlists.iter().any(|a| a.allows(ctx))
            || self
                .rule_allowlists
                .get(rule.id())
                .is_some_and(|lists| lists.iter().any(|a| a.allows(ctx)))
        {
            return Ok(Some(SuppressedBy::Allowlist));
        }
        if self.config_examples.contains(ctx.fingerprint) {
            let name = ctx.path.rsplit('/').next().unwrap_or(ctx.path);
            if self.config_files.contains(name) {
                return Ok(Some(SuppressedBy::ConfigExample));
            }
        }
        if self.ignored.contains(ctx.fingerprint) {
            return Ok(Some(SuppressedBy::IgnoreFile));
        }
        if self.baseline.contains(ctx.fingerprint) {
            return Ok(Some(SuppressedBy::Baseline));
        }
        Ok(None)
    }
}

/// Translates one gitignore-style pattern into globs over repository-relative paths, so
/// that an allowlist reads like a `.gitignore`: a pattern without a slash (`*.snap`,
/// `fixtures`) matches at any depth; a pattern with a slash (`docs/*.md`, `/build`) is
/// anchored at the repository root; `*` never crosses a `/` but `**` does; a trailing `/`
/// means a directory; and a pattern that names a directory covers everything under it.
/// Negation (`!`) is refused: an allowlist only ever allows.
pub fn gitignore_globs(pattern: &str) -> Result<Vec<String>, String> {
    let p = pattern.trim();
    if p.is_empty() || p == "/" {
        return Err("an empty path pattern".into());
    }
    if p.starts_with('!') {
        return Err(format!(
            "{pattern:?}: negation is not supported in an allowlist (list only what to allow)"
        ));
    }
    let dir_only = p.ends_with('/');
    let p = p.trim_end_matches('/');
    let anchored = p.contains('/');
    let p = p.trim_start_matches('/');
    let base = if anchored || p.starts_with("**/") {
        p.to_string()
    } else {
        format!("**/{p}")
    };
    let under = if base.ends_with("/**") {
        base.clone()
    } else {
        format!("{base}/**")
    };
    Ok(if dir_only || base == under {
        vec![under]
    } else {
        vec![base, under]
    })
}

/// The last line of a multi-line error (the regex crate draws a caret diagram above it),
/// so that every error stays one line.
pub fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("")
        .trim_start_matches("error: ")
        .to_string()
}

/// Whether `line` carries an annotation allowing `rule_id`: `tierzero:allow` (same line) or
/// `tierzero:allow-next-line` (when `next_line` is set, i.e. `line` is the one above),
/// optionally followed by rule ids separated by spaces or commas. With `compat`, also
/// `gitleaks:allow` and `pragma: allowlist secret` (same line) and
/// `pragma: allowlist nextline secret` (line above).
pub fn inline_allows(line: &[u8], rule_id: &str, next_line: bool, compat: bool) -> bool {
    let directive: &[u8] = if next_line {
        b"tierzero:allow-next-line"
    } else {
        b"tierzero:allow"
    };
    let mut rest = line;
    while let Some(at) = memchr::memmem::find(rest, directive) {
        let after = &rest[at + directive.len()..];
        rest = after;
        // `tierzero:allow` must not match the start of `tierzero:allow-next-line`.
        if !next_line && after.starts_with(b"-next-line") {
            continue;
        }
        if after
            .first()
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            continue;
        }
        if allows_rule(after, rule_id) {
            return true;
        }
    }
    if compat {
        let has = |needle: &[u8]| memchr::memmem::find(line, needle).is_some();
        if next_line {
            return has(b"pragma: allowlist nextline secret");
        }
        return has(b"gitleaks:allow") || has(b"pragma: allowlist secret");
    }
    false
}

/// Parses the optional rule list after a directive. A word equal to `rule_id` allows it;
/// otherwise kebab-case words name other rules, and prose (`# tierzero:allow test data`)
/// or nothing at all allows every rule.
fn allows_rule(after: &[u8], rule_id: &str) -> bool {
    let words = after
        .split(|b| b.is_ascii_whitespace() || *b == b',')
        .filter(|w| !w.is_empty())
        .take_while(|w| {
            w.iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        });
    let mut names_other_rules = false;
    for word in words {
        if word == rule_id.as_bytes() {
            return true;
        }
        names_other_rules |= word.contains(&b'-') && word.iter().any(u8::is_ascii_alphabetic);
    }
    !names_other_rules
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_allowed(patterns: &[&str], path: &str) -> bool {
        let spec = AllowSpec {
            paths: patterns.iter().map(|p| p.to_string().into()).collect(),
            ..Default::default()
        };
        let list = Allowlist::from_spec(&spec).unwrap();
        list.allows(&LineContext {
            path,
            line: b"",
            previous_line: None,
            secret: b"s",
            fingerprint: "",
        })
    }

    #[test]
    fn paths_behave_like_gitignore() {
        let fixtures = &["**/fixtures/**"];
        assert!(path_allowed(fixtures, "fixtures/a.json"));
        assert!(path_allowed(fixtures, "tests/fixtures/deep/a.json"));
        assert!(!path_allowed(fixtures, "tests/myfixtures/a.json"));
        let docs = &["docs/*.md"];
        assert!(path_allowed(docs, "docs/setup.md"));
        assert!(!path_allowed(docs, "docs/api/setup.md"));
        assert!(!path_allowed(docs, "src/docs/setup.md"));
        let snap = &["*.snap"];
        assert!(path_allowed(snap, "a.snap"));
        assert!(path_allowed(snap, "src/x/__snapshots__/b.snap"));
        assert!(!path_allowed(snap, "a.snapshot"));
        assert!(path_allowed(&["testdata"], "pkg/testdata/key.pem"));
        assert!(path_allowed(&["/vendor/"], "vendor/x/y.go"));
        assert!(!path_allowed(&["/vendor/"], "src/vendor/y.go"));
    }

    #[test]
    fn bad_allowlists_name_the_field() {
        let bad_glob = AllowSpec {
            paths: vec!["ok/*".into(), "a[b".into()],
            ..Default::default()
        };
        let e = Allowlist::from_spec(&bad_glob).unwrap_err();
        assert_eq!((e.field, e.index), ("paths", Some(1)));
        let negated = AllowSpec {
            paths: vec!["!keep".into()],
            ..Default::default()
        };
        assert!(Allowlist::from_spec(&negated)
            .unwrap_err()
            .message
            .contains("negation"));
        let bad_re = AllowSpec {
            regexes: vec!["(".into()],
            ..Default::default()
        };
        let e = Allowlist::from_spec(&bad_re).unwrap_err();
        assert_eq!((e.field, e.index), ("regexes", Some(0)));
        assert!(!e.message.contains('\n'));
        let bad_target = AllowSpec {
            target: Some("match".into()),
            ..Default::default()
        };
        assert_eq!(
            Allowlist::from_spec(&bad_target).unwrap_err().field,
            "target"
        );
    }

    #[test]
    fn same_line_any_rule() {
        assert!(inline_allows(
            b"key = 'x' # tierzero:allow",
            "openai-project-key",
            false,
            false
        ));
        assert!(!inline_allows(
            b"key = 'x'",
            "openai-project-key",
            false,
            false
        ));
    }

    #[test]
    fn same_line_specific_rule() {
        let line = b"key = 'x' // tierzero:allow openai-project-key";
        assert!(inline_allows(line, "openai-project-key", false, false));
        assert!(!inline_allows(line, "aws-access-key-id", false, false));
        let two = b"x # tierzero:allow aws-access-key-id, openai-project-key";
        assert!(inline_allows(two, "openai-project-key", false, false));
    }

    #[test]
    fn next_line_is_not_same_line() {
        let above = b"# tierzero:allow-next-line";
        assert!(inline_allows(above, "r-1", true, false));
        assert!(!inline_allows(above, "r-1", false, false));
        assert!(!inline_allows(b"# tierzero:allow", "r-1", true, false));
        assert!(inline_allows(
            b"<!-- tierzero:allow-next-line r-1 -->",
            "r-1",
            true,
            false
        ));
        assert!(!inline_allows(
            b"<!-- tierzero:allow-next-line r-2 -->",
            "r-1",
            true,
            false
        ));
    }

    #[test]
    fn compat_annotations_only_when_enabled() {
        let line = b"token = 'x' # gitleaks:allow";
        assert!(!inline_allows(line, "r", false, false));
        assert!(inline_allows(line, "r", false, true));
        assert!(inline_allows(
            b"x # pragma: allowlist secret",
            "r",
            false,
            true
        ));
        assert!(inline_allows(
            b"# pragma: allowlist nextline secret",
            "r",
            true,
            true
        ));
    }
}
