#!/usr/bin/env bash
# A wide repository (60,000 files in 4,200 directories) with a six-line staged change:
# what the hook costs in a monorepo, where reading the index and HEAD's trees dominates.
# Compares `tierzero scan --staged` with `git diff --cached -U0`. Needs hyperfine.
#
# usage: bench/wide.sh [WORKDIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (apt-get install hyperfine)" >&2; exit 2; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/tierzero"
repo="$work/wide"
if [ ! -d "$repo/.git" ]; then
  mkdir -p "$repo"
  git -C "$repo" init -q
  (cd "$repo" && python3 - <<'PY'
import os
for i in range(60000):
    d = f"d{i % 600}/s{i % 7}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/f{i}.py", "w") as f:
        f.write(f"x = {i}\ny = 'v{i}'\n")
PY
  )
  git -C "$repo" add -A
  git -C "$repo" -c user.name=bench -c user.email=bench@example.invalid commit -q -m base
  for i in 1 2 3 4 5; do echo "token = compute($i)" >> "$repo/d$i/s$((i % 7))/f$i.py"; done
  echo "new = 1" > "$repo/d9/new.py"
  git -C "$repo" add -A
fi
ls -la "$repo/.git/index"
cd "$repo" && hyperfine -N --warmup 5 --runs 30 "$bin scan --staged" "git diff --cached -U0 --no-color --no-ext-diff"
