#!/usr/bin/env python3
"""Builds a git repository with a long, realistic history for benchmarking history scans.

Real source files (every .rs/.c/.h/.md/.toml under 200 KB found below SOURCE, e.g. the cargo
registry's unpacked crates) seed the first commit; each later commit edits a few files the
way people do -- replaces a run of lines with real lines taken from another file, now and
then adds, deletes or renames a file -- with a Zipf-like preference for a set of "hot" files.
Feature branches of a few commits are merged back with merge commits, and a handful of
commits add a credential-shaped line that a later commit removes again. The history is
written with `git fast-import` (seconds instead of minutes) and repacked the way a server
would (`git gc`), so objects are zlib-compressed deltas as in a real clone.

Usage: make-history-repo.py SOURCE DEST [COMMITS] [INITIAL_FILES]
Deterministic for a given SOURCE listing (fixed random seed).
"""

import os
import random
import string
import subprocess
import sys


def pool_files(source):
    exts = (".rs", ".c", ".h", ".md", ".toml")
    out = []
    for root, dirs, files in os.walk(source):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(exts):
                path = os.path.join(root, name)
                try:
                    if os.path.getsize(path) < 200_000:
                        out.append(path)
                except OSError:
                    pass
    return out


def read_lines(path):
    with open(path, "rb") as f:
        return f.read().splitlines(keepends=True)


def fake_key(rng):
    # Credential-shaped, assembled at run time so this file holds no key.
    alphabet = string.ascii_letters + string.digits + "_-"
    body = lambda n: "".join(rng.choice(alphabet) for _ in range(n))
    marker = "T3Blbk" + "FJ"
    return "sk-" + "proj-" + body(74) + marker + body(74)


def main():
    source, dest = sys.argv[1], sys.argv[2]
    commits = int(sys.argv[3]) if len(sys.argv) > 3 else 6000
    initial = int(sys.argv[4]) if len(sys.argv) > 4 else 1500
    rng = random.Random(20261123)
    pool = pool_files(source)
    if len(pool) < initial + 100:
        sys.exit(f"only {len(pool)} source files under {source}; need {initial + 100}")
    rng.shuffle(pool)
    spare = pool[initial:]
    # Repository paths: drop the registry prefix, keep crate/dir/file.
    def repo_path(p):
        return os.path.relpath(p, source).replace(os.sep, "/")

    tree = {repo_path(p): read_lines(p) for p in pool[:initial]}
    hot = rng.sample(sorted(tree), 60)

    os.makedirs(dest, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", dest], check=True)
    fi = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"], cwd=dest, stdin=subprocess.PIPE
    )
    out = fi.stdin
    mark = 0
    when = 1_600_000_000
    heads = {"main": None}

    def data(b):
        out.write(b"data %d\n" % len(b))
        out.write(b)
        out.write(b"\n")

    def commit(branch, changes, message, merge_from=None):
        nonlocal mark, when
        mark += 1
        when += rng.randint(60, 20_000)
        author = rng.choice(["Ada <ada@example.invalid>", "Lin <lin@example.invalid>",
                             "Sam <sam@example.invalid>", "Kim <kim@example.invalid>"])
        out.write(b"commit refs/heads/%s\nmark :%d\n" % (branch.encode(), mark))
        out.write(b"author %s %d +0000\n" % (author.encode(), when))
        out.write(b"committer %s %d +0000\n" % (author.encode(), when))
        data(message.encode())
        if heads.get(branch) is not None:
            out.write(b"from :%d\n" % heads[branch])
        if merge_from is not None:
            out.write(b"merge :%d\n" % merge_from)
        for op, path, content in changes:
            if op == "M":
                out.write(b"M 100644 inline %s\n" % path.encode())
                data(b"".join(content))
            else:
                out.write(b"D %s\n" % path.encode())
        heads[branch] = mark
        return mark

    commit("main", [("M", p, c) for p, c in sorted(tree.items())], "initial import")

    def edit_one(path, t):
        lines = t[path]
        donor = read_lines(rng.choice(spare)) or [b"\n"]
        at = rng.randint(0, len(lines))
        drop = rng.choice([0, 0, 1, 2, 3, 5, 10])
        n = rng.choice([1, 2, 3, 5, 8, 15, 30])
        start = rng.randint(0, max(0, len(donor) - n))
        t[path] = lines[:at] + donor[start:start + n] + lines[at + drop:]
        return ("M", path, t[path])

    def random_commit(branch, t, pending_secrets):
        changes = []
        r = rng.random()
        if r < 0.05 and spare:
            p = spare.pop()
            path = repo_path(p)
            t[path] = read_lines(p)
            changes.append(("M", path, t[path]))
        elif r < 0.06 and len(t) > 100:
            path = rng.choice(sorted(t))
            if path not in hot:
                del t[path]
                changes.append(("D", path, None))
        elif r < 0.065:
            path = rng.choice(sorted(t))
            if path not in hot:
                new = path + ".old"
                t[new] = t.pop(path)
                changes += [("D", path, None), ("M", new, t[new])]
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
            path = rng.choice(hot) if rng.random() < 0.6 else rng.choice(sorted(t))
            if path in t:
                changes.append(edit_one(path, t))
        if rng.random() < 0.001:
            path = rng.choice(sorted(t))
            t[path] = t[path] + [b'OPENAI_API_KEY = "%s"\n' % fake_key(rng).encode()]
            changes.append(("M", path, t[path]))
            pending_secrets.append(path)
        elif pending_secrets and rng.random() < 0.05:
            path = pending_secrets.pop()
            if path in t:
                t[path] = [l for l in t[path] if not l.startswith(b"OPENAI_API_KEY")]
                changes.append(("M", path, t[path]))
        # Last write wins within one commit.
        dedup = {}
        for c in changes:
            dedup[c[1]] = c
        return list(dedup.values())

    made = 1
    secrets = []
    while made < commits:
        if rng.random() < 0.03 and made + 12 < commits:
            # A feature branch, merged back with a merge commit.
            name = "feature-%d" % made
            heads[name] = heads["main"]
            branch_tree = dict(tree)
            for _ in range(rng.randint(2, 8)):
                commit(name, random_commit(name, branch_tree, secrets), "feature work")
                made += 1
            for _ in range(rng.randint(0, 3)):
                commit("main", random_commit("main", tree, secrets), "main work")
                made += 1
            # The merge takes the branch's version of what it touched.
            changes = [("M", p, c) for p, c in branch_tree.items() if tree.get(p) is not c]
            changes += [("D", p, None) for p in tree if p not in branch_tree]
            for op, p, c in changes:
                if op == "M":
                    tree[p] = c
                else:
                    del tree[p]
            commit("main", changes, "Merge " + name, merge_from=heads[name])
            made += 1
            if rng.random() < 0.7:
                out.write(b"reset refs/heads/%s\nfrom 0000000000000000000000000000000000000000\n\n" % name.encode())
                del heads[name]
        else:
            commit("main", random_commit("main", tree, secrets), "work")
            made += 1
    out.write(b"done\n")
    out.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "-C", dest, "checkout", "-q", "main"], check=True)
    subprocess.run(["git", "-C", dest, "gc", "-q"], check=True)


if __name__ == "__main__":
    main()
