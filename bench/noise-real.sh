#!/usr/bin/env bash
# Noise on real LLM application code: downloads the published source of widely used LLM
# libraries (PyPI sdists, which carry tests, docs, notebooks and recorded API cassettes where
# the project ships them; npm tarballs), unpacks each into its own directory and counts
# tierzero's findings per package with bench/noise.sh. Versions are pinned so the figures
# reproduce; the download is cached in $CACHE (default /tmp/realcode).
#
# usage: bench/noise-real.sh [TIERZERO_BINARY]   (default: target/release/tierzero)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/release/tierzero}
cache=${CACHE:-/tmp/realcode}
pypi=(langchain-core==1.8.4 langchain-community==0.4.2 llama-index-core==0.14.25 litellm==1.110.2
  openai==3.63.0 anthropic==2.17.0 dspy==3.4.1 ag2==1.2.1 crewai==1.15.30 haystack-ai==3.4.1
  guidance==0.3.1 semantic-kernel==1.45.0)
npm=(langchain@1.5.14 openai@6.49.0 ai@6.0.333)
mkdir -p "$cache/dl" "$cache/src"
for spec in "${pypi[@]}"; do
  name=${spec%%==*}
  [ -d "$cache/src/py-$name" ] && continue
  # The sdist (tests, docs, cassettes) when pip can prepare it within two minutes, else the
  # wheel (the library code only): litellm, ag2 and guidance fall back on this machine.
  if ! compgen -G "$cache/dl/$name/*" >/dev/null; then
    timeout -s KILL 120 pip download -q --no-deps --no-binary :all: "$spec" -d "$cache/dl/$name" 2>/dev/null ||
      pip download -q --no-deps --only-binary :all: "$spec" -d "$cache/dl/$name"
  fi
  mkdir -p "$cache/src/py-$name"
  for f in "$cache/dl/$name"/*; do
    case $f in
      *.tar.gz) tar -C "$cache/src/py-$name" -xzf "$f" ;;
      *.whl | *.zip) python3 -m zipfile -e "$f" "$cache/src/py-$name" ;;
    esac
  done
done
for spec in "${npm[@]}"; do
  name=${spec%@*}
  [ -d "$cache/src/npm-$name" ] && continue
  mkdir -p "$cache/dl/npm-$name" "$cache/src/npm-$name"
  compgen -G "$cache/dl/npm-$name/*.tgz" >/dev/null || (cd "$cache/dl/npm-$name" && npm pack -q "$spec" >/dev/null)
  tar -C "$cache/src/npm-$name" -xzf "$cache/dl/npm-$name"/*.tgz
done
pairs=()
for d in "$cache"/src/*/; do pairs+=("$(basename "$d")=$d"); done
"$root/bench/noise.sh" "$bin" "${pairs[@]}"
