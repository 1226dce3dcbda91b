#!/usr/bin/python3
"""Reference data for the calculus plugin: derivative, integrate, ode.

Writes graph.yaml, inputs and expected/*.npy of tests/cases/calc_*_{f32,f64}/ with Debian's
/usr/bin/python3 (numpy 1.24, scipy 1.10):

  derivative  numpy.gradient for the central first derivative (uniform dx, positions t,
              equally spaced t, both edge orders); every other stencil (forward/backward,
              accuracy 4, second derivatives, their ends) from exact rational arithmetic:
              the weights of the Lagrange interpolant through the stencil's nodes, solved
              with fractions.Fraction on the very float inputs, then the weighted sum rounded
              once. The kernel rounds every weight and product, so those cases carry a
              tolerance file (absolute error of a few ulp of the largest term).
  integrate   scipy.integrate.cumulative_trapezoid(initial=0) + initial; the left Riemann
              sum as numpy.cumsum; cumulative_simpson below (see cumulative_simpson_ref).
  ode         the methods written out with numpy arrays in Boost.Odeint's order of
              operations (runge_kutta4 and explicit_generic_rk stages, adams_bashforth started
              by rk4, t_k = t0 + k*dt), and closed forms for dopri5. Boost.Odeint itself is
              compared in tests/calculus/ (a C++ test built against odeint's headers).

scipy 1.10 has no cumulative_simpson (added in scipy 1.12). cumulative_simpson_ref below
implements scipy 1.12's documented method: per interval the composite Simpson rule of
Cartwright (2017), eq. (10) for equal and eq. (8) for unequal intervals, an even interval
from the three samples starting at it and the others (and the last) from the three samples
ending one past it, summed cumulatively; fewer than 3 samples fall back to the trapezoid rule.

Deterministic: fixed seeds only. Run from anywhere: /usr/bin/python3 tools/ref_calculus.py
"""
import fractions
import os

import numpy as np
from scipy.integrate import cumulative_trapezoid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = os.path.join(ROOT, "tests", "cases")
DTYPES = {"f32": np.float32, "f64": np.float64}
F = fractions.Fraction


def write_case(name, dtype_name, graph, inputs, expected, tolerance=None, args=None):
    """One case folder: graph.yaml (dtype filled in), inputs, expected/*.npy, extras."""
    dtype = DTYPES[dtype_name]
    case = os.path.join(CASES, f"{name}_{dtype_name}")
    os.makedirs(os.path.join(case, "expected"), exist_ok=True)
    with open(os.path.join(case, "graph.yaml"), "w") as f:
        f.write(graph.replace("@DTYPE@", dtype_name).replace("@NAME@", f"{name}_{dtype_name}"))
    for key, value in inputs.items():
        np.save(os.path.join(case, key + ".npy"), np.asarray(value, dtype=dtype))
    for key, value in expected.items():
        np.save(os.path.join(case, "expected", key + ".npy"), np.asarray(value, dtype=dtype))
    if tolerance:
        why, rtol, atol = tolerance[dtype_name]
        with open(os.path.join(case, "tolerance"), "w") as f:
            f.write(f"# {why}\n{rtol:g} {atol:g}\n")
    if args:
        with open(os.path.join(case, "args"), "w") as f:
            f.write(args + "\n")


# ---------------------------------------------------------------------------------- derivative

def exact_weights(nodes, at, order):
    """Weights w with sum w_j f(nodes_j) = f^(order)(at) for polynomials of degree < n."""
    n = len(nodes)
    factorial = 1 if order == 1 else 2
    rows = [[(z - at) ** p for z in nodes] + [F(factorial if p == order else 0)] for p in range(n)]
    for c in range(n):  # Gauss-Jordan elimination, exact
        pivot = next(r for r in range(c, n) if rows[r][c] != 0)
        rows[c], rows[pivot] = rows[pivot], rows[c]
        for r in range(n):
            if r != c and rows[r][c] != 0:
                k = rows[r][c] / rows[c][c]
                rows[r] = [a - k * b for a, b in zip(rows[r], rows[c])]
    return [rows[j][n] / rows[j][j] for j in range(n)]


def exact_stencil(row, pos, first, count, i, order):
    """The order-th derivative at pos[i] from samples first..first+count-1, rounded once."""
    nodes = [F(float(pos[j])) for j in range(first, first + count)]
    w = exact_weights(nodes, F(float(pos[i])), order)
    return float(sum(wj * F(float(row[first + j])) for j, wj in enumerate(w)))


