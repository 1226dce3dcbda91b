#!/usr/bin/env python3
"""The GPU workloads (workloads.py) in JAX, each function jitted. One JSON line per workload
on stdout (common.emit); a missing JAX or GPU gives one 'skipped' line.

Usage: python3 bench/peers/jax_peer.py [--size gpu|small] [--device cuda|cpu]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workloads  # noqa: E402
from common import emit, peer_args, skip_all, time_calls  # noqa: E402


def functions(jax, jnp, ode_steps):
    def expr(x):
        return jax.nn.silu(x) * jnp.tanh(x) + 0.5 * jnp.exp(-x * x)

    def linear(x, W):
        return x @ W.T

    def conv1d(x, w, b):
        width = w.shape[-1]
        y = jax.lax.conv_general_dilated(x, w, window_strides=(1,), padding=[(width - 1, 0)],
                                         dimension_numbers=("NCH", "OIH", "NCH"), feature_group_count=x.shape[1])
        return jax.nn.silu(y + b[None, :, None])

    def selective_scan(u, delta, A, Bm, Cm, Dskip, z, delta_bias):
        delta = jax.nn.softplus(delta + delta_bias[..., None])

        def step(x, t):  # t: the inputs of one time step, (b,d), (b,d), (b,n), (b,n)
            d, uu, b, c = t
            x = jnp.exp(d[..., None] * A) * x + (d * uu)[..., None] * b[:, None, :]
            return x, jnp.einsum("bdn,bn->bd", x, c)

        x0 = jnp.zeros((u.shape[0], A.shape[0], A.shape[1]), u.dtype)
        steps = (jnp.moveaxis(delta, 2, 0), jnp.moveaxis(u, 2, 0), jnp.moveaxis(Bm, 2, 0), jnp.moveaxis(Cm, 2, 0))
        _, ys = jax.lax.scan(step, x0, steps)
        return (jnp.moveaxis(ys, 0, 2) + u * Dskip[:, None]) * jax.nn.silu(z)

    def integrate(x):
        terms = 0.25 * (x[..., 1:] + x[..., :-1])
        return jnp.concatenate([jnp.zeros(x.shape[:-1] + (1,), x.dtype), jnp.cumsum(terms, axis=-1)], axis=-1)

    def recurrence(a, b):  # h_t = a_t h_{t-1} + b_t: an associative scan of (a, b) pairs
        def combine(p, q):
            return q[0] * p[0], q[0] * p[1] + q[1]
        return jax.lax.associative_scan(combine, (a, b), axis=-1)[1]

    def ode_rk4(x0, r):
        dt = workloads.ODE_DT
        f = lambda v: r * v * (1 - v)  # noqa: E731

        def step(_, x):
            k1 = f(x)
            k2 = f(x + 0.5 * dt * k1)
            k3 = f(x + 0.5 * dt * k2)
            k4 = f(x + dt * k3)
            return x + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return jax.lax.fori_loop(0, ode_steps, step, x0)

    def mamba_block(x, w_in, w_conv, b_conv, w_x, w_dt, b_dt, a_log, d_skip, w_out):
        d_inner, d_state, dt_rank = w_dt.shape[0], a_log.shape[1], w_dt.shape[1]
        xz = jnp.swapaxes(x @ w_in.T, 1, 2)
        u, z = xz[:, :d_inner], xz[:, d_inner:]
        u = conv1d(u, w_conv, b_conv)
        x_dbl = jnp.swapaxes(u, 1, 2) @ w_x.T
        delta = jnp.swapaxes(x_dbl[..., :dt_rank] @ w_dt.T, 1, 2)
        Bm = jnp.swapaxes(x_dbl[..., dt_rank:dt_rank + d_state], 1, 2)
        Cm = jnp.swapaxes(x_dbl[..., dt_rank + d_state:], 1, 2)
        y = selective_scan(u, delta, -jnp.exp(a_log), Bm, Cm, d_skip, z, b_dt)
        return jnp.swapaxes(y, 1, 2) @ w_out.T

    return dict(expr=expr, linear=linear, conv1d=conv1d, selective_scan=selective_scan, integrate=integrate,
                recurrence=recurrence, ode_rk4=ode_rk4, mamba_block=mamba_block)


def main():
    args = peer_args(__doc__)
    peer = "JAX jit"
    try:
        import jax
        import jax.numpy as jnp
        import numpy as np
    except Exception as e:  # noqa: BLE001 - any import failure means: no such peer here
        skip_all(peer, f"jax not importable: {e}")
    # The same work as graphrun's float32: JAX's default matmul precision on GPUs is TF32.
    jax.config.update("jax_default_matmul_precision", "highest")
    try:
        device = jax.devices("gpu" if args.device == "cuda" else "cpu")[0]
    except Exception as e:  # noqa: BLE001
        skip_all(peer, f"JAX sees no GPU: {str(e).splitlines()[0][:200]}")
    fns = functions(jax, jnp, workloads.SIZES[args.size]["ode"][1])
    for w in workloads.make(args.size, args.only):
        try:
            arrays = {k: jax.device_put(v, device) for k, v in w.inputs.items()}
            fn = jax.jit(fns[w.name])
            first, median, low, out = time_calls(lambda: fn(**arrays), lambda o: o.block_until_ready(), args.repeat)
            emit(peer, w.name, first_ms=first, ms_median=median, ms_min=low, rel_error=w.check(np.asarray(out)),
                 version=jax.__version__)
            del arrays, out
        except Exception as e:  # noqa: BLE001 - report and go on with the next workload
            emit(peer, w.name, skipped=f"failed: {type(e).__name__}: {str(e).splitlines()[0][:200]}")


if __name__ == "__main__":
    main()
