"""The work the GPU benchmarks time, defined once: inputs (float32, seeded), the graphrun graph
that does it, and a float64 numpy reference on a slice of the output, so that every peer
(graphrun, torch eager, torch.compile, JAX) is checked to compute the same function.

Sizes: "gpu" fills an H200 well past launch overhead and its 60 MB L2; "small" is for trying
the scripts on any machine (tools/gpu-check.sh --small).
"""
import numpy as np

SIZES = {
    "gpu": dict(expr_n=1 << 27, linear=(8192, 4096, 4096), conv=(8, 1024, 16384), scan=(4, 1536, 16, 1024)),
    "small": dict(expr_n=1 << 16, linear=(64, 32, 48), conv=(2, 8, 256), scan=(1, 8, 4, 64)),
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

    def __init__(self, name, title, inputs, graph, output, ref_slice, reference, note_unit, note_amount):
        self.name, self.title, self.inputs, self.graph, self.output = name, title, inputs, graph, output
        self.ref_slice, self.reference = ref_slice, reference
        self.note_unit, self.note_amount = note_unit, note_amount

    def check(self, out):
        """Relative error of out[ref_slice] against the float64 reference."""
        return rel_error(np.asarray(out)[self.ref_slice], self.reference(self.inputs))

    def note(self, ms):
        return f"{self.note_amount / (ms / 1e3) / 1e9:.0f} {self.note_unit}" if ms else ""


def graph_text(name, inputs, nodes, outputs):
    lines = ["format: 1", f"graph: {name}", "dtype: f32", "inputs:"]
    lines += [f"  {k}: {{shape: {list(v.shape)}}}" for k, v in inputs.items()]
    lines += ["nodes:"] + [f"  - {n}" for n in nodes] + [f"outputs: [{', '.join(outputs)}]"]
    return "\n".join(lines) + "\n"


def expr_workload(n, rng):
    inputs = {"x": rng.standard_normal(n, dtype=np.float32)}
    part = slice(0, min(n, 1 << 20))

    def reference(i):
        x = i["x"][part].astype(np.float64)
        return silu(x) * np.tanh(x) + 0.5 * np.exp(-x * x)

    graph = graph_text("expr_bench", inputs, ['{id: y, op: expr, in: {x: x}, expr: "silu(x) * tanh(x) + 0.5 * exp(-x^2)"}'],
                       ["y"])
    return Workload("expr", f"expr silu(x)*tanh(x)+0.5*exp(-x^2), {n} f32", inputs, graph, "y", part, reference,
                    "GB/s", 2 * 4 * n)


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


def scan_workload(shape, rng):
    batch, channels, states, length = shape
    f32 = np.float32
    inputs = {"u": rng.standard_normal((batch, channels, length)).astype(f32),
              "delta": rng.uniform(-4, 1, (batch, channels, length)).astype(f32),
              "A": -rng.uniform(0.5, 8, (channels, states)).astype(f32),
              "Bm": rng.standard_normal((batch, states, length)).astype(f32),
              "Cm": rng.standard_normal((batch, states, length)).astype(f32),
              "Dskip": rng.standard_normal(channels).astype(f32),
              "z": rng.standard_normal((batch, channels, length)).astype(f32),
              "delta_bias": rng.uniform(-1, 0, channels).astype(f32)}
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


def make(size):
    s = SIZES[size]
    rng = np.random.default_rng(0)
    return [expr_workload(s["expr_n"], rng), linear_workload(s["linear"], rng), conv_workload(s["conv"], rng),
            scan_workload(s["scan"], rng)]
