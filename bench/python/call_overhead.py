"""The cost of calling a graph from Python: `g.run(x=x)` on one node over 16 floats, against
the same graph's run time inside the engine (`graphrun run --repeat`, execution only) and
against a peer call on the same work: onnxruntime's InferenceSession.run on a one-node Tanh
model when onnxruntime is installed, else numpy.tanh.

  PYTHONPATH=build/python .venv/bin/python bench/python/call_overhead.py build/graphrun
"""

from __future__ import annotations

import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import graphrun as gr

HERE = pathlib.Path(__file__).parent
GRAPH = HERE / "tiny.yaml"
CALLS = 20_000


def median_us(call, calls: int = CALLS, rounds: int = 7) -> float:
    """Median over `rounds` of the mean time per call of `calls` calls, in microseconds."""
    for _ in range(1000):
        call()
    means = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(calls):
            call()
        means.append((time.perf_counter() - t0) / calls * 1e6)
    return statistics.median(means)


def engine_run_us(exe: str, x: np.ndarray) -> float:
    """The engine's own time per run, as `graphrun run --repeat` reports its median."""
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "x.npy"
        np.save(path, x)
        done = subprocess.run([exe, "run", str(GRAPH), "--input", f"x={path}", "--threads", "1",
                               "--repeat", str(CALLS), "-q"], capture_output=True, text=True, check=True)
    return float(re.search(r"median ([0-9.]+) ms", done.stderr).group(1)) * 1e3


def peer() -> tuple[str, float]:
    x = np.linspace(-1, 1, 16, dtype=np.float32)
    try:
        import onnx
        import onnxruntime as ort
        from onnx import TensorProto, helper
    except ImportError:
        return "numpy.tanh", median_us(lambda: np.tanh(x))
    node = helper.make_node("Tanh", ["x"], ["y"])
    io = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [16]) for n in ("x", "y")]
    model = helper.make_model(helper.make_graph([node], "tiny", [io[0]], [io[1]]))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return "onnxruntime run", median_us(lambda: session.run(None, {"x": x}))


def main() -> None:
    exe = sys.argv[1] if len(sys.argv) > 1 else "build/graphrun"
    x = np.linspace(-1, 1, 16, dtype=np.float32)
    g = gr.load(GRAPH, threads=1)
    python_us = median_us(lambda: g.run(x=x))
    engine_us = engine_run_us(exe, x)
    peer_name, peer_us = peer()
    print("| call | median µs per call |")
    print("| --- | --- |")
    print(f"| graphrun `g.run(x=x)` from Python | {python_us:.2f} |")
    # --repeat prints milliseconds with 3 decimals: 0.000 means under half a microsecond.
    engine_text = f"{engine_us:.2f}" if engine_us > 0 else "< 0.5 (prints as 0.000 ms)"
    print(f"| graphrun engine run alone (`--repeat`) | {engine_text} |")
    print(f"| Python call overhead (difference, at most) | {python_us - engine_us:.2f} (target <= 5) |")
    print(f"| {peer_name} on the same 16 floats | {peer_us:.2f} |")


if __name__ == "__main__":
    main()
