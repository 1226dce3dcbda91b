#!/usr/bin/python3
"""Side-by-side benchmarks of the sequence plugin against its peers (float32):

  recurrence      64 channels x 2^18 steps, a constant per channel, against
                  scipy.signal.lfilter([1], [1, -a], b) channel by channel        target 2x
  selective_scan  B 1, D 256, N 16, L 1024 with Dskip, z, delta_bias, softplus, against
                  selective_scan_ref in PyTorch on the CPU (tools/ref_sequence.py)   target 30x
  rnn             batch 8, input 64, hidden 128, L 1024, against torch.nn.RNN       target 1x
  ssm             batch 4, D 64, N 16, L 4096 (zoh), recurrent and convolution mode against
                  the same convolution in numpy (scipy.signal.fftconvolve)          no target

Usage: /usr/bin/python3 bench/bench_sequence.py [--graphrun build/graphrun] [--only NAME] [--repeat N]
(the command line and the table of bench/compare.py)
"""
import os
import sys

import numpy as np
import scipy.signal
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
from compare import ROOT, time_graphrun, time_peer, write  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "tools"))
from ref_sequence import discretize, selective_scan_ref  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "bench", "peers"))
from workloads import scan_inputs  # noqa: E402


def save(tmp, **arrays):
    """Writes each array as <tmp>/<name>.npy; returns the --input arguments."""
    args = []
    for name, value in arrays.items():
        path = os.path.join(tmp, name + ".npy")
        np.save(path, value)
        args += ["--input", f"{name}={path}"]
    return args


def graph_file(tmp, name, inputs, nodes, outputs):
    lines = ["format: 1", f"graph: {name}", "dtype: f32", "inputs:"]
    lines += [f"  {k}: {{shape: {list(v.shape)}}}" for k, v in inputs.items()]
    lines += ["nodes:"] + [f"  - {n}" for n in nodes] + [f"outputs: [{', '.join(outputs)}]"]
    return write(os.path.join(tmp, name + ".yaml"), "\n".join(lines) + "\n")


