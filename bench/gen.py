#!/usr/bin/env python3
"""Generates synthetic source files for tierzero's benchmarks.

Lines look like ordinary code; about one in ten mentions `key`, `token`, `secret` or
`password` (as real code does), so the keyword prefilter hits at a realistic rate.
No line holds a secret: the benchmark measures the cost of a clean commit.
"""
import random
import sys

WORDS = ["value", "items", "result", "config", "handler", "request", "response", "buffer",
         "index", "count", "user", "session", "client", "server", "path", "name", "data"]
HOT = ["api_key", "token", "secret_name", "password_field", "auth_header", "key_id"]


def line(rng):
    r = rng.random()
    a, b = rng.choice(WORDS), rng.choice(WORDS)
    if r < 0.10:
        h = rng.choice(HOT)
        return rng.choice([
            f"    {h} = os.environ.get('{h.upper()}')",
            f"    if {h} is None: raise ValueError('missing {h}')",
            f"    headers['{h}'] = {a}.{b}",
            f"    log.debug('using {h} for %s', {a})",
        ])
    return rng.choice([
        f"    {a}_{b} = compute_{a}({b}, {rng.randint(0, 9999)})",
        f"    for {a} in {b}_list: total += len({a})",
        f"def {a}_{b}_{rng.randint(0, 999)}(self, {a}, {b}=None):",
        f"    return {{'{a}': {a}, '{b}': {b}, 'n': {rng.randint(0, 99999)}}}",
        f"    # {a} {b}: keep this in sync with the {a} module",
        "",
    ])


def write_file(path, n_lines, seed):
    rng = random.Random(seed)
    with open(path, "w") as f:
        for _ in range(n_lines):
            f.write(line(rng) + "\n")


if __name__ == "__main__":
    # usage: gen.py PATH LINES SEED            one file
    #        gen.py --tree DIR FILES LINES     FILES files in 100 directories
    if sys.argv[1] == "--tree":
        import os
        root, files, lines = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        for i in range(files):
            d = os.path.join(root, f"pkg{i % 100}")
            os.makedirs(d, exist_ok=True)
            write_file(os.path.join(d, f"mod{i}.py"), lines, i)
    else:
        write_file(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
