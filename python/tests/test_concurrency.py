"""One loaded graph run from 8 Python threads at once, each with its own inputs (and
shapes), gives what each run gives alone."""

from __future__ import annotations

import threading

import numpy as np

import graphrun as gr


def test_eight_threads_give_the_single_thread_results(test_graphs):
    g = gr.load(test_graphs / "affine_tanh.yaml")
    rng = np.random.default_rng(5)
    inputs = [rng.standard_normal(1000 + 997 * k).astype(np.float32) for k in range(8)]
    alone = [g.run(x=x) for x in inputs]
    failures: list[str] = []
    start = threading.Barrier(8)

    def worker(k: int) -> None:
        start.wait()
        for _ in range(25):
            out = g.run(x=inputs[k])
            for name in ("y", "total"):
                if out[name].tobytes() != alone[k][name].tobytes():
                    failures.append(f"thread {k}: {name} differs")
                    return

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_runs_release_the_gil(test_graphs):
    # While one thread runs a long graph, another Python thread keeps running.
    g = gr.load(test_graphs / "affine_tanh.yaml")
    x = np.ones(1 << 24, dtype=np.float32)
    ticks = 0
    done = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1

    counter = threading.Thread(target=count)
    counter.start()
    for _ in range(3):
        g.run(x=x)
    done.set()
    counter.join()
    assert ticks > 1000
