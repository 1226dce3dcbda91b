"""The work the GPU benchmarks time, defined once: inputs (float32, seeded), the graphrun graph
that does it, and a float64 numpy reference on a slice of the output, so that every peer
(graphrun, torch eager, torch.compile, JAX) is checked to compute the same function.

Sizes: "gpu" fills an H200 well past launch overhead and its 60 MB L2; "small" is for trying
the scripts on any machine (tools/gpu-check.sh --small).
"""
import numpy as np

# The "gpu" sizes are those of the CUDA issues' targets: the elementwise chain over 2^28 f32,
# linear (8192x4096)(4096x4096)^T, selective_scan B8 D2048 N16 L4096,
# conv1d (8, 2048, 4096), integrate and recurrence over 2^28 elements, rk4 over 2^24 logistic
# equations x 1000 steps, one Mamba block at d_model 1024 and L 4096.
SIZES = {
    "gpu": dict(expr_n=1 << 28, linear=(8192, 4096, 4096), conv=(8, 2048, 4096), scan=(8, 2048, 16, 4096),
                rows=(256, 1 << 20), ode=(1 << 24, 1000), mamba=(1, 4096, 1024), tiny=(1000, 16)),
    "small": dict(expr_n=1 << 16, linear=(64, 32, 48), conv=(2, 8, 256), scan=(1, 8, 4, 64), rows=(4, 4096),
                  ode=(1 << 10, 50), mamba=(1, 64, 16), tiny=(100, 16)),
}


def silu(x):
    return x / (1 + np.exp(-x))


def softplus(x):
    return np.logaddexp(0, x)


def rel_error(out, ref):
    """||out - ref|| / ||ref||, both as float64; NaN anywhere gives inf."""
    out = np.asarray(out, dtype=np.float64)
    if out.shape != ref.shape or not np.all(np.isfinite(out)):
        return float("inf")
    return float(np.linalg.norm(out - ref) / max(np.linalg.norm(ref), 1e-300))


class Workload:
    """name, a title for the table, inputs {name: array}, graph YAML, the output's name, the
    slice of the output that check() compares, and the bytes/flops for the note column."""

    def __init__(self, name, title, inputs, graph, output, ref_slice, reference, note_unit, note_amount, flags=()):
        self.name, self.title, self.graph, self.output = name, title, graph, output
        self.flags = list(flags)  # more `graphrun run` flags (--no-fuse)
        self.inputs = inputs
        self.ref_slice, self.reference, self._expected = ref_slice, reference, None
        self.note_unit, self.note_amount = note_unit, note_amount

    def check(self, out):
        """Relative error of out[ref_slice] against the float64 reference (computed once)."""
        if self._expected is None:
            self._expected = self.reference(self.inputs)
        return rel_error(np.asarray(out)[self.ref_slice], self._expected)

    def note(self, ms):
        return f"{self.note_amount / (ms / 1e3) / 1e9:.0f} {self.note_unit}" if ms else ""


def graph_text(name, inputs, nodes, outputs):
    lines = ["format: 1", f"graph: {name}", "dtype: f32", "inputs:"]
    lines += [f"  {k}: {{shape: {list(v.shape)}}}" for k, v in inputs.items()]
    lines += ["nodes:"] + [f"  - {n}" for n in nodes] + [f"outputs: [{', '.join(outputs)}]"]
    return "\n".join(lines) + "\n"


def chain_workload(name, title, n, rng, nodes):
    """The chain silu(x)*tanh(x)+0.5*exp(-x^2) over n f32, as the graph `nodes` computes it."""
    inputs = {"x": rng.standard_normal(n, dtype=np.float32)}
    part = slice(0, min(n, 1 << 20))

    def reference(i):
        x = i["x"][part].astype(np.float64)
        return silu(x) * np.tanh(x) + 0.5 * np.exp(-x * x)

    return Workload(name, title, inputs, graph_text(name + "_bench", inputs, nodes, ["y"]), "y", part, reference,
                    "GB/s", 2 * 4 * n)


def expr_workload(n, rng):
    return chain_workload("expr", f"expr silu(x)*tanh(x)+0.5*exp(-x^2), {n} f32", n, rng,
                          ['{id: y, op: expr, in: {x: x}, expr: "silu(x) * tanh(x) + 0.5 * exp(-x^2)"}'])


