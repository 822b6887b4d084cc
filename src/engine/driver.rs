//! The one driver: runs any source's jobs through the scanner (and so the policy), on the
//! calling thread or on every core, and hands back one [`Scan`] with findings in a
//! deterministic order, counts summed once and duplicates dropped once.
//!
//! Scanning starts on the calling thread with the reader the source opened while listing
//! its jobs; once it has scanned [`PARALLEL_AFTER_BYTES`] and jobs remain, one helper per
//! further core joins in, each with its own reader (repository handle) and scanner. A
//! typical commit never pays for a thread or a second repository handle; a big change or a
//! history uses every core. Results are tagged with their job's position and re-ordered, so
//! output never depends on the thread schedule.
//!
//! It knows nothing about git or the report: sources describe themselves through
//! [`crate::input`], and the caller turns the [`Scan`] into a report.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::engine::scanner::Scanner;
use crate::error::{Error, Result};
use crate::input::{
    count_lines, CommitInfo, Content, Origin, PassedOver, Reader, Recovered, Sink, Skipped, Source,
    Unit,
};
use crate::policy::suppress::Suppressor;
use crate::report::finding::Finding;
use crate::rules::RuleSet;

/// Bytes of added lines the calling thread scans before helper threads join in.
pub const PARALLEL_AFTER_BYTES: u64 = 256 << 10;

/// What a scan saw, summed over every worker.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Units whose content was scanned.
    pub files: u64,
    /// Added lines scanned.
    pub added_lines: u64,
    /// Bytes of added lines scanned.
    pub added_bytes: u64,
    /// Commit and tag messages scanned.
    pub messages: u64,
    /// Commits walked.
    pub commits: u64,
    /// Submodules passed over.
    pub submodules: u64,
    /// Symbolic links (their targets are scanned as text).
    pub symlinks: u64,
    /// Merge commits not diffed.
    pub merges_skipped: u64,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        self.files += o.files;
        self.added_lines += o.added_lines;
        self.added_bytes += o.added_bytes;
        self.commits += o.commits;
        self.messages += o.messages;
        self.submodules += o.submodules;
        self.symlinks += o.symlinks;
        self.merges_skipped += o.merges_skipped;
    }
}

/// The result of running a source.
#[derive(Debug, Default)]
pub struct Scan {
    /// Findings in job order, suppressed ones included (marked); a secret already reported
    /// at the same path by an earlier job is not repeated.
    pub findings: Vec<Finding>,
    /// Counts.
    pub stats: Stats,
    /// Units whose content was not scanned, in job order.
    pub skipped: Vec<Skipped>,
    /// Paths whose content was scanned, in job order.
    pub scanned_paths: Vec<String>,
    /// Units whose text was recovered (decoded, a binary's printable runs), in job order.
    pub recovered: Vec<Recovered>,
}

/// Where the jobs run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    /// On the calling thread only.
    One,
    /// On the calling thread, with helpers once the scan is big (see the module docs).
    Adaptive,
}

/// The rules and the suppression policy a scan applies.
#[derive(Clone, Copy)]
pub struct Engine<'a> {
    /// The rules.
    pub rules: &'a RuleSet,
    /// Inline allows, allowlists, ignore file and baseline.
    pub suppressor: &'a Suppressor,
}

/// What one job produced, tagged with its position.
struct JobOutput {
    job: usize,
    /// Findings with the commit (of the source's numbering) they belong to.
    findings: Vec<(Option<u32>, Finding)>,
    skipped: Vec<Skipped>,
    scanned: Vec<String>,
    recovered: Vec<Recovered>,
}

/// One worker's state: its scanner and what it has produced.
struct Worker<'a> {
    scanner: Scanner<'a>,
    stats: Stats,
    current: JobOutput,
    done: Vec<JobOutput>,
}

impl Sink for Worker<'_> {
    fn unit(&mut self, unit: Unit<'_>) -> Result<()> {
        self.scanner.scan_unit(&unit)?;
        let path = || self.scanner.display_path().to_string();
        let is_message = matches!(unit.origin, Origin::CommitMessage(_));
        match unit.content {
            Content::Text { hunks, .. } if is_message => {
                self.stats.messages += 1;
                for h in hunks {
                    self.stats.added_bytes += (h.bytes.end - h.bytes.start) as u64;
                }
            }
            Content::Text { bytes, hunks } | Content::Decoded { bytes, hunks, .. } => {
                self.stats.files += 1;
                for h in hunks {
                    let added = &bytes[h.bytes.clone()];
                    self.stats.added_lines += count_lines(added);
                    self.stats.added_bytes += added.len() as u64;
                }
                self.current.scanned.push(path());
                if let Content::Decoded { from, .. } = unit.content {
                    self.current.recovered.push(Recovered {
                        path: path(),
                        how: from,
                    });
                }
            }
            Content::LinkTarget(target) => {
                self.stats.symlinks += 1;
                self.stats.added_bytes += target.len() as u64;
            }
            Content::Skipped(reason) => self.current.skipped.push(Skipped {
                path: path(),
                reason,
            }),
            Content::PathOnly => {}
        }
        let commit = match unit.origin {
            Origin::Commit(n) | Origin::CommitMessage(n) => Some(n),
            _ => None,
        };
        self.current.findings.extend(
            self.scanner
                .take_findings()
                .into_iter()
                .map(|f| (commit, f)),
        );
        Ok(())
    }

    fn passed_over(&mut self, what: PassedOver) {
        match what {
            PassedOver::Submodule => self.stats.submodules += 1,
            PassedOver::Symlink => self.stats.symlinks += 1,
            PassedOver::MergeCommit => self.stats.merges_skipped += 1,
        }
    }

    fn commit(&mut self) {
        self.stats.commits += 1;
    }
}

