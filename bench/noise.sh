#!/usr/bin/env bash
# Noise check: findings of `tierzero scan --dir` on code that holds no live secrets. With no
# corpus arguments: the machine's CPython standard library (site-packages left out), its
# site-packages, and any Jupyter notebooks on the machine. With NAME=DIR arguments: those
# directories instead (bench/noise-real.sh passes unpacked LLM packages this way). Prints one
# line per corpus with the rule counts.
#
# usage: bench/noise.sh [TIERZERO_BINARY] [NAME=DIR ...]   (default: target/release/tierzero)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/release/tierzero}
shift || true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
count() { # name dir
  "$bin" scan --dir "$2" --format json --exit-zero --output "$work/$1.json" 2>/dev/null || true
  python3 - "$1" "$work/$1.json" <<'PY'
import collections, json, sys
d = json.load(open(sys.argv[2]))
f = [x for x in d["findings"] if not x.get("suppressed_by")]
c = collections.Counter(x["rule_id"] for x in f)
print(f"{sys.argv[1]}: {len(f)} findings in {d['summary']['files']} files, "
      f"{d['summary']['bytes'] / 1e6:.0f} MB: {dict(c.most_common())}")
PY
}
if [ $# -gt 0 ]; then
  for pair in "$@"; do count "${pair%%=*}" "${pair#*=}"; done
  exit 0
fi
stdlib=$(python3 -c 'import sysconfig;print(sysconfig.get_paths()["stdlib"])')
purelib=$(python3 -c 'import sysconfig;print(sysconfig.get_paths()["purelib"])')
mkdir -p "$work/stdlib" "$work/notebooks"
tar -C "$stdlib" --exclude=site-packages --exclude=__pycache__ -cf - . | tar -C "$work/stdlib" -xf -
find / -xdev -name '*.ipynb' -not -path '/proc/*' -not -path "$work/*" 2>/dev/null | head -2000 |
  while read -r nb; do cp "$nb" "$work/notebooks/$(echo "$nb" | tr '/' '_')"; done || true # none found is fine
count stdlib "$work/stdlib"
count site-packages "$purelib"
count notebooks "$work/notebooks"