def expr_nodes_workload(n, rng):
    """expr's chain as 8 separate nodes: fusion is to make it one kernel, as fast as the expr."""
    nodes = ["{id: s, op: silu, in: [x]}", "{id: t, op: tanh, in: [x]}", "{id: st, op: mul, in: [s, t]}",
             "{id: q, op: square, in: [x]}", "{id: nq, op: neg, in: [q]}", "{id: e, op: exp, in: [nq]}",
             "{id: h, op: scale, in: [e], a: 0.5}", "{id: y, op: add, in: [st, h]}"]
    return chain_workload("expr_nodes", f"the same chain as 8 nodes, {n} f32", n, rng, nodes)


def tiny_chain_workload(shape, rng):
    """A chain of tiny nodes, unfused: each a kernel launch, what a CUDA graph replay makes cheap."""
    nodes_count, n = shape
    inputs = {"x": rng.standard_normal(n, dtype=np.float32)}
    ops = ["neg" if k % 2 else "abs" for k in range(1, nodes_count + 1)]

    def reference(i):
        y = i["x"].astype(np.float64)
        for op in ops:
            y = -y if op == "neg" else np.abs(y)
        return y

    nodes = [f"{{id: n{k}, op: {op}, in: [{'x' if k == 1 else f'n{k - 1}'}]}}" for k, op in enumerate(ops, start=1)]
    return Workload("tiny_chain", f"chain of {nodes_count} tiny nodes ({n} f32, --no-fuse)", inputs,
                    graph_text("tiny_chain_bench", inputs, nodes, [f"n{nodes_count}"]), f"n{nodes_count}", slice(None),
                    reference, "nodes", nodes_count, flags=["--no-fuse"])


def linear_workload(shape, rng):
    m, k, n = shape
    inputs = {"x": rng.standard_normal((m, k), dtype=np.float32), "W": rng.standard_normal((n, k), dtype=np.float32)}
    rows = slice(0, min(m, 16))

    def reference(i):
        return i["x"][rows].astype(np.float64) @ i["W"].astype(np.float64).T

    graph = graph_text("linear_bench", inputs, ["{id: y, op: linear, in: {x: x, W: W}}"], ["y"])
    return Workload("linear", f"linear ({m},{k})x({n},{k})^T f32 (no TF32)", inputs, graph, "y", rows, reference,
                    "GFLOP/s", 2 * m * k * n)


def conv_workload(shape, rng, width=4):
    batch, channels, length = shape
    inputs = {"x": rng.standard_normal((batch, channels, length), dtype=np.float32),
              "w": (rng.standard_normal((channels, 1, width)) * 0.5).astype(np.float32),
              "b": rng.standard_normal(channels).astype(np.float32)}
    part = (0, slice(0, min(channels, 64)))

    def reference(i):  # causal: y[t] = b + sum_j w[j] x[t - (K-1) + j], then silu
        x = i["x"][part].astype(np.float64)
        w = i["w"][part[1], 0].astype(np.float64)
        padded = np.concatenate([np.zeros((x.shape[0], width - 1)), x], axis=1)
        y = sum(w[:, j:j + 1] * padded[:, j:j + length] for j in range(width)) + i["b"][part[1], None]
        return silu(y)

    graph = graph_text("conv_bench", inputs,
                       [f"{{id: y, op: conv1d, in: [x, w, b], groups: {channels}, padding: causal, activation: silu}}"],
                       ["y"])
    return Workload("conv1d", f"conv1d depthwise causal K={width} + silu, ({batch},{channels},{length}) f32", inputs,
                    graph, "y", part, reference, "GB/s", 2 * 4 * batch * channels * length)


