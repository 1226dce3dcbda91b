#!/usr/bin/env python3
"""Reference outputs of tests/cases/subgraph_*: the same computation written with numpy.

graph.yaml instantiates parts/block.yaml twice (y = tanh(gain*u + bias) * gain; pre = gain*u + bias),
the first time with gain overridden by the parent's param g = 3, the second with the defaults.
"""
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def block(u, gain=2.0, bias=1.0):
    pre = gain * u + bias
    return np.tanh(pre) * gain, pre


def main():
    out = os.path.join(ROOT, "tests", "cases", "subgraph_params", "expected")
    os.makedirs(out, exist_ok=True)
    x = np.linspace(0, 1, 5)
    y1, pre1 = block(x, gain=3.0)
    y2, _ = block(y1)
    np.save(os.path.join(out, "z.npy"), pre1 + y2)
    np.save(os.path.join(out, "blk2_y.npy"), y2)


if __name__ == "__main__":
    main()