def bench_recurrence(tmp, exe, repeat):
    channels, steps = 64, 1 << 18
    rng = np.random.default_rng(0)
    inputs = {"a": rng.uniform(0.5, 0.999, (channels, 1)).astype(np.float32),
              "b": rng.standard_normal((channels, steps)).astype(np.float32)}
    graph = graph_file(tmp, "recurrence", inputs, ["{id: h, op: recurrence, in: [a, b]}"], ["h"])
    g = time_graphrun(exe, graph, save(tmp, **inputs), repeat)
    one = np.float32(1)

    def peer():
        return [scipy.signal.lfilter([one], [one, -inputs["a"][c, 0]], inputs["b"][c]) for c in range(channels)]

    p = time_peer(peer, max(3, repeat // 3))
    gsteps = channels * steps / (g[0] / 1e3) / 1e9
    return (f"recurrence {channels} x 2^18 f32, a per channel", "scipy.signal.lfilter", g, p, 2.0,
            f"{gsteps:.2f} Gsteps/s")


def bench_selective_scan(tmp, exe, repeat):
    batch, channels, states, length = 1, 256, 16, 1024
    inputs = scan_inputs((batch, channels, states, length), np.random.default_rng(0))
    ports = ", ".join(f"{k}: {k}" for k in inputs)
    graph = graph_file(tmp, "selective_scan", inputs,
                       [f"{{id: s, op: selective_scan, in: {{{ports}}}, delta_softplus: true}}"],
                       ["\"s:y\"", "\"s:final\""])
    g = time_graphrun(exe, graph, save(tmp, **inputs), max(repeat, 50))

    def peer():  # the test reference, here in float32 as the graph
        return selective_scan_ref(inputs["u"], inputs["delta"], inputs["A"], inputs["Bm"], inputs["Cm"],
                                  D=inputs["Dskip"], z=inputs["z"], delta_bias=inputs["delta_bias"],
                                  delta_softplus=True)

    p = time_peer(peer, max(3, repeat // 3))
    return (f"selective_scan B{batch} D{channels} N{states} L{length} f32, all options",
            "PyTorch selective_scan_ref (CPU)", g, p, 30.0,
            f"{batch * channels * length / (g[0] / 1e3) / 1e6:.0f} M(b,d,t)/s")


def bench_rnn(tmp, exe, repeat):
    batch, inputs_n, hidden, length = 8, 64, 128, 1024
    rng = np.random.default_rng(0)
    f32 = np.float32
    bound = 1 / np.sqrt(hidden)
    inputs = {"x": rng.standard_normal((batch, inputs_n, length)).astype(f32),
              "W_hh": rng.uniform(-bound, bound, (hidden, hidden)).astype(f32),
              "W_xh": rng.uniform(-bound, bound, (hidden, inputs_n)).astype(f32),
              "b": rng.uniform(-bound, bound, hidden).astype(f32)}
    graph = graph_file(tmp, "rnn", inputs, ["{id: r, op: rnn, in: {x: x, W_hh: W_hh, W_xh: W_xh, b: b}}"],
                       ["\"r:out\"", "\"r:final\""])
    g = time_graphrun(exe, graph, save(tmp, **inputs), repeat)
    rnn = torch.nn.RNN(inputs_n, hidden)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(inputs["W_xh"]))
        rnn.weight_hh_l0.copy_(torch.from_numpy(inputs["W_hh"]))
        rnn.bias_ih_l0.copy_(torch.from_numpy(inputs["b"]))
        rnn.bias_hh_l0.zero_()
    x = torch.from_numpy(inputs["x"]).permute(2, 0, 1).contiguous()

    def peer():
        with torch.no_grad():
            out, hn = rnn(x)
            return out.permute(1, 2, 0).contiguous(), hn

    p = time_peer(peer, repeat)
    return (f"rnn batch {batch} input {inputs_n} hidden {hidden} L {length} f32", "torch.nn.RNN", g, p, 1.0,
            f"{batch * length / (g[0] / 1e3) / 1e6:.2f} M steps/s")


def bench_ssm(tmp, exe, repeat, mode):
    batch, channels, states, length = 4, 64, 16, 4096
    rng = np.random.default_rng(0)
    f32 = np.float32
    inputs = {"u": rng.standard_normal((batch, channels, length)).astype(f32),
              "A": -rng.uniform(0.01, 1, (channels, states)).astype(f32),
              "B": rng.standard_normal((channels, states)).astype(f32),
              "C": rng.standard_normal((channels, states)).astype(f32)}
    graph = graph_file(tmp, "ssm_" + mode, inputs,
                       [f"{{id: s, op: ssm, in: {{u: u, A: A, B: B, C: C}}, dt: 0.05, mode: {mode}}}"],
                       ["\"s:y\"", "\"s:final\""])
    g = time_graphrun(exe, graph, save(tmp, **inputs), repeat)
    A, B, C = (inputs[k].astype(np.float64) for k in "ABC")

    def peer():
        abar, bbar = discretize("zoh", A, B, np.full(channels, 0.05))
        kernel = np.einsum("dn,dnl->dl", C * bbar, abar[:, :, None] ** np.arange(length)).astype(f32)
        return scipy.signal.fftconvolve(inputs["u"], kernel[None], axes=-1)[..., :length]

    p = time_peer(peer, max(3, repeat // 3))
    return (f"ssm {mode} B{batch} D{channels} N{states} L{length} f32", "numpy/scipy FFT convolution", g, p,
            0.0, "no target: numpy computes y only (kernel + fftconvolve), graphrun y and final")


BENCHES = {
    "recurrence": bench_recurrence,
    "selective_scan": bench_selective_scan,
    "rnn": bench_rnn,
    "ssm_recurrent": lambda tmp, exe, repeat: bench_ssm(tmp, exe, repeat, "recurrent"),
    "ssm_convolution": lambda tmp, exe, repeat: bench_ssm(tmp, exe, repeat, "convolution"),
}


def main():
    """compare.py's command line and table, with these benchmarks."""
    compare.BENCHES = BENCHES
    compare.main()


if __name__ == "__main__":
    main()
