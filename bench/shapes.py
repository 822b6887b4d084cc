#!/usr/bin/env python3
"""Generates the pathological input shapes of bench/shapes.sh.

usage: shapes.py SHAPE MEGABYTES OUT

Shapes (none holds a secret: the benchmark measures what a clean file of that shape costs):
  b64-line        random base64 on one line (an inline image, a recorded response body)
  b64-wrapped     the same, wrapped at 76 columns (the linear reference)
  data-uri-line   one JSON line of notebook outputs: data:image/png;base64,... URIs
  minified-line   one line of minified JavaScript, `apiKey:`/`token` every few hundred bytes
  service-account `"type": "service_account",` lines (a keyword hit of a multiline rule on
                  every line, no private key anywhere)
  service-account-redacted  service-account records whose private_key is redacted (the
                  keyword and the "private_key" literal on every record, no PEM block)
  team-multiline  `session: ...` lines: every line hits the keyword of the multiline team
                  rule in bench/shapes.toml, whose regex never matches
"""
import base64
import random
import sys

shape, megabytes, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
size = int(megabytes * 1_000_000)
rng = random.Random(15)


def b64(n):
    raw = rng.randbytes(n * 3 // 4 + 3)
    return base64.b64encode(raw)[:n]


with open(out, "wb") as f:
    if shape == "b64-line":
        f.write(b64(size - 1) + b"\n")
    elif shape == "b64-wrapped":
        body = b64(size * 76 // 77)
        for i in range(0, len(body), 76):
            f.write(body[i:i + 76] + b"\n")
    elif shape == "data-uri-line":
        parts, n = [], 0
        while n < size:
            uri = b'"data:image/png;base64,' + b64(rng.randint(20_000, 200_000)) + b'"'
            parts.append(uri)
            n += len(uri) + 2
        f.write(b'{"outputs": [' + b", ".join(parts) + b"]}\n")
    elif shape == "minified-line":
        words = [b"apiKey:e.apiKey", b"token:t.token||null", b"secret:void 0",
                 b"password:n", b"authorization:r.headers.authorization"]
        n, line = 0, []
        while n < size:
            chunk = (b"function(e,t,n){var r=" + rng.choice(words) + b";return "
                     + b"".join(rng.choice([b"a", b"b", b"c", b"(", b")", b".", b"x", b"0"])
                                for _ in range(rng.randint(100, 400))) + b"};")
            line.append(chunk)
            n += len(chunk)
        f.write(b"".join(line) + b"\n")
    elif shape == "service-account":
        n = 0
        while n < size:
            line = b'  "type": "service_account", "project_id": "p-%d",\n' % n
            f.write(line)
            n += len(line)
    elif shape == "service-account-redacted":
        n = 0
        while n < size:
            rec = (b'  {"type": "service_account", "project_id": "p-%d",\n'
                   b'   "private_key": "REDACTED", "client_email": "ci@p-%d.iam"},\n' % (n, n))
            f.write(rec)
            n += len(rec)
    elif shape == "team-multiline":
        n = 0
        while n < size:
            line = b"session: %s\n" % b64(40)
            f.write(line)
            n += len(line)
    else:
        sys.exit(f"shapes.py: unknown shape {shape!r}")
