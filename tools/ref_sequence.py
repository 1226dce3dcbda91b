#!/usr/bin/python3
"""Reference data for the sequence plugin: recurrence, rnn, ssm, selective_scan.

Writes tests/cases/seq_*/ : graph.yaml, the small inputs as .npy, expected/*.npy and, where a
scan's rounding is relative to its output's scale rather than to each value, a tolerance file.
Large inputs are made in the graph by `random` nodes and reproduced here with the documented
Philox mapping (tools/ref_sources.py), so no big file is checked in.

References (Debian's /usr/bin/python3: numpy 1.24, scipy 1.10, torch 1.13), all in float64 from
the inputs as the graph's dtype holds them:
  recurrence      a sequential numpy loop; scipy.signal.lfilter([1], [1, -a], b) when a is
                  constant along time
  rnn             torch.nn.RNN with weight_ih = W_xh, weight_hh = W_hh, bias_ih = b, bias_hh = 0
  ssm             numpy: the three discretizations of SPEC §4, then the recurrence (recurrent
                  mode) or K[d, l] = sum_n C Abar^l Bbar and numpy.convolve (convolution mode)
  selective_scan  selective_scan_ref below: mamba_ssm's reference written in PyTorch from SPEC
  closed form     a one-state selective scan with exp(delta*A) = 1/2, summed by hand below

Deterministic: fixed seeds only. Run from anywhere: /usr/bin/python3 tools/ref_sequence.py
"""
import math
import os
import shutil
import sys

import numpy as np
import scipy.signal
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ref_sources import random_reference  # noqa: E402  (the `random` op's values)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = os.path.join(ROOT, "tests", "cases")
DTYPES = {"f32": np.float32, "f64": np.float64}
# SPEC §4: scans and long sums are checked relative to the output's scale (1e-4 for f32);
# f64 keeps its 1e-12, also relative to the scale near the zeros of an output.
SCALE_TOLERANCE = {"f32": 1e-4, "f64": 1e-12}


# ---------------------------------------------------------------------------------------------
# Writing cases.

class Case:
    """One folder of tests/cases: inputs, graph nodes, expected outputs."""

    def __init__(self, name, suffix, doc):
        self.name = f"{name}_{suffix}"
        self.suffix = suffix
        self.dtype = DTYPES[suffix]
        self.doc = doc
        self.nodes = []
        self.files = {}
        self.expected = {}

    def read(self, name, value):
        """An input written as <name>.npy and read by a node of that id; returns the values
        as the graph holds them, in float64."""
        value = np.asarray(value, dtype=self.dtype)
        self.files[name] = value
        self.nodes.append(f"{{id: {name}, op: read, path: {name}.npy}}")
        return value.astype(np.float64)

    def random(self, name, shape, seed, low, high):
        """A `random` node (uniform in [low, high)); returns its values in float64."""
        self.nodes.append(f"{{id: {name}, op: random, shape: {list(shape)}, seed: {seed}, "
                          f"low: {low}, high: {high}}}")
        return random_reference(tuple(shape), "uniform", seed, self.dtype, low=low,
                                high=high).astype(np.float64)

    def node(self, text):
        self.nodes.append(text)

    def expect(self, output, value):
        self.expected[output] = np.asarray(value, dtype=np.float64)

    def expect_sampled(self, output, value, step):
        """Checks every step-th value of a long output along its last axis, the last value
        included (a slice node keeps the expected file small)."""
        length = value.shape[-1]
        start = (length - 1) % step
        name = output.replace(":", "_") + "_sampled"
        self.nodes.append(f"{{id: {name}, op: slice, in: [\"{output}\"], axis: -1, start: {start}, "
                          f"step: {step}}}")
        self.expect(name, value[..., start::step])

    def write(self):
        folder = os.path.join(CASES, self.name)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(os.path.join(folder, "expected"))
        for key, value in self.files.items():
            np.save(os.path.join(folder, key + ".npy"), value)
        outputs = []
        for key, value in self.expected.items():
            np.save(os.path.join(folder, "expected", key.replace(":", "_") + ".npy"),
                    value.astype(self.dtype))
            outputs.append(key)
        lines = ["format: 1", f"graph: {self.name}", f"doc: \"{self.doc} ({self.suffix})\"",
                 f"dtype: {self.suffix}", "nodes:"]
        lines += [f"  - {n}" for n in self.nodes]
        lines.append("outputs: [" + ", ".join(f'"{o}"' if ":" in o else o for o in outputs) + "]")
        with open(os.path.join(folder, "graph.yaml"), "w") as f:
            f.write("\n".join(lines) + "\n")
        scales = [np.max(np.abs(v)) for v in self.expected.values() if v.size and np.max(np.abs(v)) > 0]
        factor = SCALE_TOLERANCE[self.suffix]
        atol = factor * min(scales)
        rtol = 1e-12 if self.suffix == "f64" else 1e-5
        with open(os.path.join(folder, "tolerance"), "w") as f:
            f.write(f"# scans round relative to the output's scale (SPEC §4): atol = {factor:g} * "
                    f"the smallest max|output| ({min(scales):.6g})\n{rtol:g} {atol:.6g}\n")


