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
//! This module owns the file format and the `tierzero baseline` command; the suppressor
//! only sees the set of fingerprints.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::{self, ConfigOptions};
use crate::diff::{self, DiffStats};
use crate::error::{Error, Result};
use crate::finding::{Finding, SuppressedBy};
use crate::scan::Scanner;

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
            if !crate::ignore::is_fingerprint(&e.fingerprint) {
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

/// Options of `tierzero baseline`.
#[derive(Clone, Debug, Default)]
pub struct BaselineOptions {
    /// Refresh an existing baseline: add new findings, drop ones that are gone.
    pub update: bool,
    /// Also scan every commit reachable from HEAD.
    pub history: bool,
    /// Configuration choices.
    pub config: ConfigOptions,
}

/// What `tierzero baseline` did.
#[derive(Debug)]
pub struct Outcome {
    /// The file written.
    pub path: PathBuf,
    /// Fingerprints in the new baseline.
    pub entries: usize,
    /// Findings (occurrences) they stand for.
    pub occurrences: u64,
    /// Fingerprints added relative to the previous baseline.
    pub added: usize,
    /// Fingerprints dropped because they no longer occur.
    pub dropped: usize,
    /// Commits scanned in history mode.
    pub commits: u64,
    /// Files scanned.
    pub stats: DiffStats,
}

/// `tierzero baseline`: scans HEAD's tree (and optionally history) and writes the
/// baseline. Refuses to replace an existing baseline unless `update` is set.
pub fn run(opts: &BaselineOptions) -> Result<Outcome> {
    let repo = diff::open_repository()?;
    let root = repo.workdir().map(Path::to_path_buf).ok_or_else(|| {
        Error::Usage("a baseline lives in the working tree: this repository is bare".into())
    })?;
    let path = root.join(FILE_NAME);
    let previous = Baseline::load(&path)?;
    if previous.is_some() && !opts.update {
        return Err(Error::Usage(format!(
            "{} already exists: run `tierzero baseline --update` to refresh it",
            path.display()
        )));
    }
    let mut loaded = config::load(Some(&root), &opts.config)?;
    // The old baseline must not hide what it is being rebuilt from.
    loaded.suppressor.baseline.clear();
    let head = diff::head_tree(&repo)?.ok_or_else(|| {
        Error::Usage("HEAD has no commit yet: there is nothing to baseline".into())
    })?;

    let mut stats = DiffStats::default();
    let mut scanner = Scanner::new(&loaded.rules, &loaded.suppressor, false);
    let everything = diff::tree_diff(&repo, None, &head)?;
    diff::for_each_changed_file(&repo, &everything, &mut stats, |file| {
        scanner.scan_file(file)
    })?;
    let mut commits = 0;
    if opts.history {
        let mut walk = repo.revwalk().map_err(Error::git("walking history"))?;
        walk.push_head()
            .map_err(Error::git("walking history from HEAD"))?;
        for oid in walk {
            let oid = oid.map_err(Error::git("walking history"))?;
            let commit = repo
                .find_commit(oid)
                .map_err(Error::git(format!("reading commit {oid}")))?;
            let tree = commit
                .tree()
                .map_err(Error::git(format!("reading the tree of {oid}")))?;
            let parent = match commit.parent(0) {
                Ok(p) => Some(
                    p.tree()
                        .map_err(Error::git(format!("reading the parent of {oid}")))?,
                ),
                Err(_) => None,
            };
            let change = diff::tree_diff(&repo, parent.as_ref(), &tree)?;
            let mut ignored = DiffStats::default();
            diff::for_each_changed_file(&repo, &change, &mut ignored, |file| {
                scanner.scan_file(file)
            })?;
            commits += 1;
        }
    }
    let findings = scanner.into_findings();
    debug_assert!(findings
        .iter()
        .all(|f| f.suppressed_by != Some(SuppressedBy::Baseline)));
    let scope = if opts.history { "head+history" } else { "head" };
    let baseline = Baseline::from_findings(scope, &findings);
    let old: BTreeSet<&String> = previous.iter().flat_map(|b| b.entries.keys()).collect();
    let added = baseline
        .entries
        .keys()
        .filter(|fp| !old.contains(fp))
        .count();
    let dropped = old
        .iter()
        .filter(|fp| !baseline.entries.contains_key(**fp))
        .count();
    std::fs::write(&path, baseline.to_json()).map_err(Error::io(&path))?;
    Ok(Outcome {
        path,
        entries: baseline.entries.len(),
        occurrences: baseline.entries.values().map(|e| e.count).sum(),
        added,
        dropped,
        commits,
        stats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Remediation;

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
