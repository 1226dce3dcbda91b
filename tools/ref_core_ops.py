#!/usr/bin/python3
"""Reference data for the shape ops, reductions and matmul/linear of the core plugin.

Writes, with numpy (Debian's /usr/bin/python3, numpy 1.24), the inputs and expected/*.npy of
  tests/cases/shape_*/    slice, reshape, transpose, concat
  tests/cases/reduce_*/   sum, mean, max
  tests/cases/matmul_*/   matmul
  tests/cases/linear_*/   linear
(graph.yaml of each case is written by hand; the expressions below mirror its nodes).

Most inputs are small multiples of 1/8, so every sum and product is exact in f32 and f64 and
any difference from numpy is a bug, whatever the order of operations. The *_large cases build
their inputs in the graph (arange, linspace) and check the parallel, tiled paths; their
values are positive, so rounding stays within the default tolerances.

Deterministic: fixed seeds only. Run from anywhere: /usr/bin/python3 tools/ref_core_ops.py
"""
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = os.path.join(ROOT, "tests", "cases")
DTYPES = {"f32": np.float32, "f64": np.float64}


def eighths(rng, *shape):
    """Values k/8 with |k| <= 24: exact in both dtypes, and so are their sums and products."""
    return rng.integers(-24, 25, size=shape) / 8


def write_case(name, dtype, inputs, expected):
    """Saves inputs as <case>/<name>.npy and references as <case>/expected/<name>.npy."""
    case = os.path.join(CASES, name)
    os.makedirs(os.path.join(case, "expected"), exist_ok=True)
    for key, value in inputs.items():
        np.save(os.path.join(case, key + ".npy"), np.asarray(value, dtype=dtype))
    for key, value in expected.items():
        np.save(os.path.join(case, "expected", key + ".npy"), np.asarray(value, dtype=dtype))


def both_dtypes(family, inputs, expected_of):
    """One case per dtype: <family>_f32 and <family>_f64 from the same inputs."""
    for suffix, dtype in DTYPES.items():
        cast = {k: np.asarray(v, dtype=dtype) for k, v in inputs.items()}
        write_case(family + "_" + suffix, dtype, cast, expected_of(cast, dtype))


def shape_cases():
    rng = np.random.default_rng(101)
    both_dtypes("shape_slice", {"x": eighths(rng, 3, 4, 5), "v": eighths(rng, 10)},
                lambda i, dt: {
                    "from1": i["x"][1:],
                    "negative": i["x"][..., -4:-1],
                    "step2": i["x"][:, ::2],
                    "reversed": i["x"][..., ::-1],
                    "backward": i["x"][:, 3:0:-2],
                    "clipped": i["x"][-100:100],
                    "empty": i["x"][..., 3:1],
                    "v_back": i["v"][-2::-3],
                    "v_stride": i["v"][1::100],
                    "v_tail": i["v"][-3:],
                    "v_back_stop": i["v"][:-8:-1],
                    "v_past": i["v"][20::-4],
                })
    rng = np.random.default_rng(102)
    both_dtypes("shape_reshape", {"x": eighths(rng, 2, 3, 4), "one": eighths(rng, 1, 1)},
                lambda i, dt: {
                    "rows": i["x"].reshape(4, -1),
                    "flat": i["x"].reshape(-1),
                    "split": i["x"].reshape(2, 2, 3, 2),
                    "padded": i["x"].reshape(1, -1, 1),
                    "scalar": i["one"].reshape(()),
                    "back": i["x"].reshape(-1).reshape(2, 3, 4),
                })
    rng = np.random.default_rng(103)
    both_dtypes("shape_transpose",
                {"x": eighths(rng, 2, 3, 4), "y": eighths(rng, 2, 3, 4, 5),
                 "m": eighths(rng, 37, 70), "z": eighths(rng, 3, 1, 4)},
                lambda i, dt: {
                    "reversed": i["x"].transpose(),
                    "negative": i["x"].transpose(-1, 0, 1),
                    "swap_outer": i["y"].transpose(1, 0, 2, 3),
                    "mixed": i["y"].transpose(2, 0, 3, 1),
                    "matrix_t": i["m"].T,
                    "identity": i["x"].transpose(0, 1, 2),
                    "unit_axis": i["z"].transpose(2, 1, 0),
                })
    rng = np.random.default_rng(104)
    both_dtypes("shape_concat",
                {"a": eighths(rng, 2, 3), "b": eighths(rng, 2, 5), "c": eighths(rng, 2, 1),
                 "d": eighths(rng, 4, 3), "u": eighths(rng, 3), "w": eighths(rng, 4),
                 "p": eighths(rng, 2, 2, 3), "q": eighths(rng, 2, 1, 3), "e": np.zeros((2, 0))},
                lambda i, dt: {
                    "columns": np.concatenate([i["a"], i["b"], i["c"]], axis=1),
                    "rows": np.concatenate([i["a"], i["d"]]),
                    "last": np.concatenate([i["b"], i["a"]], axis=-1),
                    "single": np.concatenate([i["a"]]),
                    "vectors": np.concatenate([i["u"], i["w"], i["u"]]),
                    "middle": np.concatenate([i["p"], i["q"], i["p"]], axis=1),
                    "with_empty": np.concatenate([i["a"], i["e"], i["c"]], axis=1),
                })