def for_each_dtype(build):
    for suffix in DTYPES:
        build(suffix).write()


# ---------------------------------------------------------------------------------------------
# References.

def recurrence_loop(a, b, h0=None):
    """h_t = a_t * h_{t-1} + b_t along the last axis, one step at a time; (all h, last h)."""
    a = np.broadcast_to(a, b.shape)
    h = np.zeros(b.shape[:-1]) if h0 is None else np.broadcast_to(h0, b.shape[:-1]).astype(np.float64)
    out = np.empty(b.shape)
    for t in range(b.shape[-1]):
        h = a[..., t] * h + b[..., t]
        out[..., t] = h
    return out, h


def recurrence_lfilter(a_rows, b, h0=None):
    """The same with a constant along time, row by row through scipy.signal.lfilter; the
    filter's state before the first step is a*h0 (transposed direct form II)."""
    a_rows = np.broadcast_to(a_rows, b.shape[:-1] + (1,))
    out = np.empty(b.shape)
    for idx in np.ndindex(b.shape[:-1]):
        a = a_rows[idx][0]
        zi = None if h0 is None else [a * np.broadcast_to(h0, b.shape[:-1])[idx]]
        y = scipy.signal.lfilter([1.0], [1.0, -a], b[idx], zi=zi)
        out[idx] = y if zi is None else y[0]
    return out


def rnn_torch(x, w_hh, w_xh, bias=None, h0=None, activation="tanh"):
    """torch.nn.RNN in float64 on x (batch, input, L) transposed to (L, batch, input)."""
    hidden, inputs = w_xh.shape
    rnn = torch.nn.RNN(inputs, hidden, nonlinearity=activation, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(w_xh))
        rnn.weight_hh_l0.copy_(torch.from_numpy(w_hh))
        rnn.bias_ih_l0.copy_(torch.from_numpy(bias) if bias is not None else torch.zeros(hidden, dtype=torch.float64))
        rnn.bias_hh_l0.zero_()
        h = None if h0 is None else torch.from_numpy(h0)[None]
        out, hn = rnn(torch.from_numpy(x).permute(2, 0, 1), h)
    return out.permute(1, 2, 0).numpy(), hn[0].numpy()


def discretize(method, A, B, dt):
    """SPEC §4 ssm: (Abar, Bbar) per (D, N); dt per channel. ZOH's (Abar - 1) as expm1."""
    dta = dt[:, None] * A
    if method == "zoh":
        return np.exp(dta), np.expm1(dta) / A * B
    if method == "bilinear":
        den = 1 - dta / 2
        return (1 + dta / 2) / den, dt[:, None] * B / den
    return 1 + dta, dt[:, None] * B