def scan_inputs(shape, rng):
    """selective_scan's inputs at (batch, channels, states, length), f32, as Mamba draws them:
    every optional port given, delta below 1 before its bias, A negative."""
    batch, channels, states, length = shape
    f32 = np.float32
    return {"u": rng.standard_normal((batch, channels, length)).astype(f32),
            "delta": rng.uniform(-4, 1, (batch, channels, length)).astype(f32),
            "A": -rng.uniform(0.5, 8, (channels, states)).astype(f32),
            "Bm": rng.standard_normal((batch, states, length)).astype(f32),
            "Cm": rng.standard_normal((batch, states, length)).astype(f32),
            "Dskip": rng.standard_normal(channels).astype(f32),
            "z": rng.standard_normal((batch, channels, length)).astype(f32),
            "delta_bias": rng.uniform(-1, 0, channels).astype(f32)}


def scan_workload(shape, rng):
    batch, channels, states, length = shape
    inputs = scan_inputs(shape, rng)
    part = slice(0, 1)  # batch 0

    def reference(i):  # mamba_ssm's selective_scan_ref (tools/ref_sequence.py), float64, batch 0
        g = {k: v.astype(np.float64) for k, v in i.items()}
        delta = softplus(g["delta"][part] + g["delta_bias"][:, None])
        u, z = g["u"][part], g["z"][part]
        x = np.zeros((1, channels, states))
        y = np.empty_like(u)
        for t in range(length):
            x = np.exp(delta[:, :, t, None] * g["A"]) * x + (delta[:, :, t] * u[:, :, t])[..., None] * g["Bm"][part, None, :, t]
            y[:, :, t] = np.einsum("bdn,bn->bd", x, g["Cm"][part, :, t])
        return (y + u * g["Dskip"][:, None]) * silu(z)

    ports = ", ".join(f"{k}: {k}" for k in inputs)
    graph = graph_text("scan_bench", inputs, [f"{{id: s, op: selective_scan, in: {{{ports}}}, delta_softplus: true}}"],
                       ['"s:y"'])
    return Workload("selective_scan", f"selective_scan B{batch} D{channels} N{states} L{length} f32, all options",
                    inputs, graph, "s_y", part, reference, "G(b,d,t)/s", batch * channels * length)


def integrate_workload(shape, rng):
    inputs = {"x": rng.standard_normal(shape, dtype=np.float32)}
    rows = (slice(0, 2), slice(None))

    def reference(i):  # scipy.integrate.cumulative_trapezoid(x, dx=0.5, initial=0)
        x = i["x"][rows].astype(np.float64)
        return np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(0.25 * (x[:, 1:] + x[:, :-1]), axis=1)], axis=1)

    graph = graph_text("integrate_bench", inputs, ["{id: y, op: integrate, in: {x: x}, dx: 0.5}"], ["y"])
    return Workload("integrate", f"integrate trapezoid {shape[0]}x{shape[1]} f32", inputs, graph, "y", rows, reference,
                    "GB/s", 2 * 4 * shape[0] * shape[1])


def recurrence_workload(shape, rng):
    inputs = {"a": rng.uniform(0.5, 0.99, shape).astype(np.float32), "b": rng.standard_normal(shape, dtype=np.float32)}
    rows = (slice(0, 2), slice(0, min(shape[1], 1 << 16)))  # a Python loop over time: its start

    def reference(i):  # h_t = a_t h_{t-1} + b_t, h_{-1} = 0
        a, b = i["a"][rows].astype(np.float64), i["b"][rows].astype(np.float64)
        h = np.empty_like(b)
        state = np.zeros(a.shape[0])
        for t in range(a.shape[1]):
            state = a[:, t] * state + b[:, t]
            h[:, t] = state
        return h

    graph = graph_text("recurrence_bench", inputs, ["{id: h, op: recurrence, in: [a, b]}"], ["h"])
    return Workload("recurrence", f"recurrence {shape[0]}x{shape[1]} f32", inputs, graph, "h", rows, reference, "GB/s",
                    3 * 4 * shape[0] * shape[1])


ODE_DT = 0.01


