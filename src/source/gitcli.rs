//! The staged change read through the git command line, for the layouts libgit2 cannot
//! open: SHA-256 repositories, split indexes (`core.splitIndex`) and sparse indexes
//! (`sparse-checkout --sparse-index`). `git diff-index --cached -z -M` lists what the commit
//! changes and one `git cat-file --batch` process per reader hands over the blobs, so the
//! fast path (our own index reader) stays the common one and these layouts still scan
//! correctly instead of refusing every commit.
//!
//! Merge resolutions are not narrowed here: a merge being concluded is scanned against
//! HEAD, everything it brings in (more findings, never fewer).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use crate::error::{Error, Result};
use crate::input::{Content, Origin, PassedOver, Reader, Sink, SkipReason, Source, Unit};
use crate::source::blob::added_hunks;
use crate::source::decode::{lfs_object, prepare, Prepared};

/// Whether an error opening or reading a repository through libgit2 is one of the layouts
/// the git command line reads instead.
pub fn is_unsupported_layout(e: &Error) -> bool {
    let text = e.to_string();
    text.contains("unknown object format")
        || text.contains("index is split")
        || text.contains("'link'")
        || text.contains("'sdir'")
        || text.contains("sparse")
}

/// One changed entry, as `git diff-index` lists it (object ids in hex, any length).
#[derive(Clone, Debug)]
pub struct CliEntry {
    path: Vec<u8>,
    new_id: String,
    /// The blob to diff against (a modified or renamed regular file).
    old_id: Option<String>,
    added: bool,
    mode: u32,
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::Usage(format!("running git {}: {e}", args.join(" "))))?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out.stdout)
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).trim().to_string()
}

/// The staged change of the repository around `dir`, listed by git.
pub struct CliListing {
    /// The working tree's root.
    pub workdir: PathBuf,
    /// Whether HEAD is unborn.
    pub first_commit: bool,
    /// The entries.
    pub jobs: Vec<CliEntry>,
    /// Readers for every thread.
    pub source: CliSource,
}

/// Lists the staged change with `git diff-index --cached`.
pub fn list(dir: &Path) -> Result<CliListing> {
    let workdir = PathBuf::from(text(git(dir, &["rev-parse", "--show-toplevel"])?));
    let common = PathBuf::from(text(git(
        dir,
        &["rev-parse", "--path-format=absolute", "--git-common-dir"],
    )?));
    let head = git(dir, &["rev-parse", "--verify", "-q", "HEAD^{tree}"]).ok();
    let first_commit = head.is_none();
    let base = match head {
        Some(tree) => text(tree),
        // The empty tree of this repository's object format.
        None => {
            let mut child = Command::new("git")
                .args(["hash-object", "-t", "tree", "--stdin"])
                .current_dir(dir)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .spawn()
                .map_err(|e| Error::Usage(format!("running git hash-object: {e}")))?;
            let mut out = String::new();
            if let Some(mut stdout) = child.stdout.take() {
                stdout
                    .read_to_string(&mut out)
                    .map_err(Error::io("git hash-object"))?;
            }
            let _ = child.wait();
            out.trim().to_string()
        }
    };
    let raw = git(
        dir,
        &["diff-index", "--cached", "-z", "-M", "--no-ext-diff", &base],
    )?;
    let mut jobs = Vec::new();
    let mut fields = raw.split(|&b| b == 0).filter(|f| !f.is_empty());
    while let Some(meta) = fields.next() {
        let meta = String::from_utf8_lossy(meta);
        let parts: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
        let [old_mode, new_mode, old_id, new_id, status] = parts[..] else {
            return Err(Error::Usage(format!(
                "unexpected git diff-index output: {meta:?}"
            )));
        };
        let renamed = status.starts_with('R') || status.starts_with('C');
        if renamed {
            fields.next(); // the source path
        }
        let Some(path) = fields.next() else { break };
        let (Ok(old_mode), Ok(new_mode)) = (
            u32::from_str_radix(old_mode, 8),
            u32::from_str_radix(new_mode, 8),
        ) else {
            continue;
        };
        if status.starts_with('D') {
            continue;
        }
        let is_file = |m: u32| m & 0o170000 == 0o100000;
        let same_content = old_id == new_id && is_file(old_mode) == is_file(new_mode);
        if !status.starts_with('A') && same_content {
            continue;
        }
        jobs.push(CliEntry {
            path: path.to_vec(),
            new_id: new_id.to_string(),
            old_id: (is_file(old_mode) && !status.starts_with('A') && is_file(new_mode))
                .then(|| old_id.to_string()),
            added: status.starts_with('A'),
            mode: new_mode,
        });
    }
    let lfs_storage = git(dir, &["config", "--path", "lfs.storage"])
        .ok()
        .map(text)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let p = PathBuf::from(s);
            if p.is_relative() {
                common.join(p)
            } else {
                p
            }
        });
    Ok(CliListing {
        source: CliSource {
            dir: workdir.clone(),
            common,
            lfs_storage,
        },
        workdir,
        first_commit,
        jobs,
    })
}

