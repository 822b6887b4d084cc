#!/usr/bin/env bash
# Benchmarks `tierzero fix` against `tierzero scan` on the same blocked commit: a repository
# of 5000 committed files and a staged change of 10 files in 10 languages, each holding
# the same fake OpenAI key twice (a whole value and one inside a string).
# Needs: cargo, git, python3, hyperfine (apt-get install hyperfine).
#
# usage: bench/fix.sh [WORKDIR]     (default: a fresh temp dir)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=${1:-$(mktemp -d)}
runs=${RUNS:-20}
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (apt-get install hyperfine)" >&2; exit 2; }

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/tierzero"
export GIT_CONFIG_NOSYSTEM=1 HOME="$work/home"
mkdir -p "$HOME"
git config --global user.name bench
git config --global user.email bench@example.invalid
git config --global init.defaultBranch main

tmpl="$work/template"
rm -rf "$tmpl" && mkdir -p "$tmpl"
git -C "$tmpl" init -q
python3 "$here/gen.py" --tree "$tmpl" 5000 60
git -C "$tmpl" add -A && git -C "$tmpl" commit -q -m base
# The key is assembled here so that this script holds no complete key.
python3 - "$tmpl" <<'PY'
import sys, os
k = "sk-proj-" + "pvXWSzAivbqVLuhcmpkbSJ-NN2JyfLW-guyj4tAO_E5v07kFKcODg7E2nELty51vi4L87M_Jpb" + "T3BlbkFJ" \
    + "pHW__LmXO5v_EeKPgkmeVlw3dBYsuNnuLy8ae1e-lsyj0PSGZVfGqq_v3Y8iQVZHWPfDw1u5N-"
files = {
    "app.py": f'from openai import OpenAI\nclient = OpenAI(api_key="{k}")\nh = {{"Authorization": "Bearer {k}"}}\n',
    "web.js": f'const c = new OpenAI({{ apiKey: "{k}" }});\nconst h = "Bearer {k}";\n',
    "web.ts": f'const key: string = "{k}";\nconst h = `Bearer {k}`;\n',
    "main.go": f'package main\n\nimport "fmt"\n\nconst k = "{k}"\n\nfunc main() {{ fmt.Println(k, "Bearer {k}") }}\n',
    "src/main.rs": f'fn main() {{\n    let k = "{k}";\n    let h = "Bearer {k}";\n    println!("{{k}} {{h}}");\n}}\n',
    "Main.java": f'class Main {{ static final String K = "{k}"; static String h = "Bearer {k}"; }}\n',
    "Program.cs": f'class P {{ static readonly string K = "{k}"; static string H = "Bearer {k}"; }}\n',
    "run.sh": f'#!/bin/sh\nexport OPENAI_API_KEY={k}\ncurl -H "Authorization: Bearer {k}" https://api.openai.com/v1/models\n',
    "docker-compose.yml": f'services:\n  app:\n    environment:\n      OPENAI_API_KEY: "{k}"\n      H: Bearer {k}\n',
    "main.tf": f'locals {{\n  k = "{k}"\n  h = "Bearer {k}"\n}}\n',
}
for path, text in files.items():
    full = os.path.join(sys.argv[1], path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    open(full, "w").write(text)
PY
git -C "$tmpl" add -A

repo="$work/repo"
cd "$work"
hyperfine -N --warmup 3 --runs "$runs" --export-markdown "$work/results.md" \
  --prepare "sh -c 'rm -rf $repo && cp -a $tmpl $repo'" \
  -n "tierzero scan (blocked)" "sh -c 'cd $repo && $bin scan >/dev/null 2>&1; test \$? = 1'" \
  -n "tierzero fix --dry-run" "sh -c 'cd $repo && $bin fix --dry-run >/dev/null; test \$? = 1'" \
  -n "tierzero fix --yes" "sh -c 'cd $repo && $bin fix --yes >/dev/null'" >/dev/null
cat "$work/results.md"
