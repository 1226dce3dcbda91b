#!/usr/bin/python3
"""How close each op family is to this machine's limits (issue 11 item 3).

1. The limits, measured here by bench/roofline_probe.c, compiled at run time
   (gcc -O3 -march=native -fopenmp, one thread per core): memory bandwidth as STREAM's triad
   over 3 x 256 MiB of doubles (24 bytes per element, STREAM's count), and peak arithmetic as
   12 independent chains of 512-bit FMAs per thread, f32 and f64.
2. For each op family, a workload of the side-by-side benchmarks (the sizes of compare.py,
   bench_calculus.py, bench_sequence.py, bench_signal.py and compilers/bench_compilers.py),
   its bound = max(bytes / bandwidth, flops / peak of its dtype), and graphrun's time over it.

Counting, stated once so that each row can be checked:
  bytes  each input read once and each output written once (no cache reuse lost, no
         write-allocate read: STREAM's convention, the same as the bandwidth's).
  flops  the arithmetic the op's definition states, an FMA as 2; each transcendental
         function (exp, tanh, log, cos, softplus, and the exp inside silu) counted as 10 flops,
         about what a vectorized polynomial with its range reduction costs. FFT: 2.5 N log2 N
         per real FFT of N points. These are estimates of the work, not of graphrun's code.

Two ratios: graphrun's `--repeat` median over the bound, and its min over the bound. On a
loaded machine the wall clock also counts the time others hold the cores, so the min is the
steadier figure there. A row is marked (**far**) when even the min is more than 2x the bound.

Usage: /usr/bin/python3 bench/roofline.py [--graphrun build/graphrun] [--only NAME] [--repeat N]
"""
import argparse
import math
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "peers"))
from workloads import scan_inputs  # noqa: E402
TRANSCENDENTAL = 10  # flops counted per exp, tanh, log, cos, softplus (see the docstring)
SILU = 3 + TRANSCENDENTAL  # x / (1 + exp(-x))


def measure_machine(tmp):
    exe = os.path.join(tmp, "roofline_probe")
    subprocess.run(["gcc", "-O3", "-march=native", "-fopenmp", os.path.join(HERE, "roofline_probe.c"), "-o", exe],
                   check=True)
    out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    return {k: float(v) for k, v in (line.split() for line in out.splitlines())}


class Workload:
    """A graph (dtype, inputs, nodes, outputs), its compulsory bytes and its flops."""

    def __init__(self, name, what, dtype, inputs, nodes, outputs, nbytes, flops, note=""):
        self.name, self.what, self.dtype, self.inputs = name, what, dtype, inputs
        self.nodes, self.outputs, self.nbytes, self.flops, self.note = nodes, outputs, nbytes, flops, note

    def graph(self):
        lines = ["format: 1", f"graph: {self.name}", f"dtype: {self.dtype}"]
        if self.inputs:
            lines += ["inputs:"] + [f"  {k}: {{shape: {list(v.shape)}}}" for k, v in self.inputs.items()]
        lines += ["nodes:"] + [f"  - {n}" for n in self.nodes] + [f"outputs: [{', '.join(self.outputs)}]"]
        return "\n".join(lines) + "\n"


def size_of(*arrays_or_counts, itemsize):
    return itemsize * sum(a.size if hasattr(a, "size") else a for a in arrays_or_counts)


