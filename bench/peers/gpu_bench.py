#!/usr/bin/env python3
"""The GPU benchmarks side by side: each workload of workloads.py through `graphrun run
--repeat` (on CUDA, and on the CPU for reference) and through torch eager, torch.compile and
JAX, in one run on one machine. Every result is checked against a float64 reference (the
rel. error column), so that a fast wrong answer shows. Writes DIR/bench.md (one Markdown
table), DIR/bench.json and DIR/bench.log; stays within --budget seconds.

Usage: python3 bench/peers/gpu_bench.py --graphrun CMD --out DIR [--size gpu|small]
                                        [--device cuda|cpu] [--budget 270] [--repeat 10]
CMD is the graphrun executable or a launcher (gpu-bundle/run graphrun); --device cpu runs
the peers on the CPU, only to try the scripts on a machine without a GPU.
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import workloads  # noqa: E402

PEERS = [("torch eager", ["torch_peer.py", "--mode", "eager"]), ("torch compile", ["torch_peer.py", "--mode", "compile"]),
         ("JAX jit", ["jax_peer.py"])]


class Clock:
    """Seconds left of the budget; each step gets at most its cap and what is left."""

    def __init__(self, budget):
        self.end = time.monotonic() + budget

    def left(self, cap):
        return max(0.0, min(cap, self.end - time.monotonic()))


def log(out_dir, text):
    with open(os.path.join(out_dir, "bench.log"), "a") as f:
        f.write(text.rstrip("\n") + "\n")


def run_graphrun(cmd, w, data, device, repeat, timeout, out_dir):
    """One workload through graphrun on `device`: a result dict like the peers' lines."""
    if timeout < 5:
        return dict(skipped="out of time")
    result_dir = tempfile.mkdtemp(dir=data)
    argv = shlex.split(cmd) + ["run", os.path.join(data, w.name + ".yaml"), "--device", device, "--quiet", "--repeat",
                               str(repeat), "-o", result_dir] + w.flags
    for name in w.inputs:
        argv += ["--input", f"{name}={os.path.join(data, w.name + '_' + name + '.npy')}"]
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return dict(skipped=f"timed out after {timeout:.0f} s")
    log(out_dir, f"$ {shlex.join(argv)}\n{p.stderr}")
    if p.returncode != 0:
        first = (p.stderr.strip().splitlines() or ["(no message)"])[-1]
        return dict(skipped=f"exit {p.returncode}: {first[:160]}")
    # On the device, the CUDA graph's own time ("device time:", copies in and out excluded):
    # what the peers time, their data already on the device. Else the whole run's.
    m = re.search(r"^device time: median ([\d.]+) ms, min ([\d.]+) ms", p.stderr, re.M) or \
        re.search(r"^time: median ([\d.]+) ms, min ([\d.]+) ms", p.stderr, re.M)
    whole = re.search(r"^time: median ([\d.]+) ms", p.stderr, re.M)
    out = np.load(os.path.join(result_dir, w.output + ".npy"))
    return dict(ms_median=float(m.group(1)), ms_min=float(m.group(2)), ms_run_median=float(whole.group(1)),
                device_time=m.group(0).startswith("device"), rel_error=w.check(out))


def run_peer(script, args, timeout, out_dir):
    """The JSON lines of one peer process, by workload ({"*": ...} when it skipped all)."""
    if timeout < 10:
        return {"*": dict(skipped="out of time")}
    argv = [sys.executable, os.path.join(HERE, script[0])] + script[1:] + args
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        stdout, stderr, note = p.stdout, p.stderr, "" if p.returncode == 0 else f"exit {p.returncode}"
    except subprocess.TimeoutExpired as e:
        stdout = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        stderr, note = "", f"timed out after {timeout:.0f} s"
    log(out_dir, f"$ {shlex.join(argv)}\n{stdout}{stderr[-4000:]}")
    results = {}
    for line in stdout.splitlines():
        if line.startswith("{"):
            r = json.loads(line)
            results[r.pop("workload")] = r
    if note:
        results.setdefault("*", dict(skipped=note))
    return results


def cell(r, notes):
    """A table cell; a reason for skipping becomes a numbered note under the table."""
    if r is None:
        return "—"
    if "skipped" in r:
        reason = r["skipped"].replace("|", "/")
        notes.setdefault(reason, len(notes) + 1)
        return f"skipped [{notes[reason]}]"
    err = r.get("rel_error", float("nan"))
    flag = "" if err < 1e-3 else " **WRONG**"
    return f"{r['ms_median']:.3f} ({r['ms_min']:.3f}), err {err:.1e}{flag}"


