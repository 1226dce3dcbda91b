#!/usr/bin/python3
"""Reference data for conv1d (plugins/signal), computed with PyTorch's
torch.nn.functional.conv1d (Debian's python3-torch, in float64 for the f64 cases).

Writes under tests/cases/:
  sig_conv1d_direct_<dt>/  every combination of stride 1/2/3, dilation 1/2, groups 1/2/C,
  sig_conv1d_fft_<dt>/     padding int/valid/same/causal, bias or not, activation none/silu,
                           algorithm forced direct or fft (graph.yaml written here too: one
                           conv1d node per combination, concatenated along the length per
                           (padding, groups) output); plus fused elementwise epilogues on a
                           batch of 2
  sig_mamba_causal_<dt>/   mamba_ssm's causal_conv1d_ref: depthwise causal conv, bias, silu
  sig_conv1d_shapes_<dt>/  rank-1 and unbatched x, an empty batch, K = 1, padding > K,
                           a channel multiplier (hand-written graph.yaml)
  sig_conv1d_long_<dt>/    long rows from linspace: several chunks and SIMD lanes per row
  sig_conv1d_long_fft_<dt>/ a 400-tap kernel (auto picks fft) on a 10000-sample chirp

Direct cases use multiples of 1/8 (1/64 for the Mamba case): every conv sum is exact in
f32 and f64, so only silu rounds and SPEC's default tolerances hold. FFT results round
relative to the output's scale, so those cases carry a tolerance file: rtol plus an atol of
1e-5 (f32) or 1e-12 (f64) times max|y|.

Deterministic: fixed seeds only. Run: /usr/bin/python3 tools/ref_signal.py
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = os.path.join(ROOT, "tests", "cases")
DTYPES = {"f32": (np.float32, torch.float32), "f64": (np.float64, torch.float64)}
SCALE_TOLERANCE = {"f32": 1e-5, "f64": 1e-12}


def eighths(rng, *shape):
    """Values k/8 with |k| <= 24: exact in both dtypes, and so are conv sums of them."""
    return rng.integers(-24, 25, size=shape) / 8


def conv_ref(x, w, bias, dtype, stride=1, dilation=1, groups=1, padding="valid", activation="none"):
    """conv1d as the op defines it, through torch (causal = left zeros, then no padding)."""
    tdt = DTYPES[dtype][1]
    tx = torch.tensor(np.asarray(x), dtype=tdt)
    tw = torch.tensor(np.asarray(w), dtype=tdt)
    tb = None if bias is None else torch.tensor(np.asarray(bias), dtype=tdt)
    if padding == "causal":
        tx = F.pad(tx, (dilation * (tw.shape[-1] - 1), 0))
        padding = 0
    y = F.conv1d(tx, tw, tb, stride=stride, padding=padding, dilation=dilation, groups=groups)
    if activation == "silu":
        y = F.silu(y)
    return y.numpy()


def causal_conv1d_ref(x, weight, bias=None, activation=None):
    """mamba_ssm's causal_conv1d_ref (causal_conv1d/causal_conv1d_interface.py)."""
    dtype_in = x.dtype
    x = x.to(weight.dtype)
    seqlen = x.shape[-1]
    dim, width = weight.shape
    out = F.conv1d(x, weight.unsqueeze(1), bias, padding=width - 1, groups=dim)
    out = out[..., :seqlen]
    return (out if activation is None else F.silu(out)).to(dtype=dtype_in)


def write_case(name, dtype, inputs, expected, graph=None, tolerance=None):
    """Saves inputs, expected/<output>.npy, and optionally graph.yaml and a tolerance file."""
    case = os.path.join(CASES, name)
    os.makedirs(os.path.join(case, "expected"), exist_ok=True)
    npdt = DTYPES[dtype][0]
    for key, value in inputs.items():
        np.save(os.path.join(case, key + ".npy"), np.asarray(value, dtype=npdt))
    for key, value in expected.items():
        np.save(os.path.join(case, "expected", key + ".npy"), np.asarray(value, dtype=npdt))
    if graph is not None:
        with open(os.path.join(case, "graph.yaml"), "w") as f:
            f.write(graph)
    if tolerance is not None:
        with open(os.path.join(case, "tolerance"), "w") as f:
            f.write(tolerance)


def scale_tolerance(dtype, expected):
    """The FFT cases' tolerance file: SPEC's rtol, and an atol relative to max|y|."""
    tol = SCALE_TOLERANCE[dtype]
    scale = max(float(np.max(np.abs(v))) for v in expected.values() if np.size(v))
    return (f"# FFT rounding is relative to the output's scale, not to each value: atol = {tol:g} * max|y|"
            f" ({scale:g})\n{tol:g} {tol * scale:.6g}\n")


# ---- every combination, direct and fft ------------------------------------------------

