#!/usr/bin/env python3
"""fork-count: starts children that count in parallel, then exits at once.

Python twin of internal/chapter/forkcount.go (the chapter's fork-count.py).
It forks -n children (10); each counts to -count (10), pausing -delay (a Go
duration such as 1s or 500ms; 1s) before each number and printing
"[<pid>] => <i>", then leaves with os._exit(0). The parent prints
"Process <pid> spawned" for each, then "Main process exiting." and exits
while the children go on, all on the same stdout. Every line is flushed:
block-buffered output would reach the pipe only when a process ends.
"""

import argparse
import os
import re
import sys
import time

_UNIT = r"(ns|us|µs|μs|ms|s|m|h)"
_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def duration(text):
    """Parses a Go duration ("1s", "500ms", "1m30s", "0") into seconds."""
    m = re.fullmatch(r"([-+]?)((?:(?:\d+\.?\d*|\.\d+)" + _UNIT + r")+|0)", text)
    if not m:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r}")
    parts = re.findall(r"(\d+\.?\d*|\.\d+)" + _UNIT, m.group(2))
    seconds = sum(float(n) * _SECONDS[u] for n, u in parts)
    return -seconds if m.group(1) == "-" else seconds


def counter(count, delay):
    for i in range(count):
        time.sleep(delay)
        print(f"[{os.getpid()}] => {i}", flush=True)
    os._exit(0)


def main():
    ap = argparse.ArgumentParser(prog="fork-count", allow_abbrev=False)
    ap.add_argument("-n", type=int, default=10, help="number of children")
    ap.add_argument("-count", type=int, default=10, help="how far each child counts")
    ap.add_argument("-delay", type=duration, default=1.0, help="pause before each number (a Go duration)")
    args = ap.parse_args()
    if args.n < 0 or args.count < 0 or args.delay < 0:
        print("fork-count: -n, -count and -delay must not be negative", file=sys.stderr)
        return 2
    for _ in range(args.n):
        pid = os.fork()
        if pid == 0:
            counter(args.count, args.delay)
        print(f"Process {pid} spawned", flush=True)
    print("Main process exiting.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
