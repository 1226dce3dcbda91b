#!/usr/bin/python3
"""Checks the polynomial of plugins/sequence/decay-inl.h: Cephes' exp2f coefficients in f32,
evaluated by Horner with one rounding per multiply-add as the FMA targets do, stay under 1 ulp
of 2^f on [-1/2, 1/2]. Exits 1 if not.

Usage: /usr/bin/python3 tools/check_decay_polynomial.py"""
import re
import sys
from pathlib import Path

import numpy as np

source = (Path(__file__).resolve().parent.parent / "plugins/sequence/decay-inl.h").read_text()
body = source[source.index("V p = hn::Set(d, "):source.index("// r clamped")]
coefficients = [np.float32(float(c)) for c in re.findall(r"([0-9][0-9.]*e[+-]?[0-9]+|1\.0)f", body)]
f = np.linspace(-0.5, 0.5, 2_000_001).astype(np.float32)
p = np.full_like(f, coefficients[0])
for c in coefficients[1:]:  # a fused multiply-add: exact in f64 for f32 operands, then rounded once
    p = (p.astype(np.float64) * f + np.float64(c)).astype(np.float32)
exact = np.exp2(f.astype(np.float64))
ulps = np.abs(p - exact) / np.spacing(exact.astype(np.float32)).astype(np.float64)
print(f"{len(coefficients)} coefficients, max error {ulps.max():.3f} ulp on [-1/2, 1/2]")
sys.exit(0 if len(coefficients) == 7 and ulps.max() < 1 else 1)
