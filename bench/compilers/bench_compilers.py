#!/usr/bin/env python3
"""graphrun against the compilers a user who cares about speed would pick (issue 11 item 4):
JAX (XLA's fusing compiler, jit on the CPU), numba (@njit, prange over the independent
elements where the work has them) and numexpr, in one process, side by side with
`graphrun run --repeat`, on the same machine.

Every workload runs the same work on both sides (same dtype, sizes, steps) and every output
is checked before anything is timed: graphrun's (written by `-o`) and each peer's against a
reference, within the tolerance the row states. A peer that computes something else stops
the script. Times are medians of --repeat calls after one warm-up call: JIT compilation
(JAX's tracing and XLA, numba's LLVM) is not timed, graphrun's startup and plan are not
either (its `--repeat` median is execution only). Threads: graphrun and numba use every
core, numexpr is set to every core, XLA uses its own CPU thread pool.

Rows (ratio = graphrun time / the best peer's; below 1, graphrun is faster):
  ode <method>, 2^20 logistic equations x' = r x (1 - x), f64, 100 steps: every fixed-step
      method against the same method in JAX (lax.fori_loop); rk4 also against numba, both
      textbook rk4 and rk4 in Boost.Odeint's order (graphrun's default, the same bits).
  ode dopri5, per-element adaptive steps, logistic, f64: against scipy's solve_ivp(RK45),
      (a) one vectorized call on the whole batch (one step size for all, as solve_ivp has)
      and (b) one call per equation (each its own step size, as graphrun); both checked
      against the closed form.
  selective_scan (1,256,16,1024) and (4,1024,16,2048) f32: against lax.scan
      (bench/peers/jax_peer.py's function, bench/peers/workloads.py's inputs and reference).
  fused chain silu(x)*tanh(x)+0.5*exp(-x^2), 2^25 f32: JAX, numba, numexpr.
  recurrence h_t = a h_{t-1} + b_t, 64 x 2^18 f32: JAX associative_scan, numba.
  cumulative trapezoid 2^25 f64: JAX (cumsum), numba (a loop).
  gradient (central differences) 2^25 f64: jnp.gradient, numba.

Usage (the peers' own venv: bench/compilers/setup.sh prints its python):
  "$(bench/compilers/setup.sh)" bench/compilers/bench_compilers.py --graphrun build/graphrun
  [--only NAME ...] [--repeat N] [--small] [--keep-graphs DIR]
"""
import argparse
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "bench", "peers"))
import workloads  # noqa: E402

CORES = os.cpu_count() or 1


# ---------------------------------------------------------------- timing and checking

def time_peer(call, repeat):
    """Median and min ms of call() after one untimed warm-up call (JIT compilation)."""
    call()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), min(times)


def graph_text(name, dtype, inputs, nodes, outputs):
    lines = ["format: 1", f"graph: {name}", f"dtype: {dtype}", "inputs:"]
    lines += [f"  {k}: {{shape: {list(v.shape)}}}" for k, v in inputs.items()]
    lines += ["nodes:"] + [f"  - {n}" for n in nodes] + [f"outputs: [{', '.join(outputs)}]"]
    return "\n".join(lines) + "\n"


class Graphrun:
    """Runs a workload's graph: once with -o to read its output back, then --repeat."""

    def __init__(self, exe, tmp, repeat, keep_graphs=None):
        self.exe, self.tmp, self.repeat, self.keep_graphs = exe, tmp, repeat, keep_graphs

    def _cmd(self, name, text, inputs):
        graph = os.path.join(self.tmp, name + ".yaml")
        for path in [graph] + ([os.path.join(self.keep_graphs, name + ".yaml")] if self.keep_graphs else []):
            with open(path, "w") as f:
                f.write(text)
        args = [self.exe, "run", graph, "--quiet"]
        for k, v in inputs.items():
            path = os.path.join(self.tmp, f"{name}.{k}.npy")
            np.save(path, v)
            args += ["--input", f"{k}={path}"]
        return args

    def output(self, name, text, inputs, output):
        out_dir = os.path.join(self.tmp, name + ".out")
        self._run(self._cmd(name, text, inputs) + ["-o", out_dir])
        return np.load(os.path.join(out_dir, output + ".npy"))

    def time(self, name, text, inputs, repeat=None):
        out = self._run(self._cmd(name, text, inputs) + ["--repeat", str(repeat or self.repeat)])
        m = re.search(r"time: median ([\d.]+) ms, min ([\d.]+) ms", out.stderr)
        return float(m.group(1)), float(m.group(2))

    @staticmethod
    def _run(cmd):
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"graphrun failed: {' '.join(cmd)}\n{out.stderr}")
        return out


