#!/usr/bin/env bash
# Measures `tierzero scan --all-history` against `git log -p --all | wc -c` on one repository.
#
# Usage: bench/history.sh [REPO]
#   REPO  a git repository with a long history. Without it, one is built once (and reused)
#         at ${TMPDIR:-/tmp}/tierzero-history-bench by bench/make-history-repo.py from the
#         real source files of the cargo registry (COMMITS=6000 commits, INITIAL=1500 files).
# Needs: hyperfine (apt-get install -y hyperfine), python3, git, cargo.
# Prints a Markdown table for BENCHMARKS.md; RUNS (default 5) sets hyperfine's run count.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-5}
command -v hyperfine >/dev/null || { echo "bench/history.sh: hyperfine is missing (apt-get install -y hyperfine)" >&2; exit 2; }

if [ $# -ge 1 ]; then
  repo=$(cd "$1" && pwd)
else
  repo=${TMPDIR:-/tmp}/tierzero-history-bench
  if [ ! -d "$repo/.git" ]; then
    src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ 2>/dev/null | head -n 1)
    [ -n "$src" ] || { echo "bench/history.sh: no cargo registry sources to build a history from; pass a REPO" >&2; exit 2; }
    echo "building a ${COMMITS:-6000}-commit repository at $repo from $src ..." >&2
    python3 "$root/bench/make-history-repo.py" "$src" "$repo" "${COMMITS:-6000}" "${INITIAL:-1500}"
  fi
fi

# A private target dir: a shared one can be rebuilt by someone else between build and run.
target=${BENCH_TARGET_DIR:-$root/target/bench}
(cd "$root" && CARGO_TARGET_DIR=$target cargo build --release --quiet)
bin=$target/release/tierzero

commits=$(git -C "$repo" rev-list --all --count)
log_bytes=$(git -C "$repo" log -p --all | wc -c)
pack_bytes=$(git -C "$repo" count-objects -v | awk '/^size-pack:/ {print $2 * 1024}')
report=$(mktemp)
(cd "$repo" && "$bin" scan --all-history --format json --exit-zero >"$report")
scanned=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["bytes"], s["files"], s["findings"])' "$report")
read -r scanned_bytes blobs findings <<<"$scanned"

json=$(mktemp)
hyperfine --warmup 1 --runs "$runs" --export-json "$json" \
  -n 'git log -p --all | wc -c' "git -C '$repo' log -p --all | wc -c" \
  -n 'tierzero scan --all-history' "cd '$repo' && '$bin' scan --all-history --format json --exit-zero >/dev/null" >&2

python3 - "$json" "$log_bytes" "$scanned_bytes" "$commits" "$blobs" "$findings" "$pack_bytes" "$(nproc)" <<'PY'
import json, sys
doc, log_bytes, scanned, commits, blobs, findings, pack, cores = sys.argv[1:]
log_bytes, scanned, pack = int(log_bytes), int(scanned), int(float(pack))
res = {r["command"]: r for r in json.load(open(doc))["results"]}
git = res["git log -p --all | wc -c"]
tz = res["tierzero scan --all-history"]
mb = 1e6
print(f"Repository: {commits} commits, pack {pack / mb:.1f} MB; `git log -p --all` prints {log_bytes / mb:.1f} MB;")
print(f"tierzero read {blobs} blobs once each ({scanned / mb:.1f} MB of content) and reported {findings} finding(s). {cores} cores.\n")
print("| command | mean ± σ (s) | user + sys CPU (s) | MB/s of `git log -p` text | MB/s of blob content |")
print("| --- | --- | --- | --- | --- |")
for name, r in (("git log -p --all \\| wc -c", git), ("tierzero scan --all-history", tz)):
    content = f"{scanned / mb / r['mean']:.0f}" if r is tz else "–"
    print(f"| `{name}` | {r['mean']:.2f} ± {r['stddev']:.2f} | {r['user'] + r['system']:.2f} | "
          f"{log_bytes / mb / r['mean']:.1f} | {content} |")
print(f"\nRatio: tierzero takes {tz['mean'] / git['mean']:.2f}× the time of `git log -p --all` "
      f"({git['mean'] / tz['mean']:.2f}× as fast).")
PY
rm -f "$json" "$report"
