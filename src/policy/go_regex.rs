//! Carrying gitleaks' Go (RE2) regexes over to tierzero: translating the few constructs Go
//! accepts and Rust's `regex` does not, and deriving prefilter keywords from the literals
//! every match must contain.
//!
//! Go treats a `{` that does not start a repetition (`{\d+}` in `^\$(?:\d+|{\d+})$`) as a
//! literal; Rust rejects it, so it is escaped. `\Q…\E` quoting is expanded. Everything else
//! RE2 accepts, Rust's `regex` accepts with the same meaning (`\w`, `\d`, `\s` and `\b` are
//! ASCII in both when Unicode is off).
//!
//! Keywords: tierzero runs a rule's regex only on lines holding one of its keywords, so a
//! gitleaks rule without `keywords` needs some. They are read off the parsed regex
//! (`regex-syntax`'s HIR and its literal extractor): a set of literals such that every
//! match contains one of them, lower-cased because the prefilter ignores ASCII case.
//!
//! This module only transforms text; it loads nothing and reports nothing.

use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Class, Hir, HirKind};

/// Translates a Go regex into one Rust's `regex` accepts with the same meaning.
pub fn translate(go: &str) -> String {
    let chars: Vec<char> = go.chars().collect();
    let mut out = String::with_capacity(go.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    let mut in_repetition = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                if chars[i + 1] == 'Q' {
                    // \Q...\E: everything up to \E (or the end) is literal.
                    let mut j = i + 2;
                    while j < chars.len() && !(chars[j] == '\\' && chars.get(j + 1) == Some(&'E')) {
                        out.push_str(&regex_syntax::escape(&chars[j].to_string()));
                        j += 1;
                    }
                    i = (j + 2).min(chars.len());
                    continue;
                }
                out.push(c);
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // A `]` right after `[` or `[^` is a literal member.
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            '[' if in_class => {
                // `[[:alpha:]]`: a POSIX class inside a class.
                if chars.get(i + 1) == Some(&':') {
                    let rest: String = chars[i..].iter().collect();
                    if let Some(end) = rest.find(":]") {
                        out.push_str(&rest[..end + 2]);
                        i += rest[..end + 2].chars().count();
                        continue;
                    }
                }
                out.push_str("\\[");
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '{' if !in_class => {
                let rest: String = chars[i..].iter().collect();
                if is_repetition(&rest) && i > 0 {
                    in_repetition = true;
                    out.push(c);
                } else {
                    out.push_str("\\{");
                }
            }
            '}' if !in_class => {
                // Only a `}` closing a repetition stays bare; Go reads any other as a literal.
                if in_repetition {
                    in_repetition = false;
                    out.push(c);
                } else {
                    out.push_str("\\}");
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Whether `s` (starting at `{`) is a repetition operator: `{n}`, `{n,}` or `{n,m}`.
fn is_repetition(s: &str) -> bool {
    let Some(body) = s[1..].split_once('}').map(|(b, _)| b) else {
        return false;
    };
    let (lo, hi) = match body.split_once(',') {
        Some((lo, hi)) => (lo, Some(hi)),
        None => (body, None),
    };
    !lo.is_empty()
        && lo.chars().all(|c| c.is_ascii_digit())
        && hi.map_or(true, |h| h.chars().all(|c| c.is_ascii_digit()))
}

/// Whether the regex can match across a line break (`[\s\S]`, `(?s)`, `\n`, `[\r\n]`):
/// such a rule must see more than one line.
pub fn spans_lines(re: &str) -> bool {
    re.contains("\\s\\S")
        || re.contains("\\S\\s")
        || re.contains("(?s")
        || re.contains("[\\r\\n]")
        || re.contains("[\\n")
        || re.contains("\\n)")
}

/// Shortest keyword worth a prefilter entry: shorter ones hit on most lines.
const MIN_KEYWORD: usize = 3;
/// More alternatives than this are no longer a useful prefilter.
const MAX_KEYWORDS: usize = 32;

/// Keywords for a regex: lower-cased literals at least one of which every match contains,
/// or why there are none.
pub fn keywords(re: &str) -> Result<Vec<String>, String> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(re)
        .map_err(|e| {
            e.to_string()
                .lines()
                .last()
                .unwrap_or("")
                .trim()
                .to_string()
        })?;
    match required(&hir) {
        Some(set) if !set.is_empty() && set.len() <= MAX_KEYWORDS => {
            let mut set: Vec<String> = set.into_iter().collect();
            set.sort();
            set.dedup();
            // A keyword containing another adds nothing: the shorter one already hits.
            let all = set.clone();
            set.retain(|k| !all.iter().any(|o| o != k && k.contains(o.as_str())));
            Ok(set)
        }
        _ => Err(format!(
            "no literal of {MIN_KEYWORD}+ characters that every match contains"
        )),
    }
}

/// A set of strings every match of `hir` contains one of (each at least
/// [`MIN_KEYWORD`] long), choosing the best such set.
fn required(hir: &Hir) -> Option<Vec<String>> {
    if let Some(set) = exact(hir) {
        if set.iter().all(|s| s.len() >= MIN_KEYWORD) {
            return Some(set);
        }
    }
    match hir.kind() {
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub),
        HirKind::Alternation(alts) => {
            let mut all = Vec::new();
            for alt in alts {
                all.extend(required(alt)?);
            }
            (all.len() <= MAX_KEYWORDS).then_some(all)
        }
        HirKind::Concat(parts) => {
            let mut candidates: Vec<Vec<String>> = Vec::new();
            // Runs of adjacent exactly-known parts join into longer literals.
            let mut run: Option<Vec<String>> = None;
            for part in parts {
                match exact(part) {
                    Some(set) => {
                        run = Some(match run.take() {
                            None => set,
                            Some(prefix) => match cross(&prefix, &set) {
                                Some(joined) => joined,
                                None => {
                                    candidates.push(prefix);
                                    set
                                }
                            },
                        });
                    }
                    None => {
                        candidates.extend(run.take());
                        candidates.extend(required(part));
                    }
                }
            }
            candidates.extend(run);
            candidates
                .into_iter()
                .filter(|set| !set.is_empty() && set.iter().all(|s| s.len() >= MIN_KEYWORD))
                .max_by_key(|set| {
                    let shortest = set.iter().map(String::len).min().unwrap_or(0);
                    (shortest.min(8), std::cmp::Reverse(set.len()))
                })
        }
        _ => {
            // Anything else: whatever the literal extractor proves every match starts with.
            let seq = Extractor::new().kind(ExtractKind::Prefix).extract(hir);
            let lits = seq.literals()?;
            let set: Vec<String> = lits
                .iter()
                .map(|l| String::from_utf8_lossy(l.as_bytes()).to_ascii_lowercase())
                .collect();
            set.iter().all(|s| s.len() >= MIN_KEYWORD).then_some(set)
        }
    }
}

/// Every string `hir` can match, lower-cased, when that is a small set.
fn exact(hir: &Hir) -> Option<Vec<String>> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![String::new()]),
        HirKind::Literal(lit) => {
            let s = std::str::from_utf8(&lit.0).ok()?;
            Some(vec![s.to_ascii_lowercase()])
        }
        HirKind::Class(class) => {
            let mut members: Vec<String> = Vec::new();
            match class {
                Class::Bytes(c) => {
                    for r in c.ranges() {
                        if usize::from(r.end() - r.start()) > 8 {
                            return None;
                        }
                        for b in r.start()..=r.end() {
                            if !b.is_ascii() {
                                return None;
                            }
                            members.push((b as char).to_ascii_lowercase().to_string());
                        }
                    }
                }
                Class::Unicode(c) => {
                    for r in c.ranges() {
                        if (r.end() as u32) - (r.start() as u32) > 8 {
                            return None;
                        }
                        for ch in r.start()..=r.end() {
                            members.push(ch.to_ascii_lowercase().to_string());
                        }
                    }
                }
            }
            members.sort();
            members.dedup();
            (members.len() <= 4).then_some(members)
        }
        HirKind::Capture(c) => exact(&c.sub),
        HirKind::Concat(parts) => {
            let mut acc = vec![String::new()];
            for part in parts {
                acc = cross(&acc, &exact(part)?)?;
            }
            Some(acc)
        }
        HirKind::Alternation(alts) => {
            let mut all = Vec::new();
            for alt in alts {
                all.extend(exact(alt)?);
            }
            all.sort();
            all.dedup();
            (all.len() <= MAX_KEYWORDS).then_some(all)
        }
        HirKind::Repetition(r) => {
            let max = r.max?;
            if max > 4 {
                return None;
            }
            let sub = exact(&r.sub)?;
            let mut all = Vec::new();
            let mut acc = vec![String::new()];
            for n in 0..=max {
                if n >= r.min {
                    all.extend(acc.iter().cloned());
                }
                acc = cross(&acc, &sub)?;
            }
            all.sort();
            all.dedup();
            (all.len() <= MAX_KEYWORDS).then_some(all)
        }
    }
}

