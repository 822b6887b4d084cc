#!/usr/bin/env python3
"""Regenerates BIGRAM_LLR in src/rules/randomness.rs: the letter-bigram model of words
people write in code, against which `randomness::looks_random` judges a value.

The model is trained on the distinct words (camelCase and snake_case parts of 3+ letters)
of CPython's standard library sources, tests excluded: code identifiers, comments and
docstrings, i.e. what the names and placeholder values in a config look like. Each entry
is log2(P(b | a) / (1/26)) in sixteenths of a bit, add-one smoothed, clamped to i8.

usage: python3 src/rules/bigrams.py > /tmp/table.rs   (then paste over BIGRAM_LLR)
"""
import collections
import math
import os
import re
import sysconfig

STD = sysconfig.get_paths()["stdlib"]
words = collections.Counter()
for root, dirs, files in os.walk(STD):
    if "site-packages" in root or "/test" in root:
        continue
    for f in files:
        if f.endswith(".py"):
            text = open(os.path.join(root, f), encoding="utf-8", errors="ignore").read()
            for tok in re.findall(r"[A-Za-z]+", text):
                for part in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", tok):
                    if len(part) >= 3:
                        words[part.lower()] += 1
cnt = [[1] * 26 for _ in range(26)]
for w in words:
    for a, b in zip(w, w[1:]):
        cnt[ord(a) - 97][ord(b) - 97] += 1
print("const BIGRAM_LLR: [[i8; 26]; 26] = [")
for row in cnt:
    s = sum(row)
    vals = [max(-127, min(127, round(math.log2(c / s * 26) * 16))) for c in row]
    print("    [" + ", ".join(str(v) for v in vals) + "],")
print("];")