def reduction_outputs(f, x, v):
    """The nodes common to the reduce_sum, reduce_mean and reduce_max graphs."""
    return {
        "all": f(x),
        "axis0": f(x, axis=0),
        "last": f(x, axis=-1),
        "outer_inner": f(x, axis=(0, 2)),
        "kept": f(x, axis=(-1, 0), keepdims=True),
        "middle_kept": f(x, axis=1, keepdims=True),
        "all_kept": f(x, keepdims=True),
        "vector": f(v),
        "every_axis_listed": f(x, axis=(2, 0, 1)),
    }


def reduce_cases():
    rng = np.random.default_rng(201)
    inputs = {"x": eighths(rng, 3, 4, 5), "v": eighths(rng, 7)}
    both_dtypes("reduce_sum", inputs, lambda i, dt: reduction_outputs(np.sum, i["x"], i["v"]))
    both_dtypes("reduce_mean", inputs, lambda i, dt: reduction_outputs(np.mean, i["x"], i["v"]))
    inputs = dict(inputs, neg=-np.abs(inputs["x"]) - 1)
    both_dtypes("reduce_max", inputs, lambda i, dt: dict(
        reduction_outputs(np.max, i["x"], i["v"]), negative=np.max(i["neg"], axis=1)))

    e = np.zeros((0, 3))
    write_case("reduce_empty_f64", np.float64, {"e": e}, {
        "sum_rows": e.sum(axis=0),
        "sum_cols": e.sum(axis=1),
        "sum_all": e.sum(),
        "max_cols": e.max(axis=1),
        "mean_cols": e.mean(axis=1),
    })

    x = eighths(np.random.default_rng(202), 3, 4)
    x[1, 2] = np.nan
    with np.errstate(invalid="ignore"):
        mean_empty = np.divide(e.sum(axis=0), 0)  # numpy.mean of nothing: 0/0
    write_case("reduce_nan_f64", np.float64, {"x": x, "e": e}, {
        "max_rows": x.max(axis=1),
        "max_all": x.max(),
        "max_cols": x.max(axis=0),
        "sum_rows": x.sum(axis=1),
        "mean_empty": mean_empty,
    })

    # Rows long enough for max's SIMD loop (four vectors of up to 16 lanes, then a scalar
    # tail): NaN first, in the last lane of a vector, in the tail, and none (+inf and -inf).
    long_rows = eighths(np.random.default_rng(203), 5, 203)
    for row, at in ((0, 0), (1, 63), (2, 202), (3, 127)):
        long_rows[row, at] = np.nan
    long_rows[4, 150], long_rows[4, 3] = np.inf, -np.inf
    both_dtypes("reduce_max_nan_long", {"x": long_rows}, lambda i, dt: {
        "rows": i["x"].max(axis=1),
        "clean": i["x"][4:].max(),
    })

    # Long reductions built in the graph: arange(1e6) is exact in f32, and numpy's sums in
    # float64 are exact, so the f32 results check the accuracy of pairwise summation.
    ramp = np.arange(1_000_000, dtype=np.float64)
    square, wide, tall = ramp.reshape(1000, 1000), ramp.reshape(4, 250000), ramp.reshape(250000, 4)
    cube = ramp.reshape(100, 100, 100)
    large = {
        "total": ramp.sum(),
        "square_cols": square.sum(axis=0),
        "square_rows": square.sum(axis=1),
        "wide_rows": wide.sum(axis=1),
        "tall_cols": tall.sum(axis=0),
        "mean_all": ramp.mean(),
        "mean_tall": tall.mean(axis=0),
        "cube_ends": cube.sum(axis=(0, 2)),
        "cube_ends_max": cube.max(axis=(0, 2)),
        "column_max": square.T.max(axis=1),
    }
    for suffix, dtype in DTYPES.items():
        write_case("reduce_large_" + suffix, dtype, {}, large)


def matmul(a, b):
    """numpy.matmul in float64 (exact for the inputs used here, or the reference to round)."""
    return np.matmul(np.asarray(a, np.float64), np.asarray(b, np.float64))


