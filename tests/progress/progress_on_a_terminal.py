"""`graphrun run` on a pseudo-terminal: the progress line appears for a long run, shows the
nodes done, the time so far and how far the running node is, and is cleared before any
result is printed; with stderr not a terminal there is none.
Run by ctest: progress_on_a_terminal.py GRAPHRUN."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import tempfile
import time

# About 2 s in a Release build on 2 cores (longer under the sanitizers; the ODE is native
# code now, about 0.6 ms a step): an ODE on 2^20
# elements, whose tiles (parallel_for chunks) report how far it is.
GRAPH = """format: 1
graph: long_ode
dtype: f64
params: {steps: 4000}
nodes:
  - {id: x0, op: linspace, start: 0.1, stop: 0.9, num: 1048576}
  - {id: sol, op: ode, in: {x: x0}, method: rk4, rhs: {x: "x * (1 - x)"}, dt: 0.001, steps: $steps}
  - {id: total, op: sum, in: [sol]}
outputs: [total]
"""


def run_on_pty(argv: list[str]) -> tuple[int, bytes, float]:
    """Runs argv with stdin, stdout and stderr on a new pseudo-terminal; returns its exit
    code, everything it wrote, and the seconds it took."""
    start = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    chunks = []
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks), time.monotonic() - start


def main() -> int:
    exe = sys.argv[1]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "long_ode.yaml")
        with open(path, "w") as f:
            f.write(GRAPH)
        rc, out, seconds = run_on_pty([exe, "run", path])
        text = out.decode(errors="replace")
        print(f"ran {seconds:.1f} s; {len(out)} bytes on the terminal")
        if rc != 0:
            failures.append(f"exit code {rc}: {text[-500:]}")
        result = text.find("total: f64")
        if result < 0:
            failures.append("no result line")
        bars = [m.group(0) for m in re.finditer(r"\[[# ]+\] \d+/\d+ nodes[^\r\n\x1b]*", text)]
        if not bars:
            failures.append("no progress line on a terminal for a run of %.1f s" % seconds)
        if not any(re.search(r"\d+\.\d s  sol \d+%", b) for b in bars):
            failures.append(f"no line shows the time and the ode's own percentage: {bars[:3]}")
        if not any("left" in b for b in bars):
            failures.append("no line estimates the time left")
        if result >= 0 and bars:
            before = text[:result]
            if not before.endswith("\r\x1b[K"):
                failures.append(f"the result does not start on a cleared line: {before[-40:]!r}")
            if "nodes" in text[result:]:
                failures.append("a progress line after the result")
        # Not a terminal: no progress line at all.
        piped = subprocess.run([exe, "run", path], capture_output=True, text=True, timeout=600)
        if "nodes" in piped.stderr or "\x1b" in piped.stderr:
            failures.append(f"a progress line on a pipe: {piped.stderr[:200]!r}")
        # --quiet: none either, even on a terminal.
        rc, out, _ = run_on_pty([exe, "run", path, "-q"])
        if b"nodes" in out:
            failures.append("a progress line with --quiet")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