def ssm_recurrent(u, abar, bbar, C, dskip=None):
    """h_t = Abar h_{t-1} + Bbar u_t, y_t = sum_n C h_t + Dskip u_t; (y, final)."""
    batch, channels, length = u.shape
    h = np.zeros((batch, channels, abar.shape[1]))
    y = np.empty(u.shape)
    for t in range(length):
        h = abar * h + bbar * u[:, :, t, None]
        y[:, :, t] = (C * h).sum(-1)
    if dskip is not None:
        y += dskip[:, None] * u
    return y, h


def ssm_convolution(u, abar, bbar, C, dskip=None):
    """K[d, l] = sum_n C Abar^l Bbar, y = causal convolution of u with K (+ Dskip u); final
    = sum_t Abar^(L-1-t) Bbar u_t."""
    batch, channels, length = u.shape
    powers = abar[:, :, None] ** np.arange(length)  # (D, N, L)
    kernel = np.einsum("dn,dnl->dl", C * bbar, powers)
    y = np.empty(u.shape)
    for b in range(batch):
        for d in range(channels):
            y[b, d] = np.convolve(u[b, d], kernel[d])[:length]
    if dskip is not None:
        y += dskip[:, None] * u
    final = np.einsum("bdl,dnl->bdn", u, powers[:, :, ::-1]) * bbar
    return y, final


def selective_scan_ref(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False):
    """mamba_ssm's selective_scan_ref (real A, B and C of shape (B, N, L)), as SPEC §4 states
    it: delta += delta_bias; softplus; deltaA = exp(delta*A); deltaB_u = delta*B*u;
    x_t = deltaA_t x_{t-1} + deltaB_u_t; y_t = <x_t, C_t>; + D u; * silu(z). (y, last state)."""
    t = {k: (torch.from_numpy(v) if v is not None else None)
         for k, v in dict(u=u, delta=delta, A=A, B=B, C=C, D=D, z=z, delta_bias=delta_bias).items()}
    u, delta, A, B, C = t["u"], t["delta"], t["A"], t["B"], t["C"]
    if t["delta_bias"] is not None:
        delta = delta + t["delta_bias"][..., None]
    if delta_softplus:
        delta = F.softplus(delta)
    batch, dim, dstate = u.shape[0], A.shape[0], A.shape[1]
    x = A.new_zeros((batch, dim, dstate))
    ys = []
    delta_a = torch.exp(torch.einsum("bdl,dn->bdln", delta, A))
    delta_b_u = torch.einsum("bdl,bnl,bdl->bdln", delta, B, u)
    for i in range(u.shape[2]):
        x = delta_a[:, :, i] * x + delta_b_u[:, :, i]
        ys.append(torch.einsum("bdn,bn->bd", x, C[:, :, i]))
    y = torch.stack(ys, dim=2) if ys else u.new_zeros(u.shape)
    out = y if t["D"] is None else y + u * t["D"][:, None]
    if t["z"] is not None:
        out = out * F.silu(t["z"])
    return out.numpy(), x.numpy()


# ---------------------------------------------------------------------------------------------
# recurrence

