#!/usr/bin/env python3
"""The GPU workloads (workloads.py) in PyTorch, eager or torch.compile. One JSON line per
workload on stdout (common.emit); a missing torch or device gives one 'skipped' line.

Usage: python3 bench/peers/torch_peer.py --mode eager|compile [--size gpu|small] [--device cuda|cpu]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workloads  # noqa: E402
from common import emit, peer_args, skip_all, time_calls  # noqa: E402


def functions(torch, F):
    def expr(x):
        return F.silu(x) * torch.tanh(x) + 0.5 * torch.exp(-x * x)

    def linear(x, W):
        return x @ W.T

    def conv1d(x, w, b):  # mamba_ssm's causal_conv1d_ref
        return F.silu(F.conv1d(x, w, b, padding=w.shape[-1] - 1, groups=x.shape[1])[..., :x.shape[-1]])

    def selective_scan(u, delta, A, Bm, Cm, Dskip, z, delta_bias):  # selective_scan_ref
        delta = F.softplus(delta + delta_bias[..., None])
        x = A.new_zeros((u.shape[0], A.shape[0], A.shape[1]))
        delta_a = torch.exp(torch.einsum("bdl,dn->bdln", delta, A))
        delta_b_u = torch.einsum("bdl,bnl,bdl->bdln", delta, Bm, u)
        ys = []
        for i in range(u.shape[2]):
            x = delta_a[:, :, i] * x + delta_b_u[:, :, i]
            ys.append(torch.einsum("bdn,bn->bd", x, Cm[:, :, i]))
        return (torch.stack(ys, dim=2) + u * Dskip[:, None]) * F.silu(z)

    def integrate(x):  # scipy's cumulative_trapezoid with initial=0
        return torch.cat([x.new_zeros(x.shape[:-1] + (1,)), torch.cumulative_trapezoid(x, dx=0.5, dim=-1)], dim=-1)

    def rk4_step(x, r):
        f = lambda v: r * v * (1 - v)  # noqa: E731
        dt = workloads.ODE_DT
        k1 = f(x)
        k2 = f(x + 0.5 * dt * k1)
        k3 = f(x + 0.5 * dt * k2)
        k4 = f(x + dt * k3)
        return x + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)

    def mamba_block(x, w_in, w_conv, b_conv, w_x, w_dt, b_dt, a_log, d_skip, w_out):  # Mamba.forward, no fused kernels
        d_inner, d_state, dt_rank = w_dt.shape[0], a_log.shape[1], w_dt.shape[1]
        xz = (x @ w_in.T).transpose(1, 2)
        u, z = xz[:, :d_inner], xz[:, d_inner:]
        u = conv1d(u, w_conv, b_conv)
        x_dbl = u.transpose(1, 2) @ w_x.T
        delta = (x_dbl[..., :dt_rank] @ w_dt.T).transpose(1, 2)
        Bm = x_dbl[..., dt_rank:dt_rank + d_state].transpose(1, 2)
        Cm = x_dbl[..., dt_rank + d_state:].transpose(1, 2)
        y = selective_scan(u, delta, -torch.exp(a_log), Bm, Cm, d_skip, z, b_dt)
        return y.transpose(1, 2) @ w_out.T

    return dict(expr=expr, linear=linear, conv1d=conv1d, selective_scan=selective_scan, integrate=integrate,
                rk4_step=rk4_step, mamba_block=mamba_block)


# What torch cannot do as one function, and why.
NOT_IN_TORCH = {"recurrence": "torch has no scan primitive: a Python loop over 2^20 steps"}
# Functions that loop in Python over a long axis: torch.compile would unroll them (minutes).
LOOPS = {"selective_scan": "a Python loop over L steps: torch.compile unrolls it (minutes)",
         "mamba_block": "its scan is a Python loop over L steps: torch.compile unrolls it (minutes)"}


def ode_rk4(step, steps):
    """rk4 over `steps` steps, the step function called from a Python loop (compiled alone
    by torch.compile, whose unrolling of 1000 steps would take minutes)."""
    def run(x0, r):
        x = x0
        for _ in range(steps):
            x = step(x, r)
        return x
    return run


def main():
    args = peer_args(__doc__, modes=["eager", "compile"])
    mode = args.mode
    peer = f"torch {mode}"
    try:
        import torch
        import torch.nn.functional as F
    except Exception as e:  # noqa: BLE001 - any import failure means: no such peer here
        skip_all(peer, f"torch not importable: {e}")
    if args.device == "cuda" and not torch.cuda.is_available():
        skip_all(peer, "torch sees no CUDA device")
    if mode == "compile" and not hasattr(torch, "compile"):
        skip_all(peer, f"torch {torch.__version__} has no torch.compile")
    # The same work as graphrun's float32: no TF32 in matrix products or convolutions.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = torch.device(args.device)
    sync = (lambda _: torch.cuda.synchronize()) if args.device == "cuda" else (lambda _: None)
    fns = functions(torch, F)
    if mode == "eager" and args.device == "cuda":  # the memory ceiling, as METHOD.md measures it
        a = torch.empty(1 << 28, dtype=torch.float32, device=device).uniform_()
        b = torch.empty_like(a)
        _, median, _, _ = time_calls(lambda: b.copy_(a), sync, args.repeat)
        emit(peer, "ceiling", copy_gbs=2 * a.numel() * 4 / (median / 1e3) / 1e9)
        del a, b
    names = args.only or list(workloads.NAMES)
    skipped = {**NOT_IN_TORCH, **(LOOPS if mode == "compile" else {})}
    for name in names:
        if name in skipped:
            emit(peer, name, skipped=skipped[name])
    for w in workloads.make(args.size, [n for n in names if n not in skipped]):
        try:
            if w.name == "ode_rk4":
                steps = workloads.SIZES[args.size]["ode"][1]
                fn = ode_rk4(torch.compile(fns["rk4_step"]) if mode == "compile" else fns["rk4_step"], steps)
            else:
                fn = torch.compile(fns[w.name]) if mode == "compile" else fns[w.name]
            tensors = {k: torch.from_numpy(v).to(device) for k, v in w.inputs.items()}
            with torch.no_grad():
                first, median, low, out = time_calls(lambda: fn(**tensors), sync, args.repeat)
            emit(peer, w.name, first_ms=first, ms_median=median, ms_min=low, rel_error=w.check(out.cpu().numpy()),
                 version=torch.__version__)
            del tensors, out
        except Exception as e:  # noqa: BLE001 - report and go on with the next workload
            emit(peer, w.name, skipped=f"failed: {type(e).__name__}: {str(e).splitlines()[0][:200]}")
        if args.device == "cuda":
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
