#!/usr/bin/python3
"""Reference data for the expression language (engine/expr) and the elementwise ops.

Writes, with numpy/scipy (Debian's /usr/bin/python3, numpy 1.24, scipy 1.10), every value
computed in the tensor's dtype as numpy does (float32 math stays float32):
  tests/data/expr/unary_<fn>_<f32|f64>.npy      rows [x, fn(x)] over a wide range
  tests/data/expr/special_<fn>_<dtype>.npy      rows [x, fn(x)] at inf, nan, +-0, huge, tiny
  tests/data/expr/binary_<op>_<dtype>.npy       rows [a, b, op(a, b)]
  tests/data/expr/special_binary_<op>_<dtype>.npy
  tests/data/expr/ternary_<fn>_<dtype>.npy      rows [a, b, c, fn(a, b, c)] (where, clip)
  tests/data/expr/special_ternary_<fn>_<dtype>.npy   every triple of special values
  tests/data/expr/formula_<k>_<dtype>.npy       rows [x, y, formula k]; formulas.txt lists them
                                                 (formula 0: 1300 values, several tiles)
  tests/data/expr/bcast_<case>_<dtype>_{a,b,ref}.npy   broadcasting; broadcast.txt lists them
  tests/cases/ew_*/                              inputs and expected/*.npy of the graph cases
                                                 (graph.yaml is written by hand)

Deterministic: fixed seeds only. Run from anywhere: /usr/bin/python3 tools/ref_elementwise.py
"""
import os

import numpy as np
import scipy.special

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data", "expr")
CASES = os.path.join(ROOT, "tests", "cases")
DTYPES = {"f32": np.float32, "f64": np.float64}


def ensure_dir(path):
    os.makedirs(path, exist_ok=True)
    return path


def save(path, array, dtype):
    np.save(path, np.ascontiguousarray(np.asarray(array, dtype=dtype)))


# ---------------------------------------------------------------------------------------------
# The language's functions with numpy/PyTorch semantics, in the dtype of their argument.

def sigmoid(x):
    # The numerically stable form (no overflow in exp): 1/(1+exp(-x)) for x >= 0,
    # exp(x)/(1+exp(x)) otherwise. scipy's expit (1/(1+exp(-x))) agrees wherever exp(-x) is
    # finite; below that it flushes to 0 where this keeps the (subnormal) value.
    one = x.dtype.type(1)
    e = np.exp(-np.abs(x))
    stable = np.where(x >= 0, one / (one + e), e / (one + e))
    finite = np.abs(x) < (80 if x.dtype == np.float32 else 700)
    assert np.allclose(stable[finite], scipy.special.expit(x[finite]), rtol=1e-6, atol=0)
    return stable


def softplus(x):
    # torch.nn.functional.softplus (beta 1, threshold 20).
    return np.where(x > 20, x, np.log1p(np.exp(x)))


UNARY = {
    "neg": lambda x: -x,
    "abs": np.abs,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "square": np.square,
    "recip": np.reciprocal,
    "sin": np.sin,
    "cos": np.cos,
    "tanh": np.tanh,
    "sigmoid": sigmoid,
    "relu": lambda x: np.maximum(x, x.dtype.type(0)),
    "silu": lambda x: x * sigmoid(x),
    "softplus": softplus,
    "tan": np.tan,
    "asin": np.arcsin,
    "acos": np.arccos,
    "atan": np.arctan,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "asinh": np.arcsinh,
    "acosh": np.arccosh,
    "atanh": np.arctanh,
    "erf": scipy.special.erf,
    "log1p": np.log1p,
    "expm1": np.expm1,
    "sign": np.sign,
    "floor": np.floor,
    "ceil": np.ceil,
    "round": np.round,  # half to even
}


# The SPEC's elementwise ops (also plugin ops, with graph cases below); the rest are the
# expression language's own functions.
SPEC_UNARY = ["neg", "abs", "exp", "log", "sqrt", "square", "recip", "sin", "cos", "tanh",
              "sigmoid", "relu", "silu", "softplus"]


