#!/usr/bin/env python3
"""Weights of the Mamba block graphs (graphs/mamba/weights/layer<k>/*.npy), initialized as
Mamba does: A = -exp(A_log) with A_log = log(1..N) on every channel, D = 1, dt_proj's bias
the inverse softplus of dt drawn log-uniformly in [dt_min, dt_max], dt_proj's weight
uniform in +-dt_rank^-0.5, linear layers uniform in +-1/sqrt(fan_in) (torch.nn.Linear's
default), the depthwise conv uniform in +-1/sqrt(kernel). Deterministic (seeded).

Usage: /usr/bin/python3 tools/make_mamba_weights.py [--layers 2]
"""
import argparse
import math
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
D_MODEL, EXPAND, D_STATE, D_CONV = 16, 2, 16, 4
D_INNER = EXPAND * D_MODEL
DT_RANK = math.ceil(D_MODEL / 16)
DT_MIN, DT_MAX, DT_FLOOR = 1e-3, 0.1, 1e-4


def uniform(rng, bound, shape):
    return rng.uniform(-bound, bound, size=shape)


def layer_weights(rng):
    dt = np.exp(rng.uniform(size=D_INNER) * (math.log(DT_MAX) - math.log(DT_MIN)) + math.log(DT_MIN))
    dt = np.maximum(dt, DT_FLOOR)
    return {
        "in_proj": uniform(rng, 1 / math.sqrt(D_MODEL), (2 * D_INNER, D_MODEL)),
        "conv_weight": uniform(rng, 1 / math.sqrt(D_CONV), (D_INNER, 1, D_CONV)),
        "conv_bias": uniform(rng, 1 / math.sqrt(D_CONV), (D_INNER,)),
        "x_proj": uniform(rng, 1 / math.sqrt(D_INNER), (DT_RANK + 2 * D_STATE, D_INNER)),
        "dt_proj_weight": uniform(rng, DT_RANK ** -0.5, (D_INNER, DT_RANK)),
        "dt_proj_bias": dt + np.log(-np.expm1(-dt)),  # inverse of softplus
        "A_log": np.log(np.tile(np.arange(1, D_STATE + 1, dtype=np.float64), (D_INNER, 1))),
        "D": np.ones(D_INNER),
        "out_proj": uniform(rng, 1 / math.sqrt(D_INNER), (D_MODEL, D_INNER)),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", type=int, default=2)
    args = ap.parse_args()
    rng = np.random.default_rng(2024)
    for layer in range(args.layers):
        out = os.path.join(ROOT, "graphs", "mamba", "weights", f"layer{layer}")
        os.makedirs(out, exist_ok=True)
        for name, value in layer_weights(rng).items():
            np.save(os.path.join(out, name + ".npy"), value.astype(np.float64))


if __name__ == "__main__":
    main()