def derivative_ref(x, pos, scheme, order, accuracy, edge_order):
    """The rules of the derivative op (see its doc), position by position."""
    n = x.shape[-1]
    out = np.empty(x.shape, dtype=np.float64)
    for r in np.ndindex(x.shape[:-1]):
        row = x[r]
        grad = np.gradient(row, pos, edge_order=edge_order) if order == 1 else None
        for i in range(n):
            if order == 1 and scheme == "forward":
                j = min(i, n - 2)
                v = (row[j + 1] - row[j]) / (pos[j + 1] - pos[j])
            elif order == 1 and scheme == "backward":
                j = max(i - 1, 0)
                v = (row[j + 1] - row[j]) / (pos[j + 1] - pos[j])
            elif order == 1:
                wide = accuracy == 4 and 2 <= i <= n - 3
                v = exact_stencil(row, pos, i - 2, 5, i, 1) if wide else grad[i]
            else:
                if scheme == "forward":
                    c = min(i + 1, n - 2)
                    v = exact_stencil(row, pos, c - 1, 3, c, 2)
                elif scheme == "backward":
                    c = max(i - 1, 1)
                    v = exact_stencil(row, pos, c - 1, 3, c, 2)
                elif i in (0, n - 1) and edge_order == 2:
                    v = exact_stencil(row, pos, 0 if i == 0 else n - 4, 4, i, 2)
                elif i in (0, n - 1):
                    c = 1 if i == 0 else n - 2
                    v = exact_stencil(row, pos, c - 1, 3, c, 2)
                elif accuracy == 4 and 2 <= i <= n - 3:
                    v = exact_stencil(row, pos, i - 2, 5, i, 2)
                else:
                    v = exact_stencil(row, pos, i - 1, 3, i, 2)
            out[r + (i,)] = v
    return out


DERIVATIVE_GRAPH = """format: 1
graph: @NAME@
doc: numpy.gradient through derivative (central, order 1, accuracy 2) on dx, t, equally spaced t
dtype: @DTYPE@
nodes:
  - {id: x, op: read, path: x.npy}
  - {id: t, op: read, path: t.npy}
  - {id: te, op: read, path: t_equal.npy}
  - {id: dx1, op: derivative, in: {x: x}, dx: 0.25}
  - {id: dx2, op: derivative, in: {x: x}, dx: 0.25, edge_order: 2}
  - {id: default_dx, op: derivative, in: [x]}
  - {id: t1, op: derivative, in: {x: x, t: t}}
  - {id: t2, op: derivative, in: {x: x, t: t}, edge_order: 2}
  - {id: equal2, op: derivative, in: {x: x, t: te}, edge_order: 2}
  - {id: short1, op: derivative, in: {x: x2}, dx: 0.5}
  - {id: short2, op: derivative, in: {x: x3, t: t3}, edge_order: 2}
  - {id: x2, op: read, path: x2.npy}
  - {id: x3, op: read, path: x3.npy}
  - {id: t3, op: read, path: t3.npy}
outputs: [dx1, dx2, default_dx, t1, t2, equal2, short1, short2]
"""

STENCIL_GRAPH = """format: 1
graph: @NAME@
doc: derivative's other stencils (forward, backward, accuracy 4, second derivatives) on dx and t
dtype: @DTYPE@
nodes:
  - {id: x, op: read, path: x.npy}
  - {id: t, op: read, path: t.npy}
  - {id: fwd, op: derivative, in: {x: x}, dx: 0.25, scheme: forward}
  - {id: bwd_t, op: derivative, in: {x: x, t: t}, scheme: backward}
  - {id: fwd_t, op: derivative, in: {x: x, t: t}, scheme: forward}
  - {id: acc4, op: derivative, in: {x: x}, dx: 0.25, accuracy: 4, edge_order: 2}
  - {id: acc4_t, op: derivative, in: {x: x, t: t}, accuracy: 4}
  - {id: second, op: derivative, in: {x: x}, dx: 0.25, order: 2}
  - {id: second_e2, op: derivative, in: {x: x}, dx: 0.25, order: 2, edge_order: 2}
  - {id: second_t, op: derivative, in: {x: x, t: t}, order: 2, edge_order: 2}
  - {id: second_acc4, op: derivative, in: {x: x}, dx: 0.25, order: 2, accuracy: 4}
  - {id: second_acc4_t, op: derivative, in: {x: x, t: t}, order: 2, accuracy: 4, edge_order: 2}
  - {id: second_fwd_t, op: derivative, in: {x: x, t: t}, order: 2, scheme: forward}
  - {id: second_bwd, op: derivative, in: {x: x}, dx: 0.25, order: 2, scheme: backward}
outputs: [fwd, bwd_t, fwd_t, acc4, acc4_t, second, second_e2, second_t, second_acc4,
          second_acc4_t, second_fwd_t, second_bwd]
"""


