#!/usr/bin/python3
"""Writes test/fixtures/zfec-blocks.json: blocks made by zfec itself, to cross-check the codec.

Needs Debian's python3-zfec (`apt-get install python3-zfec`); the tests only read the JSON.
Run: /usr/bin/python3 packages/codec/scripts/gen-zfec-fixture.py &&
     npx prettier --write packages/codec/test/fixtures
"""
import json
import os
import random

import zfec

# (k, n, block length): edges of the parameter space and a few ordinary codes.
CASES = [
    (1, 1, 4), (1, 4, 5), (2, 3, 7), (3, 10, 33), (4, 4, 3), (7, 12, 17), (13, 20, 9),
    (25, 60, 5), (2, 256, 3), (101, 256, 3), (200, 256, 2), (255, 256, 2), (256, 256, 1),
]

rng = random.Random(20240611)
cases = []
for k, n, length in CASES:
    inputs = [bytes(rng.randrange(256) for _ in range(length)) for _ in range(k)]
    shares = zfec.Encoder(k, n).encode(inputs)
    cases.append({
        "k": k,
        "n": n,
        "inputs": [b.hex() for b in inputs],
        "parity": [bytes(b).hex() for b in shares[k:]],
    })

out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "zfec-blocks.json")
with open(out, "w") as f:
    json.dump({
        "source": "zfec " + zfec.__version__ + " (Debian python3-zfec), by scripts/gen-zfec-fixture.py",
        "cases": cases,
    }, f, indent=1)
    f.write("\n")
