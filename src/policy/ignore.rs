//! `.tierzero-ignore`: the fingerprints a team has decided are not secrets.
//!
//! The file sits at the repository root and lists one fingerprint per line; `#` starts a
//! comment (whole-line or after the fingerprint), blank lines are skipped. A fingerprint is a
//! hash of the rule id and the secret (see [`crate::report::finding::fingerprint`]), so an entry
//! keeps working when the line moves or the file is reformatted, and never covers a
//! different secret on the same line. This module reads the file and appends to it; the
//! suppressor decides what a listed fingerprint does.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// The file name, at the repository root.
pub const FILE_NAME: &str = ".tierzero-ignore";

/// Returns true if and only if `s` has the form of a fingerprint: 32 lowercase hex digits.
pub fn is_fingerprint(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Parses the file's text. A line that is not a fingerprint is an error naming the line;
/// the line itself is not repeated, in case someone pasted a secret there.
pub fn parse(text: &str, origin: &str) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let entry = line.split('#').next().unwrap_or("").trim();
        if entry.is_empty() {
            continue;
        }
        if !is_fingerprint(entry) {
            return Err(Error::Config {
                origin: format!("{origin}:{}", i + 1),
                message: "not a fingerprint (expected 32 lowercase hex digits, then an optional `# comment`)"
                    .into(),
            });
        }
        out.insert(entry.to_string());
    }
    Ok(out)
}

/// Reads the ignore file at `path`; `Ok(None)` when there is none.
pub fn load(path: &Path) -> Result<Option<HashSet<String>>> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            parse(&text, &path.display().to_string()).map(Some)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path)(e)),
    }
}

/// What [`append`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Appended {
    /// The line was added.
    Added(String),
    /// The fingerprint was already listed; nothing changed.
    AlreadyListed,
}

/// Appends `<fingerprint>  # <date> <reason>` to the ignore file at `path`, creating it if
/// needed. The reason is folded onto one line.
pub fn append(path: &Path, fingerprint: &str, reason: &str, date: &str) -> Result<Appended> {
    if !is_fingerprint(fingerprint) {
        // The argument is not echoed: it might be the secret itself, pasted by mistake.
        return Err(Error::Usage(
            "that is not a fingerprint: expected 32 lowercase hex digits, as printed after `tierzero ignore` in a report"
                .into(),
        ));
    }
    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    if reason.is_empty() {
        return Err(Error::Usage(
            "--reason must say why this is not a secret (reviewers read it)".into(),
        ));
    }
    let existing = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io(path)(e)),
    };
    if parse(
        &String::from_utf8_lossy(&existing),
        &path.display().to_string(),
    )?
    .contains(fingerprint)
    {
        return Ok(Appended::AlreadyListed);
    }
    let line = format!("{fingerprint}  # {date} {reason}");
    let mut text = String::new();
    if existing.is_empty() {
        text.push_str("# Fingerprints tierzero must not report (`tierzero ignore <fingerprint> --reason ...`).\n");
    } else if existing.last() != Some(&b'\n') {
        text.push('\n');
    }
    text.push_str(&line);
    text.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(Error::io(path))?;
    file.write_all(text.as_bytes()).map_err(Error::io(path))?;
    Ok(Appended::Added(line))
}

pub use crate::util::today_utc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing() {
        let fp = "0123456789abcdef0123456789abcdef";
        let text = format!("# header\n\n{fp}  # 2025-01-01 test key\n");
        assert!(parse(&text, "f").unwrap().contains(fp));
        let e = parse("# x\nsk-live-secretvalue\n", "f")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("f:2:"), "{e}");
        assert!(!e.contains("secretvalue"), "{e}");
        assert!(!is_fingerprint(&fp.to_uppercase()));
        assert!(!is_fingerprint(&fp[1..]));
    }
}
