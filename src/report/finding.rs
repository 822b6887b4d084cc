//! The one finding type every report renders, and the two functions that make a secret safe
//! to keep in it: a redacted preview and a content fingerprint.
//!
//! A `Finding` never holds the secret. It is built from the secret in `scan` and from then on
//! only the preview (a few leading characters) and the fingerprint (a SHA-256 hash) travel.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Why a finding was not reported, when it was suppressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressedBy {
    /// A `tierzero:allow` comment (or a compatible annotation) on or above the line.
    Inline,
    /// The fingerprint is listed in `.tierzero-ignore`.
    IgnoreFile,
    /// The fingerprint is in `.tierzero-baseline.json`.
    Baseline,
    /// A configured allowlist (path, regex or stopword).
    Allowlist,
    /// One of a configured rule's own `examples`, in the configuration file that defines
    /// it: test data, not a credential (so a `.tierzero.toml` can be committed).
    ConfigExample,
    /// The value as a whole is a placeholder or a documented example (`sk-xxxx…`,
    /// `${OPENAI_API_KEY}`, `AKIAIOSFODNN7EXAMPLE`).
    Placeholder,
}

impl SuppressedBy {
    /// Why the finding is not reported, in words.
    pub fn reason(self) -> &'static str {
        match self {
            SuppressedBy::Inline => "a tierzero:allow annotation on or above the line",
            SuppressedBy::IgnoreFile => "its fingerprint is listed in .tierzero-ignore",
            SuppressedBy::Baseline => "its fingerprint is in the baseline",
            SuppressedBy::Allowlist => "a configured allowlist",
            SuppressedBy::ConfigExample => {
                "a rule's example in the configuration file that defines the rule"
            }
            SuppressedBy::Placeholder => "the value is a placeholder or a documented example",
        }
    }
}

/// What to do about a finding, as the rule knows it. What to run to take it out of a
/// commit depends on how it was found; the report adds that.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Remediation {
    /// Where the value should live instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env_var: Option<String>,
    /// Where to rotate or revoke the credential.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotate_url: Option<String>,
    /// How to drop long-lived keys altogether.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyless: Option<String>,
}

pub use crate::input::CommitInfo;

/// One detected secret, redacted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The rule that found it.
    pub rule_id: String,
    /// The rule's description.
    pub description: String,
    /// The rule's short name for the terminal report (machine formats carry the
    /// description and id instead).
    #[serde(skip)]
    pub name: Option<String>,
    /// Repository-relative path, `/`-separated, unquoted.
    pub path: String,
    /// 1-based line number on the new side.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// A few leading characters of the secret followed by `…`.
    pub preview: String,
    /// Length of the secret in bytes.
    pub secret_length: usize,
    /// A hash of rule id and secret; stable across line moves.
    pub fingerprint: String,
    /// What to do now.
    pub remediation: Remediation,
    /// The commit that introduced it, for range and history scans.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitInfo>,
    /// Set when the finding was suppressed and is shown only for auditing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed_by: Option<SuppressedBy>,
}

/// Number of leading bytes of a secret that may be shown: about a sixth of it, at most 10,
/// so that a preview identifies the kind of key without ever being usable.
pub fn preview_len(secret_len: usize) -> usize {
    (secret_len / 6).min(10)
}

/// The redacted preview of `secret`: its first few characters and an ellipsis. Leading
/// whitespace is skipped and control characters are shown as `·`, so a multi-line secret
/// (a PEM body) keeps the report on one line.
pub fn redact(secret: &[u8]) -> String {
    let start = secret
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(secret.len());
    let visible = &secret[start..];
    let mut keep = preview_len(secret.len()).min(visible.len());
    // Never cut a UTF-8 sequence in half: back off to a character boundary.
    while keep > 0 && keep < visible.len() && (visible[keep] & 0xC0) == 0x80 {
        keep -= 1;
    }
    let mut out: String = String::from_utf8_lossy(&visible[..keep])
        .chars()
        .map(|c| if c.is_control() { '·' } else { c })
        .collect();
    out.push('…');
    out
}

/// The content fingerprint of a secret found by a rule: the first 128 bits of
/// SHA-256(`tierzero:v1` NUL rule id NUL secret), in hex.
pub fn fingerprint(rule_id: &str, secret: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"tierzero:v1\0");
    hasher.update(rule_id.as_bytes());
    hasher.update(b"\0");
    hasher.update(secret);
    let digest = hasher.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_never_shows_most_of_the_secret() {
        for len in 0..300 {
            let secret = vec![b'a'; len];
            let preview = redact(&secret);
            let shown = preview.trim_end_matches('…').len();
            assert!(shown * 6 <= len, "showed {shown} of {len}");
            assert!(shown <= 10);
        }
        assert_eq!(
            redact(b"sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ"),
            "sk-proj-a…"
        );
    }

    #[test]
    fn preview_of_a_multiline_secret_stays_on_one_line() {
        let preview = redact(b"\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n");
        assert!(preview.starts_with("MIIE"), "{preview}");
        assert!(!preview.contains('\n'));
    }

    #[test]
    fn preview_respects_utf8_boundaries() {
        let secret = "ééééééééééééééééé".as_bytes();
        assert!(redact(secret).is_char_boundary(0));
        assert!(std::str::from_utf8(redact(secret).as_bytes()).is_ok());
    }

    #[test]
    fn fingerprint_depends_on_rule_and_secret_only() {
        let a = fingerprint("r", b"secret-one");
        assert_eq!(a.len(), 32);
        assert_eq!(a, fingerprint("r", b"secret-one"));
        assert_ne!(a, fingerprint("r", b"secret-two"));
        assert_ne!(a, fingerprint("q", b"secret-one"));
        assert!(!a.contains("secret"));
    }
}
