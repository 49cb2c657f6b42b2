#!/usr/bin/env python3
"""exitcode N: exits at once with status N through os._exit, to show what the
parent sees of codes such as 256 or -1 (the low byte on Unix, all 32 bits on
Windows).

Python twin of the Go ExitCode probe (internal/probe/probe.go).
"""
import os
import sys


def main(args):
    if len(args) != 1:
        print("exitcode: usage: exitcode N", file=sys.stderr)
        return 2
    try:
        n = int(args[0])
    except ValueError as e:
        print(f"exitcode: {e}", file=sys.stderr)
        return 2
    os._exit(n)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