CHANNELS, LENGTH, BATCH = 4, 9, 1
KERNEL = {1: 3, 2: 4, CHANNELS: 4}  # groups -> K (K = 4 gives an odd 'same' total)
PADDINGS = [2, "valid", "same", "causal"]


def combinations():
    """(padding, groups) -> list of (stride, dilation, bias, activation)."""
    out = {}
    for padding in PADDINGS:
        for groups in KERNEL:
            out[(padding, groups)] = [
                (stride, dilation, bias, activation)
                for stride in ([1] if padding == "same" else [1, 2, 3])
                for dilation in (1, 2)
                for bias in (False, True)
                for activation in ("none", "silu")]
    return out


def combination_graph(name, dtype, algorithm):
    lines = ["# Written by tools/ref_signal.py: one conv1d per combination, concatenated along",
             "# the length axis per (padding, groups).",
             "format: 1", f"graph: {name}",
             f"doc: conv1d, algorithm {algorithm}, every stride/dilation/groups/padding/bias/activation ({dtype})",
             f"dtype: {dtype}", "nodes:",
             "  - {id: x, op: read, path: x.npy}" + f"  # ({BATCH}, {CHANNELS}, {LENGTH})",
             "  - {id: xb, op: read, path: xb.npy}" + f"  # (2, {CHANNELS}, {LENGTH})",
             "  - {id: bias, op: read, path: bias.npy}"]
    for groups in KERNEL:
        lines.append(f"  - {{id: w_g{groups}, op: read, path: w_g{groups}.npy}}")
    outputs = []
    for (padding, groups), combos in combinations().items():
        parts = []
        for stride, dilation, bias, activation in combos:
            cid = f"c{padding}_{groups}{stride}{dilation}{'b' if bias else ''}{activation[0]}"
            ins = f"x, w_g{groups}" + (", bias" if bias else "")
            lines.append(f"  - {{id: {cid}, op: conv1d, in: [{ins}], stride: {stride}, dilation: {dilation}, "
                         f"groups: {groups}, padding: {padding}, activation: {activation}, algorithm: {algorithm}}}")
            parts.append(cid)
        out = f"p{padding}_g{groups}"
        lines.append(f"  - {{id: {out}, op: concat, in: [{', '.join(parts)}], axis: -1}}")
        outputs.append(out)
    # An elementwise chain after the conv folds into its output loop (epilogue).
    lines.append(f"  - {{id: dw, op: conv1d, in: [xb, w_g{CHANNELS}, bias], groups: {CHANNELS}, padding: causal, "
                 f"activation: silu, algorithm: {algorithm}}}")
    lines.append("  - {id: fused_depthwise, op: expr, in: {y: dw}, expr: \"0.5 * y + tanh(y)\"}")
    lines.append(f"  - {{id: gen, op: conv1d, in: [xb, w_g2, bias], groups: 2, padding: same, dilation: 2, "
                 f"algorithm: {algorithm}}}")
    lines.append("  - {id: fused_general, op: expr, in: {y: gen}, expr: \"0.5 * y + tanh(y)\"}")
    outputs += ["fused_depthwise", "fused_general"]
    lines.append(f"outputs: [{', '.join(outputs)}]")
    return "\n".join(lines) + "\n"


