#!/usr/bin/python3
"""Writes a graph file that is one long chain of nodes, to time loading and the passes.

  /usr/bin/python3 tools/make_chain_graph.py NODES OUT.yaml [--kind elementwise|epilogue]

elementwise: linspace, then NODES-1 unary elementwise nodes (one long fusible chain).
epilogue:    linspace, then alternating `integrate` (an op that takes an epilogue) and an
             elementwise node, so fusion folds every second node into its producer.

Time it with, e.g.:
  time build/graphrun explain /tmp/chain.yaml > /dev/null
  time build/graphrun explain --no-fuse /tmp/chain.yaml > /dev/null
"""
import argparse

UNARY = ["neg", "sin", "tanh", "sigmoid", "abs", "cos"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("nodes", type=int)
    ap.add_argument("out")
    ap.add_argument("--kind", choices=["elementwise", "epilogue"], default="elementwise")
    args = ap.parse_args()
    lines = ["format: 1", f"graph: chain_{args.nodes}", "dtype: f64", "nodes:",
             "  - {id: n0, op: linspace, start: 0, stop: 1, num: 64}"]
    for i in range(1, args.nodes):
        if args.kind == "epilogue" and i % 2 == 1:
            op = "integrate"
        else:
            op = UNARY[i % len(UNARY)]
        lines.append(f"  - {{id: n{i}, op: {op}, in: [n{i - 1}]}}")
    lines.append(f"outputs: [n{args.nodes - 1}]")
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