def workloads():
    rng = np.random.default_rng(0)
    f32 = np.float32
    out = []

    n = 1 << 25
    x = rng.standard_normal(n, dtype=f32)
    out.append(Workload("expr", "elementwise chain silu(x)*tanh(x)+0.5*exp(-x^2), 2^25 f32", "f32", {"x": x},
                        ['{id: y, op: expr, in: {x: x}, expr: "silu(x) * tanh(x) + 0.5 * exp(-x^2)"}'], ["y"],
                        8 * n, n * (SILU + TRANSCENDENTAL + 1 + 3 + TRANSCENDENTAL + 2)))
    out.append(Workload("sum", "reduction sum of 2^25 f32", "f32", {"x": x}, ["{id: s, op: sum, in: [x]}"], ["s"],
                        4 * n, n))
    m = x.reshape(1 << 12, 1 << 13)
    out.append(Workload("max", "reduction max over the last axis, (2^12, 2^13) f32", "f32", {"x": m},
                        ["{id: s, op: max, in: [x], axis: [-1]}"], ["s"], 4 * n + 4 * (1 << 12), n))

    xd = rng.standard_normal(n)
    out.append(Workload("derivative", "derivative (central), 2^25 f64", "f64", {"x": xd},
                        ["{id: y, op: derivative, in: {x: x}, dx: 0.5}"], ["y"], 16 * n, 2 * n))
    out.append(Workload("integrate", "integrate (cumulative trapezoid), 2^25 f64", "f64", {"x": xd},
                        ["{id: y, op: integrate, in: {x: x}, dx: 0.5}"], ["y"], 16 * n, 3 * n))

    # x' = r x (1 - x): 3 flops per evaluation; x + c*k: 2; per step:
    per_step = {"euler": 3 + 2, "heun": 2 * 3 + 2 + 4, "rk4": 4 * 3 + 3 * 2 + 8,
                "ab2": 3 + 4, "ab3": 3 + 6, "ab4": 3 + 8}
    n_ode, steps = 1 << 20, 100
    ode_in = {"x0": rng.uniform(0.05, 0.95, n_ode), "r": rng.uniform(0.5, 3.0, n_ode)}
    for method, flops in per_step.items():
        out.append(Workload(f"ode_{method}", f"ode {method}, 2^20 logistic f64 x {steps} steps", "f64", ode_in,
                            [f'{{id: y, op: ode, in: {{x: x0, r: r}}, rhs: {{x: "r * x * (1 - x)"}}, '
                             f"method: {method}, dt: 0.01, steps: {steps}}}"], ["y"],
                            24 * n_ode, flops * steps * n_ode))

    channels, length = 64, 1 << 18
    rec = {"a": rng.uniform(0.5, 0.999, (channels, 1)).astype(f32),
           "b": rng.standard_normal((channels, length)).astype(f32)}
    out.append(Workload("recurrence", "recurrence 64 x 2^18 f32", "f32", rec, ["{id: h, op: recurrence, in: [a, b]}"],
                        ["h"], 8 * channels * length, 2 * channels * length))

    b_, d_, n_, l_ = 4, 64, 16, 4096
    ssm = {"u": rng.standard_normal((b_, d_, l_)).astype(f32), "A": -rng.uniform(0.01, 1, (d_, n_)).astype(f32),
           "B": rng.standard_normal((d_, n_)).astype(f32), "C": rng.standard_normal((d_, n_)).astype(f32)}
    ssm_bytes = size_of(ssm["u"], ssm["u"], b_ * d_ * n_, itemsize=4)
    rec_flops = 6 * b_ * d_ * l_ * n_  # h = abar h + bbar u (mul + FMA), y += C h (FMA)
    fft = 2 * l_
    conv_flops = (4 * d_ * n_ * l_ + d_ * 2.5 * fft * math.log2(fft)
                  + b_ * d_ * (2 * 2.5 * fft * math.log2(fft) + 6 * fft / 2))
    for mode, flops, note in (("recurrent", rec_flops, ""),
                              ("convolution", conv_flops, "flops: kernel Σ_n C Ā^l B̄, FFTs of 2L")):
        out.append(Workload(f"ssm_{mode}", f"ssm {mode} (4, 64, 16, 4096) f32", "f32", ssm,
                            [f"{{id: s, op: ssm, in: {{u: u, A: A, B: B, C: C}}, dt: 0.05, mode: {mode}}}"],
                            ['"s:y"', '"s:final"'], ssm_bytes, flops, note))

    for shape in ((1, 256, 16, 1024), (4, 1024, 16, 2048)):
        b_, d_, n_, l_ = shape
        scan = scan_inputs(shape, rng)
        ports = ", ".join(f"{k}: {k}" for k in scan)
        # per (b, d, t): bias + softplus, delta*u, D skip (FMA), silu(z) and the product;
        # per state: exp(delta*A), h = dA h + (delta u) B (mul + FMA), y += C h (FMA)
        per_bdt = 1 + TRANSCENDENTAL + 1 + 2 + SILU + 1 + n_ * (1 + TRANSCENDENTAL + 3 + 2)
        out.append(Workload(f"scan_{b_}_{d_}", "selective_scan (%d, %d, %d, %d) f32, all options" % shape, "f32",
                            scan, [f"{{id: s, op: selective_scan, in: {{{ports}}}, delta_softplus: true}}"], ['"s:y"'],
                            size_of(*scan.values(), b_ * d_ * l_, itemsize=4), per_bdt * b_ * d_ * l_))

    batch, inputs_n, hidden, length = 8, 64, 128, 1024
    bound = 1 / np.sqrt(hidden)
    rnn = {"x": rng.standard_normal((batch, inputs_n, length)).astype(f32),
           "W_hh": rng.uniform(-bound, bound, (hidden, hidden)).astype(f32),
           "W_xh": rng.uniform(-bound, bound, (hidden, inputs_n)).astype(f32),
           "b": rng.uniform(-bound, bound, hidden).astype(f32)}
    out.append(Workload("rnn", "rnn batch 8, input 64, hidden 128, L 1024 f32", "f32", rnn,
                        ["{id: r, op: rnn, in: {x: x, W_hh: W_hh, W_xh: W_xh, b: b}}"], ['"r:out"', '"r:final"'],
                        size_of(*rnn.values(), batch * hidden * (length + 1), itemsize=4),
                        batch * length * (2 * hidden * (hidden + inputs_n) + hidden * (1 + TRANSCENDENTAL))))

    batch, chans, length, width = 8, 1024, 4096, 4
    conv = {"x": rng.standard_normal((batch, chans, length)).astype(f32),
            "w": (rng.standard_normal((chans, 1, width)) * 0.5).astype(f32),
            "b": rng.standard_normal(chans).astype(f32)}
    n_conv = batch * chans * length
    out.append(Workload("conv1d_direct", "conv1d depthwise causal K=4 + silu, (8, 1024, 4096) f32", "f32", conv,
                        [f"{{id: y, op: conv1d, in: [x, w, b], groups: {chans}, padding: causal, activation: silu}}"],
                        ["y"], 8 * n_conv, n_conv * (2 * width + 1 + SILU)))

    sig, ker = 1 << 20, 1 << 16
    fft_in = {"x": rng.standard_normal((1, 1, sig)), "w": rng.standard_normal((1, 1, ker))}
    outputs = sig - ker + 1
    blocks = math.ceil(outputs / (2 * ker - ker + 1))
    fft_flops = (blocks * (2 * 2.5 * 2 * ker * math.log2(2 * ker) + 6 * ker) + 2.5 * 2 * ker * math.log2(2 * ker))
    out.append(Workload("conv1d_fft", "conv1d 2^20 signal, 2^16 kernel, f64, valid (fft)", "f64", fft_in,
                        ["{id: y, op: conv1d, in: [x, w], algorithm: fft}"], ["y"], 8 * (sig + ker + outputs),
                        fft_flops, "flops: overlap-save with FFTs of 2K (an estimate)"))

    mm, kk, nn = 4096, 1024, 1024
    lin = {"x": rng.standard_normal((mm, kk)).astype(f32), "W": rng.standard_normal((nn, kk)).astype(f32)}
    out.append(Workload("linear", "linear (4096,1024)x(1024,1024)^T f32", "f32", lin,
                        ["{id: y, op: linear, in: {x: x, W: W}}"], ["y"], 4 * (mm * kk + nn * kk + mm * nn),
                        2 * mm * kk * nn))

    draws = 10 ** 7
    out.append(Workload("random", "random normal 10^7 f32", "f32", {},
                        [f"{{id: y, op: random, shape: [{draws}], dist: normal, seed: 1}}"], ["y"], 4 * draws,
                        draws * (2 * TRANSCENDENTAL + 20),
                        "flops: log + cos, and ~20 for Philox and the scaling (an estimate)"))
    return out


