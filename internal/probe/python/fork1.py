#!/usr/bin/env python3
"""fork1: forks a child for every line read from stdin until a line "q".

Python twin of internal/chapter/fork1.go (the chapter's fork1.py). The
parent prints "Hello from parent <parentpid> <childpid>", the child
"Hello from child <childpid>" and leaves with os._exit(0). With -noexit the
child does not exit: it returns from os.fork into the parent's loop and
forks children of its own. A process that reaches the end of input before
a "q" says so on stderr.

stdin is read a byte at a time with os.read, under a POSIX record lock
(fcntl) that every process takes through the one inherited descriptor, so
each line goes whole to one process, as a terminal hands out lines. Every
print is flushed: a forked child would otherwise inherit, and print again,
what the parent had buffered, and os._exit would drop the child's line.
"""

import argparse
import os
import sys
import tempfile

try:
    import fcntl
except ImportError:  # Windows: no fcntl, and no os.fork either: the first fork fails
    fcntl = None

noexit = False
lines = None  # the lock file's descriptor, inherited by every child


def read_line():
    """One line of stdin without its newline (and a trailing CR), or None at end of input."""
    if fcntl:
        fcntl.lockf(lines, fcntl.LOCK_EX)
    try:
        data = b""
        while True:
            b = os.read(0, 1)
            if not b:
                return data.decode() if data else None
            if b == b"\n":
                return data.decode().removesuffix("\r")
            data += b
    finally:
        if fcntl:
            fcntl.lockf(lines, fcntl.LOCK_UN)


def child():
    print("Hello from child", os.getpid(), flush=True)
    if not noexit:
        os._exit(0)  # else back into the parent's loop


def parent():
    while True:
        pid = os.fork()
        if pid == 0:
            child()
        else:
            print("Hello from parent", os.getpid(), pid, flush=True)
        line = read_line()
        if line is None:
            print(f"fork1: process {os.getpid()}: end of input before q", file=sys.stderr, flush=True)
            return 0
        if line == "q":
            return 0


def main():
    global noexit, lines
    ap = argparse.ArgumentParser(prog="fork1", allow_abbrev=False)
    ap.add_argument("-noexit", action="store_true",
                    help="children do not exit: they go back into the parent's loop")
    noexit = ap.parse_args().noexit
    if fcntl:
        lines, name = tempfile.mkstemp(prefix="fork1-lines-")
        os.unlink(name)  # the open descriptors keep it
    return parent()


if __name__ == "__main__":
    sys.exit(main())