def as_number(compare):
    # A comparison as the language gives it: 1 or 0 in the operands' dtype.
    return lambda a, b: compare(a, b).astype(a.dtype)

BINARY = {
    "add": (lambda a, b: a + b, "a + b"),
    "sub": (lambda a, b: a - b, "a - b"),
    "mul": (lambda a, b: a * b, "a * b"),
    "div": (lambda a, b: a / b, "a / b"),
    "pow": (np.power, "pow(a, b)"),
    "maximum": (np.maximum, "maximum(a, b)"),
    "minimum": (np.minimum, "minimum(a, b)"),
    "max": (np.maximum, "max(a, b)"),
    "min": (np.minimum, "min(a, b)"),
    "atan2": (np.arctan2, "atan2(a, b)"),
    "hypot": (np.hypot, "hypot(a, b)"),
    "fmod": (np.fmod, "fmod(a, b)"),
    "less": (as_number(np.less), "a < b"),
    "less_equal": (as_number(np.less_equal), "a <= b"),
    "greater": (as_number(np.greater), "a > b"),
    "greater_equal": (as_number(np.greater_equal), "a >= b"),
    "equal": (as_number(np.equal), "a == b"),
    "not_equal": (as_number(np.not_equal), "a != b"),
}

SPEC_BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"]

# where's condition is numeric: nonzero (NaN included) is true, as numpy's bool(x).
TERNARY = {
    "where": (lambda c, a, b: np.where(c.astype(bool), a, b), "where(a, b, c)"),
    "clip": (np.clip, "clip(a, b, c)"),
}


def apply(fn, *args):
    with np.errstate(all="ignore"):
        out = fn(*args)
    assert out.dtype == args[0].dtype, (fn, out.dtype)
    return out


# ---------------------------------------------------------------------------------------------
# Inputs: wide ranges per function, finite results of normal magnitude (the accuracy check is
# relative); special values separately.

def signed_logspace(lo, hi, n):
    mags = np.logspace(lo, hi, n // 2)
    return np.concatenate([-mags[::-1], mags])


def unary_inputs(fn, sfx, rng):
    f64 = sfx == "f64"
    uniform = lambda lo, hi, n=96: rng.uniform(lo, hi, n)
    if fn == "exp":
        x = np.concatenate([np.linspace(-700 if f64 else -85, 700 if f64 else 85, 160),
                            uniform(-3, 3)])
    elif fn in ("log", "sqrt"):
        x = np.concatenate([np.logspace(-300 if f64 else -35, 300 if f64 else 35, 160),
                            uniform(0.5, 2), [1.0]])
    elif fn in ("sin", "cos"):
        x = np.concatenate([np.linspace(-1e4, 1e4, 160), uniform(-7, 7)])
    elif fn == "tanh":
        x = np.concatenate([signed_logspace(-8, 1.4, 160), uniform(-4, 4)])
    elif fn in ("sigmoid", "silu", "softplus"):
        x = np.concatenate([np.linspace(-700 if f64 else -80, 700 if f64 else 80, 160),
                            uniform(-25, 25), signed_logspace(-6, 0, 32)])
    elif fn == "tan":
        x = np.concatenate([np.linspace(-1e4, 1e4, 160), uniform(-1.5, 1.5)])
    elif fn in ("asin", "acos", "atanh"):
        x = np.concatenate([np.linspace(-1, 1, 161), uniform(-1, 1), signed_logspace(-8, -0.01, 32)])
    elif fn in ("atan", "asinh"):
        x = np.concatenate([signed_logspace(-300 if f64 else -35, 300 if f64 else 35, 160),
                            uniform(-10, 10)])
    elif fn in ("sinh", "cosh", "expm1"):
        x = np.concatenate([np.linspace(-709 if f64 else -88, 709 if f64 else 88, 160),
                            uniform(-3, 3), signed_logspace(-8, 0, 32)])
    elif fn == "acosh":
        x = np.concatenate([1 + np.logspace(-7 if f64 else -3, 300 if f64 else 35, 160),
                            uniform(1, 5), [1.0]])
    elif fn == "erf":
        x = np.concatenate([signed_logspace(-300 if f64 else -35, 1, 160), uniform(-6, 6)])
    elif fn == "log1p":
        x = np.concatenate([np.logspace(-300 if f64 else -35, 300 if f64 else 35, 160),
                            uniform(-0.999, 2), -np.logspace(-300 if f64 else -35, -1, 32)])
    elif fn in ("sign", "floor", "ceil", "round"):
        halves = np.arange(-6, 6) + 0.5  # round's ties, to even
        x = np.concatenate([signed_logspace(-300 if f64 else -35, 300 if f64 else 35, 160),
                            uniform(-10, 10), halves, np.arange(-5, 6)])
    elif fn == "square":
        x = np.concatenate([signed_logspace(-150 if f64 else -18, 150 if f64 else 18, 160),
                            uniform(-10, 10)])
    else:  # neg abs recip relu
        x = np.concatenate([signed_logspace(-300 if f64 else -35, 300 if f64 else 35, 160),
                            uniform(-10, 10)])
    return x.astype(DTYPES[sfx])


def special_inputs(sfx):
    t = DTYPES[sfx]
    info = np.finfo(t)
    return np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, info.max, -info.max, 1e30 if sfx == "f32"
                     else 1e300, -1e30 if sfx == "f32" else -1e300, 89.0, -89.0, 710.0, -710.0,
                     20.0, 20.5, -20.0, 1.0, -1.0, info.tiny, -info.tiny], dtype=t)