def matmul_cases():
    rng = np.random.default_rng(301)
    both_dtypes("matmul_2d",
                {"a": eighths(rng, 5, 7), "b": eighths(rng, 7, 3), "c": eighths(rng, 1, 4),
                 "d": eighths(rng, 4, 1), "f": eighths(rng, 6, 1), "g": eighths(rng, 1, 6),
                 "z1": np.zeros((2, 0)), "z2": np.zeros((0, 3))},
                lambda i, dt: {
                    "ab": matmul(i["a"], i["b"]),
                    "dot11": matmul(i["c"], i["d"]),
                    "outer": matmul(i["f"], i["g"]),
                    "empty_k": matmul(i["z1"], i["z2"]),
                })
    rng = np.random.default_rng(302)
    both_dtypes("matmul_vector",
                {"u": eighths(rng, 7), "m": eighths(rng, 7, 3), "a": eighths(rng, 5, 7),
                 "s3": eighths(rng, 2, 7, 3), "s5": eighths(rng, 2, 5, 7)},
                lambda i, dt: {
                    "vec_mat": matmul(i["u"], i["m"]),
                    "mat_vec": matmul(i["a"], i["u"]),
                    "dot": matmul(i["u"], i["u"]),
                    "vec_batch": matmul(i["u"], i["s3"]),
                    "batch_vec": matmul(i["s5"], i["u"]),
                })
    rng = np.random.default_rng(303)
    both_dtypes("matmul_batch",
                {"p": eighths(rng, 2, 1, 4, 5), "q": eighths(rng, 3, 5, 6),
                 "r": eighths(rng, 4, 5), "s": eighths(rng, 2, 5, 3), "t": eighths(rng, 2, 4, 5),
                 "k": eighths(rng, 5, 3), "o": eighths(rng, 1, 4, 5), "h": eighths(rng, 3, 5, 2)},
                lambda i, dt: {
                    "broadcast_both": matmul(i["p"], i["q"]),
                    "shared_a": matmul(i["r"], i["s"]),
                    "shared_b": matmul(i["t"], i["k"]),
                    "paired": matmul(i["t"], i["s"]),
                    "unit_batch": matmul(i["o"], i["h"]),
                })
    # Products large enough to be cut into several tiles, inputs built in the graph; the
    # references are taken from the inputs as the graph's dtype holds them.
    for suffix, dtype in DTYPES.items():
        a_flat = np.linspace(0.5, 1.5, 60000).astype(dtype)
        b_flat = np.linspace(0.25, 1.25, 100000).astype(dtype)
        wide = np.linspace(0.5, 2.0, 2048 * 4096).astype(dtype).reshape(2048, 4096)
        ab = matmul(a_flat.reshape(300, 200), b_flat.reshape(200, 500))
        batched = matmul(a_flat.reshape(3, 200, 100), b_flat[:90000].reshape(3, 100, 300))
        write_case("matmul_large_" + suffix, dtype, {}, {
            "ab_cols": ab.sum(axis=0),
            "ab_rows": ab.sum(axis=1),
            "batched_cols": batched.sum(axis=1),
            "batched_rows": batched.sum(axis=2),
            "vec_wide": matmul(a_flat[:2048], wide),
            "row_wide": matmul(a_flat[:2048].reshape(1, 2048), wide),
        })


def linear(x, w, bias=None):
    """torch.nn.functional.linear in float64."""
    y = np.asarray(x, np.float64) @ np.asarray(w, np.float64).T
    return y if bias is None else y + bias


def linear_cases():
    rng = np.random.default_rng(401)
    both_dtypes("linear",
                {"x": eighths(rng, 2, 3, 5), "W": eighths(rng, 4, 5), "bias": eighths(rng, 4),
                 "x1": eighths(rng, 5), "x0": np.zeros((3, 0)), "W0": np.zeros((4, 0)),
                 "xr": np.zeros((0, 5))},
                lambda i, dt: {
                    "biased": linear(i["x"], i["W"], i["bias"]),
                    "plain": linear(i["x"], i["W"]),
                    "vector": linear(i["x1"], i["W"], i["bias"]),
                    "empty_in": linear(i["x0"], i["W0"], i["bias"]),
                    "no_rows": linear(i["xr"], i["W"], i["bias"]),
                })
    for suffix, dtype in DTYPES.items():
        x = np.linspace(0.5, 1.5, 512 * 256).astype(dtype).reshape(512, 256)
        w = np.linspace(0.25, 1.0, 384 * 256).astype(dtype).reshape(384, 256)
        bias = np.linspace(-2.0, 2.0, 384).astype(dtype)
        y, y_bias = linear(x, w), linear(x, w, bias)
        write_case("linear_large_" + suffix, dtype, {}, {
            "plain_cols": y.sum(axis=0),
            "plain_rows": y.sum(axis=1),
            "biased_cols": y_bias.sum(axis=0),
            "biased_rows": y_bias.sum(axis=1),
        })


if __name__ == "__main__":
    shape_cases()
    reduce_cases()
    matmul_cases()
    linear_cases()
