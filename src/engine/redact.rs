//! Redaction of tierzero's own messages: an error that quotes a config value, a revision
//! or a command-line argument could quote a key. Every message the binary prints that is
//! not a report (errors, clap's argument errors) goes through [`redact_secrets`], which
//! replaces what the built-in rules find — and any long random-looking token — with the
//! same preview a report shows.

use std::borrow::Cow;

use crate::engine::scanner::{scan_text, Scanner};
use crate::policy::suppress::Suppressor;
use crate::report::finding::redact;
use crate::rules::RuleSet;

/// `text` with every secret-shaped value replaced by its redacted preview.
pub fn redact_secrets(text: &str) -> Cow<'_, str> {
    let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
    if let Ok(rules) = RuleSet::builtin() {
        let nothing = Suppressor::default();
        let mut scanner = Scanner::new(&rules, &nothing);
        if scan_text(&mut scanner, "<message>", text.as_bytes()).is_ok() {
            let line_starts: Vec<usize> = std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect();
            for f in scanner.into_findings() {
                let Some(&start) = line_starts.get(f.line.saturating_sub(1) as usize) else {
                    continue;
                };
                let line = &text[start..];
                let Some((offset, _)) =
                    line.char_indices().nth(f.column.saturating_sub(1) as usize)
                else {
                    continue;
                };
                let from = start + offset;
                let to = (from + f.secret_length).min(text.len());
                if f.secret_length > 0 && text.is_char_boundary(to) {
                    spans.push(from..to);
                }
            }
        }
    }
    spans.extend(random_tokens(text));
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        if span.start < at {
            continue;
        }
        out.push_str(&text[at..span.start]);
        out.push_str(&redact(text[span.clone()].as_bytes()));
        at = span.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// Tokens of key characters with a run of 16 or more between `/` and `.` that mixes upper
/// case, lower case and digits: what a key looks like whatever its provider, and what no
/// path (temporary directories have six random characters), rule id, commit id
/// (lower-case hex) or English word does.
fn random_tokens(text: &str) -> Vec<std::ops::Range<usize>> {
    let is_key_char = |c: char| c.is_ascii_alphanumeric() || "+/=_-.".contains(c);
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (is_key_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let token = &text[s..i];
                let random = |run: &str| {
                    run.len() >= 16
                        && run.bytes().any(|b| b.is_ascii_uppercase())
                        && run.bytes().any(|b| b.is_ascii_lowercase())
                        && run.bytes().any(|b| b.is_ascii_digit())
                };
                if token.split(['/', '.']).any(random) {
                    out.push(s..i);
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_in_messages_are_cut_to_the_preview() {
        let key = format!(
            "sk-proj-{}T3BlbkFJ{}",
            "Ab3dE5fG7hJ9kL1mN3pQ5r", "S7tU9vW1xY3zA5bC7dE9f"
        ); // tierzero:allow
        let message = format!("config: key `disable[0]`: unknown rule id \"{key}\"");
        let out = redact_secrets(&message);
        assert!(!out.contains(&key), "{out}");
        assert!(out.contains("unknown rule id \"sk-proj"), "{out}");
        // Ordinary messages are untouched.
        let plain = "git: reading commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904: not found";
        assert_eq!(redact_secrets(plain), plain);
        assert_eq!(
            redact_secrets("src/engine/driver.rs:12"),
            "src/engine/driver.rs:12"
        );
        let tmp = "/tmp/.tmpdQzx56/r/.tierzero.toml:2: key `allowlist`: unknown key";
        assert_eq!(redact_secrets(tmp), tmp);
        let aws = "secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY1 here"; // tierzero:allow
        assert!(!redact_secrets(aws).contains("bPxRfiCYzEXAMPLEKEY1"));
    }
}