def targets(ws, columns, copy_gbs):
    """The CUDA issues' targets, each met or not from this run's figures (Markdown lines)."""
    def ms(column, name):
        r = columns.get(column, {}).get(name) or {}
        return r.get("ms_median") if r.get("rel_error", float("inf")) < 1e-3 else None

    by_name = {w.name: w for w in ws}
    gpu, cpu = "graphrun cuda", next((c for c in columns if c.startswith("graphrun cpu")), "")
    rows = []

    def ratio(name, what, other, need, higher_is_better=True):
        mine, theirs = ms(gpu, name), ms(other, name)
        if name not in by_name:
            return
        if mine is None or theirs is None:
            rows.append(f"| {name} | {what} | n/a | no figure |")
            return
        x = theirs / mine
        met = x >= need if higher_is_better else x <= need
        rows.append(f"| {name} | {what} | {x:.2f}x | {'met' if met else 'NOT met'} |")

    def bandwidth(name, need=0.7):
        mine = ms(gpu, name)
        if name not in by_name:
            return
        if mine is None or not copy_gbs:
            rows.append(f"| {name} | >= {need:.0%} of copy bandwidth | n/a | no figure |")
            return
        fraction = by_name[name].note_amount / (mine / 1e3) / 1e9 / copy_gbs
        rows.append(f"| {name} | >= {need:.0%} of copy bandwidth | {fraction:.0%} | {'met' if fraction >= need else 'NOT met'} |")

    def own(name, what, measure, need, unit):
        """A target on graphrun's own figures: measure(ms) against need (lower is better)."""
        mine = ms(gpu, name)
        if name not in by_name:
            return
        value = measure(mine) if mine is not None else None
        if value is None:
            rows.append(f"| {name} | {what} | n/a | no figure |")
            return
        rows.append(f"| {name} | {what} | {value:.2f}{unit} | {'met' if value <= need else 'NOT met'} |")

    bandwidth("expr", 0.8)
    ratio("expr", "faster than torch.compile", "torch compile", 1)
    ratio("expr", "faster than JAX", "JAX jit", 1)
    expr_ms = ms(gpu, "expr")
    own("expr_nodes", "within 5% of the single expr", lambda t: t / expr_ms if expr_ms else None, 1.05, "x expr")
    own("tiny_chain", "<= 3 us per node (CUDA graph replay)",
        lambda t: t * 1e3 / by_name["tiny_chain"].note_amount, 3.0, " us/node")
    ratio("linear", ">= 90% of cuBLAS (torch eager's matmul)", "torch eager", 0.9)
    ratio("selective_scan", ">= 20x torch eager", "torch eager", 20)
    ratio("selective_scan", "as fast as torch.compile", "torch compile", 1)
    ratio("selective_scan", "as fast as JAX", "JAX jit", 1)
    bandwidth("conv1d")
    bandwidth("integrate")
    bandwidth("recurrence")
    ratio("ode_rk4", ">= 50x graphrun's CPU path", cpu, 50)
    ratio("mamba_block", "faster than torch eager", "torch eager", 1)
    if not rows:
        return []
    return ["", "Targets (speed-up = the other's median / graphrun cuda's median):", "",
            "| workload | target | measured | |", "| --- | --- | --- | --- |"] + rows


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--graphrun", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", default="gpu", choices=["gpu", "small"])
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--budget", type=float, default=270)
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    clock = Clock(args.budget)
    ws = workloads.make(args.size, graphrun_only=True)
    columns = {}  # column title -> {workload: result}
    with tempfile.TemporaryDirectory() as data:
        for w in ws:
            with open(os.path.join(data, w.name + ".yaml"), "w") as f:
                f.write(w.graph)
            for name, value in w.inputs.items():
                np.save(os.path.join(data, f"{w.name}_{name}.npy"), value)
        for device in ("cuda", "cpu"):
            title = f"graphrun {device}" + (f" ({os.cpu_count()} cores)" if device == "cpu" else "")
            # The CPU column is the reference point (ode: the "50x the CPU path" target): 2 runs
            # are enough there, and keep the large sizes within the budget.
            repeat = args.repeat if device == "cuda" else min(args.repeat, 2)
            columns[title] = {w.name: run_graphrun(args.graphrun, w, data, device, repeat, clock.left(90), args.out)
                              for w in ws}
        peer_args = ["--size", args.size, "--device", args.device, "--repeat", str(args.repeat)]
        for i, (title, script) in enumerate(PEERS):
            # Each peer gets a fair share of what is left, torch.compile the most (compiling).
            share = clock.left(10 ** 6) / (len(PEERS) - i) * (1.5 if "compile" in title else 1.0)
            columns[title] = run_peer(script, peer_args, clock.left(share), args.out)
    header = ["benchmark"] + list(columns)
    lines = [f"Median (min) ms of {args.repeat} runs after a warm-up; err = relative L2 error against a float64 "
             f"reference; peers on {args.device}. graphrun cuda: the CUDA graph's own time where --repeat replays "
             "one (copies in and out excluded, as the peers' data stays on the device), else the whole run's.", "",
             "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    notes = {}
    for w in ws:
        row = [w.title]
        for results in columns.values():
            row.append(cell(results.get(w.name, results.get("*")), notes))
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines += [f"[{n}] {reason}  " for reason, n in notes.items()]
    ceiling = columns.get("torch eager", {}).get("ceiling")
    if ceiling:
        lines.append(f"\nDevice-to-device copy through torch (bytes read + written): {ceiling['copy_gbs']:.0f} GB/s.")
    lines += targets(ws, columns, ceiling["copy_gbs"] if ceiling else None)
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "bench.md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.out, "bench.json"), "w") as f:
        json.dump({"size": args.size, "device": args.device, "columns": columns,
                   "workloads": {w.name: w.title for w in ws}}, f, indent=1)
    print(text)


if __name__ == "__main__":
    main()
