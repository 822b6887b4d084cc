//! The fast staged listing (our own index reader + cache-tree) must agree with libgit2's
//! tree-to-index diff on every kind of change, in every index format git writes.

use crate::common;

use std::collections::BTreeSet;

use common::Sandbox;
use tierzero::source::{blob, staged};

type Listed = BTreeSet<(String, String, Option<String>, bool)>;

fn listed(entries: Vec<blob::ChangeEntry>) -> Listed {
    entries
        .into_iter()
        .map(|e| {
            (
                String::from_utf8_lossy(&e.path).into_owned(),
                e.new_id.to_string(),
                e.old_id.map(|o| o.to_string()),
                e.added,
            )
        })
        .collect()
}

fn both(path: &std::path::Path) -> (Listed, Listed) {
    let repo = git2::Repository::open(path).unwrap();
    let fast = listed(staged::staged_entries(&repo).unwrap());
    let index = repo.index().unwrap();
    let slow_diff = staged::staged_diff(&repo, &index).unwrap();
    let slow = listed(blob::change_entries(&slow_diff));
    (fast, slow)
}

fn populate(repo: &common::Repo<'_>) {
    for d in 0..6 {
        for f in 0..5 {
            repo.write(
                &format!("dir{d}/sub{}/file{f}.txt", f % 2),
                format!("content {d} {f}\n"),
            );
        }
    }
    repo.write("a.txt", "a\n");
    repo.write("a0", "zero\n");
    repo.write("a-b", "dash\n");
    repo.write("top/x.txt", "x\n");
    repo.write("willbedir", "file now\n");
    repo.git(&["add", "-A"]);
    repo.commit_setup("base");
}

fn changes(repo: &common::Repo<'_>) {
    repo.write("dir1/sub0/file0.txt", "content changed\n"); // modified deep
    repo.write("dir2/new/deep/file.txt", "new deep\n"); // added dir
    repo.write("a/b.txt", "new dir named like a file prefix\n");
    repo.write("a.txt", "a\nmore\n");
    repo.git(&["add", "-A"]);
    repo.git(&["rm", "-q", "dir3/sub1/file1.txt"]); // deleted
    repo.git(&["rm", "-q", "willbedir"]);
    repo.write("willbedir/inside.txt", "dir now\n"); // file -> dir
    repo.git(&["add", "-A"]);
    repo.git(&["mv", "top/x.txt", "top/y.txt"]); // pure rename
    repo.write("exec.sh", "#!/bin/sh\n");
    repo.git(&["add", "exec.sh"]);
    repo.git(&["update-index", "--chmod=+x", "dir4/sub0/file2.txt"]); // mode only
    repo.write("ita.txt", "intent to add\n");
    repo.git(&["add", "-N", "ita.txt"]);
}

#[test]
fn fast_listing_matches_libgit2() {
    for version in ["2", "3", "4"] {
        let sb = Sandbox::new();
        let repo = sb.repo("r");
        populate(&repo);
        repo.git(&["update-index", "--index-version", version]);
        changes(&repo);
        let (fast, slow) = both(&repo.path);
        assert!(!fast.is_empty());
        assert_eq!(fast, slow, "index version {version}");
    }
}

#[test]
fn nothing_staged_and_fresh_repositories() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let (fast, slow) = both(&repo.path);
    assert!(fast.is_empty() && slow.is_empty());
    repo.write("f.txt", "x\n");
    repo.git(&["add", "f.txt"]);
    let (fast, slow) = both(&repo.path);
    assert_eq!(fast, slow);
    assert_eq!(fast.len(), 1);
    repo.commit_setup("one");
    let (fast, slow) = both(&repo.path);
    assert!(fast.is_empty() && slow.is_empty());
}

#[test]
fn split_index_and_renames_with_edits_fall_back_correctly() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    populate(&repo);
    let body: String = (0..40).map(|i| format!("line {i}\n")).collect();
    repo.write("big.txt", &body);
    repo.git(&["add", "big.txt"]);
    repo.commit_setup("big");
    repo.git(&["mv", "big.txt", "renamed.txt"]);
    repo.write("renamed.txt", format!("{body}extra\n"));
    repo.git(&["add", "renamed.txt"]);
    let (fast, slow) = both(&repo.path);
    assert_eq!(fast, slow);
    // A split index cannot be read by libgit2 either: git's command line reads it, and the
    // key is found (see tests/suite/layouts.rs for commits).
    repo.git(&["update-index", "--split-index"]);
    repo.write("dir0/sub0/file0.txt", format!("{}\n", common::openai_key()));
    repo.git(&["add", "-A"]);
    let (code, _, stderr) = repo.run(&["scan"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("dir0/sub0/file0.txt:1:1"), "{stderr}");
    repo.git(&["update-index", "--no-split-index"]);
    let (code, _, _) = repo.run(&["scan"]);
    assert_eq!(code, 1);
}