def binary_inputs(op, sfx, rng):
    t = DTYPES[sfx]
    n = 192
    if op == "pow":
        a = np.concatenate([rng.uniform(1e-3, 30, n - 32), -rng.integers(1, 6, 32).astype(float)])
        b = np.concatenate([rng.uniform(-4, 4, n - 32), rng.integers(-3, 4, 32).astype(float)])
    else:
        a = rng.uniform(-1, 1, n) * 10.0 ** rng.uniform(-6, 6, n)
        b = rng.uniform(-1, 1, n) * 10.0 ** rng.uniform(-6, 6, n)
        b[:16] = a[:16]  # equal operands: x - x, maximum(x, x)
    return a.astype(t), b.astype(t)


def ternary_inputs(fn, sfx, rng):
    t = DTYPES[sfx]
    n = 192
    if fn == "where":
        c = rng.choice([0.0, 1.0, -2.0, 0.5, np.nan, -0.0, np.inf], n)
        a = rng.uniform(-1, 1, n) * 10.0 ** rng.uniform(-6, 6, n)
        b = rng.uniform(-1, 1, n) * 10.0 ** rng.uniform(-6, 6, n)
    else:  # clip: x, lo, hi (some with lo > hi: numpy gives hi)
        c = rng.uniform(-3, 3, n)
        a = rng.uniform(-1, 0.5, n)
        b = rng.uniform(-0.5, 1, n)
    return c.astype(t), a.astype(t), b.astype(t)


def special_ternary_inputs(sfx):
    t = DTYPES[sfx]
    values = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1.0, -1.0, 0.5], dtype=t)
    a, b, c = np.meshgrid(values, values, values)
    return a.ravel(), b.ravel(), c.ravel()


def special_binary_inputs(sfx):
    t = DTYPES[sfx]
    values = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5], dtype=t)
    a, b = np.meshgrid(values, values)
    return a.ravel(), b.ravel()


# ---------------------------------------------------------------------------------------------
# Formulas: the language's text, and the same computation written with numpy.

