#!/usr/bin/env python3
"""selective_scan side by side with JAX's lax.scan on the CPU (bench/peers/jax_peer.py's
selective_scan, jitted), float32, all options (Dskip, z, delta_bias, softplus), for the two
shapes of issue 11: (B, D, N, L) = (1, 256, 16, 1024) and (4, 1024, 16, 2048).

Rounds alternate graphrun (`run --repeat`) and JAX, so both see the same machine load; the
medians of the rounds and their ratio are printed (target: graphrun at most 0.5x JAX), with
JAX's process CPU time per call, which a loaded machine inflates less than wall time.

Usage: JAX_PLATFORMS=cpu /work/venv-compilers/bin/python bench/scan_vs_jax.py \\
           [--graphrun build/graphrun] [--rounds 5] [--threads N] [--only small|large]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "peers"))
from jax_peer import functions  # noqa: E402
import workloads  # noqa: E402

SHAPES = {"small": (1, 256, 16, 1024), "large": (4, 1024, 16, 2048)}


def graph_and_args(tmp, inputs):
    args = []
    for name, value in inputs.items():
        path = os.path.join(tmp, name + ".npy")
        np.save(path, value)
        args += ["--input", f"{name}={path}"]
    ports = ", ".join(f"{k}: {k}" for k in inputs)
    lines = ["format: 1", "graph: scan_vs_jax", "dtype: f32", "inputs:"]
    lines += [f"  {k}: {{shape: {list(v.shape)}}}" for k, v in inputs.items()]
    lines += ["nodes:", f"  - {{id: s, op: selective_scan, in: {{{ports}}}, delta_softplus: true}}",
              'outputs: ["s:y", "s:final"]']
    graph = os.path.join(tmp, "scan.yaml")
    with open(graph, "w") as f:
        f.write("\n".join(lines) + "\n")
    return graph, args


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphrun", default=os.path.join(HERE, "..", "build", "graphrun"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", default=None, help="graphrun --threads (default: all cores)")
    parser.add_argument("--only", choices=sorted(SHAPES))
    args = parser.parse_args()
    import jax
    import jax.numpy as jnp
    scan = jax.jit(functions(jax, jnp)["selective_scan"])
    for name, shape in SHAPES.items():
        if args.only and name != args.only:
            continue
        inputs = workloads.scan_workload(shape, np.random.default_rng(0)).inputs
        arrays = {k: jnp.asarray(v) for k, v in inputs.items()}
        scan(**arrays).block_until_ready()
        repeat = 20 if name == "small" else 5
        with tempfile.TemporaryDirectory() as tmp:
            graph, inputs_args = graph_and_args(tmp, inputs)
            command = [args.graphrun, "run", graph, "--quiet", "--repeat", str(repeat)] + inputs_args
            if args.threads:
                command += ["--threads", args.threads]
            ours, theirs, their_cpu = [], [], []
            for _ in range(args.rounds):
                out = subprocess.run(command, capture_output=True, text=True)
                m = re.search(r"time: median ([\d.]+) ms", out.stderr)
                if not m:
                    sys.exit(f"graphrun failed: {out.stderr}")
                ours.append(float(m.group(1)))
                wall, cpu = [], []
                for _ in range(repeat):
                    t0, c0 = time.perf_counter(), time.process_time()
                    scan(**arrays).block_until_ready()
                    wall.append((time.perf_counter() - t0) * 1e3)
                    cpu.append((time.process_time() - c0) * 1e3)
                theirs.append(float(np.median(wall)))
                their_cpu.append(float(np.median(cpu)))
        g, j = float(np.median(ours)), float(np.median(theirs))
        print(f"selective_scan {shape} f32: graphrun {g:.2f} ms, JAX lax.scan {j:.2f} ms "
              f"(process CPU {np.median(their_cpu):.2f} ms), ratio {g / j:.3f}  "
              f"[rounds: graphrun {', '.join(f'{x:.2f}' for x in ours)}; JAX {', '.join(f'{x:.2f}' for x in theirs)}]")


if __name__ == "__main__":
    main()
