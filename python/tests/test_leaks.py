"""Reference counting: 10 000 runs (inputs in, outputs out and dropped) do not grow the
process's resident memory."""

from __future__ import annotations

import gc

import numpy as np

import graphrun as gr


def resident_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_ten_thousand_runs_do_not_leak(test_graphs):
    g = gr.load(test_graphs / "affine_tanh.yaml", threads=1)
    x = np.linspace(-1, 1, 4096, dtype=np.float32)  # 16 KiB in, 16 KiB out per run
    for _ in range(500):
        g.run(x=x)
    gc.collect()
    before = resident_bytes()
    for _ in range(10_000):
        out = g.run(x=x)
        del out
    gc.collect()
    grown = resident_bytes() - before
    # A leaked output per run would be 160 MB; a leaked input reference pins x only, so
    # count references too.
    assert grown < 8 * 2**20, f"resident memory grew by {grown / 2**20:.1f} MiB"
    import sys
    assert sys.getrefcount(x) == 2
