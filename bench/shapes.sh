#!/usr/bin/env bash
# Times `tierzero scan --files` on pathological input shapes (bench/shapes.py): one long
# base64 line, notebook data URIs, a minified bundle, service-account lines, a multiline
# team rule whose keyword is on every line. Prints time per MB; the target is at most
# 50 ms/MB for every shape. Needs: cargo, python3, hyperfine (apt-get install hyperfine).
#
# usage: bench/shapes.sh [WORKDIR]
#        SHAPES="b64-line:1 service-account:10" bench/shapes.sh   only these (shape:MB)
#        BEFORE=/path/to/older/tierzero bench/shapes.sh   also times that binary, side by side
#        RUNS=5 (default 3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=${1:-$(mktemp -d)}
runs=${RUNS:-3}
shapes=${SHAPES:-"b64-line:1 b64-line:2 b64-line:4 b64-line:8 b64-wrapped:4 data-uri-line:4 minified-line:4 service-account:10 service-account-redacted:10 team-multiline:0.3 team-multiline:10"}

command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (apt-get install hyperfine)" >&2; exit 2; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/tierzero"
mkdir -p "$work"

printf '| shape | MB | tierzero (mean ± σ) | ms per MB |%s\n|---|---|---|---|%s\n' \
  "${BEFORE:+ before | before ms per MB |}" "${BEFORE:+---|---|}"
for spec in $shapes; do
  shape=${spec%%:*} mb=${spec##*:}
  file="$work/$shape-$mb.txt"
  [ -f "$file" ] || python3 "$here/shapes.py" "$shape" "$mb" "$file"
  flags=(--max-file-size 1GB --format json --exit-zero)
  [ "$shape" = team-multiline ] && flags+=(--config "$here/shapes.toml")
  json="$work/$shape-$mb.json"
  before=()
  [ -n "${BEFORE:-}" ] && before=(-n before "$BEFORE scan ${flags[*]} --files $file")
  (cd "$work" && hyperfine -N --style none --warmup 1 --runs "$runs" --export-json "$json" \
    -n tierzero "$bin scan ${flags[*]} --files $file" "${before[@]}" >/dev/null)
  python3 - "$json" "$shape" "$mb" <<'PY'
import json, sys
t = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
shape, mb = sys.argv[2], float(sys.argv[3])
row = lambda r: f"{r['mean']*1000:.1f} ms ± {r['stddev']*1000:.1f} | {r['mean']*1000/mb:.1f} |"
line = f"| {shape} | {mb:g} | {row(t['tierzero'])}"
if "before" in t:
    line += f" {row(t['before'])}"
print(line)
PY
done