def ode_workload(shape, rng):
    n, steps = shape
    inputs = {"x0": rng.uniform(0.01, 0.99, n).astype(np.float32), "r": rng.uniform(0.5, 3.0, n).astype(np.float32)}
    part = slice(0, 4096)

    def reference(i):  # the textbook rk4 in float64; rounding apart, the same function
        x, r = i["x0"][part].astype(np.float64), i["r"][part].astype(np.float64)
        f = lambda v: r * v * (1 - v)  # noqa: E731
        for _ in range(steps):
            k1 = f(x)
            k2 = f(x + 0.5 * ODE_DT * k1)
            k3 = f(x + 0.5 * ODE_DT * k2)
            k4 = f(x + ODE_DT * k3)
            x = x + ODE_DT / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return x

    graph = graph_text("ode_bench", inputs, [f'{{id: y, op: ode, in: {{x: x0, r: r}}, rhs: {{x: "r * x * (1 - x)"}}, '
                                             f'method: rk4, dt: {ODE_DT}, steps: {steps}}}'], ['"y:x"'])
    return Workload("ode_rk4", f"ode rk4, {n} logistic equations x {steps} steps f32", inputs, graph, "y_x", part,
                    reference, "G rhs/s", 4 * n * steps)


def mamba_weights(d_model, rng, d_state=16, d_conv=4):
    """A Mamba block's weights as tools/make_mamba_weights.py lays them out (mamba_ssm's shapes)."""
    d_inner = 2 * d_model
    dt_rank = -(-d_model // 16)
    f32 = np.float32
    scale = lambda fan_in: 1 / np.sqrt(fan_in)  # noqa: E731
    dt = np.exp(rng.uniform(np.log(1e-3), np.log(1e-1), d_inner))
    return {"w_in": (rng.standard_normal((2 * d_inner, d_model)) * scale(d_model)).astype(f32),
            "w_conv": (rng.standard_normal((d_inner, 1, d_conv)) * scale(d_conv)).astype(f32),
            "b_conv": (rng.standard_normal(d_inner) * 0.1).astype(f32),
            "w_x": (rng.standard_normal((dt_rank + 2 * d_state, d_inner)) * scale(d_inner)).astype(f32),
            "w_dt": (rng.standard_normal((d_inner, dt_rank)) * scale(dt_rank)).astype(f32),
            "b_dt": (dt + np.log(-np.expm1(-dt))).astype(f32),
            "a_log": np.log(np.tile(np.arange(1, d_state + 1, dtype=np.float64), (d_inner, 1))).astype(f32),
            "d_skip": np.ones(d_inner, dtype=f32),
            "w_out": (rng.standard_normal((d_model, d_inner)) * scale(d_inner)).astype(f32)}


def mamba_block_numpy(i, batch_rows):
    """The block in float64 numpy (mamba_ssm's Mamba.forward without its fused kernels)."""
    g = {k: v.astype(np.float64) for k, v in i.items()}
    x = g["x"][batch_rows]
    d_inner, d_state = g["w_in"].shape[0] // 2, g["a_log"].shape[1]
    dt_rank = g["w_dt"].shape[1]
    xz = np.swapaxes(x @ g["w_in"].T, 1, 2)
    u, z = xz[:, :d_inner], xz[:, d_inner:]
    length, width = u.shape[2], g["w_conv"].shape[2]
    padded = np.concatenate([np.zeros(u.shape[:2] + (width - 1,)), u], axis=2)
    u = silu(sum(g["w_conv"][None, :, 0, j, None] * padded[:, :, j:j + length] for j in range(width))
             + g["b_conv"][None, :, None])
    x_dbl = np.swapaxes(u, 1, 2) @ g["w_x"].T
    delta = softplus(np.swapaxes(x_dbl[..., :dt_rank] @ g["w_dt"].T, 1, 2) + g["b_dt"][:, None])
    Bm, Cm = np.swapaxes(x_dbl[..., dt_rank:dt_rank + d_state], 1, 2), np.swapaxes(x_dbl[..., dt_rank + d_state:], 1, 2)
    A = -np.exp(g["a_log"])
    state = np.zeros(u.shape[:2] + (d_state,))
    y = np.empty_like(u)
    for t in range(length):
        state = np.exp(delta[:, :, t, None] * A) * state + (delta[:, :, t] * u[:, :, t])[..., None] * Bm[:, None, :, t]
        y[:, :, t] = np.einsum("bdn,bn->bd", state, Cm[:, :, t])
    y = (y + u * g["d_skip"][:, None]) * silu(z)
    return np.swapaxes(y, 1, 2) @ g["w_out"].T


def mamba_workload(shape, rng):
    batch, length, d_model = shape
    inputs = {"x": rng.standard_normal(shape, dtype=np.float32), **mamba_weights(d_model, rng)}
    part = slice(0, 1)
    d_inner, d_state, dt_rank = inputs["w_dt"].shape[0], inputs["a_log"].shape[1], inputs["w_dt"].shape[1]
    # graphs/mamba/parts/block.yaml with its weights as graph inputs instead of files.
    nodes = ['{id: A, op: expr, in: {a: a_log}, expr: "-exp(a)"}',
             "{id: xz, op: linear, in: {x: x, W: w_in}}",
             "{id: xz_t, op: transpose, in: [xz], perm: [0, 2, 1]}",
             f"{{id: u_in, op: slice, in: [xz_t], axis: 1, stop: {d_inner}}}",
             f"{{id: z, op: slice, in: [xz_t], axis: 1, start: {d_inner}}}",
             f"{{id: u, op: conv1d, in: {{x: u_in, w: w_conv, bias: b_conv}}, groups: {d_inner}, padding: causal, "
             "activation: silu}",
             "{id: u_t, op: transpose, in: [u], perm: [0, 2, 1]}",
             "{id: x_dbl, op: linear, in: {x: u_t, W: w_x}}",
             f"{{id: dt_low, op: slice, in: [x_dbl], axis: 2, stop: {dt_rank}}}",
             f"{{id: bc, op: slice, in: [x_dbl], axis: 2, start: {dt_rank}}}",
             f"{{id: b_t, op: slice, in: [bc], axis: 2, stop: {d_state}}}",
             f"{{id: c_t, op: slice, in: [bc], axis: 2, start: {d_state}}}",
             "{id: delta_t, op: linear, in: {x: dt_low, W: w_dt}}",
             "{id: delta, op: transpose, in: [delta_t], perm: [0, 2, 1]}",
             "{id: Bm, op: transpose, in: [b_t], perm: [0, 2, 1]}",
             "{id: Cm, op: transpose, in: [c_t], perm: [0, 2, 1]}",
             "{id: scan, op: selective_scan, in: {u: u, delta: delta, A: A, Bm: Bm, Cm: Cm, Dskip: d_skip, z: z, "
             "delta_bias: b_dt}, delta_softplus: true}",
             '{id: y_t, op: transpose, in: ["scan:y"], perm: [0, 2, 1]}',
             "{id: out, op: linear, in: {x: y_t, W: w_out}}"]
    graph = graph_text("mamba_bench", inputs, nodes, ["out"])
    return Workload("mamba_block", f"Mamba block, batch {batch}, L {length}, d_model {d_model} f32", inputs, graph, "out",
                    part, lambda i: mamba_block_numpy(i, part), "M tokens/s", batch * length * 1e3)


NAMES = ["expr", "linear", "conv1d", "selective_scan", "integrate", "recurrence", "ode_rk4", "mamba_block"]
GRAPHRUN_ONLY = ["expr_nodes", "tiny_chain"]


def make(size, only=None, graphrun_only=False):
    """The workloads at `size` (only those named in `only`, when given), each drawn from its
    own seed, so that the inputs of one do not depend on which others are made. With
    `graphrun_only`, also GRAPHRUN_ONLY: targets on graphrun itself, which no peer runs."""
    s = SIZES[size]
    makers = {"expr": (expr_workload, s["expr_n"]), "linear": (linear_workload, s["linear"]),
              "conv1d": (conv_workload, s["conv"]), "selective_scan": (scan_workload, s["scan"]),
              "integrate": (integrate_workload, s["rows"]), "recurrence": (recurrence_workload, s["rows"]),
              "ode_rk4": (ode_workload, s["ode"]), "mamba_block": (mamba_workload, s["mamba"])}
    assert list(makers) == NAMES
    if graphrun_only:
        makers.update({"expr_nodes": (expr_nodes_workload, s["expr_n"]), "tiny_chain": (tiny_chain_workload, s["tiny"])})
        assert list(makers)[len(NAMES):] == GRAPHRUN_ONLY
    return [maker(shape, np.random.default_rng(seed)) for seed, (name, (maker, shape)) in enumerate(makers.items())
            if only is None or name in only]