def recurrence_case(suffix):
    c = Case("seq_recurrence", suffix, "recurrence against a numpy loop and scipy.signal.lfilter: "
             "a per element, per row, scalar and per step, h0, save final, rank 1, empty, fused tanh")
    rng = np.random.default_rng(301)
    b = c.read("b", rng.standard_normal((2, 3, 64)))
    a_full = c.read("a_full", rng.uniform(-1, 1, (2, 3, 64)))
    a_rows = c.read("a_rows", rng.uniform(-0.95, 0.95, (2, 3, 1)))
    a_time = c.read("a_time", rng.uniform(0.5, 1.0, 64))
    h0 = c.read("h0", rng.standard_normal((2, 3)))
    v = c.read("v", rng.standard_normal(50))
    c.read("e0", np.zeros((2, 0)))
    eh0 = c.read("eh0", rng.standard_normal(2))
    scalar = np.float64(c.dtype(0.75))
    c.node("{id: a_scalar, op: constant, value: 0.75}")
    c.node("{id: full, op: recurrence, in: [a_full, b]}")
    c.node("{id: rows, op: recurrence, in: {a: a_rows, b: b}}")
    c.node("{id: scalar, op: recurrence, in: [a_scalar, b]}")
    c.node("{id: time, op: recurrence, in: [a_time, b]}")
    c.node("{id: with_h0, op: recurrence, in: {a: a_full, b: b, h0: h0}}")
    c.node("{id: rows_h0, op: recurrence, in: {a: a_rows, b: b, h0: h0}}")
    c.node("{id: final, op: recurrence, in: {a: a_full, b: b, h0: h0}, save: final}")
    c.node("{id: vector, op: recurrence, in: [a_scalar, v]}")
    c.node("{id: vector_final, op: recurrence, in: [a_scalar, v], save: final}")
    c.node("{id: empty, op: recurrence, in: {a: a_scalar, b: e0, h0: eh0}}")
    c.node("{id: empty_final, op: recurrence, in: {a: a_scalar, b: e0, h0: eh0}, save: final}")
    c.node("{id: fused, op: tanh, in: [rows]}")
    c.expect("full", recurrence_loop(a_full, b)[0])
    c.expect("rows", recurrence_lfilter(a_rows, b))
    c.expect("scalar", recurrence_lfilter(np.full((2, 3, 1), scalar), b))
    c.expect("time", recurrence_loop(a_time, b)[0])
    c.expect("with_h0", recurrence_loop(a_full, b, h0)[0])
    c.expect("rows_h0", recurrence_lfilter(a_rows, b, h0))
    c.expect("final", recurrence_loop(a_full, b, h0)[1])
    c.expect("vector", recurrence_lfilter(np.array([scalar]), v))
    c.expect("vector_final", recurrence_loop(scalar, v)[1])
    c.expect("empty", np.zeros((2, 0)))
    c.expect("empty_final", eh0)
    c.expect("fused", np.tanh(recurrence_lfilter(a_rows, b)))
    return c


def recurrence_long_case(suffix):
    c = Case("seq_recurrence_long", suffix, "recurrence over 20000 steps (three chunks of the "
             "parallel scan), decay close to 1")
    b = c.random("b", (3, 20000), 311, -1, 1)
    a = c.random("a", (3, 20000), 312, 0.95, 1)
    a_rows = c.random("a_rows", (3, 1), 313, 0.99, 0.999)
    h0 = c.random("h0", (3,), 314, -5, 5)
    c.node("{id: full, op: recurrence, in: {a: a, b: b, h0: h0}}")
    c.node("{id: rows, op: recurrence, in: [a_rows, b]}")
    c.node("{id: final, op: recurrence, in: {a: a, b: b, h0: h0}, save: final}")
    full, last = recurrence_loop(a, b, h0)
    c.expect_sampled("full", full, 97)
    c.expect_sampled("rows", recurrence_lfilter(a_rows, b), 97)
    c.expect("final", last)
    return c


# ---------------------------------------------------------------------------------------------
# rnn

def rnn_case(suffix):
    c = Case("seq_rnn", suffix, "rnn against torch.nn.RNN: tanh with bias and h0, relu without")
    rng = np.random.default_rng(401)
    x = c.read("x", rng.standard_normal((2, 3, 40)))
    w_hh = c.read("W_hh", rng.uniform(-0.4, 0.4, (5, 5)))
    w_xh = c.read("W_xh", rng.uniform(-0.6, 0.6, (5, 3)))
    bias = c.read("bias", rng.uniform(-0.3, 0.3, 5))
    h0 = c.read("h0", rng.uniform(-1, 1, (2, 5)))
    c.node("{id: tanh, op: rnn, in: {x: x, W_hh: W_hh, W_xh: W_xh, b: bias, h0: h0}}")
    c.node("{id: relu, op: rnn, in: [x, W_hh, W_xh], activation: relu}")
    out, final = rnn_torch(x, w_hh, w_xh, bias, h0)
    c.expect("tanh:out", out)
    c.expect("tanh:final", final)
    out, final = rnn_torch(x, w_hh, w_xh, activation="relu")
    c.expect("relu:out", out)
    c.expect("relu:final", final)
    return c