impl<'a> Worker<'a> {
    fn new(engine: Engine<'a>) -> Worker<'a> {
        Worker {
            scanner: Scanner::new(engine.rules, engine.suppressor),
            stats: Stats::default(),
            current: JobOutput {
                job: 0,
                findings: Vec::new(),
                skipped: Vec::new(),
                scanned: Vec::new(),
                recovered: Vec::new(),
            },
            done: Vec::new(),
        }
    }

    /// Takes jobs from the shared counter until none are left; calls `after_each` with the
    /// bytes scanned so far and the job's position.
    fn drain<R: Reader>(
        &mut self,
        reader: &mut R,
        jobs: &[R::Job],
        next: &AtomicUsize,
        progress: Option<&(dyn Fn(usize) + Sync)>,
        mut after_each: impl FnMut(u64, usize),
    ) -> Result<()> {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(job) = jobs.get(i) else {
                return Ok(());
            };
            self.current.job = i;
            if let Err(e) = reader.read(job, self) {
                // Stop the other threads too: the scan has failed.
                next.store(jobs.len(), Ordering::Relaxed);
                return Err(e);
            }
            let finished = JobOutput {
                job: i,
                findings: std::mem::take(&mut self.current.findings),
                skipped: std::mem::take(&mut self.current.skipped),
                scanned: std::mem::take(&mut self.current.scanned),
                recovered: std::mem::take(&mut self.current.recovered),
            };
            if !(finished.findings.is_empty()
                && finished.skipped.is_empty()
                && finished.scanned.is_empty()
                && finished.recovered.is_empty())
            {
                self.done.push(finished);
            }
            if let Some(progress) = progress {
                progress(1);
            }
            after_each(self.stats.added_bytes, i);
        }
    }
}

/// Runs `jobs` of `source`, starting with `first` (the reader the source opened while
/// listing them) on the calling thread. `progress`, when given, is called once per job done.
pub fn run<S: Source>(
    engine: Engine<'_>,
    source: &S,
    jobs: &[<S::Reader as Reader>::Job],
    mut first: S::Reader,
    threads: Threads,
    progress: Option<&(dyn Fn(usize) + Sync)>,
) -> Result<Scan> {
    let cores = match threads {
        Threads::One => 1,
        Threads::Adaptive => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let next = AtomicUsize::new(0);
    let helper = || -> Result<(Stats, Vec<JobOutput>)> {
        let mut reader = source.reader()?;
        let mut worker = Worker::new(engine);
        worker.drain(&mut reader, jobs, &next, progress, |_, _| {})?;
        Ok((worker.stats, worker.done))
    };
    let (own, helpers) = std::thread::scope(|s| {
        let mut handles = Vec::new();
        let mut worker = Worker::new(engine);
        let own = worker
            .drain(&mut first, jobs, &next, progress, |bytes, i| {
                if handles.is_empty()
                    && cores > 1
                    && bytes >= PARALLEL_AFTER_BYTES
                    && i + 2 < jobs.len()
                {
                    handles = (1..cores).map(|_| s.spawn(helper)).collect();
                }
            })
            .map(|()| (worker.stats, worker.done));
        let helpers: Vec<_> = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::Internal("a scan thread panicked".into())))
            })
            .collect();
        (own, helpers)
    });
    let (mut stats, mut outputs) = own?;
    for result in helpers {
        let (helper_stats, done) = result?;
        stats.add(&helper_stats);
        outputs.extend(done);
    }
    outputs.sort_by_key(|o| o.job);
    assemble(stats, outputs, &mut first)
}

/// Puts job outputs (in job order) together: a secret reported at a path by an earlier job
/// (an older commit, or the same blob at the same path) is dropped from later ones, and
/// findings of commits get their commit's description.
fn assemble<R: Reader>(stats: Stats, outputs: Vec<JobOutput>, reader: &mut R) -> Result<Scan> {
    let mut scan = Scan {
        stats,
        ..Default::default()
    };
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut commits: HashMap<u32, Option<CommitInfo>> = HashMap::new();
    for output in outputs {
        let fresh: Vec<(Option<u32>, Finding)> = output
            .findings
            .into_iter()
            .filter(|(_, f)| !seen.contains(&(f.path.clone(), f.fingerprint.clone())))
            .collect();
        for (commit, mut f) in fresh {
            seen.insert((f.path.clone(), f.fingerprint.clone()));
            if let Some(n) = commit {
                let info = match commits.entry(n) {
                    std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(reader.commit_info(n)?)
                    }
                };
                f.commit = info.clone();
            }
            scan.findings.push(f);
        }
        scan.skipped.extend(output.skipped);
        scan.scanned_paths.extend(output.scanned);
        scan.recovered.extend(output.recovered);
    }
    Ok(scan)
}