FORMULAS = [
    ("silu(x)*tanh(x) + 0.5*exp(-x^2)",
     lambda x, y, t: x * sigmoid(x) * np.tanh(x) + t(0.5) * np.exp(-(x * x))),
    ("-x^2 + y", lambda x, y, t: -(x * x) + y),
    ("2^-1 * x - y / 3", lambda x, y, t: t(2.0 ** -1) * x - y / t(3)),
    ("x^3 + pow(y, 2.5)", lambda x, y, t: np.power(x, t(3)) + np.power(y, t(2.5))),
    ("maximum(x, y) * minimum(x, 0.5) - relu(-y)",
     lambda x, y, t: np.maximum(x, y) * np.minimum(x, t(0.5)) - np.maximum(-y, t(0))),
    ("exp(x - y) / (1 + sigmoid(y)^2)",
     lambda x, y, t: np.exp(x - y) / (t(1) + np.square(sigmoid(y)))),
    ("sqrt(abs(x)) * log(1 + y^2)", lambda x, y, t: np.sqrt(np.abs(x)) * np.log(t(1) + y * y)),
    ("sin(x)^2 + cos(x)^2 * y", lambda x, y, t: np.square(np.sin(x)) + np.square(np.cos(x)) * y),
    ("recip(1 + square(x)) * neg(y)", lambda x, y, t: np.reciprocal(t(1) + x * x) * -y),
    ("x*y*x*y + softplus(x)*exp(y)", lambda x, y, t: x * y * x * y + softplus(x) * np.exp(y)),
    ("where(x > 0, sin(pi * x), e^y)",
     lambda x, y, t: np.where(x > 0, np.sin(t(np.pi) * x), np.power(t(np.e), y))),
    ("atan2(y, x) * hypot(x, y) / (2 + clip(x, -1, 1))",
     lambda x, y, t: np.arctan2(y, x) * np.hypot(x, y) / (t(2) + np.clip(x, t(-1), t(1)))),
    ("fmod(x, y) * sign(x - 1) + floor(x) * round(y * 2) - ceil(x)",
     lambda x, y, t: np.fmod(x, y) * np.sign(x - t(1)) + np.floor(x) * np.round(y * t(2)) - np.ceil(x)),
    ("where(x >= y, erf(x), log1p(y) * expm1(x / 4)) * (1 + (x != x)) + (x < -inf)",
     lambda x, y, t: np.where(x >= y, scipy.special.erf(x), np.log1p(y) * np.expm1(x / t(4)))),
    # (Products, and sums kept away from zero: a cancelling sum would magnify the last-bit
    # differences of two libraries past a relative tolerance.)
    ("cosh(x / 3) * sinh(y) * (2 + tanh(asinh(x))) / (1 + acosh(1 + y)) * (4 + atanh(y / 5) * tan(x / 4))",
     lambda x, y, t: np.cosh(x / t(3)) * np.sinh(y) * (t(2) + np.tanh(np.arcsinh(x)))
     / (t(1) + np.arccosh(t(1) + y)) * (t(4) + np.arctanh(y / t(5)) * np.tan(x / t(4)))),
    ("max(asin(y / 4), acos(y / 4)) * atan(x) * min(x, y)",
     lambda x, y, t: np.maximum(np.arcsin(y / t(4)), np.arccos(y / t(4))) * np.arctan(x) * np.minimum(x, y)),
    ("x ^ y ^ 0.5", lambda x, y, t: np.power(x, np.sqrt(y))),  # x is |x| + 1 here: real powers
]

BROADCASTS = [
    ("col_row", (3, 1), (1, 4), "a * b + a", lambda a, b: a * b + a),
    ("scalar", (2, 3), (), "a - b", lambda a, b: a - b),
    ("vector_3d", (4,), (2, 3, 4), "maximum(a, b)", np.maximum),
    ("middle", (2, 1, 3), (4, 1), "a / (1 + b^2)", lambda a, b: a / (a.dtype.type(1) + b * b)),
    ("empty", (0, 3), (3,), "a + b", lambda a, b: a + b),
    ("same", (5, 7), (5, 7), "pow(a, b)", np.power),
    ("one_element", (1, 1), (3, 1, 2), "a * exp(b)", lambda a, b: a * np.exp(b)),
    ("long_rows", (3, 1), (3, 700), "a * exp(b) + sigmoid(b)",
     lambda a, b: a * np.exp(b) + sigmoid(b)),
]


