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


def functions(jax, jnp):
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

    return dict(expr=expr, linear=linear, conv1d=conv1d, selective_scan=selective_scan)


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
    fns = functions(jax, jnp)
    for w in workloads.make(args.size):
        if args.only and w.name not in args.only:
            continue
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
