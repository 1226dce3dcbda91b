#!/usr/bin/env python3
"""Reference outputs of the Mamba block graphs, computed with PyTorch (Debian's python3-torch).

The block is written here from SPEC §4 and Mamba's published structure, independently of the
graph: in_proj, split (x, z), depthwise causal conv1d + SiLU, x_proj -> (dt, B, C), dt_proj,
selective scan (delta_softplus, z gating, D skip), out_proj. The scan is the plain sequential
loop of selective_scan_ref's semantics. Writes tests/cases/mamba_{block,stack}_{f32,f64}/.
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS = os.path.join(ROOT, "graphs", "mamba", "weights")
BATCH, LENGTH, D_MODEL, D_STATE, DT_RANK = 2, 48, 16, 16, 1


def load_layer(layer, dtype):
    folder = os.path.join(WEIGHTS, f"layer{layer}")
    return {name[:-4]: torch.tensor(np.load(os.path.join(folder, name)), dtype=dtype)
            for name in os.listdir(folder) if name.endswith(".npy")}


def selective_scan(u, delta, A, Bm, Cm, D, z, delta_bias):
    """u, delta, z: (B, E, L); A: (E, N); Bm, Cm: (B, N, L); D, delta_bias: (E)."""
    delta = F.softplus(delta + delta_bias[None, :, None])
    batch, channels, length = u.shape
    state = torch.zeros(batch, channels, A.shape[1], dtype=u.dtype)
    ys = []
    for t in range(length):
        dA = torch.exp(delta[:, :, t, None] * A[None])                        # (B, E, N)
        dBu = delta[:, :, t, None] * Bm[:, None, :, t] * u[:, :, t, None]       # (B, E, N)
        state = dA * state + dBu
        ys.append((state * Cm[:, None, :, t]).sum(-1))                          # (B, E)
    y = torch.stack(ys, dim=-1) + D[None, :, None] * u
    return y * F.silu(z)


def block(x, w):
    """x: (B, L, d_model) -> (B, L, d_model)."""
    d_inner = w["D"].shape[0]
    xz = F.linear(x, w["in_proj"]).transpose(1, 2)                              # (B, 2E, L)
    u, z = xz[:, :d_inner], xz[:, d_inner:]
    kernel = w["conv_weight"].shape[-1]
    u = F.silu(F.conv1d(F.pad(u, (kernel - 1, 0)), w["conv_weight"], w["conv_bias"], groups=d_inner))
    x_dbl = F.linear(u.transpose(1, 2), w["x_proj"])                            # (B, L, R + 2N)
    dt, Bm, Cm = torch.split(x_dbl, [DT_RANK, D_STATE, D_STATE], dim=-1)
    delta = F.linear(dt, w["dt_proj_weight"]).transpose(1, 2)                   # (B, E, L)
    A = -torch.exp(w["A_log"])
    y = selective_scan(u, delta, A, Bm.transpose(1, 2), Cm.transpose(1, 2), w["D"], z, w["dt_proj_bias"])
    return F.linear(y.transpose(1, 2), w["out_proj"])


def write_case(name, dtype_name, graph_body, output):
    folder = os.path.join(ROOT, "tests", "cases", f"{name}_{dtype_name}")
    os.makedirs(os.path.join(folder, "expected"), exist_ok=True)
    with open(os.path.join(folder, "graph.yaml"), "w") as f:
        f.write(graph_body.replace("DTYPE", dtype_name))
    np.save(os.path.join(folder, "expected", "y.npy"), output)
    return folder


BLOCK_GRAPH = """format: 1
graph: mamba_block_reference
doc: written by tools/ref_mamba.py; the block is graphs/mamba/parts/block.yaml
dtype: DTYPE
nodes:
  - {id: x, op: read, path: x.npy}
  - {id: block, op: subgraph, file: ../../../graphs/mamba/parts/block.yaml, in: {x: x}}
outputs: {y: block}
"""

STACK_GRAPH = """format: 1
graph: mamba_stack_reference
doc: written by tools/ref_mamba.py; two residual blocks as graphs/mamba/stack.yaml
dtype: DTYPE
nodes:
  - {id: x, op: read, path: x.npy}
  - {id: b0, op: subgraph, file: ../../../graphs/mamba/parts/block.yaml, in: {x: x}, params: {weights: ../weights/layer0}}
  - {id: h1, op: add, in: [x, b0]}
  - {id: b1, op: subgraph, file: ../../../graphs/mamba/parts/block.yaml, in: {x: h1}, params: {weights: ../weights/layer1}}
  - {id: h2, op: add, in: [h1, b1]}
outputs: {y: h2}
"""


def main():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((BATCH, LENGTH, D_MODEL))
    for dtype_name, dtype in (("f64", torch.float64), ("f32", torch.float32)):
        xt = torch.tensor(x, dtype=dtype)
        w0, w1 = load_layer(0, dtype), load_layer(1, dtype)
        with torch.no_grad():
            y_block = block(xt, w0)
            h1 = xt + y_block
            h2 = h1 + block(h1, w1)
        np_dtype = np.float64 if dtype == torch.float64 else np.float32
        for name, graph, out in (("mamba_block", BLOCK_GRAPH, y_block), ("mamba_stack", STACK_GRAPH, h2)):
            folder = write_case(name, dtype_name, graph, out.numpy().astype(np_dtype))
            np.save(os.path.join(folder, "x.npy"), x.astype(np_dtype))
            if dtype_name == "f32":
                with open(os.path.join(folder, "tolerance"), "w") as f:
                    f.write("# a scan over 48 steps and three matmuls in float32: 1e-4 of the output's scale (SPEC)\n")
                    f.write(f"1e-4 {1e-4 * float(np.abs(out.numpy()).max()):.3e}\n")


if __name__ == "__main__":
    main()