def derivative_cases():
    rng = np.random.default_rng(301)
    n = 24
    x = np.sin(np.linspace(0, 3, n))[None, :] * rng.uniform(0.5, 2, (3, 1)) + rng.uniform(-0.1, 0.1, (3, n))
    t = np.cumsum(rng.uniform(0.2, 0.35, n))
    t_equal = 0.25 * np.arange(n) + 1.0  # equal steps: numpy.gradient takes the uniform path
    x2, x3, t3 = rng.uniform(-1, 1, (4, 2)), rng.uniform(-1, 1, (2, 3)), np.array([0.0, 0.5, 1.25])
    for name, dtype in DTYPES.items():
        i = {k: np.asarray(v, dtype=dtype) for k, v in
             dict(x=x, t=t, t_equal=t_equal, x2=x2, x3=x3, t3=t3).items()}
        g = lambda a, *s, **k: np.gradient(a, *s, axis=-1, **k)
        write_case("calc_gradient", name, DERIVATIVE_GRAPH, i, {
            "dx1": g(i["x"], 0.25), "dx2": g(i["x"], 0.25, edge_order=2), "default_dx": g(i["x"]),
            "t1": g(i["x"], i["t"]), "t2": g(i["x"], i["t"], edge_order=2),
            "equal2": g(i["x"], i["t_equal"], edge_order=2), "short1": g(i["x2"], 0.5),
            "short2": g(i["x3"], i["t3"], edge_order=2)})

        xs, ts = i["x"], i["t"]
        u = np.float64(0.25) * np.arange(n)  # positions of the uniform grid, exact
        d = lambda pos, *a: derivative_ref(xs, pos, *a)
        why = ("stencil sums cancel: the reference is exact rational arithmetic on the inputs, "
               "the kernel rounds each weight and product (a few ulp of the largest term)")
        write_case("calc_derivative_stencils", name, STENCIL_GRAPH, {"x": xs, "t": ts}, {
            "fwd": d(u, "forward", 1, 2, 1), "bwd_t": d(ts, "backward", 1, 2, 1),
            "fwd_t": d(ts, "forward", 1, 2, 1), "acc4": d(u, "central", 1, 4, 2),
            "acc4_t": d(ts, "central", 1, 4, 1), "second": d(u, "central", 2, 2, 1),
            "second_e2": d(u, "central", 2, 2, 2), "second_t": d(ts, "central", 2, 2, 2),
            "second_acc4": d(u, "central", 2, 4, 1), "second_acc4_t": d(ts, "central", 2, 4, 2),
            "second_fwd_t": d(ts, "forward", 2, 2, 1), "second_bwd": d(u, "backward", 2, 2, 1),
        }, tolerance={"f64": (why, 1e-12, 1e-13), "f32": (why, 1e-5, 5e-5)})


# ----------------------------------------------------------------------------------- integrate

def cumulative_simpson_ref(y, dx=1.0, x=None):
    """scipy 1.12's cumulative_simpson(y, x=x, dx=dx, axis=-1) without `initial` (length L-1)."""
    y = np.asarray(y)
    n = y.shape[-1]
    if n < 3:
        return cumulative_trapezoid(y, x, dx=dx, axis=-1)
    if x is not None:
        d = np.broadcast_to(np.diff(x), y.shape[:-1] + (n - 1,))
        assert np.all(d > 0), "x must be strictly increasing"

        def part(yy, hh):  # eq. (8): unequal intervals
            x21, x32 = hh[..., :-1], hh[..., 1:]
            f1, f2, f3 = yy[..., :-2], yy[..., 1:-1], yy[..., 2:]
            x31 = x21 + x32
            x21_x31 = x21 / x31
            x21_x32 = x21 / x32
            x21x21_x31x32 = x21_x31 * x21_x32
            coeff1 = 3 - x21_x31
            coeff2 = 3 + x21x21_x31x32 + x21_x31
            coeff3 = -x21x21_x31x32
            return x21 / 6 * (coeff1 * f1 + coeff2 * f2 + coeff3 * f3)
    else:
        d = np.broadcast_to(np.asarray(dx, dtype=np.float64), y.shape[:-1] + (n - 1,))

        def part(yy, hh):  # eq. (10): equal intervals
            return hh[..., :-1] / 3 * (5 * yy[..., :-2] / 4 + 2 * yy[..., 1:-1] - yy[..., 2:] / 4)
    h1 = part(y, d)
    h2 = part(y[..., ::-1], d[..., ::-1])[..., ::-1]
    sub = np.empty(y.shape[:-1] + (n - 1,), dtype=np.result_type(h1, h2))
    sub[..., :-1:2] = h1[..., ::2]
    sub[..., 1::2] = h2[..., ::2]
    sub[..., -1] = h2[..., -1]
    return np.cumsum(sub, axis=-1)


def with_initial(cumulative, initial):
    """initial, then initial + the cumulative values: integrate's output of length L."""
    first = np.zeros(cumulative.shape[:-1] + (1,), dtype=cumulative.dtype)
    return np.concatenate([first, cumulative], axis=-1) + initial


