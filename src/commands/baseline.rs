//! `tierzero baseline`: scans every file of HEAD (and, with `--history`, every commit
//! reachable from it) through the one driver and writes `.tierzero-baseline.json`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::commands::console::{Console, Outcome};
use crate::commands::scan::drive;
use crate::engine::driver::Stats;
use crate::error::{Error, Result};
use crate::input::Origin;
use crate::policy::baseline::{Baseline, FILE_NAME};
use crate::policy::config::{self, ConfigOptions};
use crate::report::finding::SuppressedBy;
use crate::source::commits::{self, CommitSource, Merges};
use crate::source::repo::open_repository;
use crate::source::staged;

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
pub struct Written {
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
    /// Files scanned in HEAD.
    pub stats: Stats,
}

/// Runs `tierzero baseline` and prints what it wrote.
pub fn run(opts: &BaselineOptions, console: &mut Console<'_>) -> Result<Outcome> {
    let written = write(opts)?;
    console.print(&format!(
        "tierzero: wrote {}: {} fingerprint(s) for {} finding(s) in {} file(s){}; {} added, {} dropped\n",
        written.path.display(),
        written.entries,
        written.occurrences,
        written.stats.files,
        if opts.history {
            format!(" and {} commit(s)", written.commits)
        } else {
            String::new()
        },
        written.added,
        written.dropped
    ))?;
    Ok(Outcome::Clean)
}

/// Scans HEAD's tree (and optionally history) and writes the baseline. Refuses to replace
/// an existing baseline unless `update` is set.
pub fn write(opts: &BaselineOptions) -> Result<Written> {
    let repo = open_repository()?;
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
    let history = if opts.history {
        commits::reachable_from_head(&repo)?
    } else {
        Vec::new()
    };
    let git_dir = repo.path().to_path_buf();
    let (source, jobs, reader) = staged::head_listing(repo, Origin::Tree)?.ok_or_else(|| {
        Error::Usage("HEAD has no commit yet: there is nothing to baseline".into())
    })?;
    let head = drive(&loaded, &source, &jobs, reader)?;
    let mut findings = head.findings;
    let mut commits = 0;
    if opts.history {
        let repo = commits::open_git_dir(&git_dir)?;
        let (source, jobs, reader) =
            CommitSource::new(repo, history, Vec::new(), Merges::FirstParent);
        let scan = drive(&loaded, &source, &jobs, reader)?;
        commits = scan.stats.commits;
        findings.extend(scan.findings);
    }
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
    Ok(Written {
        path,
        entries: baseline.entries.len(),
        occurrences: baseline.entries.values().map(|e| e.count).sum(),
        added,
        dropped,
        commits,
        stats: head.stats,
    })
}