def write_unit_data():
    ensure_dir(DATA)
    for sfx, t in DTYPES.items():
        rng = np.random.default_rng(20240 + len(sfx))
        # The SPEC's ops first, then the language's own functions from a second generator
        # (so adding a function leaves the data of the others as it was).
        rng_more = np.random.default_rng(31337 + len(sfx))
        for fn, f in UNARY.items():
            x = unary_inputs(fn, sfx, rng if fn in SPEC_UNARY else rng_more)
            save(os.path.join(DATA, f"unary_{fn}_{sfx}.npy"), [x, apply(f, x)], t)
            s = special_inputs(sfx)
            save(os.path.join(DATA, f"special_{fn}_{sfx}.npy"), [s, apply(f, s)], t)
        for op, (f, _) in BINARY.items():
            a, b = binary_inputs(op, sfx, rng if op in SPEC_BINARY else rng_more)
            save(os.path.join(DATA, f"binary_{op}_{sfx}.npy"), [a, b, apply(f, a, b)], t)
            a, b = special_binary_inputs(sfx)
            save(os.path.join(DATA, f"special_binary_{op}_{sfx}.npy"), [a, b, apply(f, a, b)], t)
        for fn, (f, _) in TERNARY.items():
            a, b, c = ternary_inputs(fn, sfx, rng_more)
            save(os.path.join(DATA, f"ternary_{fn}_{sfx}.npy"), [a, b, c, apply(f, a, b, c)], t)
            a, b, c = special_ternary_inputs(sfx)
            save(os.path.join(DATA, f"special_ternary_{fn}_{sfx}.npy"), [a, b, c, apply(f, a, b, c)], t)
        x = rng.uniform(-5, 5, 1300).astype(t)
        y = rng.uniform(0.1, 4, 1300).astype(t)
        for k, (_, f) in enumerate(FORMULAS):
            n = len(x) if k == 0 else 400  # formula 0 also serves the tile-edge tests
            xk = np.abs(x[:n]) + t(1) if k == len(FORMULAS) - 1 else x[:n]
            save(os.path.join(DATA, f"formula_{k}_{sfx}.npy"), [xk, y[:n], apply(f, xk, y[:n], t)], t)
        for name, sa, sb, _, f in BROADCASTS:
            a = rng.uniform(0.5, 2, sa).astype(t)
            b = rng.uniform(-2, 2, sb).astype(t)
            if name == "same":
                b = rng.uniform(-3, 3, sb).astype(t)
            base = os.path.join(DATA, f"bcast_{name}_{sfx}")
            save(base + "_a.npy", a, t)
            save(base + "_b.npy", b, t)
            save(base + "_ref.npy", apply(f, a, b), t)
    with open(os.path.join(DATA, "formulas.txt"), "w") as out:
        out.write("# k<TAB>formula over x, y: formula_<k>_<dtype>.npy holds rows [x, y, reference]\n")
        for k, (text, _) in enumerate(FORMULAS):
            out.write(f"{k}\t{text}\n")
    with open(os.path.join(DATA, "broadcast.txt"), "w") as out:
        out.write("# case<TAB>formula over a, b: bcast_<case>_<dtype>_{a,b,ref}.npy\n")
        for name, _, _, text, _ in BROADCASTS:
            out.write(f"{name}\t{text}\n")


# ---------------------------------------------------------------------------------------------
# Graph cases tests/cases/ew_<op>_<dtype>/ (graph.yaml written by hand).

def case_paths(name):
    folder = os.path.join(CASES, name)
    ensure_dir(os.path.join(folder, "expected"))
    return folder


