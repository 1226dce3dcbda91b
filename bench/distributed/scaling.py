#!/usr/bin/env python3
"""Strong scaling of sharded runs from 1 to 2 MPI ranks (one thread each), and the cost of
one carry exchange of a distributed scan: the measurements behind docs/distributed.md's model.

    /usr/bin/python3 bench/distributed/scaling.py --graphrun build/graphrun [--rounds 3]

Inputs are drawn once (seeded) into build/bench-data/. Each round runs one rank, then two,
each with --repeat (graphrun's median of the runs after a warm-up); the table gives the
median over rounds. Needs mpirun (Open MPI) and a build with GRAPHRUN_MPI.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def save(path, make):
    if not os.path.exists(path):
        np.save(path, make())
    return path


def recurrence_inputs(data, rows, steps):
    rng = np.random.default_rng(11)
    a = save(f"{data}/rec_a_{rows}x{steps}.npy",
             lambda: (0.99 + 0.01 * rng.random((rows, steps), dtype=np.float32)).astype(np.float32))
    b = save(f"{data}/rec_b_{rows}x{steps}.npy", lambda: rng.standard_normal((rows, steps), dtype=np.float32))
    return [f"a={a}", f"b={b}"]


def selective_scan_inputs(data, B, D, N, L):
    rng = np.random.default_rng(12)
    tag = f"{B}x{D}x{N}x{L}"
    f32 = np.float32
    shapes = {"u": (B, D, L), "delta": (B, D, L), "Bm": (B, N, L), "Cm": (B, N, L), "z": (B, D, L)}
    args = [f"{k}={save(f'{data}/ss_{k}_{tag}.npy', lambda s=s: rng.standard_normal(s, dtype=f32))}" for k, s in shapes.items()]
    args.append(f"A={save(f'{data}/ss_A_{tag}.npy', lambda: -np.exp(rng.standard_normal((D, N), dtype=f32)))}")
    args.append(f"Dskip={save(f'{data}/ss_D_{tag}.npy', lambda: rng.standard_normal(D, dtype=f32))}")
    args.append(f"delta_bias={save(f'{data}/ss_db_{tag}.npy', lambda: rng.standard_normal(D, dtype=f32) - 2)}")
    return args


def median_ms(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{r.stderr}")
    m = re.search(r"time: median ([0-9.]+) ms", r.stderr)
    if not m:
        sys.exit(f"no time in the output of {' '.join(cmd)}:\n{r.stderr}")
    return float(m.group(1))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--graphrun", default=f"{ROOT}/build/graphrun")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--steps", type=int, default=1 << 21, help="time steps of the recurrence per rank (the issue: 64 x 2^22 in all)")
    p.add_argument("--exchange", default=f"{ROOT}/build/graphrun_carry_exchange")
    a = p.parse_args()
    data = f"{ROOT}/build/bench-data"
    os.makedirs(data, exist_ok=True)
    rows = 64
    workloads = [
        (f"recurrence {rows} x {2 * a.steps} f32, time sharded (per rank {rows} x {a.steps})",
         f"{ROOT}/bench/distributed/recurrence_time.yaml", recurrence_inputs(data, rows, 2 * a.steps)),
        ("selective_scan (4, 1024, 16, 2048) f32, batch sharded",
         f"{ROOT}/bench/distributed/selective_scan_batch.yaml", selective_scan_inputs(data, 4, 1024, 16, 2048)),
    ]
    print("| workload | 1 rank ms | 2 ranks ms | speed-up | rounds |")
    print("| --- | --- | --- | --- | --- |")
    for name, graph, inputs in workloads:
        args = ["run", graph, "--threads", "1", "--repeat", str(a.repeat), "-q"]
        for i in inputs:
            args += ["--input", i]
        one, two = [], []
        for _ in range(a.rounds):
            one.append(median_ms([a.graphrun] + args))
            two.append(median_ms(["mpirun", "-n", "2", "--bind-to", "core", a.graphrun] + args))
        m1, m2 = statistics.median(one), statistics.median(two)
        print(f"| {name} | {m1:.1f} | {m2:.1f} | {m1 / m2:.2f}x | {a.rounds} |")
    if os.path.exists(a.exchange):
        r = subprocess.run(["mpirun", "-n", "2", "--bind-to", "core", a.exchange, str(rows), str(a.steps)],
                           capture_output=True, text=True, env=ENV)
        print()
        print(r.stdout.strip() or r.stderr.strip())


if __name__ == "__main__":
    main()
