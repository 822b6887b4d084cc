//! `.tierzero-baseline.json`: the findings a repository already had when it adopted
//! tierzero, so the hook can be turned on without first fixing history.
//!
//! The baseline is made by scanning every file of HEAD's tree as if all of it were added
//! (and, with `--history`, every commit's added lines). It stores, per content fingerprint,
//! the rule id, the paths and the number of occurrences — never a secret and never a
//! preview. Entries are sorted by fingerprint and the file carries no timestamp, so the same
//! repository always yields the same bytes and the file merges cleanly. A finding whose
//! fingerprint is in the baseline is suppressed; a new secret, even on a baselined line,
//! has a different fingerprint and is reported.
//!
//! This module owns the file format only: `commands::baseline` makes one, the suppressor
//! only sees the set of fingerprints.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::report::finding::Finding;

/// The file name, at the repository root.
pub const FILE_NAME: &str = ".tierzero-baseline.json";

/// The format version written and understood.
const VERSION: u32 = 1;

/// One baselined secret, identified only by its fingerprint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Hash of rule id and secret.
    pub fingerprint: String,
    /// The rule that found it.
    pub rule_id: String,
    /// Where it occurs, sorted.
    pub paths: Vec<String>,
    /// How many times it was found.
    pub count: u64,
}

/// The on-disk document.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    version: u32,
    /// `head` or `head+history`: what the last run scanned.
    scope: String,
    findings: Vec<Entry>,
}

/// A baseline in memory, keyed by fingerprint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    /// `head` or `head+history`.
    pub scope: String,
    /// Entries by fingerprint.
    pub entries: BTreeMap<String, Entry>,
}

impl Baseline {
    /// Builds a baseline from findings (suppressed ones are left out: they are already
    /// silenced by something a reviewer can see).
    pub fn from_findings<'a>(
        scope: &str,
        findings: impl IntoIterator<Item = &'a Finding>,
    ) -> Baseline {
        let mut paths: BTreeMap<String, (String, BTreeSet<String>, u64)> = BTreeMap::new();
        for f in findings {
            if f.suppressed_by.is_some() {
                continue;
            }
            let e = paths
                .entry(f.fingerprint.clone())
                .or_insert_with(|| (f.rule_id.clone(), BTreeSet::new(), 0));
            e.1.insert(f.path.clone());
            e.2 += 1;
        }
        Baseline {
            scope: scope.to_string(),
            entries: paths
                .into_iter()
                .map(|(fp, (rule_id, paths, count))| {
                    let entry = Entry {
                        fingerprint: fp.clone(),
                        rule_id,
                        paths: paths.into_iter().collect(),
                        count,
                    };
                    (fp, entry)
                })
                .collect(),
        }
    }

    /// The fingerprints, for the suppressor.
    pub fn fingerprints(&self) -> HashSet<String> {
        self.entries.keys().cloned().collect()
    }

    /// The file's bytes: pretty JSON, entries sorted by fingerprint, trailing newline.
    pub fn to_json(&self) -> String {
        let doc = Document {
            version: VERSION,
            scope: self.scope.clone(),
            findings: self.entries.values().cloned().collect(),
        };
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Parses the file's text. Malformed content is an error (tierzero fails closed); the
    /// message never echoes the content.
    pub fn parse(text: &str, origin: &str) -> Result<Baseline> {
        let doc: Document = serde_json::from_str(text).map_err(|e| Error::Config {
            origin: format!("{origin}:{}", e.line()),
            message: format!(
                "not a tierzero baseline ({:?} error); regenerate it with `tierzero baseline`",
                e.classify()
            ),
        })?;
        if doc.version != VERSION {
            return Err(Error::Config {
                origin: origin.to_string(),
                message: format!(
                    "baseline version {} is not supported (expected {VERSION})",
                    doc.version
                ),
            });
        }
        let mut entries = BTreeMap::new();
        for (i, e) in doc.findings.into_iter().enumerate() {
            if !crate::policy::ignore::is_fingerprint(&e.fingerprint) {
                return Err(Error::Config {
                    origin: origin.to_string(),
                    message: format!(
                        "findings[{i}].fingerprint is not a fingerprint (32 lowercase hex digits)"
                    ),
                });
            }
            entries.insert(e.fingerprint.clone(), e);
        }
        Ok(Baseline {
            scope: doc.scope,
            entries,
        })
    }

    /// Reads the baseline at `path`; `Ok(None)` when there is none.
    pub fn load(path: &Path) -> Result<Option<Baseline>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Baseline::parse(&text, &path.display().to_string()).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::finding::Remediation;

    fn finding(rule: &str, fp: &str, path: &str) -> Finding {
        Finding {
            rule_id: rule.into(),
            description: String::new(),
            name: None,
            path: path.into(),
            line: 1,
            column: 1,
            preview: "sk-…".into(),
            secret_length: 40,
            fingerprint: fp.into(),
            remediation: Remediation::default(),
            commit: None,
            suppressed_by: None,
        }
    }

    #[test]
    fn sorted_stable_and_round_trips() {
        let a = "a".repeat(32);
        let b = "b".repeat(32);
        let fs = [
            finding("r", &b, "z.py"),
            finding("r", &a, "y.py"),
            finding("r", &b, "a.py"),
        ];
        let one = Baseline::from_findings("head", &fs);
        let two = Baseline::from_findings("head", fs.iter().rev());
        assert_eq!(one.to_json(), two.to_json());
        let text = one.to_json();
        assert!(text.find(&a).unwrap() < text.find(&b).unwrap());
        assert!(!text.contains("sk-"));
        let back = Baseline::parse(&text, "f").unwrap();
        assert_eq!(back, one);
        assert_eq!(back.entries[&b].paths, vec!["a.py", "z.py"]);
        assert_eq!(back.entries[&b].count, 2);
    }

    #[test]
    fn malformed_is_an_error() {
        assert!(Baseline::parse("{", "f").is_err());
        let bad = r#"{"version":1,"scope":"head","findings":[{"fingerprint":"sk-secret","rule_id":"r","paths":[],"count":1}]}"#;
        let e = Baseline::parse(bad, "f").unwrap_err().to_string();
        assert!(!e.contains("sk-secret"), "{e}");
    }
}