def rnn_large_case(suffix):
    c = Case("seq_rnn_large", suffix, "rnn against torch.nn.RNN: 5 sequences (a group of 4 and a "
             "rest), 300 steps (two projection blocks), hidden 24")
    x = c.random("x", (5, 6, 300), 411, -1, 1)
    w_hh = c.random("W_hh", (24, 24), 412, -0.2, 0.2)
    w_xh = c.random("W_xh", (24, 6), 413, -0.3, 0.3)
    bias = c.random("bias", (24,), 414, -0.1, 0.1)
    c.node("{id: rnn, op: rnn, in: {x: x, W_hh: W_hh, W_xh: W_xh, b: bias}}")
    out, final = rnn_torch(x, w_hh, w_xh, bias)
    c.expect_sampled("rnn:out", out, 20)
    c.expect("rnn:final", final)
    return c


# ---------------------------------------------------------------------------------------------
# ssm

def ssm_case(suffix):
    c = Case("seq_ssm", suffix, "ssm against numpy: zoh, bilinear, euler, each recurrent and "
             "convolution; dt per channel; dt attribute without Dskip")
    rng = np.random.default_rng(501)
    u = c.read("u", rng.standard_normal((2, 3, 50)))
    A = c.read("A", -rng.uniform(0.1, 2.0, (3, 4)))
    B = c.read("B", rng.standard_normal((3, 4)))
    C = c.read("C", rng.standard_normal((3, 4)))
    dskip = c.read("Dskip", rng.standard_normal(3))
    dt = c.read("dt", rng.uniform(0.05, 0.3, 3))
    for method in ("zoh", "bilinear", "euler"):
        abar, bbar = discretize(method, A, B, dt)
        for mode, ref in (("recurrent", ssm_recurrent), ("convolution", ssm_convolution)):
            name = f"{mode[:4]}_{method}"
            c.node(f"{{id: {name}, op: ssm, in: {{u: u, A: A, B: B, C: C, Dskip: Dskip, dt: dt}}, "
                   f"discretization: {method}, mode: {mode}}}")
            y, final = ref(u, abar, bbar, C, dskip)
            c.expect(f"{name}:y", y)
            c.expect(f"{name}:final", final)
    c.node("{id: attr_dt, op: ssm, in: [u, A, B, C], dt: 0.125}")
    abar, bbar = discretize("zoh", A, B, np.full(3, 0.125))
    y, final = ssm_recurrent(u, abar, bbar, C)
    c.expect("attr_dt:y", y)
    c.expect("attr_dt:final", final)
    return c


def ssm_long_case(suffix):
    c = Case("seq_ssm_long", suffix, "ssm over 9000 steps (powers of Abar resynchronised twice): "
             "recurrent, convolution (FFT) and auto against the numpy recurrence")
    u = c.random("u", (2, 4, 9000), 511, -1, 1)
    A = c.random("A", (4, 8), 512, -1.0, -0.02)
    B = c.random("B", (4, 8), 513, -1, 1)
    C = c.random("C", (4, 8), 514, -1, 1)
    dskip = c.random("Dskip", (4,), 515, -1, 1)
    abar, bbar = discretize("zoh", A, B, np.full(4, 0.0625))
    y, final = ssm_recurrent(u, abar, bbar, C, dskip)
    for mode in ("recurrent", "convolution", "auto"):
        c.node(f"{{id: {mode}, op: ssm, in: {{u: u, A: A, B: B, C: C, Dskip: Dskip}}, dt: 0.0625, "
               f"mode: {mode}}}")
        c.expect_sampled(f"{mode}:y", y, 150)
        c.expect(f"{mode}:final", final)
    return c


