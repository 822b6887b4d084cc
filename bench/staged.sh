#!/usr/bin/env bash
# Benchmarks `tierzero scan` (the pre-commit hook's work) against `git diff --cached -U0`
# on the same synthetic repository, for a typical, a medium and a large staged change.
# Needs: cargo, git, python3, hyperfine (Debian: apt-get install hyperfine), GNU time
# (apt-get install time) for peak memory. Prints a Markdown table; BENCHMARKS.md keeps it.
#
# usage: bench/staged.sh [WORKDIR]     (default: a fresh temp dir)
#        BEFORE=/path/to/older/tierzero bench/staged.sh   also times that binary in the same
#        runs (a before/after pair measured side by side: the machine is shared and noisy)
#        ONLY="typical medium" bench/staged.sh   runs only the named changes
# "findings" is the typical change plus one example key of 31 different rules in its files
# (tierzero exits 1 there, as the hook refuses the commit).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=${1:-$(mktemp -d)}
runs=${RUNS:-20}

command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (apt-get install hyperfine)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/tierzero"

export GIT_CONFIG_NOSYSTEM=1 HOME="$work/home"
mkdir -p "$HOME"
git config --global user.name bench
git config --global user.email bench@example.invalid
git config --global init.defaultBranch main

# A base repository: 5000 files of 60 lines in 100 directories, committed.
base="$work/base"
if [ ! -d "$base/.git" ]; then
  mkdir -p "$base"
  git -C "$base" init -q
  python3 "$here/gen.py" --tree "$base" 5000 60
  git -C "$base" add -A
  git -C "$base" commit -q -m base
fi

scenario() { # name, files-to-modify, lines-added-per-modified-file, new-files, lines-per-new-file[, keys]
  local name=$1 mod=$2 mod_lines=$3 new=$4 new_lines=$5 keys=${6:-0} repo="$work/$1"
  rm -rf "$repo"; cp -r "$base" "$repo"
  # The copy changed every file's stat data. Rebuild the index from HEAD (which primes the
  # cache-tree) and refresh its stat data, so that the index looks as it does in a real
  # working tree after a commit or checkout: only the directories a change touches are
  # invalidated when it is staged.
  # Files copied in the second the index is written would be "racily clean" (git compares
  # whole seconds) and `git add` would re-add them, invalidating their directories at random.
  sleep 1
  git -C "$repo" read-tree HEAD
  git -C "$repo" update-index -q --refresh
  for i in $(seq 0 $((mod - 1))); do
    f="$repo/pkg$((i % 100))/mod$i.py"
    python3 "$here/gen.py" "$f.add" "$mod_lines" "$((100000 + i))"
    # insert the new lines in the middle of the file: a real modification needing a diff
    { head -n 30 "$f"; cat "$f.add"; tail -n +31 "$f"; } > "$f.new" && mv "$f.new" "$f" && rm "$f.add"
  done
  for i in $(seq 0 $((new - 1))); do
    mkdir -p "$repo/new"
    python3 "$here/gen.py" "$repo/new/file$i.py" "$new_lines" "$((200000 + i))"
  done
  if [ "$keys" -gt 0 ]; then
    # A commit with findings: the first example of $keys different default rules (taken
    # from rules.toml, so no key is written here), appended round-robin to the changed files.
    python3 - "$root/rules.toml" "$keys" "$repo" <<'PY'
import subprocess, sys, tomllib
rules = tomllib.load(open(sys.argv[1], "rb"))["rules"]
want, repo = int(sys.argv[2]), sys.argv[3]
picked = [r["examples"][0] for r in rules
          if r.get("examples") and isinstance(r["examples"][0], str)
          and "\n" not in r["examples"][0].strip() and not r.get("path")][::5][:want]
changed = subprocess.run(["git", "-C", repo, "ls-files", "-m", "-o", "--exclude-standard", "--full-name"],
                         capture_output=True, text=True, check=True).stdout.split()
changed = [f"{repo}/{f}" for f in sorted(changed)]
for i, example in enumerate(picked):
    with open(changed[i % len(changed)], "a") as f:
        f.write(example.strip() + "\n")
PY
  fi
  git -C "$repo" add -A
  local bytes
  bytes=$(git -C "$repo" diff --cached -U0 | grep '^+' | grep -v '^+++' | wc -c)
  echo "$name $repo $bytes"
}

results="$work/results.md"
: > "$results"
printf '| change | added bytes | tierzero scan (mean ± σ) | git diff --cached -U0 | ratio | tierzero peak RSS | git peak RSS |\n|---|---|---|---|---|---|---|\n' >> "$results"
for spec in "typical 15 20 5 40" "findings 15 20 5 40 31" "medium 250 60 50 100" "large 0 0 50 60000"; do
  case " ${ONLY:-typical medium large} " in *" ${spec%% *} "*) ;; *) continue ;; esac
  read -r name repo bytes < <(scenario $spec)
  json="$work/$name.json"
  before=()
  [ -n "${BEFORE:-}" ] && before=(-n before "$BEFORE scan --staged")
  (cd "$repo" && hyperfine -N -i --warmup 3 --runs "$runs" --export-json "$json" \
    -n tierzero "$bin scan --staged" "${before[@]}" \
    -n git "git diff --cached -U0 --no-color --no-ext-diff" >/dev/null)
  rss_t=$(cd "$repo" && { /usr/bin/time -f %M "$bin" scan --staged 2>&1 >/dev/null || true; } | tail -1)
  rss_g=$(cd "$repo" && /usr/bin/time -f %M git diff --cached -U0 --no-color --no-ext-diff 2>&1 >/dev/null | tail -1)
  python3 - "$json" "$name" "$bytes" "$rss_t" "$rss_g" >> "$results" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))["results"]
t = {r["command"]: r for r in data}
tz, gd = t["tierzero"], t["git"]
name, nbytes, rss_t, rss_g = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
mbps = nbytes / tz["mean"] / 1e6
if "before" in t:
    b = t["before"]
    print(f"| {name} (before) | {nbytes:,} | {b['mean']*1000:.1f} ms ± {b['stddev']*1000:.1f} "
          f"| {gd['mean']*1000:.1f} ms ± {gd['stddev']*1000:.1f} | {b['mean']/gd['mean']:.2f}x | | |")
print(f"| {name} | {nbytes:,} | {tz['mean']*1000:.1f} ms ± {tz['stddev']*1000:.1f} ({mbps:.0f} MB/s) "
      f"| {gd['mean']*1000:.1f} ms ± {gd['stddev']*1000:.1f} | {tz['mean']/gd['mean']:.2f}x "
      f"| {rss_t/1024:.1f} MiB | {rss_g/1024:.1f} MiB |")
PY
done
cat "$results"
