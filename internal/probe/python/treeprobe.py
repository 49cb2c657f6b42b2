#!/usr/bin/env python3
"""treeprobe: forks (os.fork) a child that makes itself a process group
(os.setpgid(0, 0)) and forks a grandchild; kills only the child
(os.kill, SIGKILL) and checks the grandchild still answers on a pipe; then
kills the whole group (os.killpg) and checks every process of the tree is
gone (the pipe they hold reaches end of file).

Python twin of the Go TreeProbe (internal/probe/lifecycle.go), whose tree is
procs.Attr.Group; it prints the same lines. os.fork, os.setpgid and
os.killpg do not exist on Windows.
"""
import os
import signal
import sys


def tree_leaf(w):
    """The grandchild: answers each line on stdin with "pong LINE" on w."""
    buf = b""
    while True:
        b = os.read(0, 512)
        if not b:
            return
        buf += b
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            os.write(w, b"pong " + line + b"\n")


def tree_child(w, in_r):
    """The child: leads its own process group, forks the grandchild,
    reports both PIDs on w, then reads stdin until end of file."""
    os.setpgid(0, 0)
    os.dup2(in_r, 0)
    os.close(in_r)
    g = os.fork()
    if g == 0:
        tree_leaf(w)
        os._exit(0)
    os.write(w, f"child pid={os.getpid()} grandchild={g}\n".encode())
    while os.read(0, 512):
        pass


def main():
    r, w = os.pipe()  # the tree's processes report and hold w
    in_r, in_w = os.pipe()  # the grandchild answers lines sent here
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.close(in_w)
        try:
            tree_child(w, in_r)
        finally:
            os._exit(0)
    os.close(w)
    os.close(in_r)
    lines = os.fdopen(r, "rb")
    try:
        first = lines.readline()
        if not first:
            print("treeprobe: the child reported nothing", file=sys.stderr)
            return 1
        print(first.decode(), end="", flush=True)
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            print("killed the child only: signal: killed", flush=True)
        else:
            print(f"killed the child only: status {status}", flush=True)
        os.write(in_w, b"ping\n")
        answer = lines.readline()
        alive = answer.startswith(b"pong")
        print(f"grandchild alive after its parent was killed: {'true' if alive else 'false'}", flush=True)
        os.killpg(pid, signal.SIGKILL)  # the child's PID names its group
        rest = lines.read()  # ends when no process of the tree holds w
        print(f"after KillTree: tree empty={'true' if not rest else 'false'}", flush=True)
    finally:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
