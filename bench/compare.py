#!/usr/bin/env python3
"""Side-by-side benchmarks: the same work through `graphrun run --repeat` and through its
peer (numpy here), in one run, on the same machine. Prints a Markdown table with the
ratio peer/graphrun (> 1: graphrun is faster) and the target each benchmark must reach.

Usage: /usr/bin/python3 bench/compare.py [--graphrun build/graphrun] [--only NAME] [--repeat N]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def time_peer(fn, repeat):
    """Median and min milliseconds of fn() after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), min(times)


def time_graphrun(exe, graph, args, repeat, env=None):
    """Median and min milliseconds from graphrun's `time:` line."""
    cmd = [exe, "run", graph, "--quiet", "--repeat", str(repeat)] + args
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"graphrun failed: {' '.join(cmd)}\n{out.stderr}")
    m = re.search(r"time: median ([\d.]+) ms, min ([\d.]+) ms, runs (\d+)", out.stderr)
    return float(m.group(1)), float(m.group(2))


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def bench_expr(tmp, exe, repeat):
    n = 1 << 25
    x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    np.save(os.path.join(tmp, "x.npy"), x)
    graph = write(os.path.join(tmp, "expr.yaml"), f"""format: 1
graph: expr_bench
dtype: f32
inputs:
  x: {{shape: [{n}]}}
nodes:
  - {{id: y, op: expr, in: {{x: x}}, expr: "silu(x) * tanh(x) + 0.5 * exp(-x^2)"}}
outputs: [y]
""")

    def peer():
        return x / (1 + np.exp(-x)) * np.tanh(x) + np.float32(0.5) * np.exp(-(x * x))

    g = time_graphrun(exe, graph, ["--input", f"x={tmp}/x.npy"], repeat)
    p = time_peer(peer, repeat)
    return "expr silu(x)*tanh(x)+0.5*exp(-x^2), 2^25 f32", "numpy", g, p, 10.0, f"{2 * 4 * n / (g[0] / 1e3) / 1e9:.1f} GB/s"


def bench_chain(tmp, exe, repeat):
    nodes = 1000
    lines = ["format: 1", "graph: chain", "dtype: f32", "nodes:",
             "  - {id: n0, op: random, shape: [16], seed: 1}"]
    for i in range(1, nodes + 1):
        op = "neg" if i % 2 else "abs"
        lines.append(f"  - {{id: n{i}, op: {op}, in: [n{i - 1}]}}")
    lines.append(f"outputs: [n{nodes}]")
    graph = write(os.path.join(tmp, "chain.yaml"), "\n".join(lines) + "\n")
    x = np.random.default_rng(0).random(16).astype(np.float32)

    def peer():
        y = x
        for i in range(1, nodes + 1):
            y = np.negative(y) if i % 2 else np.abs(y)
        return y

    # A run takes a fraction of a millisecond: more runs keep the median steady.
    g = time_graphrun(exe, graph, ["--no-fuse"], max(repeat, 50))
    p = time_peer(peer, max(repeat, 50))
    per_node = g[0] * 1e3 / (nodes + 1)
    return (f"scheduler: chain of {nodes} tiny nodes (16 f32, --no-fuse)", "numpy", g, p, 1.0,
            f"{per_node:.3f} us/node vs numpy {p[0] * 1e3 / nodes:.3f} us/op")


def bench_linear(tmp, exe, repeat):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4096, 1024)).astype(np.float32)
    w = rng.standard_normal((1024, 1024)).astype(np.float32)
    np.save(os.path.join(tmp, "lx.npy"), x)
    np.save(os.path.join(tmp, "lw.npy"), w)
    graph = write(os.path.join(tmp, "linear.yaml"), """format: 1
graph: linear_bench
dtype: f32
inputs:
  x: {shape: [4096, 1024]}
  W: {shape: [1024, 1024]}
nodes:
  - {id: y, op: linear, in: {x: x, W: W}}
outputs: [y]
""")
    g = time_graphrun(exe, graph, ["--input", f"x={tmp}/lx.npy", "--input", f"W={tmp}/lw.npy"], repeat)
    p = time_peer(lambda: x @ w.T, repeat)
    flops = 2 * 4096 * 1024 * 1024
    return "linear (4096,1024)x(1024,1024)^T f32", "numpy matmul", g, p, 1.0, f"{flops / (g[0] / 1e3) / 1e9:.0f} GFLOP/s"


def memory_bandwidth(repeat):
    """GB/s of a plain copy of 2^25 f32 (one read + one write), the physical limit that an
    elementwise kernel over the same bytes approaches."""
    a = np.ones(1 << 25, dtype=np.float32)
    b = np.empty_like(a)
    median, _ = time_peer(lambda: np.copyto(b, a), repeat)
    return 2 * a.nbytes / (median / 1e3) / 1e9


BENCHES = {"expr": bench_expr, "chain": bench_chain, "linear": bench_linear}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--graphrun", default=os.path.join(ROOT, "build", "graphrun"))
    ap.add_argument("--only", action="append")
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, fn in BENCHES.items():
            if args.only and name not in args.only:
                continue
            what, peer, g, p, target, note = fn(tmp, args.graphrun, args.repeat)
            ratio = p[0] / g[0]
            rows.append((what, peer, g, p, ratio, target, note))
            print(f"{what}: graphrun {g[0]:.3f} ms, {peer} {p[0]:.3f} ms, ratio {ratio:.2f}", file=sys.stderr)
    print(f"Memory bandwidth (numpy copy of 2^25 f32, read + write): {memory_bandwidth(args.repeat):.1f} GB/s\n")
    print("| benchmark | graphrun median (min) ms | peer | peer median (min) ms | peer/graphrun | target | note |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for what, peer, g, p, ratio, target, note in rows:
        ok = "met" if ratio >= target else "NOT met"
        print(f"| {what} | {g[0]:.3f} ({g[1]:.3f}) | {peer} | {p[0]:.3f} ({p[1]:.3f}) | {ratio:.2f}x | >= {target:g}x ({ok}) | {note} |")


if __name__ == "__main__":
    main()