def write_graph_cases():
    for sfx, t in DTYPES.items():
        rng = np.random.default_rng(777 if sfx == "f64" else 333)
        for fn in SPEC_UNARY:
            f = UNARY[fn]
            folder = case_paths(f"ew_{fn}_{sfx}")
            x = rng.permutation(unary_inputs(fn, sfx, rng))[:256].reshape(4, 64)
            save(os.path.join(folder, "x.npy"), x, t)
            save(os.path.join(folder, "expected", "y.npy"), apply(f, x), t)
        for op in SPEC_BINARY:
            f = BINARY[op][0]
            folder = case_paths(f"ew_{op}_{sfx}")
            if op == "pow":
                a = rng.uniform(0.01, 10, (8, 1)).astype(t)
                b = rng.uniform(-3, 3, 16).astype(t)
            else:
                a = rng.uniform(-1, 1, (8, 1)) * 10.0 ** rng.uniform(-3, 3, (8, 1))
                b = rng.uniform(-1, 1, 16) * 10.0 ** rng.uniform(-3, 3, 16)
                a, b = a.astype(t), b.astype(t)
            if op == "mul":  # b comes from a linspace node in the graph
                b = np.linspace(0.5, 4, 16, dtype=t)
            save(os.path.join(folder, "a.npy"), a, t)
            if op != "mul":
                save(os.path.join(folder, "b.npy"), b, t)
            save(os.path.join(folder, "expected", "y.npy"), apply(f, a, b), t)
            if op in ("maximum", "minimum"):  # plus one against a scalar constant node
                save(os.path.join(folder, "expected", "with_scalar.npy"),
                     apply(f, a, np.full((), 0.25, t)), t)

        # scale: a = $alpha (overridden to -0.75 by the case's args), b = 0.25; defaults; a = -2.
        folder = case_paths(f"ew_scale_{sfx}")
        x = (rng.uniform(-1, 1, (3, 50)) * 10.0 ** rng.uniform(-4, 4, (3, 50))).astype(t)
        save(os.path.join(folder, "x.npy"), x, t)
        save(os.path.join(folder, "expected", "shifted.npy"), t(-0.75) * x + t(0.25), t)
        save(os.path.join(folder, "expected", "identity.npy"), t(1) * x + t(0), t)
        save(os.path.join(folder, "expected", "doubled.npy"), t(-2) * x + t(0), t)

        # expr: two chained formulas with params (lam overridden to 0.75 by args).
        folder = case_paths(f"ew_expr_{sfx}")
        u = rng.uniform(-6, 6, (2, 3, 8)).astype(t)
        v = rng.uniform(-2, 2, 8).astype(t)
        save(os.path.join(folder, "u.npy"), u, t)
        save(os.path.join(folder, "v.npy"), v, t)
        lam, shift = t(0.75), t(0.5)
        with np.errstate(all="ignore"):
            e1 = u * sigmoid(u) + shift * np.exp(-(v * v)) / lam
            e2 = np.maximum(e1, t(0)) + softplus(-v) * t(0.75 ** 3)
        save(os.path.join(folder, "expected", "e1.npy"), e1, t)
        save(os.path.join(folder, "expected", "e2.npy"), e2, t)


def write_function_cases():
    # expr: the language's own functions and constants, with a param named e (overridden to
    # 0.25 by args, never Euler's number) and an input port named pi (never numpy.pi).
    for sfx, t in DTYPES.items():
        rng = np.random.default_rng(4242 + len(sfx))
        folder = case_paths(f"ew_expr_functions_{sfx}")
        u = rng.uniform(-3, 3, (3, 40)).astype(t)
        v = rng.uniform(-2, 2, 40).astype(t)
        save(os.path.join(folder, "u.npy"), u, t)
        save(os.path.join(folder, "v.npy"), v, t)
        e = t(0.25)
        half_pi = t(np.pi / 2)
        with np.errstate(all="ignore"):
            f1 = np.where(u > v, np.arctan2(v, u), np.hypot(u, v) * e) * (t(4) + np.clip(u, -half_pi, half_pi))
            f2 = np.cosh(u / t(4)) * (t(1) + (u >= 0).astype(t)) * (t(4) + np.floor(u))
            f3 = np.sin(t(2) * t(np.pi) * v) * np.power(t(np.e), v) + np.round(v * t(3)) * np.fmod(v, t(0.75))
        save(os.path.join(folder, "expected", "f1.npy"), f1, t)
        save(os.path.join(folder, "expected", "f2.npy"), f2, t)
        save(os.path.join(folder, "expected", "f3.npy"), f3, t)


def main():
    write_unit_data()
    write_graph_cases()
    write_function_cases()


if __name__ == "__main__":
    main()