INTEGRATE_GRAPH = """format: 1
graph: @NAME@
doc: integrate (trapezoid, rectangle, simpson) on dx and t, with initial, and short rows
dtype: @DTYPE@
nodes:
  - {id: x, op: read, path: x.npy}
  - {id: odd, op: read, path: odd.npy}
  - {id: t, op: read, path: t.npy}
  - {id: t_odd, op: read, path: t_odd.npy}
  - {id: trap, op: integrate, in: {x: x}, dx: 0.25}
  - {id: trap_t, op: integrate, in: {x: x, t: t}, initial: -1.5}
  - {id: trap_default, op: integrate, in: [x]}
  - {id: rect, op: integrate, in: {x: x}, method: rectangle, dx: 0.25, initial: 2}
  - {id: rect_t, op: integrate, in: {x: x, t: t}, method: rectangle}
  - {id: simp, op: integrate, in: {x: x}, method: simpson, dx: 0.25}
  - {id: simp_odd, op: integrate, in: {x: odd}, method: simpson, dx: 0.5, initial: 1}
  - {id: simp_t, op: integrate, in: {x: x, t: t}, method: simpson}
  - {id: simp_t_odd, op: integrate, in: {x: odd, t: t_odd}, method: simpson}
  - {id: one, op: read, path: one.npy}
  - {id: two, op: read, path: two.npy}
  - {id: simp_one, op: integrate, in: {x: one}, method: simpson, initial: 3}
  - {id: simp_two, op: integrate, in: {x: two}, method: simpson, dx: 2}
outputs: [trap, trap_t, trap_default, rect, rect_t, simp, simp_odd, simp_t, simp_t_odd, simp_one,
          simp_two]
"""


