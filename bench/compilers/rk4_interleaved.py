#!/usr/bin/env python3
"""rk4 against numba, interleaved: on a machine whose speed drifts from second to second
(a shared VM), one timing of each side in turn, repeated, says more than one long run of
each. Each round times graphrun's default rk4 and `fma: true` (their --repeat medians) and
numba's textbook rk4 and rk4 in Boost.Odeint's order (bench_compilers.py's functions, the
latter checked to give graphrun's bits); the table gives each side's min and median round.

Usage: JAX_PLATFORMS=cpu "$(bench/compilers/setup.sh)" bench/compilers/rk4_interleaved.py
       [--graphrun build/graphrun] [--rounds 8]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_compilers as bc  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graphrun", default=os.path.join(bc.ROOT, "build", "graphrun"))
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=15, help="calls per side and round")
    args = ap.parse_args()
    n, steps, dt = 1 << 20, 100, 0.01
    inputs = bc.ode_inputs(n)
    numba = bc.numba_functions()
    sides = {}
    with tempfile.TemporaryDirectory() as tmp:
        g = bc.Graphrun(args.graphrun, tmp, args.repeat)
        default, fused = bc.ode_graph(inputs, "rk4", dt, steps), bc.ode_graph(inputs, "rk4", dt, steps, ", fma: true")
        if not np.array_equal(g.output("rk4", default, inputs, "y"), numba["rk4_boost"](inputs["x0"], inputs["r"], dt, steps)):
            sys.exit("numba in Boost's order differs from graphrun's default rk4 in bits")
        calls = {
            "graphrun rk4 (default, Boost's order)": lambda: g.time("rk4", default, inputs)[0],
            "graphrun rk4 (fma: true)": lambda: g.time("rk4_fma", fused, inputs)[0],
            "numba rk4, Boost's order (the same bits as graphrun's default)":
                lambda: bc.time_peer(lambda: numba["rk4_boost"](inputs["x0"], inputs["r"], dt, steps), args.repeat)[0],
            "numba rk4, textbook (26 operations a step, not 30)":
                lambda: bc.time_peer(lambda: numba["rk4"](inputs["x0"], inputs["r"], dt, steps), args.repeat)[0],
        }
        for call in calls.values():  # warm-up: graphrun's kernel cache, numba's JIT
            call()
        for _ in range(args.rounds):
            for name, call in calls.items():
                time.sleep(1)  # the last side's idle threads stop spinning before this one starts
                sides.setdefault(name, []).append(call())
    print(f"rk4, 2^20 logistic f64 x 100 steps, {args.rounds} interleaved rounds of {args.repeat} calls per side\n")
    print("| side | min round ms | median round ms |\n| --- | --- | --- |")
    for name, times in sides.items():
        print(f"| {name} | {min(times):.1f} | {statistics.median(times):.1f} |")


if __name__ == "__main__":
    main()
