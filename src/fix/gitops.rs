//! The few index operations `tierzero fix` makes, through git itself so that whatever index
//! format (split, sparse, v4) or worktree layout the repository uses is honoured: pointing
//! index entries at new blobs, removing an entry, asking whether a path is ignored. Blobs
//! are written with libgit2 (a loose object, nothing else changes); the index never is.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// How git is run for one repository.
#[derive(Clone, Debug)]
pub struct Git {
    /// The working tree (the command's directory).
    pub workdir: PathBuf,
    /// The git directory, passed explicitly so a relative `GIT_DIR` cannot mislead.
    pub git_dir: PathBuf,
    /// An absolute `GIT_INDEX_FILE`, when one is in effect.
    pub index_file: Option<PathBuf>,
}

impl Git {
    /// Git for the repository `repo` opened from the current directory.
    pub fn new(repo: &git2::Repository) -> Result<Git> {
        let workdir = repo
            .workdir()
            .ok_or_else(|| {
                Error::Usage("`tierzero fix` needs a working tree (this repository is bare)".into())
            })?
            .to_path_buf();
        let index_file = std::env::var_os("GIT_INDEX_FILE")
            .filter(|f| !f.is_empty())
            .map(PathBuf::from)
            .map(|p| {
                if p.is_absolute() {
                    p
                } else {
                    std::env::current_dir().unwrap_or_default().join(p)
                }
            });
        Ok(Git {
            workdir,
            git_dir: repo.path().to_path_buf(),
            index_file,
        })
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.args(args)
            .current_dir(&self.workdir)
            .env("GIT_DIR", &self.git_dir)
            .env("GIT_WORK_TREE", &self.workdir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(index) = &self.index_file {
            cmd.env("GIT_INDEX_FILE", index);
        }
        cmd
    }

    /// Runs git, feeding `input`; returns stdout, or an error naming the command.
    fn run(&self, args: &[&str], input: Option<&[u8]>) -> Result<(i32, Vec<u8>)> {
        let what = format!("git {}", args.join(" "));
        let fail = |message: String| Error::Fix(format!("{what}: {message}"));
        let mut cmd = self.command(args);
        if input.is_some() {
            cmd.stdin(Stdio::piped());
        }
        let mut child = cmd.spawn().map_err(|e| fail(e.to_string()))?;
        if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
            stdin.write_all(bytes).map_err(|e| fail(e.to_string()))?;
        }
        let out = child.wait_with_output().map_err(|e| fail(e.to_string()))?;
        let code = out.status.code().unwrap_or(-1);
        Ok((code, out.stdout)).and_then(|(code, stdout)| {
            if code == 0 || args.first() == Some(&"check-ignore") {
                Ok((code, stdout))
            } else {
                Err(fail(
                    String::from_utf8_lossy(&out.stderr).trim().to_string(),
                ))
            }
        })
    }

    /// Points the index entries for `paths` at their blobs with their modes (adding those
    /// that are new), in one `git update-index` run.
    pub fn update_index(&self, entries: &[(u32, git2::Oid, String)]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut input = Vec::new();
        for (mode, oid, path) in entries {
            input.extend_from_slice(format!("{mode:o} {oid}\t{path}").as_bytes());
            input.push(0);
        }
        self.run(&["update-index", "-z", "--index-info"], Some(&input))
            .map(drop)
    }

    /// Takes `path` out of the index, leaving the working tree alone.
    pub fn rm_cached(&self, path: &str) -> Result<()> {
        self.run(&["rm", "--cached", "--force", "--quiet", "--", path], None)
            .map(drop)
    }

    /// Whether `path` is ignored by the repository's ignore rules (tracked or not).
    pub fn is_ignored(&self, path: &str) -> Result<bool> {
        let (code, _) = self.run(&["check-ignore", "-q", "--no-index", "--", path], None)?;
        match code {
            0 => Ok(true),
            1 => Ok(false),
            other => Err(Error::Fix(format!(
                "git check-ignore {path}: exit status {other}"
            ))),
        }
    }

    /// A path inside the working tree.
    pub fn abs(&self, rel: &str) -> PathBuf {
        self.workdir.join(Path::new(rel))
    }
}
