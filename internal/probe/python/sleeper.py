#!/usr/bin/env python3
"""sleeper: prints its PID, then blocks until its stdin reaches end of file
(at once if it has none), then exits 0: a process that lives until told
otherwise.

Python twin of the Go Sleeper probe (internal/probe/probe.go).
"""
import os
import sys


def main():
    print(f"sleeper pid={os.getpid()}", flush=True)
    while True:
        try:
            if not os.read(0, 512):
                return 0
        except OSError:
            return 0


if __name__ == "__main__":
    sys.exit(main())
