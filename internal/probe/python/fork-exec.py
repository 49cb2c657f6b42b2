#!/usr/bin/env python3
"""fork-exec: forks children that overlay themselves with the program "child".

Python twin of internal/chapter/forkexec.go (the chapter's fork-exec.py).
For every line read until "q" (or the end of input) it forks a child that
calls os.execlp("child", "child", <n>) with a count n = 1, 2, 3 ...; the
parent prints "Child is <pid>". A child whose exec fails says "error
starting program" on stderr and leaves with os._exit(1).

stdin is read a byte at a time (os.read), so no line sits in a buffer a
child would inherit; each "Child is" line is flushed before the next fork.
"""

import argparse
import os
import sys


def read_line():
    """One line of stdin without its newline (and a trailing CR), or None at end of input."""
    data = b""
    while True:
        b = os.read(0, 1)
        if not b:
            return data.decode() if data else None
        if b == b"\n":
            return data.decode().removesuffix("\r")
        data += b


def main():
    argparse.ArgumentParser(prog="fork-exec", allow_abbrev=False).parse_args()
    parm = 0
    while True:
        parm += 1
        pid = os.fork()
        if pid == 0:
            try:
                os.execlp("child", "child", str(parm))  # overlay program
            except OSError as e:  # reached only if the exec failed
                print(f"fork-exec: error starting program: {e}", file=sys.stderr, flush=True)
            os._exit(1)
        print("Child is", pid, flush=True)
        line = read_line()
        if line is None or line == "q":
            return 0


if __name__ == "__main__":
    sys.exit(main())