def combination_cases():
    rng = np.random.default_rng(301)
    x = eighths(rng, BATCH, CHANNELS, LENGTH)
    xb = eighths(rng, 2, CHANNELS, LENGTH)
    bias = eighths(rng, CHANNELS)
    ws = {g: eighths(rng, CHANNELS, CHANNELS // g, k) for g, k in KERNEL.items()}
    for dtype in DTYPES:
        expected = {}
        for (padding, groups), combos in combinations().items():
            parts = [conv_ref(x, ws[groups], bias if b else None, dtype, s, d, groups, padding, a)
                     for s, d, b, a in combos]
            expected[f"p{padding}_g{groups}"] = np.concatenate(parts, axis=-1)
        dw = conv_ref(xb, ws[CHANNELS], bias, dtype, groups=CHANNELS, padding="causal", activation="silu")
        gen = conv_ref(xb, ws[2], bias, dtype, groups=2, padding="same", dilation=2)
        expected["fused_depthwise"] = 0.5 * dw + np.tanh(dw)
        expected["fused_general"] = 0.5 * gen + np.tanh(gen)
        inputs = {"x": x, "xb": xb, "bias": bias, **{f"w_g{g}": w for g, w in ws.items()}}
        for algorithm in ("direct", "fft"):
            name = f"sig_conv1d_{algorithm}_{dtype}"
            tolerance = scale_tolerance(dtype, expected) if algorithm == "fft" else None
            write_case(name, dtype, inputs, expected, combination_graph(name, dtype, algorithm), tolerance)


# ---- Mamba's causal conv ----------------------------------------------------------------

def mamba_cases():
    rng = np.random.default_rng(302)
    sixty_fourths = lambda *shape: np.round(rng.standard_normal(shape) * 64) / 64
    x, weight, bias = sixty_fourths(2, 8, 64), sixty_fourths(8, 4), sixty_fourths(8)
    for dtype, (_, tdt) in DTYPES.items():
        tx, tw, tb = (torch.tensor(v, dtype=tdt) for v in (x, weight, bias))
        write_case(f"sig_mamba_causal_{dtype}", dtype, {"x": x, "weight": weight, "bias": bias}, {
            "silu": causal_conv1d_ref(tx, tw, tb, activation="silu").numpy(),
            "plain": causal_conv1d_ref(tx, tw, tb).numpy(),
            "no_bias": causal_conv1d_ref(tx, tw, None, activation="silu").numpy(),
        })


# ---- shapes ---------------------------------------------------------------------------------

def shape_cases():
    rng = np.random.default_rng(303)
    inputs = {"v": eighths(rng, 9), "u": eighths(rng, 4, 9), "x": eighths(rng, 2, 4, 9),
              "empty": np.zeros((0, 4, 9)), "w11": eighths(rng, 1, 1, 3), "w31": eighths(rng, 3, 1, 3),
              "w22": eighths(rng, 2, 2, 3), "w44": eighths(rng, 4, 4, 3), "w41": eighths(rng, 4, 4, 1),
              "w81": eighths(rng, 8, 1, 2), "b8": eighths(rng, 8)}
    for dtype in DTYPES:
        i = inputs
        one = lambda v: np.asarray(v)[None, None]
        write_case(f"sig_conv1d_shapes_{dtype}", dtype, inputs, {
            "vector": conv_ref(one(i["v"]), i["w11"], None, dtype).reshape(-1),
            "vector_same": conv_ref(one(i["v"]), i["w11"], None, dtype, padding="same").reshape(-1),
            "vector_bank": conv_ref(one(i["v"]), i["w31"], None, dtype, padding="causal")[0],
            "unbatched": conv_ref(i["u"], i["w22"], None, dtype, groups=2),
            "empty_batch": conv_ref(i["empty"], i["w44"], None, dtype),
            "k1": conv_ref(i["x"], i["w41"], None, dtype, stride=2),
            "wide_pad": conv_ref(i["x"], i["w44"], None, dtype, padding=5, dilation=2),
            "one_output": conv_ref(i["x"], i["w44"], None, dtype, dilation=4),
            "multiplier": conv_ref(i["x"], i["w81"], i["b8"], dtype, groups=4, padding="causal",
                                   activation="silu"),
        })


# ---- long rows ------------------------------------------------------------------------------

def graph_linspace(start, stop, num, dtype):
    """The graph's linspace: numpy.linspace in float64, cast to the graph's dtype."""
    return np.linspace(start, stop, num).astype(DTYPES[dtype][0])


def long_cases():
    rng = np.random.default_rng(304)
    wd = rng.integers(1, 25, size=(3, 1, 4)) / 8
    bd = rng.integers(1, 25, size=3) / 8
    wg = rng.integers(1, 25, size=(2, 3, 5)) / 8
    for dtype in DTYPES:
        npdt = DTYPES[dtype][0]
        x = graph_linspace(0.5, 1.5, 2 * 3 * 5000, dtype).reshape(2, 3, 5000)
        depthwise = conv_ref(x, wd.astype(npdt), bd.astype(npdt), dtype, groups=3, padding="causal",
                             activation="silu")
        general = conv_ref(x, wg.astype(npdt), None, dtype, stride=2, dilation=2, padding=3)
        write_case(f"sig_conv1d_long_{dtype}", dtype, {"wd": wd, "bd": bd, "wg": wg}, {
            "depthwise_sampled": depthwise[..., ::13], "depthwise_sum": depthwise.sum(-1),
            "general_sampled": general[..., ::7], "general_sum": general.sum(-1),
        })


def long_fft_cases():
    for dtype in DTYPES:
        npdt = DTYPES[dtype][0]
        t = graph_linspace(-1, 1, 20000, dtype)
        x = (np.sin(npdt(37) * t) + np.cos(npdt(91) * t * t)).astype(npdt).reshape(1, 2, 10000)
        w = graph_linspace(-1, 1, 2 * 2 * 400, dtype).reshape(2, 2, 400)
        auto = conv_ref(x, w, None, dtype, padding="same")
        causal = conv_ref(x, w, None, dtype, padding="causal", activation="silu")
        expected = {"auto_sampled": auto[..., ::11], "causal_sampled": causal[..., ::11],
                    "fused_sampled": (0.5 * causal + np.tanh(causal))[..., ::11]}
        write_case(f"sig_conv1d_long_fft_{dtype}", dtype, {}, expected, tolerance=scale_tolerance(dtype, expected))


if __name__ == "__main__":
    torch.manual_seed(0)
    combination_cases()
    mamba_cases()
    shape_cases()
    long_cases()
    long_fft_cases()
