#!/usr/bin/python3
"""Side-by-side benchmarks of conv1d (plugins/signal), in one run on the same machine:

  depthwise causal conv1d + silu, (8, 1024, 4096) f32, K = 4 (Mamba's conv), against
  PyTorch's CPU conv1d + silu with torch.set_num_threads matching graphrun's threads;
  long convolution, 2^20 signal with a 2^16 kernel, f64, valid padding, against
  scipy.signal.correlate(mode='valid', method='fft').

Prints a Markdown table (peer/graphrun > 1: graphrun is faster). `--crossover` instead
sweeps K with the algorithm forced, to calibrate the direct/FFT cost model of
plugins/signal/fft_plan.cpp.

Usage: /usr/bin/python3 bench/bench_signal.py [--graphrun build/graphrun] [--threads 2] [--repeat N]
"""
import argparse
import os
import sys
import tempfile

import numpy as np
import scipy.signal
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from compare import ROOT, time_graphrun, time_peer, write  # noqa: E402


def bench_depthwise(tmp, exe, repeat, threads):
    batch, channels, length, width = 8, 1024, 4096, 4
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, channels, length), dtype=np.float32)
    w = (rng.standard_normal((channels, 1, width)) * 0.5).astype(np.float32)
    b = rng.standard_normal(channels).astype(np.float32)
    for name, value in (("x", x), ("w", w), ("b", b)):
        np.save(os.path.join(tmp, f"dw_{name}.npy"), value)
    graph = write(os.path.join(tmp, "depthwise.yaml"), f"""format: 1
graph: depthwise_bench
dtype: f32
inputs:
  x: {{shape: [{batch}, {channels}, {length}]}}
  w: {{shape: [{channels}, 1, {width}]}}
  b: {{shape: [{channels}]}}
nodes:
  - {{id: y, op: conv1d, in: [x, w, b], groups: {channels}, padding: causal, activation: silu}}
outputs: [y]
""")
    args = ["--threads", str(threads)] + [a for n in "xwb" for a in ("--input", f"{n}={tmp}/dw_{n}.npy")]
    g = time_graphrun(exe, graph, args, repeat)
    tx, tw, tb = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)

    def peer():  # mamba_ssm's causal_conv1d_ref: pad K-1 both sides, keep the first L, silu
        with torch.no_grad():
            return F.silu(F.conv1d(tx, tw, tb, padding=width - 1, groups=channels)[..., :length])

    p = time_peer(peer, repeat)
    gbs = 2 * x.nbytes / (g[0] / 1e3) / 1e9
    return (f"conv1d depthwise causal K=4 + silu, (8,1024,4096) f32, {threads} threads",
            f"torch conv1d+silu ({torch.get_num_threads()} threads)", g, p, 1.5, f"{gbs:.1f} GB/s")


def bench_long(tmp, exe, repeat, threads):
    n, k = 1 << 20, 1 << 16
    rng = np.random.default_rng(1)
    x = rng.standard_normal(n)
    w = rng.standard_normal(k)
    np.save(os.path.join(tmp, "long_x.npy"), x)
    np.save(os.path.join(tmp, "long_w.npy"), w.reshape(1, 1, k))
    graph = write(os.path.join(tmp, "long.yaml"), f"""format: 1
graph: long_conv_bench
dtype: f64
inputs:
  x: {{shape: [{n}]}}
  w: {{shape: [1, 1, {k}]}}
nodes:
  - {{id: y, op: conv1d, in: [x, w]}}
outputs: [y]
""")
    args = ["--threads", str(threads), "--input", f"x={tmp}/long_x.npy", "--input", f"w={tmp}/long_w.npy"]
    g = time_graphrun(exe, graph, args, repeat)
    p = time_peer(lambda: scipy.signal.correlate(x, w, mode="valid", method="fft"), repeat)
    return (f"conv1d 2^20 signal, 2^16 kernel, f64, valid (auto: fft), {threads} threads",
            "scipy.signal.correlate fft", g, p, 1.0, "")


def crossover(tmp, exe, repeat, threads):
    """Times direct against fft for growing K, for a general and a depthwise layout."""
    print("| layout | K | direct ms | fft ms | auto picks |")
    print("| --- | --- | --- | --- | --- |")
    for layout, (channels, groups, length) in {"1 channel": (1, 1, 1 << 16),
                                               "16 channels, groups 1": (16, 1, 1 << 13),
                                               "64 channels, depthwise": (64, 64, 1 << 13)}.items():
        for k in (4, 8, 16, 32, 64, 128, 256, 512):
            times = {}
            for algorithm in ("direct", "fft", "auto"):
                graph = write(os.path.join(tmp, "cross.yaml"), f"""format: 1
graph: crossover
dtype: f32
nodes:
  - {{id: xf, op: linspace, start: -1, stop: 1, num: {channels * length}}}
  - {{id: x, op: reshape, in: [xf], shape: [1, {channels}, {length}]}}
  - {{id: wf, op: linspace, start: -1, stop: 1, num: {channels * channels // groups * k}}}
  - {{id: w, op: reshape, in: [wf], shape: [{channels}, {channels // groups}, {k}]}}
  - {{id: y, op: conv1d, in: [x, w], groups: {groups}, padding: same, algorithm: {algorithm}}}
outputs: [y]
""")
                times[algorithm] = time_graphrun(exe, graph, ["--threads", str(threads)], repeat)[0]
            pick = "fft" if abs(times["auto"] - times["fft"]) < abs(times["auto"] - times["direct"]) else "direct"
            print(f"| {layout} | {k} | {times['direct']:.3f} | {times['fft']:.3f} | {pick} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--graphrun", default=os.path.join(ROOT, "build", "graphrun"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--crossover", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        if args.crossover:
            crossover(tmp, args.graphrun, args.repeat, args.threads)
            return
        rows = []
        for fn in (bench_depthwise, bench_long):
            what, peer, g, p, target, note = fn(tmp, args.graphrun, args.repeat, args.threads)
            rows.append((what, peer, g, p, p[0] / g[0], target, note))
            print(f"{what}: graphrun {g[0]:.3f} ms, {peer} {p[0]:.3f} ms", file=sys.stderr)
    print("| benchmark | graphrun median (min) ms | peer | peer median (min) ms | peer/graphrun | target | note |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for what, peer, g, p, ratio, target, note in rows:
        ok = "met" if ratio >= target else "NOT met"
        print(f"| {what} | {g[0]:.3f} ({g[1]:.3f}) | {peer} | {p[0]:.3f} ({p[1]:.3f}) | {ratio:.2f}x | "
              f">= {target:g}x ({ok}) | {note} |")


if __name__ == "__main__":
    main()
