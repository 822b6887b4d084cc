//! Writing a planned fix: a backup of every file and index entry first, then `.env` (so
//! the value is never lost), the ignore and example files, the rewritten sources (staged
//! version, then working tree) and last the unstaging of `.env`-like files. Working-tree
//! files are replaced atomically (temporary file + rename) with their permissions kept.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::gitops::Git;
use super::plan::Plan;
use crate::error::{Error, Result};

/// What was written.
#[derive(Clone, Debug)]
pub struct Applied {
    /// The backup directory.
    pub backup: PathBuf,
    /// Files changed in the working tree, repository-relative.
    pub work_files: Vec<String>,
    /// Index entries changed or added.
    pub staged: Vec<String>,
    /// Index entries removed.
    pub unstaged: Vec<String>,
}

/// A UTC timestamp for the backup directory name: `20261204T184512Z`.
fn stamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (y, m, d) = crate::util::civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

/// Creates a private directory (0700 on Unix).
fn private_dir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path).map_err(Error::io(path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
            .map_err(Error::io(path))?;
    }
    Ok(())
}

/// Writes a new file readable only by the user: backups hold the key.
fn write_private(path: &Path, content: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        private_dir(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(Error::io(path))?;
    file.write_all(content).map_err(Error::io(path))
}

/// Replaces (or creates) a working-tree file atomically, keeping an existing file's
/// permissions and giving a new one `create_mode`.
fn replace_file(path: &Path, content: &[u8], create_mode: u32) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tierzero-fix.tmp"));
    let _ = std::fs::remove_file(&tmp);
    let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(create_mode);
    }
    #[cfg(not(unix))]
    let _ = create_mode;
    let result = (|| {
        let mut file = options.open(&tmp).map_err(Error::io(&tmp))?;
        file.write_all(content).map_err(Error::io(&tmp))?;
        file.sync_all().map_err(Error::io(&tmp))?;
        if let Some(perms) = existing {
            std::fs::set_permissions(&tmp, perms).map_err(Error::io(&tmp))?;
        }
        std::fs::rename(&tmp, path).map_err(Error::io(path))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Applies `plan`. On error the message names the backup, which holds every original.
pub fn apply(plan: &Plan, git: &Git, repo: &git2::Repository) -> Result<Applied> {
    let root = git.git_dir.join("tierzero").join("fix-backup");
    let mut backup = root.join(stamp());
    let mut n = 2;
    while backup.exists() {
        backup = root.join(format!("{}-{n}", stamp()));
        n += 1;
    }
    private_dir(&backup)?;
    let mut manifest = String::from(
        "tierzero fix backup: the files and staged versions as they were before the fix.\n\
         It holds the removed key: delete this directory once you have checked the result.\n\
         Restore a working-tree file: cp -p worktree/<path> <repository>/<path>\n\
         Restore a staged version:    git update-index --cacheinfo <mode>,$(git hash-object -w --no-filters index/<path>),<path>\n\n",
    );
    let save_work = |manifest: &mut String, rel: &str, old: Option<&[u8]>| -> Result<()> {
        match old {
            Some(bytes) => {
                write_private(&backup.join("worktree").join(rel), bytes)?;
                manifest.push_str(&format!("worktree/{rel}\n"));
            }
            None => manifest.push_str(&format!("(created) {rel}\n")),
        }
        Ok(())
    };
    let save_index =
        |manifest: &mut String, rel: &str, mode: u32, old: Option<&[u8]>| -> Result<()> {
            match old {
                Some(bytes) => {
                    write_private(&backup.join("index").join(rel), bytes)?;
                    manifest.push_str(&format!("index/{rel} (mode {mode:o})\n"));
                }
                None => manifest.push_str(&format!("(newly staged) {rel}\n")),
            }
            Ok(())
        };
    for f in &plan.files {
        if let Some(side) = &f.work {
            save_work(&mut manifest, &f.path, Some(&side.old))?;
        }
        if let Some((mode, side)) = &f.index {
            save_index(&mut manifest, &f.path, *mode, Some(&side.old))?;
        }
    }
    for a in &plan.aux {
        save_work(&mut manifest, &a.path, a.old.as_deref())?;
        if let Some(e) = &a.index {
            save_index(&mut manifest, &a.path, e.mode, e.old.as_deref())?;
        }
    }
    for u in &plan.unstage {
        save_index(&mut manifest, &u.path, u.mode, Some(&u.content))?;
    }
    write_private(&backup.join("MANIFEST.txt"), manifest.as_bytes())?;

    let with_backup =
        |e: Error| Error::Fix(format!("{e} (the originals are in {})", backup.display()));
    let mut applied = Applied {
        backup: backup.clone(),
        work_files: Vec::new(),
        staged: Vec::new(),
        unstaged: Vec::new(),
    };
    let blob = |content: &[u8]| {
        repo.blob(content)
            .map_err(Error::git("writing a blob"))
            .map_err(with_backup)
    };
    let mut entries = Vec::new();
    // `.env` first: once code stops holding the key, the value must already be saved.
    for a in plan
        .aux
        .iter()
        .filter(|a| a.secret_values)
        .chain(plan.aux.iter().filter(|a| !a.secret_values))
    {
        replace_file(&git.abs(&a.path), &a.new, a.create_mode).map_err(with_backup)?;
        applied.work_files.push(a.path.clone());
        if let Some(e) = &a.index {
            entries.push((e.mode, blob(&e.new)?, a.path.clone()));
        }
    }
    for f in &plan.files {
        if let Some((mode, side)) = &f.index {
            entries.push((*mode, blob(&side.new.content)?, f.path.clone()));
        }
        if let Some(side) = &f.work {
            replace_file(&git.abs(&f.path), &side.new.content, 0o644).map_err(with_backup)?;
            applied.work_files.push(f.path.clone());
        }
    }
    git.update_index(&entries).map_err(with_backup)?;
    applied.staged = entries.into_iter().map(|(_, _, path)| path).collect();
    for u in &plan.unstage {
        git.rm_cached(&u.path).map_err(with_backup)?;
        applied.unstaged.push(u.path.clone());
    }
    Ok(applied)
}
