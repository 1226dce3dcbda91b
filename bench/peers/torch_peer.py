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

    return dict(expr=expr, linear=linear, conv1d=conv1d, selective_scan=selective_scan)


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
    for w in workloads.make(args.size):
        if args.only and w.name not in args.only:
            continue
        fn = fns[w.name]
        if mode == "compile" and w.name == "selective_scan":
            emit(peer, w.name, skipped="a Python loop over L steps: torch.compile unrolls it (minutes)")
            continue
        try:
            if mode == "compile":
                fn = torch.compile(fn)
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