# ---------------------------------------------------------------------------------------------
# selective_scan

SCAN_PORTS = "u: u, delta: delta, A: A, Bm: Bm, Cm: Cm"


def selective_scan_case(suffix):
    c = Case("seq_selective_scan", suffix, "selective_scan against selective_scan_ref (PyTorch): "
             "without options, with Dskip, z, delta_bias, softplus, all together, and 70 states")
    rng = np.random.default_rng(601)
    shape = (2, 3, 40)
    u = c.read("u", rng.standard_normal(shape))
    delta = c.read("delta", rng.uniform(-2, 1, shape))
    A = c.read("A", -rng.uniform(0.2, 3, (3, 5)))
    Bm = c.read("Bm", rng.standard_normal((2, 5, 40)))
    Cm = c.read("Cm", rng.standard_normal((2, 5, 40)))
    D = c.read("Dskip", rng.standard_normal(3))
    z = c.read("z", rng.standard_normal(shape))
    bias = c.read("delta_bias", rng.uniform(-1, 1, 3))
    positive = c.read("delta_pos", rng.uniform(0.01, 0.5, shape))
    variants = {
        "plain": ("delta_pos", {}, {}),
        "skip": ("delta_pos", {"Dskip": "Dskip"}, dict(D=D)),
        "gated": ("delta_pos", {"z": "z"}, dict(z=z)),
        "softplus": ("delta", {}, dict(delta_softplus=True)),
        "biased": ("delta", {"delta_bias": "delta_bias"}, dict(delta_bias=bias, delta_softplus=True)),
        "all": ("delta", {"Dskip": "Dskip", "z": "z", "delta_bias": "delta_bias"},
                dict(D=D, z=z, delta_bias=bias, delta_softplus=True)),
    }
    deltas = {"delta": delta, "delta_pos": positive}
    # 70 states: several runs of state vectors (and a part-filled last vector) per step
    A_wide = c.random("A_wide", (3, 70), 602, -2, -0.1)
    Bm_wide = c.random("Bm_wide", (2, 70, 40), 603, -1, 1)
    Cm_wide = c.random("Cm_wide", (2, 70, 40), 604, -1, 1)
    c.node("{id: wide, op: selective_scan, in: {u: u, delta: delta, A: A_wide, Bm: Bm_wide, Cm: Cm_wide, "
           "Dskip: Dskip}, delta_softplus: true}")
    y, final = selective_scan_ref(u, delta, A_wide, Bm_wide, Cm_wide, D=D, delta_softplus=True)
    c.expect("wide:y", y)
    c.expect("wide:final", final)
    for name, (delta_port, ports, kwargs) in variants.items():
        extra = "".join(f", {k}: {v}" for k, v in ports.items())
        softplus = ", delta_softplus: true" if kwargs.get("delta_softplus") else ""
        c.node(f"{{id: {name}, op: selective_scan, in: {{u: u, delta: {delta_port}, A: A, Bm: Bm, "
               f"Cm: Cm{extra}}}{softplus}}}")
        y, final = selective_scan_ref(u, deltas[delta_port], A, Bm, Cm, **kwargs)
        c.expect(f"{name}:y", y)
        c.expect(f"{name}:final", final)
    return c


