# Usage: /work/venv-compilers/bin/python bench/peers/ode_vs_jax.py GRAPHRUN_EXE TMPDIR [rk4,euler,...,dopri5]
"""graphrun's ode (native steps, and interpreted with GRAPHRUN_CXX=none) against the same
method in JAX (jit of a fori_loop), 2^20 logistic equations x 100 steps, f64; and dopri5
against scipy's solve_ivp (RK45) on a batched logistic system. Alternating, medians."""
import os, re, subprocess, sys, time
import numpy as np
import jax, jax.numpy as jnp
jax.config.update("jax_enable_x64", True)

exe, tmp = sys.argv[1], sys.argv[2]
methods = sys.argv[3].split(",") if len(sys.argv) > 3 else ["euler", "heun", "rk4", "ab2", "ab3", "ab4"]
rounds = 3
n, steps, dt = 1 << 20, 100, 0.01
rng = np.random.default_rng(2)
x0, r = rng.uniform(0.05, 0.95, n), rng.uniform(0.5, 3.0, n)
np.save(f"{tmp}/x0.npy", x0); np.save(f"{tmp}/r.npy", r)

def graph(method, n=n, steps=steps, extra=""):
    path = f"{tmp}/{method}_{n}.yaml"
    open(path, "w").write(f"""format: 1
graph: b
dtype: f64
inputs:
  x0: {{shape: [{n}]}}
  r: {{shape: [{n}]}}
nodes:
  - {{id: y, op: ode, in: {{x: x0, r: r}}, rhs: {{x: "r * x * (1 - x)"}}, method: {method}, dt: {dt}, steps: {steps}{extra}}}
outputs: [y]
""")
    return path

def graphrun(method, env_extra=None, n=n, steps=steps, extra="", inputs=None):
    env = dict(os.environ, **(env_extra or {}))
    inputs = inputs or [f"x0={tmp}/x0.npy", f"r={tmp}/r.npy"]
    cmd = [exe, "run", graph(method, n, steps, extra), "--quiet", "--repeat", "5"]
    for i in inputs: cmd += ["--input", i]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    m = re.search(r"time: median ([\d.]+) ms", out.stderr)
    if not m: sys.exit(out.stderr)
    return float(m.group(1))

xj, rj = jnp.asarray(x0), jnp.asarray(r)
f = lambda x: rj * x * (1 - x)
def rk4_step(x):
    k1 = f(x); k2 = f(x + 0.5 * dt * k1); k3 = f(x + 0.5 * dt * k2); k4 = f(x + dt * k3)
    return x + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4), k1
AB = {2: [3/2, -1/2], 3: [23/12, -16/12, 5/12], 4: [55/24, -59/24, 37/24, -9/24]}
def jax_fn(method):
    if method == "euler":
        body = lambda _, x: x + dt * f(x)
    elif method == "heun":
        def body(_, x):
            k1 = f(x); k2 = f(x + dt * k1); return x + dt / 2 * (k1 + k2)
    elif method == "rk4":
        body = lambda _, x: rk4_step(x)[0]
    else:
        s = int(method[2]); c = AB[s]
        def run(x):
            hist = []
            for _ in range(s - 1):  # rk4 start-up, as graphrun and Boost
                x, k1 = rk4_step(x); hist.insert(0, k1)
            def body(_, carry):
                x, h = carry
                k = f(x); fs = (k,) + h
                x = x + dt * sum(ci * fi for ci, fi in zip(c, fs))
                return x, fs[:-1]
            return jax.lax.fori_loop(0, steps - (s - 1), body, (x, tuple(hist)))[0]
        return jax.jit(run)
    return jax.jit(lambda x: jax.lax.fori_loop(0, steps, body, x))

def jax_time(fn):
    ts = []
    for _ in range(5):
        t = time.perf_counter(); fn(xj).block_until_ready(); ts.append(time.perf_counter() - t)
    return 1e3 * sorted(ts)[2]

for method in methods:
    if method == "dopri5": continue
    fn = jax_fn(method); fn(xj).block_until_ready()
    graphrun(method)  # compile (or load from the cache) outside the timing
    graphrun(method, extra=", fma: true")
    g, i, j, fm = [], [], [], []
    for _ in range(rounds):
        g.append(graphrun(method)); j.append(jax_time(fn)); i.append(graphrun(method, {"GRAPHRUN_CXX": "none"}))
        fm.append(graphrun(method, extra=", fma: true"))
    g, i, j, fm = np.median(g), np.median(i), np.median(j), np.median(fm)
    print(f"{method:6s} graphrun native {g:7.1f} ms  fma {fm:7.1f} ms  interpreted {i:7.1f} ms  JAX {j:7.1f} ms  "
          f"native/JAX {g/j:5.2f}  fma/JAX {fm/j:5.2f}  interpreted/JAX {i/j:5.2f}", flush=True)

if "dopri5" in methods:
    from scipy.integrate import solve_ivp
    m, T = 1 << 14, 1.0
    xs, rs = x0[:m].copy(), r[:m].copy()
    np.save(f"{tmp}/x0s.npy", xs); np.save(f"{tmp}/rs.npy", rs)
    inputs = [f"x0={tmp}/x0s.npy", f"r={tmp}/rs.npy"]
    extra = ", rtol: 1e-6, atol: 1e-6"
    graphrun("dopri5", n=m, steps=100, extra=extra, inputs=inputs)
    g, i, s = [], [], []
    for _ in range(rounds):
        g.append(graphrun("dopri5", n=m, steps=100, extra=extra, inputs=inputs))
        i.append(graphrun("dopri5", {"GRAPHRUN_CXX": "none"}, n=m, steps=100, extra=extra, inputs=inputs))
        t = time.perf_counter()
        sol = solve_ivp(lambda t, x: rs * x * (1 - x), (0, T), xs, method="RK45", rtol=1e-6, atol=1e-6,
                        t_eval=np.linspace(0, T, 101))
        s.append(1e3 * (time.perf_counter() - t))
    g, i, s = np.median(g), np.median(i), np.median(s)
    print(f"dopri5 2^14 logistic, 100 grid points: graphrun native {g:.1f} ms  interpreted {i:.1f} ms  "
          f"scipy solve_ivp RK45 {s:.1f} ms  scipy/native {s/g:.1f}x  scipy/interpreted {s/i:.1f}x", flush=True)
