#!/usr/bin/env python3
"""Inputs of the MPI examples in graphs/distributed/ (data/<graph>/<input>.npy), drawn from a
seeded generator. Their reference is the same graph run by one process: the examples show
that N ranks give one process's answers (tests/distributed/test_mpi_run.cpp).

Usage: /usr/bin/python3 tools/make_distributed_inputs.py
"""
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def save(graph, name, array):
    folder = os.path.join(ROOT, "graphs", "distributed", "data", graph)
    os.makedirs(folder, exist_ok=True)
    np.save(os.path.join(folder, name + ".npy"), array)


def main():
    rng = np.random.default_rng(2026)
    # 4 x 8192 chunks of the recurrence's scan: 1, 2 and 4 ranks hold whole chunks.
    steps = 4 * 8192
    save("scan_over_time", "a", (0.97 + 0.03 * rng.random((4, steps))).astype(np.float32))
    save("scan_over_time", "b", rng.standard_normal((4, steps)).astype(np.float32))
    rows = 10  # over 4 ranks: blocks of 3, 3, 2, 2
    save("rows_and_reductions", "x", rng.standard_normal((rows, 256)))
    save("rows_and_reductions", "t", np.sort(rng.random(256)) * 10)
    save("rows_and_reductions", "gain", rng.random((rows, 1)) + 0.5)
    save("mamba_batch", "x", rng.standard_normal((4, 64, 16)).astype(np.float32))


if __name__ == "__main__":
    main()