def selective_scan_large_case(suffix):
    c = Case("seq_selective_scan_large", suffix, "selective_scan against selective_scan_ref: "
             "B 2, D 20 (a group of 16 and a rest), N 16, L 300 (three blocks), all options")
    u = c.random("u", (2, 20, 300), 611, -1, 1)
    delta = c.random("delta", (2, 20, 300), 612, -4, 1)
    A = c.random("A", (20, 16), 613, -3, -0.1)
    Bm = c.random("Bm", (2, 16, 300), 614, -1, 1)
    Cm = c.random("Cm", (2, 16, 300), 615, -1, 1)
    D = c.random("Dskip", (20,), 616, -1, 1)
    z = c.random("z", (2, 20, 300), 617, -3, 3)
    bias = c.random("delta_bias", (20,), 618, -1, 0)
    c.node(f"{{id: scan, op: selective_scan, in: {{{SCAN_PORTS}, Dskip: Dskip, z: z, "
           f"delta_bias: delta_bias}}, delta_softplus: true}}")
    y, final = selective_scan_ref(u, delta, A, Bm, Cm, D=D, z=z, delta_bias=bias, delta_softplus=True)
    c.expect_sampled("scan:y", y, 10)
    c.expect("scan:final", final)
    return c


def selective_scan_odd_case(suffix):
    c = Case("seq_selective_scan_odd", suffix, "selective_scan against selective_scan_ref: "
             "B 2, D 23 (a group of 16 channels and an odd rest of 7), N 16 and N 24 (whole and "
             "part-filled lane blocks), L 150, all options")
    u = c.random("u", (2, 23, 150), 621, -1, 1)
    delta = c.random("delta", (2, 23, 150), 622, -4, 1)
    D = c.random("Dskip", (23,), 626, -1, 1)
    z = c.random("z", (2, 23, 150), 627, -3, 3)
    bias = c.random("delta_bias", (23,), 628, -1, 0)
    for states, seed in ((16, 623), (24, 633)):
        A = c.random(f"A{states}", (23, states), seed, -3, -0.1)
        Bm = c.random(f"Bm{states}", (2, states, 150), seed + 1, -1, 1)
        Cm = c.random(f"Cm{states}", (2, states, 150), seed + 2, -1, 1)
        c.node(f"{{id: scan{states}, op: selective_scan, in: {{u: u, delta: delta, A: A{states}, "
               f"Bm: Bm{states}, Cm: Cm{states}, Dskip: Dskip, z: z, delta_bias: delta_bias}}, "
               f"delta_softplus: true}}")
        y, final = selective_scan_ref(u, delta, A, Bm, Cm, D=D, z=z, delta_bias=bias, delta_softplus=True)
        c.expect_sampled(f"scan{states}:y", y, 10)
        c.expect(f"scan{states}:final", final)
    return c


def selective_scan_closed_form_case(suffix):
    """One state, u = Bm = Cm = 1, delta = ln 2, A = -1: exp(delta*A) = 1/2, so
    state_t = state_{t-1}/2 + ln 2 from state_{-1} = 0, i.e. the geometric sum
    state_t = ln 2 * sum_{k=0..t} 2^-k = 2 ln 2 (1 - 2^-(t+1)), and y_t = state_t."""
    c = Case("seq_selective_scan_closed_form", suffix,
             "selective_scan with one state and exp(delta*A) = 1/2 against its closed form "
             "2 ln 2 (1 - 2^-(t+1))")
    length = 30
    ln2 = math.log(2.0)
    c.node(f"{{id: ones, op: constant, value: 1, shape: [1, 1, {length}]}}")
    c.node(f"{{id: delta, op: constant, value: {ln2!r}, shape: [1, 1, {length}]}}")
    c.node("{id: A, op: constant, value: -1, shape: [1, 1]}")
    c.node("{id: scan, op: selective_scan, in: {u: ones, delta: delta, A: A, Bm: ones, Cm: ones}}")
    t = np.arange(length)
    state = 2 * ln2 * (1 - 0.5 ** (t + 1))
    c.expect("scan:y", state.reshape(1, 1, length))
    c.expect("scan:final", state[-1:].reshape(1, 1, 1))
    return c


def main():
    torch.set_num_threads(1)
    for build in (recurrence_case, recurrence_long_case, rnn_case, rnn_large_case, ssm_case,
                  ssm_long_case, selective_scan_case, selective_scan_large_case,
                  selective_scan_odd_case, selective_scan_closed_form_case):
        for_each_dtype(build)


if __name__ == "__main__":
    main()