def integrate_cases():
    rng = np.random.default_rng(401)
    x, odd = rng.uniform(-1, 1, (3, 2, 20)), rng.uniform(-1, 1, (4, 15))
    t, t_odd = np.cumsum(rng.uniform(0.1, 0.5, 20)), np.cumsum(rng.uniform(0.1, 0.5, 15))
    one, two = rng.uniform(-1, 1, (3, 1)), rng.uniform(-1, 1, (3, 2))
    for name, dtype in DTYPES.items():
        i = {k: np.asarray(v, dtype=dtype) for k, v in
             dict(x=x, odd=odd, t=t, t_odd=t_odd, one=one, two=two).items()}
        ct = lambda y, *a, **k: cumulative_trapezoid(y, *a, axis=-1, **k)
        rect = lambda y, h: np.cumsum(y[..., :-1] * h, axis=-1)
        why = "f32 inputs: scipy's cumulative_simpson sums its sub-integrals in float64"
        write_case("calc_integrate", name, INTEGRATE_GRAPH, i, {
            "trap": with_initial(ct(i["x"], dx=0.25), 0), "trap_t": with_initial(ct(i["x"], i["t"]), -1.5),
            "trap_default": with_initial(ct(i["x"]), 0),
            "rect": with_initial(rect(i["x"], dtype(0.25)), 2),
            "rect_t": with_initial(rect(i["x"], np.diff(i["t"])), 0),
            "simp": with_initial(cumulative_simpson_ref(i["x"], dx=0.25), 0),
            "simp_odd": with_initial(cumulative_simpson_ref(i["odd"], dx=0.5), 1),
            "simp_t": with_initial(cumulative_simpson_ref(i["x"], x=i["t"]), 0),
            "simp_t_odd": with_initial(cumulative_simpson_ref(i["odd"], x=i["t_odd"]), 0),
            "simp_one": with_initial(cumulative_simpson_ref(i["one"]), 3),
            "simp_two": with_initial(cumulative_simpson_ref(i["two"], dx=2), 0),
        }, tolerance={"f32": (why, 1e-5, 1e-6)} if name == "f32" else None)

    # Long rows cut into parallel blocks, and many short rows: integers in, so every partial
    # sum of the trapezoid and rectangle rules is exact in f64 and the order of the additions
    # cannot show. The graph slices its results so that the references stay small.
    n = 300000
    ramp = np.arange(-n // 2, n // 2, dtype=np.float64)
    graph = f"""format: 1
graph: @NAME@
doc: integrate over rows longer than a block (blocked prefix sum) and over many short rows
dtype: @DTYPE@
nodes:
  - {{id: ramp, op: arange, start: {-n // 2}, stop: {n // 2}}}
  - {{id: trap_all, op: integrate, in: [ramp], dx: 0.5}}
  - {{id: rect_all, op: integrate, in: [ramp], method: rectangle, dx: 0.25, initial: 1}}
  - {{id: trap, op: slice, in: [trap_all], axis: 0, start: 7, step: 997}}
  - {{id: rect, op: slice, in: [rect_all], axis: 0, start: 3, step: 1013}}
  - {{id: rows, op: reshape, in: [ramp], shape: [600, 500]}}
  - {{id: rows_trap_all, op: integrate, in: [rows], dx: 0.5}}
  - {{id: rows_simp_all, op: integrate, in: [rows], method: simpson, dx: 0.5}}
  - {{id: rows_trap_some, op: slice, in: [rows_trap_all], axis: 0, step: 37}}
  - {{id: rows_trap, op: slice, in: [rows_trap_some], axis: 1, start: 1, step: 23}}
  - {{id: rows_simp_some, op: slice, in: [rows_simp_all], axis: 0, start: 5, step: 41}}
  - {{id: rows_simp, op: slice, in: [rows_simp_some], axis: 1, step: 19}}
outputs: [trap, rect, rows_trap, rows_simp]
"""
    for name, dtype in DTYPES.items():
        rows = ramp.reshape(600, 500).astype(dtype)
        exp = {"trap": with_initial(cumulative_trapezoid(ramp, dx=0.5), 0)[7::997],
               "rect": with_initial(np.cumsum(ramp[:-1] * 0.25), 1)[3::1013],
               "rows_trap": with_initial(cumulative_trapezoid(rows, dx=0.5, axis=-1), 0)[::37, 1::23],
               "rows_simp": with_initial(cumulative_simpson_ref(rows, dx=0.5), 0)[5::41, ::19]}
        why = ("f32: 3e5 terms of up to 1.5e5 summed in float32 (the references in float64 from "
               "the same inputs); SPEC allows 1e-4 of the output's scale (5.6e9) for long sums")
        write_case("calc_integrate_long", name, graph, {}, exp,
                   tolerance={"f32": (why, 1e-4, 5e5)} if name == "f32" else None)


def integrate_chunk_cases():
    # Rows of more than a cache chunk of blocks (integrate.cpp: 16 blocks of 2^16 f64 are
    # totalled, then scanned, before the next 16): one row of 2^21 + 3 samples (three chunks)
    # and four rows of 700001 (rows and chunks ending at different blocks). Sums of a ramp of
    # integers with dx 0.5 and 0.25 are exact in f64: a block given a wrong offset shows.
    # Three rows of 2796203 (64 MiB and more in all: written with streaming stores, every
    # row but the first starting off a 16-byte boundary).
    n = (1 << 21) + 3
    ramp = np.arange(-(n // 2), n - n // 2, dtype=np.float64)
    m = 4 * 700001
    ramp4 = np.arange(-(m // 2), m - m // 2, dtype=np.float64)
    big = 3 * 2796203
    big_rows = np.arange(-(big // 2), big - big // 2, dtype=np.float64).reshape(3, big // 3)
    big_all = with_initial(cumulative_trapezoid(big_rows, dx=0.5, axis=-1), 2)
    graph = f"""format: 1
graph: @NAME@
doc: integrate over rows of more than one cache chunk of blocks (totals, then scans, chunk by chunk)
dtype: @DTYPE@
nodes:
  - {{id: ramp, op: arange, start: {-(n // 2)}, stop: {n - n // 2}}}
  - {{id: rect_all, op: integrate, in: [ramp], method: rectangle, dx: 0.25, initial: 1}}
  - {{id: rect, op: slice, in: [rect_all], axis: 0, start: 5, step: 4099}}
  - {{id: ramp4, op: arange, start: {-(m // 2)}, stop: {m - m // 2}}}
  - {{id: rows, op: reshape, in: [ramp4], shape: [4, 700001]}}
  - {{id: rows_trap_all, op: integrate, in: [rows], dx: 0.5}}
  - {{id: rows_trap, op: slice, in: [rows_trap_all], axis: 1, start: 2, step: 1999}}
  - {{id: big, op: arange, start: {-(big // 2)}, stop: {big - big // 2}}}
  - {{id: big_rows, op: reshape, in: [big], shape: [3, {big // 3}]}}
  - {{id: big_trap_all, op: integrate, in: [big_rows], dx: 0.5, initial: 2}}
  - {{id: big_trap, op: slice, in: [big_trap_all], axis: 1, step: 8191}}
  - {{id: big_ends, op: slice, in: [big_trap_all], axis: 1, start: -3}}
outputs: [rect, rows_trap, big_trap, big_ends]
"""
    exp = {"rect": with_initial(np.cumsum(ramp[:-1] * 0.25), 1)[5::4099],
           "rows_trap": with_initial(cumulative_trapezoid(ramp4.reshape(4, 700001), dx=0.5, axis=-1), 0)[:, 2::1999],
           "big_trap": big_all[:, ::8191], "big_ends": big_all[:, -3:]}
    write_case("calc_integrate_chunks", "f64", graph, {}, exp)


TILES_GRAPH = """format: 1
graph: @NAME@
doc: integrate with positions t over rows that cross the CUDA kernel's tiles of 2048 elements anywhere (a row of 9001, three of 2500) and over many short rows in one tile
dtype: @DTYPE@
nodes:
  - {id: long, op: read, path: long.npy}
  - {id: t_long, op: read, path: t_long.npy}
  - {id: rows, op: read, path: rows.npy}
  - {id: t_rows, op: read, path: t_rows.npy}
  - {id: short, op: read, path: short.npy}
  - {id: t_short, op: read, path: t_short.npy}
  - {id: long_trap_all, op: integrate, in: {x: long, t: t_long}, initial: 0.5}
  - {id: long_trap, op: slice, in: [long_trap_all], axis: -1, start: 1, step: 13}
  - {id: long_simp_all, op: integrate, in: {x: long, t: t_long}, method: simpson}
  - {id: long_simp, op: slice, in: [long_simp_all], axis: -1, step: 11}
  - {id: rows_rect_all, op: integrate, in: {x: rows, t: t_rows}, method: rectangle, initial: -1}
  - {id: rows_rect, op: slice, in: [rows_rect_all], axis: -1, start: 2, step: 7}
  - {id: rows_simp_all, op: integrate, in: {x: rows, t: t_rows}, method: simpson, initial: 2}
  - {id: rows_simp, op: slice, in: [rows_simp_all], axis: -1, step: 9}
  - {id: rows_simp_dx_all, op: integrate, in: {x: rows}, method: simpson, dx: 0.125}
  - {id: rows_simp_dx, op: slice, in: [rows_simp_dx_all], axis: -1, start: 4, step: 9}
  - {id: short_simp, op: integrate, in: {x: short, t: t_short}, method: simpson, initial: 1}
  - {id: short_trap, op: integrate, in: {x: short, t: t_short}}
outputs: [long_trap, long_simp, rows_rect, rows_simp, rows_simp_dx, short_simp, short_trap]
"""


def integrate_tile_cases():
    # Positive samples and increasing positions: every running sum grows, so SPEC's relative
    # tolerance holds for each output (no cancellation near zero). The CUDA kernel sums in
    # double in another order than the CPU's float32 running sums: f32 gets SPEC's scan
    # tolerance.
    rng = np.random.default_rng(2048)
    data = dict(long=rng.uniform(0.5, 1.5, (1, 9001)), t_long=np.cumsum(rng.uniform(0.05, 0.15, 9001)),
                rows=rng.uniform(0.5, 1.5, (3, 2500)), t_rows=np.cumsum(rng.uniform(0.05, 0.15, 2500)),
                short=rng.uniform(0.5, 1.5, (1000, 3)), t_short=np.cumsum(rng.uniform(0.2, 0.4, 3)))
    for name, dtype in DTYPES.items():
        i = {k: np.asarray(v, dtype=dtype) for k, v in data.items()}
        ct = lambda y, t, initial: with_initial(cumulative_trapezoid(y, t, axis=-1), initial)
        rect = lambda y, t, initial: with_initial(np.cumsum(y[..., :-1] * np.diff(t), axis=-1), initial)
        simp = lambda y, initial, **k: with_initial(cumulative_simpson_ref(y, **k), initial)
        why = "f32: the CUDA kernel sums in double, the CPU and the references in float32 (SPEC: scans 1e-4)"
        write_case("calc_integrate_tiles", name, TILES_GRAPH, i, {
            "long_trap": ct(i["long"], i["t_long"], 0.5)[..., 1::13],
            "long_simp": simp(i["long"], 0, x=i["t_long"])[..., ::11],
            "rows_rect": rect(i["rows"], i["t_rows"], -1)[..., 2::7],
            "rows_simp": simp(i["rows"], 2, x=i["t_rows"])[..., ::9],
            "rows_simp_dx": simp(i["rows"], 0, dx=0.125)[..., 4::9],
            "short_simp": simp(i["short"], 1, x=i["t_short"]),
            "short_trap": ct(i["short"], i["t_short"], 0),
        }, tolerance={"f32": (why, 1e-4, 0)} if name == "f32" else None)


# ----------------------------------------------------------------------------------------- ode

def grid_time(dtype, t0, dt, k):
    return dtype(t0) if k == 0 else dtype(t0) + dtype(k) * dtype(dt)


def integrate_ref(method, f, x, t0, dt, steps, dtype, trajectory=False):
    """The fixed-step methods in Boost.Odeint's order of operations; x a list of state arrays.
    f(states, t, k) returns the derivatives (step k selects the signals' samples)."""
    one, zero, half = dtype(1), dtype(0), dtype(1) / dtype(2)
    sixth, third = dtype(1) / dtype(6), dtype(1) / dtype(3)
    h = dtype(dt)
    ab = {"ab2": [dtype(3) / dtype(2), -dtype(1) / dtype(2)],
          "ab3": [dtype(23) / dtype(12), -dtype(4) / dtype(3), dtype(5) / dtype(12)],
          "ab4": [dtype(55) / dtype(24), -dtype(59) / dtype(24), dtype(37) / dtype(24), -dtype(3) / dtype(8)]}
    x = [np.asarray(v, dtype=dtype) for v in x]
    history, saved = [], [[v.copy()] for v in x]
    for k in range(steps):
        t = grid_time(dtype, t0, dt, k)
        k1 = f(x, t, k)
        history.insert(0, k1)
        stages = lambda c, ks: [add_terms(xs, c, [kk[s] for kk in ks]) for s, xs in enumerate(x)]
        if method == "euler":
            x = [xs + h * a for xs, a in zip(x, k1)]
        elif method == "heun":
            k2 = f(stages([one * h], [k1]), t + one * h, k)
            x = stages([half * h, half * h], [k1, k2])
        elif method == "rk4" or len(history) < len(ab[method]):
            k2 = f(stages([half * h], [k1]), t + half * h, k)
            k3 = f(stages([zero * h, half * h], [k1, k2]), t + half * h, k)
            k4 = f(stages([zero * h, zero * h, one * h], [k1, k2, k3]), t + one * h, k)
            x = stages([sixth * h, third * h, third * h, sixth * h], [k1, k2, k3, k4])
        else:
            c = ab[method]
            x = stages([h * cj for cj in c], history[:len(c)])
        for s, v in enumerate(x):
            saved[s].append(v.copy())
    if trajectory:
        return [np.stack(v, axis=-1) for v in saved]
    return x


def add_terms(x, coefficients, arrays):
    """x + c0*a0 + c1*a1 + ..., added left to right as Boost.Odeint's scale_sum does."""
    for c, a in zip(coefficients, arrays):
        x = x + c * a
    return x


def ode_cases():
    rng = np.random.default_rng(501)
    x0, r = rng.uniform(0.05, 0.9, 64), rng.uniform(0.5, 3.0, 64)
    graph = """format: 1
graph: @NAME@
doc: the logistic equation x' = r*x*(1-x) with r per element, by every fixed-step method
dtype: @DTYPE@
params: {dt: 0.05}
nodes:
  - {id: x0, op: read, path: x0.npy}
  - {id: r, op: read, path: r.npy}
"""
    methods = ["euler", "heun", "rk4", "ab2", "ab3", "ab4"]
    for m in methods:
        graph += f"  - {{id: {m}, op: ode, in: {{x: x0, r: r}}, rhs: {{x: \"r * x * (1 - x)\"}}, method: {m}, dt: $dt, steps: 40}}\n"
    graph += "  - {id: path, op: ode, in: {x: x0, r: r}, rhs: {x: \"r * x * (1 - x)\"}, method: rk4, dt: $dt, steps: 12, save: trajectory, t0: 3}\n"
    graph += f"outputs: [{', '.join(methods)}, path]\n"
    for name, dtype in DTYPES.items():
        i = {"x0": x0.astype(dtype), "r": r.astype(dtype)}
        f = lambda x, t, k: [i["r"] * x[0] * (dtype(1) - x[0])]
        exp = {m: integrate_ref(m, f, [i["x0"]], 0, 0.05, 40, dtype)[0] for m in methods}
        exp["path"] = integrate_ref("rk4", f, [i["x0"]], 3, 0.05, 12, dtype, trajectory=True)[0]
        write_case("calc_ode_logistic", name, graph, i, exp)

    # Two states, coefficients broadcast against them, the time variable, several outputs.
    x0, v0, w = rng.uniform(-1, 1, (4, 1)), rng.uniform(-1, 1, (1, 5)), rng.uniform(0.5, 2, 5)
    graph = """format: 1
graph: @NAME@
doc: a damped, driven oscillator (states x, v) over a (4, 5) grid of initial values and w
dtype: @DTYPE@
params: {c: 0.3, a: 0.5}
nodes:
  - {id: x0, op: read, path: x0.npy}
  - {id: v0, op: read, path: v0.npy}
  - {id: w, op: read, path: w.npy}
  - id: osc
    op: ode
    in: {x: x0, v: v0, w: w}
    rhs: {x: "v", v: "-w * w * x - c * v + a * cos(t)"}
    method: ab3
    dt: 0.1
    steps: 30
    t0: 0.5
  - id: traj
    op: ode
    in: {v: v0, x: x0, w: w}
    rhs: {v: "-w * w * x - c * v", x: "v"}
    method: heun
    dt: 0.1
    steps: 6
    save: trajectory
outputs: [osc, "osc:v", "traj:x", traj]
"""
    for name, dtype in DTYPES.items():
        i = {"x0": x0.astype(dtype), "v0": v0.astype(dtype), "w": w.astype(dtype)}
        c, a = dtype(0.3), dtype(0.5)
        full = [np.broadcast_to(i["x0"], (4, 5)), np.broadcast_to(i["v0"], (4, 5))]
        forced = lambda s, t, k: [s[1], -i["w"] * i["w"] * s[0] - c * s[1] + a * np.cos(t)]
        free = lambda s, t, k: [-i["w"] * i["w"] * s[1] - c * s[0], s[0]]
        xo, vo = integrate_ref("ab3", forced, full, 0.5, 0.1, 30, dtype)
        vt, xt = integrate_ref("heun", free, full[::-1], 0, 0.1, 6, dtype, trajectory=True)
        why = "cos(t) of the expression language (SLEEF) and numpy's may differ in the last bit"
        write_case("calc_ode_oscillator", name, graph, i, {"osc": xo, "osc_v": vo, "traj_x": xt, "traj": vt},
                   tolerance={"f64": (why, 1e-11, 1e-14), "f32": (why, 1e-5, 1e-6)})

    # Driving signals: one per element, one shared (a function of the step only).
    steps = 25
    x0, k_rate = rng.uniform(-1, 1, 3), rng.uniform(0.5, 1.5, 3)
    u, g = rng.uniform(-1, 1, (3, steps + 5)), rng.uniform(0, 1, steps)
    graph = """format: 1
graph: @NAME@
doc: x' = -k*x + u + g with per-element signal u and shared signal g (sample k held for step k)
dtype: @DTYPE@
nodes:
  - {id: x0, op: read, path: x0.npy}
  - {id: k, op: read, path: k.npy}
  - {id: u, op: read, path: u.npy}
  - {id: g, op: read, path: g.npy}
  - {id: euler, op: ode, in: {x: x0, k: k, u: u, g: g}, signals: [u, g], rhs: {x: "-k * x + u + g"}, method: euler, dt: 0.2, steps: 25}
  - {id: rk4, op: ode, in: {x: x0, k: k, u: u, g: g}, signals: [u, g], rhs: {x: "-k * x + u + g"}, method: rk4, dt: 0.2, steps: 25, save: trajectory}
  - {id: ab4, op: ode, in: {x: x0, k: k, u: u, g: g}, signals: [u, g], rhs: {x: "-k * x + u + g"}, method: ab4, dt: 0.2, steps: 25}
outputs: [euler, rk4, ab4]
"""
    for name, dtype in DTYPES.items():
        i = {"x0": x0.astype(dtype), "k": k_rate.astype(dtype), "u": u.astype(dtype), "g": g.astype(dtype)}
        f = lambda s, t, step: [-i["k"] * s[0] + i["u"][:, step] + i["g"][step]]
        write_case("calc_ode_signal", name, graph, i, {
            "euler": integrate_ref("euler", f, [i["x0"]], 0, 0.2, steps, dtype)[0],
            "rk4": integrate_ref("rk4", f, [i["x0"]], 0, 0.2, steps, dtype, trajectory=True)[0],
            "ab4": integrate_ref("ab4", f, [i["x0"]], 0, 0.2, steps, dtype)[0]})

    # dopri5 against the closed form x0 * exp(-k t) on the grid.
    x0, k_rate = rng.uniform(0.5, 2, 6), rng.uniform(0.2, 3, 6)
    graph = """format: 1
graph: @NAME@
doc: dopri5 on x' = -k*x against the closed form x0*exp(-k*t), on the dt grid
dtype: @DTYPE@
nodes:
  - {id: x0, op: read, path: x0.npy}
  - {id: k, op: read, path: k.npy}
  - {id: decay, op: ode, in: {x: x0, k: k}, rhs: {x: "-k * x"}, method: dopri5, dt: 0.25, steps: 8, rtol: @RTOL@, atol: @ATOL@, save: trajectory}
outputs: [decay]
"""
    for name, dtype in DTYPES.items():
        i = {"x0": x0.astype(dtype), "k": k_rate.astype(dtype)}
        t = 0.25 * np.arange(9)
        exact = i["x0"].astype(np.float64)[:, None] * np.exp(-i["k"].astype(np.float64)[:, None] * t)
        tol = "1e-10" if name == "f64" else "1e-5"
        why = f"the adaptive error control keeps the local error near rtol = atol = {tol}"
        write_case("calc_ode_dopri5", name, graph.replace("@RTOL@", tol).replace("@ATOL@", tol), i,
                   {"decay": exact},
                   tolerance={"f64": (why, 1e-8, 1e-9), "f32": (why, 1e-4, 1e-5)})


FUSED_GRAPH = """format: 1
graph: @NAME@
doc: elementwise ops after derivative, integrate and ode, folded into their output loops
dtype: @DTYPE@
nodes:
  - {id: x, op: read, path: x.npy}
  - {id: d, op: derivative, in: [x], dx: 0.25}
  - {id: dsq, op: expr, in: {a: d}, expr: "a * a + 1"}
  - {id: i, op: integrate, in: [x], dx: 0.25, initial: 0.5}
  - {id: ineg, op: neg, in: [i]}
  - {id: o, op: ode, in: {x: x}, rhs: {x: "-x"}, method: euler, dt: 0.5, steps: 3, save: trajectory}
  - {id: twice, op: scale, in: [o], a: 2}
outputs: [dsq, ineg, twice]
"""


def fused_cases():
    x = np.random.default_rng(601).uniform(-1, 1, (3, 20))
    for name, dtype in DTYPES.items():
        xs = x.astype(dtype)
        d = np.gradient(xs, 0.25, axis=-1)
        path = integrate_ref("euler", lambda s, t, k: [-s[0]], [xs], 0, 0.5, 3, dtype, trajectory=True)[0]
        write_case("calc_fused", name, FUSED_GRAPH, {"x": xs}, {
            "dsq": d * d + dtype(1), "ineg": -with_initial(cumulative_trapezoid(xs, dx=0.25, axis=-1), dtype(0.5)),
            "twice": dtype(2) * path + dtype(0)})


if __name__ == "__main__":
    fused_cases()
    derivative_cases()
    integrate_cases()
    integrate_chunk_cases()
    integrate_tile_cases()
    ode_cases()
