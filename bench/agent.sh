#!/usr/bin/env bash
# Benchmarks one `tierzero agent claude-code` decision (what an agent runs on every tool
# call) for typical payloads: a Write of a 60-line Python file, an Edit, a Bash command,
# a Read of a 300-line source file, a prompt, and a refused Write (a key in the content).
# Needs: cargo, git, python3, hyperfine. Prints hyperfine's Markdown table.
#
# usage: bench/agent.sh [WORKDIR]     (default: a fresh temp dir)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=${1:-$(mktemp -d)}
runs=${RUNS:-50}

command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (apt-get install hyperfine)" >&2; exit 2; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/tierzero"

export GIT_CONFIG_NOSYSTEM=1 HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config"
mkdir -p "$HOME" "$work/repo/src"
git -C "$work/repo" init -q
cd "$work"

python3 - "$work/repo" <<'EOF'
import json, os, random, sys
repo = sys.argv[1]
random.seed(7)
def py(lines):
    out = ["import os", "import json", ""]
    for i in range(lines):
        k = random.choice(["value", "token_count", "api_url", "secret_name", "retries"])
        out.append(f"    {k}_{i} = compute({i}, os.environ.get('X_{i}'))  # step {i}")
    return "\n".join(out) + "\n"
open(os.path.join(repo, "src/service.py"), "w").write(py(300))
def claude(event, tool, tool_input, **extra):
    d = {"session_id": "bench", "transcript_path": os.path.join(repo, "t.jsonl"), "cwd": repo,
         "permission_mode": "default", "hook_event_name": event, "tool_name": tool,
         "tool_input": tool_input, "tool_use_id": "toolu_bench"}
    d.update(extra)
    return d
# A key assembled at run time (never a complete literal in this file).
key = "sk-proj-" + "pvXWSzAivbqVLuhcmpkbSJ-NN2JyfLW-guyj4tAO_E5v07kFKcODg7E2nELty51vi4L87M_Jpb" + "T3BlbkFJ" + "pHW__LmXO5v_EeKPgkmeVlw3dBYsuNnuLy8ae1e-lsyj0PSGZVfGqq_v3Y8iQVZHWPfDw1u5N-"
payloads = {
    "write": claude("PreToolUse", "Write", {"file_path": os.path.join(repo, "src/new.py"), "content": py(60)}),
    "edit": claude("PreToolUse", "Edit", {"file_path": os.path.join(repo, "src/service.py"),
                   "old_string": "    retries_3 = 3", "new_string": "    retries_3 = 5\n    timeout = 30", "replace_all": False}),
    "bash": claude("PreToolUse", "Bash", {"command": "cargo test --workspace 2>&1 | tail -n 40", "description": "tests"}),
    "read": claude("PreToolUse", "Read", {"file_path": os.path.join(repo, "src/service.py")}),
    "prompt": {"session_id": "bench", "cwd": repo, "hook_event_name": "UserPromptSubmit",
               "prompt": "Refactor the retry logic in src/service.py and add tests for the timeout path."},
    "write-key": claude("PreToolUse", "Write", {"file_path": os.path.join(repo, "src/cfg.py"),
                        "content": py(60) + f'OPENAI_API_KEY = "{key}"\n'}),
}
for name, p in payloads.items():
    json.dump(p, open(f"{name}.json", "w"))
EOF

args=()
for p in write edit bash read prompt write-key; do
  args+=(-n "$p" "$bin agent claude-code < $work/$p.json")
done
hyperfine --warmup 10 --runs "$runs" --export-json "$work/agent.json" "${args[@]}" >&2
# Wall-clock median and minimum, and CPU time (user + system): on a loaded machine the
# wall clock includes waiting for a core, the CPU time does not.
python3 - "$work/agent.json" <<'PY'
import json, statistics, sys
print("| payload | median ms | min ms | CPU (user+sys) ms |")
print("|---|---|---|---|")
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"| {r['command']} | {statistics.median(r['times'])*1e3:.1f} | {r['min']*1e3:.1f} | {(r['user']+r['system'])*1e3:.1f} |")
PY