/// Every `a` followed by every `b`, when that stays small.
fn cross(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() * b.len() > MAX_KEYWORDS {
        return None;
    }
    let mut out: Vec<String> = a
        .iter()
        .flat_map(|x| b.iter().map(move |y| format!("{x}{y}")))
        .collect();
    out.sort();
    out.dedup();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_only_syntax_is_translated() {
        assert_eq!(translate(r"^\$(?:\d+|{\d+})$"), r"^\$(?:\d+|\{\d+\})$");
        assert_eq!(
            translate(r"^\${(?:[A-Z_]+|[a-z_]+)}$"),
            r"^\$\{(?:[A-Z_]+|[a-z_]+)\}$"
        );
        assert_eq!(translate(r"a{2,5}b{3}"), r"a{2,5}b{3}");
        assert_eq!(translate(r"\Qa.b\E+"), r"a\.b+");
        assert_eq!(translate(r"[^]]+"), r"[^\]]+");
        for re in [
            r"^\$(?:\d+|{\d+})$",
            r"^\{\{[ \t]*[\w ().|]+[ \t]*}}$",
            r"[^]]+",
        ] {
            assert!(crate::rules::compile_regex(&translate(re)).is_ok(), "{re}");
        }
    }

    #[test]
    fn keywords_from_required_literals() {
        assert_eq!(keywords(r"ghp_[0-9a-zA-Z]{36}").unwrap(), vec!["ghp_"]);
        assert_eq!(
            keywords(r"(?i)\b(acme|globex)_[a-z0-9]{32}").unwrap(),
            vec!["acme_", "globex_"]
        );
        assert_eq!(
            keywords(
                r"(?i)[\w.-]{0,50}?(?:adafruit)(?:[ \t\w.-]{0,20})[\s'\x22]{0,3}=([a-z0-9_-]{32})"
            )
            .unwrap(),
            vec!["adafruit"]
        );
        assert_eq!(
            keywords(r"\b((?:A3T[A-Z0-9]|AKIA|ASIA)[A-Z2-7]{16})\b").unwrap(),
            vec!["a3t", "akia", "asia"]
        );
        assert!(keywords(r"[a-f0-9]{32}").is_err());
        assert!(keywords(r"(?i)\b\w{2}\d+").is_err());
    }
}