def rel_error(out, ref):
    out = np.asarray(out, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if out.shape != ref.shape or not np.all(np.isfinite(out)):
        return float("inf")
    return float(np.linalg.norm(out - ref) / max(np.linalg.norm(ref), 1e-300))


def checked(who, what, out, ref, tol):
    err = rel_error(out, ref)
    if not err <= tol:
        sys.exit(f"{what}: {who} disagrees with the reference: relative error {err:.3g} > {tol:g}")
    return err


class Row:
    """A workload's line of the table. peers: {name: (median, min)}; target: (peers it is
    measured against, the largest graphrun/peer ratio that meets it)."""

    def __init__(self, what, g, peers, target, tol, note=""):
        self.what, self.g, self.peers, self.target, self.tol, self.note = what, g, peers, target, tol, note

    def ratio(self):
        against, _ = self.target
        best = min(self.peers[p][0] for p in against if p in self.peers)
        return self.g[0] / best


# ---------------------------------------------------------------- the peers' code

def jax_modules():
    import jax
    jax.config.update("jax_enable_x64", True)  # f64 workloads stay f64; f32 inputs stay f32
    import jax.numpy as jnp
    return jax, jnp


def jax_call(fn, *arrays):
    """A jitted fn on device-resident arrays, synchronized."""
    jax, _ = jax_modules()
    jitted = jax.jit(fn)
    args = [jax.device_put(a) for a in arrays]
    return lambda: jitted(*args).block_until_ready()


def logistic(r, x):
    return r * x * (1 - x)


def jax_fixed_step(method, steps, dt):
    """The graphrun ode op's fixed-step methods on x' = r x (1 - x), in JAX, as a JAX user
    writes them: the tableau's zero terms left out, so the values agree with graphrun's
    (Boost.Odeint's order, plugins/calculus/fixed_step.cpp) to rounding, not in bits."""
    jax, jnp = jax_modules()

    def rk4_step(x, r, k1):
        k2 = logistic(r, x + (0.5 * dt) * k1)
        k3 = logistic(r, x + (0.5 * dt) * k2)
        k4 = logistic(r, x + dt * k3)
        return x + ((dt / 6) * k1 + (dt / 3) * k2 + (dt / 3) * k3 + (dt / 6) * k4)

    def one_step(x, r):
        k1 = logistic(r, x)
        if method == "euler":
            return x + dt * k1
        if method == "heun":
            return x + (0.5 * dt * k1 + 0.5 * dt * logistic(r, x + dt * k1))
        return rk4_step(x, r, k1)

    if method in ("euler", "heun", "rk4"):
        def solve(x0, r):
            return jax.lax.fori_loop(0, steps, lambda _, x: one_step(x, r), x0)
        return solve

    # The history rides in the loop's carry, newest first. XLA's copy insertion copies the
    # rotated buffers every step (seen in the compiled HLO); a stacked array or lax.scan
    # instead were no faster (tried on ab4).
    order = int(method[2])
    coef = {2: (3 / 2, -1 / 2), 3: (23 / 12, -4 / 3, 5 / 12), 4: (55 / 24, -59 / 24, 37 / 24, -3 / 8)}[order]

    def solve(x0, r):
        x, history = x0, []
        for _ in range(order - 1):  # Boost's start-up: rk4 while the history fills
            k1 = logistic(r, x)
            history.insert(0, k1)
            x = rk4_step(x, r, k1)

        def body(_, carry):
            x, hist = carry
            f = (logistic(r, x),) + hist  # newest first
            return x + sum((dt * c) * fj for c, fj in zip(coef, f)), f[:-1]

        x, _ = jax.lax.fori_loop(order - 1, steps, body, (x, tuple(history)))
        return x
    return solve


def numba_functions():
    """numba versions, written as a numba user who cares about speed would: one prange over
    the independent elements (or channels), the sequential part a plain loop, and for the
    ODE a loop over a block of equations innermost so that it vectorizes."""
    import numba
    from numba import njit, prange

    one32, half32 = np.float32(1), np.float32(0.5)

    @njit(parallel=True, cache=False)
    def chain(x):
        y = np.empty_like(x)
        for i in prange(x.size):
            v = x[i]
            y[i] = v / (one32 + math.exp(-v)) * math.tanh(v) + half32 * math.exp(-v * v)
        return y

    @njit(inline="always")
    def rk4_textbook(xj, rj, dt):
        k1 = rj * xj * (1 - xj)
        xs = xj + (0.5 * dt) * k1
        k2 = rj * xs * (1 - xs)
        xs = xj + (0.5 * dt) * k2
        k3 = rj * xs * (1 - xs)
        xs = xj + dt * k3
        k4 = rj * xs * (1 - xs)
        return xj + ((dt / 6) * k1 + (dt / 3) * k2 + (dt / 3) * k3 + (dt / 6) * k4)

    @njit(inline="always")
    def rk4_boost_order(xj, rj, dt):
        # Boost.Odeint's runge_kutta4 as graphrun's default rk4 (its SPEC: "rk4 follows
        # Boost.Odeint's runge_kutta4 evaluation order"): every stage sums X + a_j dt k_j
        # left to right, the tableau's zeros included, the coefficients rounded as Boost
        # rounds them. LLVM may not drop a 0 * k (k may be inf or NaN): the default's work.
        half, zero, one, sixth, third = 0.5, 0.0, 1.0, 1.0 / 6.0, 1.0 / 3.0
        k1 = rj * xj * (1 - xj)
        xs = xj + (half * dt) * k1
        k2 = rj * xs * (1 - xs)
        xs = xj + (zero * dt) * k1 + (half * dt) * k2
        k3 = rj * xs * (1 - xs)
        xs = xj + (zero * dt) * k1 + (zero * dt) * k2 + (one * dt) * k3
        k4 = rj * xs * (1 - xs)
        return xj + (sixth * dt) * k1 + (third * dt) * k2 + (third * dt) * k3 + (sixth * dt) * k4

    def blocked(step):
        # Blocks of 256 equations, the step loop outside the loop over a block: LLVM
        # vectorizes the inner loop. One equation at a time (the steps innermost) leaves a
        # scalar chain of dependent operations: 23x slower here (3.9 s against 0.17 s).
        @njit(parallel=True)
        def solve(x0, r, dt, steps):
            y = np.empty_like(x0)
            block = 256
            for b in prange((x0.size + block - 1) // block):
                lo, hi = b * block, min((b + 1) * block, x0.size)
                x, rr = x0[lo:hi].copy(), r[lo:hi]
                for _ in range(steps):
                    for j in range(hi - lo):
                        x[j] = step(x[j], rr[j], dt)
                y[lo:hi] = x
            return y
        return solve

    rk4, rk4_boost = blocked(rk4_textbook), blocked(rk4_boost_order)

    @njit(parallel=True)
    def recurrence(a, b):
        h = np.empty_like(b)
        for c in prange(b.shape[0]):
            acc, ac = b.dtype.type(0), a[c, 0]
            for t in range(b.shape[1]):
                acc = ac * acc + b[c, t]
                h[c, t] = acc
        return h

    @njit
    def trapezoid(x, dx):
        y = np.empty_like(x)
        acc = 0.0
        y[0] = 0.0
        half = 0.5 * dx
        for i in range(1, x.size):
            acc += half * (x[i - 1] + x[i])
            y[i] = acc
        return y

    @njit(parallel=True)
    def gradient(x, dx):
        n = x.size
        y = np.empty_like(x)
        inv = 1.0 / (2.0 * dx)
        for i in prange(1, n - 1):
            y[i] = (x[i + 1] - x[i - 1]) * inv
        y[0] = (x[1] - x[0]) / dx
        y[n - 1] = (x[n - 1] - x[n - 2]) / dx
        return y

    numba.set_num_threads(CORES)
    return dict(chain=chain, rk4=rk4, rk4_boost=rk4_boost, recurrence=recurrence, trapezoid=trapezoid, gradient=gradient)


# ---------------------------------------------------------------- the workloads

def ode_inputs(n):
    rng = np.random.default_rng(2)
    return {"x0": rng.uniform(0.05, 0.95, n), "r": rng.uniform(0.5, 3.0, n)}


def ode_graph(inputs, method, dt, steps, extra=""):
    node = (f'{{id: y, op: ode, in: {{x: x0, r: r}}, rhs: {{x: "r * x * (1 - x)"}}, method: {method}, '
            f"dt: {dt}, steps: {steps}{extra}}}")
    return graph_text(f"ode_{method}_bench", "f64", inputs, [node], ["y"])


def bench_ode_fixed(ctx, method, fma=False):
    """fma: the ode's opt-in `fma: true` (each stage sum as fused multiply-adds, as XLA may
    emit), else the default that keeps Boost.Odeint's bits."""
    n, steps, dt = ctx.size(1 << 20, 1 << 12), 100, 0.01
    inputs = ode_inputs(n)
    text = ode_graph(inputs, method, dt, steps, ", fma: true" if fma else "")
    jax, _ = jax_modules()
    jax_solve = jax_call(jax_fixed_step(method, steps, dt), inputs["x0"], inputs["r"])
    ref = np.asarray(jax_solve())  # the same operations in the same order: agree to rounding
    what = f"ode {method}{' (fma: true)' if fma else ''}, 2^{int(math.log2(n))} logistic f64 x {steps} steps"
    name = f"ode_{method}" + ("_fma" if fma else "")
    out = ctx.g.output(name, text, inputs, "y")
    checked("graphrun", what, out, ref, 1e-12)
    peers = {"JAX/XLA jit": time_peer(jax_solve, ctx.repeat)}
    if method == "rk4":
        nb = ctx.numba()["rk4"]
        checked("numba", what, nb(inputs["x0"], inputs["r"], dt, steps), ref, 1e-12)
        peers["numba"] = time_peer(lambda: nb(inputs["x0"], inputs["r"], dt, steps), ctx.repeat)
        boost = ctx.numba()["rk4_boost"]
        same = boost(inputs["x0"], inputs["r"], dt, steps)
        checked("numba (Boost's order)", what, same, ref, 1e-12)
        if not fma and not np.array_equal(same, out):  # the same work: the same bits
            sys.exit(f"{what}: numba in Boost's order differs from graphrun's default in bits")
        peers["numba (Boost's order)"] = time_peer(lambda: boost(inputs["x0"], inputs["r"], dt, steps), ctx.repeat)
    g = ctx.g.time(name, text, inputs)
    if method != "rk4":
        return Row(what, g, peers, (["JAX/XLA jit"], 1.2), "1e-12 (same method, JAX as reference)")
    # The default keeps Boost's order: its peers on the same work are XLA and numba in that
    # order. The textbook numba (the tableau's zeros left out: 26 operations a step, not 30)
    # stands in its column and in the note; fma: true is measured against every peer.
    same_work = ["JAX/XLA jit", "numba (Boost's order)"]
    target = (list(peers), 1.0) if fma else (same_work, 1.0)
    note = f"{4 * steps * n / (g[0] / 1e3) / 1e9:.2f} G rhs evaluations/s"
    if not fma:
        note += f"; {g[0] / peers['numba'][0]:.2f}x the textbook numba"
    return Row(what, g, peers, target, "1e-12 (same method, JAX as reference)", note)


def bench_dopri5(ctx, per_element):
    """Logistic equations with r per element up to 30: stiff enough that the step sizes
    differ much between elements. Checked against the closed form."""
    from scipy.integrate import solve_ivp
    n = ctx.size(256 if per_element else 1 << 16, 64)
    steps, dt, tol = 10, 1.0, 1e-6
    rng = np.random.default_rng(3)
    inputs = {"x0": rng.uniform(0.01, 0.5, n), "r": 10 ** rng.uniform(-1, 1.5, n)}
    t_end = steps * dt
    exact = 1 / (1 + (1 / inputs["x0"] - 1) * np.exp(-inputs["r"] * t_end))
    text = ode_graph(inputs, "dopri5", dt, steps, f", rtol: {tol}, atol: {tol}")
    how = "one solve_ivp per equation" if per_element else "one vectorized solve_ivp call"
    what = f"ode dopri5 per-element adaptive, {n} logistic f64, t 0..{t_end:g}, tol {tol:g} ({how})"
    name = "ode_dopri5_each" if per_element else "ode_dopri5"
    checked("graphrun", what, ctx.g.output(name, text, inputs, "y"), exact, 1e-4)
    x0, r = inputs["x0"], inputs["r"]

    def scipy_batch():
        return solve_ivp(lambda t, x: r * x * (1 - x), (0, t_end), x0, method="RK45", rtol=tol, atol=tol).y[:, -1]

    def scipy_each():
        return np.array([solve_ivp(lambda t, x, ri=ri: ri * x * (1 - x), (0, t_end), [xi], method="RK45",
                                   rtol=tol, atol=tol).y[0, -1] for xi, ri in zip(x0, r)])

    call = scipy_each if per_element else scipy_batch
    checked("scipy", what, call(), exact, 1e-4)
    peers = {"scipy solve_ivp": time_peer(call, 3 if per_element else ctx.repeat)}
    g = ctx.g.time(name, text, inputs)
    return Row(what, g, peers, (list(peers), 0.2), "1e-4 against the closed form")


def bench_selective_scan(ctx, shape):
    from jax_peer import functions
    jax, jnp = jax_modules()
    shape = (1, 8, 4, 64) if ctx.small else shape
    w = workloads.scan_workload(shape, np.random.default_rng(0))
    what = "selective_scan (%d, %d, %d, %d) f32, all options" % tuple(shape)
    checked("graphrun", what, ctx.g.output(f"selective_scan_{shape[0]}_{shape[1]}_{shape[3]}", w.graph, w.inputs, w.output)[w.ref_slice],
            w.reference(w.inputs), 1e-4)
    fn = functions(jax, jnp)["selective_scan"]
    names = list(w.inputs)
    call = jax_call(lambda *a: fn(**dict(zip(names, a))), *w.inputs.values())
    checked("JAX", what, np.asarray(call())[w.ref_slice], w.reference(w.inputs), 1e-4)
    peers = {"JAX/XLA jit": time_peer(call, ctx.repeat)}
    g = ctx.g.time(f"selective_scan_{shape[0]}_{shape[1]}_{shape[3]}", w.graph, w.inputs)
    return Row(what, g, peers, (list(peers), 0.5), "1e-4 against float64 (batch 0)", "JAX: lax.scan")


def bench_chain(ctx):
    import numexpr
    n = ctx.size(1 << 25, 1 << 16)
    x = np.random.default_rng(0).standard_normal(n, dtype=np.float32)
    inputs = {"x": x}
    text = graph_text("chain_bench", "f32", inputs,
                      ['{id: y, op: expr, in: {x: x}, expr: "silu(x) * tanh(x) + 0.5 * exp(-x^2)"}'], ["y"])
    xd = x.astype(np.float64)
    ref = xd / (1 + np.exp(-xd)) * np.tanh(xd) + 0.5 * np.exp(-xd * xd)
    what = f"fused chain silu(x)*tanh(x)+0.5*exp(-x^2), 2^{int(math.log2(n))} f32"
    checked("graphrun", what, ctx.g.output("chain", text, inputs, "y"), ref, 1e-6)
    _, jnp = jax_modules()
    jax_fn = jax_call(lambda v: v / (1 + jnp.exp(-v)) * jnp.tanh(v) + 0.5 * jnp.exp(-v * v), x)
    nb = ctx.numba()["chain"]
    numexpr.set_num_threads(CORES)
    # A float literal would make numexpr compute in float64: the constants are float32 scalars.
    scalars = {"x": x, "half": np.float32(0.5)}
    ne = lambda: numexpr.evaluate("x / (1 + exp(-x)) * tanh(x) + half * exp(-x * x)", local_dict=scalars)  # noqa: E731
    peers = {}
    for name, call in (("JAX/XLA jit", jax_fn), ("numba", lambda: nb(x)), ("numexpr", ne)):
        out = call()
        checked(name, what, out, ref, 1e-6)
        if np.asarray(out).dtype != np.float32:
            sys.exit(f"{what}: {name} computes in {np.asarray(out).dtype}, not float32")
        peers[name] = time_peer(call, ctx.repeat)
    g = ctx.g.time("chain", text, inputs)
    return Row(what, g, peers, (list(peers), 1.0), "1e-6 against float64", f"{8 * n / (g[0] / 1e3) / 1e9:.1f} GB/s")


def bench_recurrence(ctx):
    channels, steps = 64, ctx.size(1 << 18, 1 << 10)
    rng = np.random.default_rng(0)
    inputs = {"a": rng.uniform(0.5, 0.999, (channels, 1)).astype(np.float32),
              "b": rng.standard_normal((channels, steps)).astype(np.float32)}
    text = graph_text("recurrence_bench", "f32", inputs, ["{id: h, op: recurrence, in: [a, b]}"], ["h"])
    ref = ctx.numba()["recurrence"](inputs["a"].astype(np.float64), inputs["b"].astype(np.float64))
    what = f"recurrence {channels} x 2^{int(math.log2(steps))} f32"
    checked("graphrun", what, ctx.g.output("recurrence", text, inputs, "h"), ref, 1e-5)
    jax, jnp = jax_modules()

    def scan(a, b):
        def combine(p, q):
            return p[0] * q[0], q[0] * p[1] + q[1]
        return jax.lax.associative_scan(combine, (jnp.broadcast_to(a, b.shape), b), axis=1)[1]

    jax_fn = jax_call(scan, inputs["a"], inputs["b"])
    nb = ctx.numba()["recurrence"]
    peers = {}
    for name, call in (("JAX/XLA jit", jax_fn), ("numba", lambda: nb(inputs["a"], inputs["b"]))):
        checked(name, what, call(), ref, 1e-5)
        peers[name] = time_peer(call, ctx.repeat)
    g = ctx.g.time("recurrence", text, inputs)
    return Row(what, g, peers, (list(peers), 1.0), "1e-5 against float64", "JAX: associative_scan")


def along_axis(ctx, name, title, node, ref_fn, jax_fn, numba_fn, seed):
    n = ctx.size(1 << 25, 1 << 16)
    x = np.random.default_rng(seed).standard_normal(n)
    inputs = {"x": x}
    text = graph_text(name + "_bench", "f64", inputs, [node], ["y"])
    ref = ref_fn(x)
    what = f"{title} 2^{int(math.log2(n))} f64"
    checked("graphrun", what, ctx.g.output(name, text, inputs, "y"), ref, 1e-12)
    peers = {}
    for peer, call in (("JAX/XLA jit", jax_call(jax_fn, x)), ("numba", lambda: numba_fn(x))):
        checked(peer, what, call(), ref, 1e-12)
        peers[peer] = time_peer(call, ctx.repeat)
    g = ctx.g.time(name, text, inputs)
    return Row(what, g, peers, (list(peers), 1.0), "1e-12 against numpy/scipy", f"{16 * n / (g[0] / 1e3) / 1e9:.1f} GB/s")


def bench_trapezoid(ctx):
    from scipy.integrate import cumulative_trapezoid
    _, jnp = jax_modules()
    dx = 0.5
    nb = ctx.numba()["trapezoid"]
    return along_axis(ctx, "trapezoid", "cumulative trapezoid", f"{{id: y, op: integrate, in: {{x: x}}, dx: {dx}}}",
                      lambda x: cumulative_trapezoid(x, dx=dx, initial=0),
                      lambda x: jnp.concatenate([jnp.zeros(1, x.dtype), jnp.cumsum((x[1:] + x[:-1]) * (dx / 2))]),
                      lambda x: nb(x, dx), 1)


def bench_gradient(ctx):
    _, jnp = jax_modules()
    dx = 0.5
    nb = ctx.numba()["gradient"]
    return along_axis(ctx, "gradient", "gradient", f"{{id: y, op: derivative, in: {{x: x}}, dx: {dx}}}",
                      lambda x: np.gradient(x, dx), lambda x: jnp.gradient(x, dx), lambda x: nb(x, dx), 0)


BENCHES = {
    **{f"ode_{m}": (lambda m: lambda ctx: bench_ode_fixed(ctx, m))(m)
       for m in ("euler", "heun", "rk4", "ab2", "ab3", "ab4")},
    "ode_rk4_fma": lambda ctx: bench_ode_fixed(ctx, "rk4", fma=True),
    "dopri5": lambda ctx: bench_dopri5(ctx, False),
    "dopri5_each": lambda ctx: bench_dopri5(ctx, True),
    "scan_small": lambda ctx: bench_selective_scan(ctx, (1, 256, 16, 1024)),
    "scan_large": lambda ctx: bench_selective_scan(ctx, (4, 1024, 16, 2048)),
    "chain": bench_chain,
    "recurrence": bench_recurrence,
    "trapezoid": bench_trapezoid,
    "gradient": bench_gradient,
}
PEER_COLUMNS = ["JAX/XLA jit", "numba", "numba (Boost's order)", "numexpr", "scipy solve_ivp"]


class Context:
    def __init__(self, args, tmp):
        self.g = Graphrun(args.graphrun, tmp, args.repeat, args.keep_graphs)
        self.repeat, self.small = args.repeat, args.small
        self._numba = None

    def size(self, full, small):
        return small if self.small else full

    def numba(self):
        if self._numba is None:
            self._numba = numba_functions()
        return self._numba


def versions():
    import jax
    import numba
    import numexpr
    import scipy
    return (f"JAX {jax.__version__} (XLA CPU), numba {numba.__version__}, numexpr {numexpr.__version__}, "
            f"numpy {np.__version__}, scipy {scipy.__version__}")


def ms(v):
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}" if v >= 0.1 else f"{v:.3f}"


def table(rows):
    lines = ["| workload | graphrun median (min) ms | " + " | ".join(f"{p} ms" for p in PEER_COLUMNS)
             + " | graphrun / best | target | status | check tolerance | note |",
             "| --- " * (len(PEER_COLUMNS) + 7) + "|"]
    for r in rows:
        cells = [ms(r.peers[p][0]) if p in r.peers else "–" for p in PEER_COLUMNS]
        against, limit = r.target
        ratio = r.ratio()
        whom = (against[0] if len(against) == 1 else "best" if set(against) >= set(r.peers)
                else "best of " + " / ".join(against))
        target = f"≤ {limit:g}× {whom}"
        status = "PASS" if ratio <= limit else "behind"
        shown = f"{ratio:.2f}" if ratio >= 0.1 else f"{ratio:.2g}"
        lines.append(f"| {r.what} | {ms(r.g[0])} ({ms(r.g[1])}) | " + " | ".join(cells)
                     + f" | {shown} | {target} | {status} | {r.tol} | {r.note} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graphrun", default=os.path.join(ROOT, "build", "graphrun"))
    ap.add_argument("--only", action="append", choices=list(BENCHES))
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--small", action="store_true", help="tiny sizes: only to try the script")
    ap.add_argument("--keep-graphs", metavar="DIR", help="also write each workload's graph to DIR "
                    "(bench/compilers/graphs/ holds them, made so)")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Context(args, tmp)
        for name, bench in BENCHES.items():
            if args.only and name not in args.only:
                continue
            row = bench(ctx)
            print(f"{row.what}: graphrun {row.g[0]:.2f} ms, "
                  + ", ".join(f"{p} {t[0]:.2f} ms" for p, t in row.peers.items()), file=sys.stderr, flush=True)
            rows.append(row)
    print(f"Peers: {versions()}; {CORES} cores. Medians of {args.repeat} runs after a warm-up "
          "(JIT compilation not timed); graphrun: its --repeat median (execution only).\n")
    print(table(rows))


if __name__ == "__main__":
    main()