def run_graphrun(exe, tmp, w, repeat):
    """(median ms, min ms) of graphrun's --repeat runs of the graph."""
    graph = os.path.join(tmp, w.name + ".yaml")
    with open(graph, "w") as f:
        f.write(w.graph())
    args = [exe, "run", graph, "--quiet", "--repeat", str(repeat)]
    for k, v in w.inputs.items():
        path = os.path.join(tmp, f"{w.name}.{k}.npy")
        np.save(path, v)
        args += ["--input", f"{k}={path}"]
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"graphrun failed on {w.name}:\n{out.stderr}")
    m = re.search(r"time: median ([\d.]+) ms, min ([\d.]+) ms", out.stderr)
    return float(m.group(1)), float(m.group(2))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graphrun", default=os.path.join(ROOT, "build", "graphrun"))
    ap.add_argument("--only", action="append")
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        m = measure_machine(tmp)
        bw = m["triad_cpu"]
        peak = {"f32": m["fma32_cpu"], "f64": m["fma64_cpu"]}
        print(f"Machine ({m['threads']:.0f} threads, bench/roofline_probe.c): STREAM triad {m['triad']:.1f} GB/s wall, "
              f"{bw:.1f} GB/s per CPU second (used); copy {m['copy']:.1f} / {m['copy_cpu']:.1f} GB/s; "
              f"FMA peak f32 {m['fma32']:.0f} / {peak['f32']:.0f} GFLOP/s, f64 {m['fma64']:.0f} / "
              f"{peak['f64']:.0f} GFLOP/s (wall / per CPU second, used).\n")
        print("| op family: workload | bytes | flops | bound ms | limited by | graphrun median (min) ms "
              "| median / bound | min / bound | note |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for w in workloads():
            if args.only and w.name not in args.only:
                continue
            mem_ms = w.nbytes / (bw * 1e9) * 1e3
            flop_ms = w.flops / (peak[w.dtype] * 1e9) * 1e3
            bound = max(mem_ms, flop_ms)
            median, low = run_graphrun(args.graphrun, tmp, w, args.repeat)
            far = " (**far**)" if low / bound > 2 else ""
            print(f"| {w.what}{far} | {w.nbytes / 1e6:.0f} MB | {w.flops / 1e9:.3g} G | {bound:.3g} | "
                  f"{'memory' if mem_ms >= flop_ms else 'compute'} | {median:.3g} ({low:.3g}) | "
                  f"{median / bound:.1f} | {low / bound:.1f} | {w.note} |", flush=True)


if __name__ == "__main__":
    main()
