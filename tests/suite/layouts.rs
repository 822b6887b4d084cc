//! Repository layouts libgit2 cannot read — a split index, a sparse index, SHA-256 objects —
//! are read through the git command line: a clean commit goes in, a key is refused, and
//! `tierzero status` says protected.

use crate::common;

use common::{openai_key, Repo, Sandbox};

fn check(repo: &Repo<'_>, what: &str) {
    repo.stage("ok.txt", format!("fine {what}\n"));
    let (ok, out) = repo.commit(&[]);
    assert!(ok, "{what}: a clean commit was refused:\n{out}");
    repo.stage(
        "leak.py",
        format!("OPENAI_API_KEY = \"{}\"\n", openai_key()),
    );
    let (ok, out) = repo.commit(&[]);
    assert!(!ok, "{what}: the key went in:\n{out}");
    assert!(out.contains("leak.py:1:"), "{what}: {out}");
    // The same report as in any other layout, `tierzero fix` hint included.
    assert!(out.contains("tierzero fix"), "{what}: {out}");
    assert!(
        !out.contains(&openai_key()),
        "{what}: the report printed the key"
    );
    repo.git(&["rm", "-q", "--cached", "leak.py"]);
    let (code, out, err) = repo.run(&["status"]);
    assert_eq!(code, 0, "{what}: status: {out}{err}");
}

#[test]
fn split_index() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("a.txt", "a\n");
    repo.commit_setup("base");
    repo.git(&["config", "core.splitIndex", "true"]);
    repo.git(&["update-index", "--split-index"]);
    assert_eq!(repo.run(&["install"]).0, 0);
    check(&repo, "split index");
}

#[test]
fn sparse_index() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("a/one.txt", "a\n");
    repo.stage("b/two.txt", "b\n");
    repo.commit_setup("base");
    repo.git(&["sparse-checkout", "set", "--sparse-index", "a"]);
    assert_eq!(repo.run(&["install"]).0, 0);
    check(&repo, "sparse index");
}

#[test]
fn sha256_objects() {
    let sb = Sandbox::new();
    let path = sb.dir.path().join("r256");
    std::fs::create_dir_all(&path).unwrap();
    let repo = Repo { sandbox: &sb, path };
    repo.git(&["init", "-q", "--object-format=sha256", "-b", "main"]);
    let (code, out, err) = repo.run(&["install"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("sha256 objects"),
        "the install says what it left out: {out}"
    );
    check(&repo, "sha256");
}
