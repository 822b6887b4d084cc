//! Every default rule carries its proof: its examples run through the same engine as
//! `tierzero scan`, and a lint keeps the rule file honest.

use crate::common;

use tierzero::rules::{RuleFile, RuleSet, RULES_TOML};

fn rule_file() -> RuleFile {
    let mut file: RuleFile = toml::from_str(RULES_TOML).expect("rules.toml parses");
    file.expand_fragments()
        .expect("rules.toml fragments expand");
    file
}

#[test]
fn every_example_is_found_by_its_rule_and_no_negative_is() {
    let loaded = common::builtin_config();
    let (set, suppressor) = (&loaded.rules, &loaded.suppressor);
    let mut failures = Vec::new();
    for rule in rule_file().rules {
        for ex in &rule.examples {
            let ids = common::reported_rule_ids(set, suppressor, ex.path(), ex.text());
            if !ids.iter().any(|id| id == rule.id.as_ref()) {
                failures.push(format!(
                    "{}: example not found (got {ids:?}): {:?}",
                    rule.id,
                    ex.text()
                ));
            }
        }
        for ex in &rule.negative_examples {
            let ids = common::reported_rule_ids(set, suppressor, ex.path(), ex.text());
            if ids.iter().any(|id| id == rule.id.as_ref()) {
                failures.push(format!(
                    "{}: negative example found: {:?}",
                    rule.id,
                    ex.text()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Removes regex escapes so a keyword can be looked up in a pattern's literal text.
fn unescape(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                if next.is_ascii_punctuation() || next == ' ' {
                    out.push(next);
                } else {
                    out.push('\\');
                    out.push(next);
                }
            }
        } else {
            out.push(c);
        }
    }
    out.to_ascii_lowercase()
}

#[test]
fn lint_rule_file() {
    let file = rule_file();
    let mut problems = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for r in &file.rules {
        let id = r.id.as_ref();
        if !ids.insert(id.to_string()) {
            problems.push(format!("{id}: duplicate id"));
        }
        if r.description.trim().is_empty() {
            problems.push(format!("{id}: no description"));
        }
        match r.name.as_deref() {
            Some(n) if !n.trim().is_empty() && n.len() <= 40 => {}
            other => problems.push(format!(
                "{id}: needs a short `name` for the terminal (1-40 chars), got {other:?}"
            )),
        }
        if r.examples.len() < 2 {
            problems.push(format!("{id}: needs at least 2 examples"));
        }
        if r.negative_examples.len() < 2 {
            problems.push(format!("{id}: needs at least 2 negative_examples"));
        }
        if r.env_var.as_deref().unwrap_or("").trim().is_empty() {
            problems.push(format!("{id}: no env_var remediation"));
        }
        match r.rotate_url.as_deref() {
            Some(url) if url.starts_with("https://") && !url.contains(' ') && url.len() > 12 => {}
            other => problems.push(format!(
                "{id}: rotate_url must be an https URL, got {other:?}"
            )),
        }
        if let Some(regex) = &r.regex {
            if r.keywords.is_empty() {
                problems.push(format!("{id}: content rule without keywords"));
            }
            for pat in [Some(regex), r.context.as_ref()].into_iter().flatten() {
                if let Err(e) = tierzero::rules::compile_regex(pat) {
                    problems.push(format!(
                        "{id}: regex does not compile with Unicode off: {e}"
                    ));
                }
                if pat.contains("\\p{") || pat.contains("\\P{") {
                    problems.push(format!("{id}: Unicode class in regex"));
                }
            }
            let literal = format!(
                "{} {}",
                unescape(regex),
                r.context.as_deref().map(unescape).unwrap_or_default()
            );
            for k in &r.keywords {
                if !literal.contains(&k.to_ascii_lowercase()) {
                    problems.push(format!(
                        "{id}: keyword {k:?} is not implied by its regex or context"
                    ));
                }
            }
        } else if r.path.is_none() {
            problems.push(format!("{id}: neither regex nor path"));
        }
        for check in &r.checks {
            if tierzero::rules::checks::Check::parse(check).is_none() {
                problems.push(format!("{id}: unknown check {check}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn one_quoting_style() {
    // Strings are "double-quoted" (literal '...' only where the text holds `"` or `\`);
    // every regex, context and path is a ''''literal'''', so backslashes mean what the
    // regex syntax says.
    let mut problems = Vec::new();
    for (n, line) in RULES_TOML.lines().enumerate() {
        for key in ["regex = ", "context = ", "path = "] {
            if line.starts_with(key) && !line[key.len()..].starts_with("'''") {
                problems.push(format!(
                    "rules.toml:{}: {key}must be a '''literal'''",
                    n + 1
                ));
            }
        }
        if let Some(v) = line.strip_prefix("id = ") {
            if !v.starts_with('"') {
                problems.push(format!("rules.toml:{}: id must be double-quoted", n + 1));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn lint_catches_a_bad_rule() {
    // The lint's helpers must be able to fail: a keyword absent from the regex is caught.
    assert!(!unescape(r"ghp_[A-Za-z0-9]{36}").contains("gho_"));
    assert!(unescape(r"\.openai\.azure\.com").contains(".openai.azure.com"));
}

#[test]
fn builtin_rules_match_rules_toml() {
    // The build script must embed exactly what rules.toml says.
    let set = RuleSet::builtin().unwrap();
    let from_file: Vec<String> = rule_file().rules.iter().map(|r| r.id.to_string()).collect();
    let embedded: Vec<String> = set.rules().iter().map(|r| r.id().to_string()).collect();
    assert_eq!(from_file, embedded);
}
