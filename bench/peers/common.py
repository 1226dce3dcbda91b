"""What the peer scripts share: timing, the result line they print, and the command line."""
import argparse
import json
import statistics
import sys
import time


def peer_args(description, modes=None):
    ap = argparse.ArgumentParser(description=description)
    if modes:
        ap.add_argument("--mode", default=modes[0], choices=modes)
    ap.add_argument("--size", default="gpu", choices=["gpu", "small"])
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"], help="cpu: only to try the scripts")
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--only", action="append", help="workload name (repeatable)")
    return ap.parse_args()


def emit(peer, workload, **fields):
    """One JSON line per (peer, workload): ms_median, ms_min, first_ms, rel_error, or skipped."""
    print(json.dumps(dict(peer=peer, workload=workload, **fields)), flush=True)


def skip_all(peer, reason):
    emit(peer, "*", skipped=reason)
    sys.exit(0)


def time_calls(call, sync, repeat):
    """(first call ms, median ms, min ms, last result): the first call (compilation, warm-up)
    apart, then `repeat` calls, each synchronized with the device."""
    t0 = time.perf_counter()
    out = call()
    sync(out)
    first = (time.perf_counter() - t0) * 1e3
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = call()
        sync(out)
        times.append((time.perf_counter() - t0) * 1e3)
    return first, statistics.median(times), min(times), out
