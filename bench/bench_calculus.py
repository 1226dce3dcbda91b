#!/usr/bin/python3
"""Side-by-side benchmarks of the calculus plugin, in one run on the same machine:

  derivative  2^25 float64 samples, central differences   vs numpy.gradient
  integrate   2^25 float64 samples, trapezoid rule         vs scipy's cumulative_trapezoid
  ode rk4     2^20 logistic equations x' = r x (1 - x), r per element, 100 steps
              vs the same RK4 written with numpy arrays

Prints a Markdown table: graphrun vs peer, the ratio peer/graphrun (> 1: graphrun is faster)
and the target. graphrun's time is its `--repeat` median (execution only).

Usage: /usr/bin/python3 bench/bench_calculus.py [--graphrun build/graphrun] [--only NAME] [--repeat N]
"""
import os
import sys

import numpy as np
from scipy.integrate import cumulative_trapezoid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
from compare import time_graphrun, time_peer, write  # noqa: E402


def along_axis(tmp, exe, repeat, name, node, peer, seed):
    """graphrun's `node` (reading input x, writing y) against peer(x) on 2^25 float64 samples."""
    n = 1 << 25
    x = np.random.default_rng(seed).standard_normal(n)
    np.save(os.path.join(tmp, name + ".npy"), x)
    graph = write(os.path.join(tmp, name + ".yaml"), f"""format: 1
graph: {name}_bench
dtype: f64
inputs:
  x: {{shape: [{n}]}}
nodes:
  - {node}
outputs: [y]
""")
    g = time_graphrun(exe, graph, ["--input", f"x={tmp}/{name}.npy"], repeat)
    p = time_peer(lambda: peer(x), repeat)
    return g, p, f"{2 * 8 * n / (g[0] / 1e3) / 1e9:.1f} GB/s"


def bench_derivative(tmp, exe, repeat):
    g, p, note = along_axis(tmp, exe, repeat, "derivative", "{id: y, op: derivative, in: {x: x}, dx: 0.5}",
                            lambda x: np.gradient(x, 0.5), 0)
    return "derivative (central) of 2^25 f64", "numpy.gradient", g, p, 2.0, note


def bench_integrate(tmp, exe, repeat):
    g, p, note = along_axis(tmp, exe, repeat, "integrate", "{id: y, op: integrate, in: {x: x}, dx: 0.5}",
                            lambda x: cumulative_trapezoid(x, dx=0.5, initial=0), 1)
    return "integrate (trapezoid) of 2^25 f64", "scipy cumulative_trapezoid", g, p, 2.0, note


def bench_rk4(tmp, exe, repeat):
    n, steps, dt = 1 << 20, 100, 0.01
    rng = np.random.default_rng(2)
    x0, r = rng.uniform(0.05, 0.95, n), rng.uniform(0.5, 3.0, n)
    np.save(os.path.join(tmp, "x0.npy"), x0)
    np.save(os.path.join(tmp, "r.npy"), r)
    graph = write(os.path.join(tmp, "rk4.yaml"), f"""format: 1
graph: rk4_bench
dtype: f64
inputs:
  x0: {{shape: [{n}]}}
  r: {{shape: [{n}]}}
nodes:
  - {{id: y, op: ode, in: {{x: x0, r: r}}, rhs: {{x: "r * x * (1 - x)"}}, method: rk4, dt: {dt}, steps: {steps}}}
outputs: [y]
""")

    def peer():
        x = x0.copy()
        for _ in range(steps):
            k1 = r * x * (1 - x)
            xs = x + (0.5 * dt) * k1
            k2 = r * xs * (1 - xs)
            xs = x + (0.5 * dt) * k2
            k3 = r * xs * (1 - xs)
            xs = x + dt * k3
            k4 = r * xs * (1 - xs)
            x = x + (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
        return x

    g = time_graphrun(exe, graph, ["--input", f"x0={tmp}/x0.npy", "--input", f"r={tmp}/r.npy"], repeat)
    p = time_peer(peer, max(1, repeat // 3))
    evals = 4 * steps * n
    return ("ode rk4, 2^20 logistic equations x 100 steps, f64", "numpy RK4", g, p, 5.0,
            f"{evals / (g[0] / 1e3) / 1e9:.2f} G rhs evaluations/s")


BENCHES = {"derivative": bench_derivative, "integrate": bench_integrate, "rk4": bench_rk4}


if __name__ == "__main__":
    compare.BENCHES = BENCHES  # compare.main runs them and prints the table
    compare.main()