/// Opens `git cat-file --batch` readers.
pub struct CliSource {
    dir: PathBuf,
    common: PathBuf,
    lfs_storage: Option<PathBuf>,
}

impl Source for CliSource {
    type Reader = CliReader;
    fn reader(&self) -> Result<CliReader> {
        let mut child = Command::new("git")
            .args(["cat-file", "--batch"])
            .current_dir(&self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Error::Usage(format!("running git cat-file: {e}")))?;
        let (Some(input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(Error::Internal("git cat-file without pipes".into()));
        };
        Ok(CliReader {
            child,
            input,
            output: BufReader::new(output),
            common: self.common.clone(),
            lfs_storage: self.lfs_storage.clone(),
        })
    }
}

/// Reads blobs through one `git cat-file --batch` process.
pub struct CliReader {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    common: PathBuf,
    lfs_storage: Option<PathBuf>,
}

impl Drop for CliReader {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl CliReader {
    fn blob(&mut self, id: &str) -> Result<Vec<u8>> {
        let io = |e: std::io::Error| Error::Usage(format!("git cat-file: {e}"));
        writeln!(self.input, "{id}").map_err(io)?;
        self.input.flush().map_err(io)?;
        let mut header = String::new();
        self.output.read_line(&mut header).map_err(io)?;
        let size: usize = header
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                Error::Usage(format!("git cat-file: cannot read {id}: {}", header.trim()))
            })?;
        let mut content = vec![0; size + 1];
        self.output.read_exact(&mut content).map_err(io)?;
        content.pop(); // the newline after the content
        Ok(content)
    }
}

impl CliEntry {
    /// The repository-relative path.
    pub fn path(&self) -> &[u8] {
        &self.path
    }
}

impl Reader for CliReader {
    type Job = CliEntry;

    fn read(&mut self, entry: &CliEntry, sink: &mut dyn Sink) -> Result<()> {
        let path = entry.path.as_slice();
        let origin = Origin::Staged;
        match entry.mode & 0o170000 {
            0o100000 => {}
            0o120000 => {
                let target = self.blob(&entry.new_id)?;
                return sink.unit(Unit {
                    path,
                    content: Content::LinkTarget(&target),
                    origin,
                });
            }
            _ => {
                sink.passed_over(PassedOver::Submodule);
                return Ok(());
            }
        }
        let mut content = self.blob(&entry.new_id)?;
        let mut from_lfs = false;
        if let Some(object) = lfs_object(&self.common, self.lfs_storage.as_deref(), &content) {
            match std::fs::read(&object) {
                Ok(bytes) => {
                    content = bytes;
                    from_lfs = true;
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return sink.unit(Unit {
                        path,
                        content: Content::Skipped(SkipReason::LfsObjectMissing),
                        origin,
                    });
                }
                Err(e) => return Err(Error::io(object)(e)),
            }
        }
        let new = prepare(&content);
        if matches!(new, Prepared::Binary) {
            return sink.unit(Unit {
                path,
                content: Content::Skipped(SkipReason::Binary),
                origin,
            });
        }
        let old = match entry.old_id.as_deref().filter(|_| !from_lfs) {
            Some(id) => self.blob(id)?,
            None => Vec::new(),
        };
        let text = new.bytes();
        let hunks = added_hunks(prepare(&old).bytes(), text);
        if hunks.is_empty() && !entry.added {
            return Ok(());
        }
        let content = new.content(&hunks);
        sink.unit(Unit {
            path,
            content,
            origin,
        })
    }
}
