#!/usr/bin/env python3
"""forkprobe: runs one fork experiment, named by its argument.

Python twin of ForkProbe in internal/probe/fork.go; it prints the same lines.

    pids        parent and child print their PIDs and the child its parent's
    copy        copied memory: each side changes its copy, neither sees the other's change
    globals     two globals changed before fork (the Go twin declares only one with procs.Copy)
    restart     where the child's program started (a real fork does not start it again)
    files       parent and child append to one inherited file
    fdnums      the descriptor number of an inherited file in parent and child
    grandchild  the child forks a grandchild
    orphan      the parent exits at once; the child reports its new parent
    exit        the child prints in a finally block, then calls os._exit(3)
    exit-return the same child returns normally instead

os.fork is real fork(2) here: the child is a copy of the running program, so
it sees every global as the parent had it, and it continues from the fork
call rather than starting the program again. Each child ends with os._exit;
stdout is flushed before every fork and every os._exit, or a child would
repeat what the parent had buffered and lose what it printed itself.
"""

import os
import sys
import tempfile
import time

# Globals the experiments change before forking. The Go twin declares the
# first with procs.Copy and not the second; here both are plain globals.
declared = 1
undeclared = 1

# Set when the program starts: a forked child does not start it again.
started_in = os.getpid()


def fail(err):
    print(f"forkprobe: {err}", file=sys.stderr, flush=True)
    return 1


def fork(child, *args):
    """Forks a child that runs child(*args) and then leaves with os._exit:
    0 if it returned, 1 if it raised."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            child(*args)
        except BaseException as e:
            print(f"child: {e!r}", file=sys.stderr)
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return pid


def reap(pid):
    """Waits for pid and returns 0 if it exited 0, else reports and returns 1."""
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return 0 if code == 0 else fail(f"child exit status {code}")


def fork_and_wait(child, *args, parent=None):
    pid = fork(child, *args)
    if parent:
        parent(pid)
    return reap(pid)


def pids():
    def child():
        print(f"child pid={os.getpid()} ppid={os.getppid()}")
    return fork_and_wait(child, parent=lambda pid: print(f"parent pid={os.getpid()} child={pid}", flush=True))


def copy():
    # The parent sets 1, forks, sets 3, then tells the child to look again;
    # the child sees 1 both times and sets 2; the parent still sees 3, and a
    # second child, forked then, starts with 3.
    global declared
    r, w = os.pipe()
    declared = 1
    print(f"parent value={declared} before fork")

    def child():
        global declared
        os.close(w)
        at_start = declared
        while os.read(r, 1) not in (b"\n", b""):  # the parent has printed and changed its copy
            pass
        print(f"child value={at_start} at start")
        print(f"child value={declared} after the parent changed its copy")
        declared = 2
        print(f"child value={declared} after changing its copy")

    pid = fork(child)
    os.close(r)
    declared = 3
    print(f"parent value={declared} after fork", flush=True)
    os.write(w, b"look again\n")
    os.close(w)
    if reap(pid):
        return 1
    print(f"parent value={declared} after the child exited")
    return fork_and_wait(lambda: print(f"second child value={declared} at start"))


def globals_():
    global declared, undeclared
    declared, undeclared = 5, 5
    print(f"parent declared={declared} undeclared={undeclared}")
    return fork_and_wait(lambda: print(f"child declared={declared} undeclared={undeclared}"))


def restart():
    print(f"parent pid={os.getpid()} program-started-in={started_in}")
    return fork_and_wait(lambda: print(f"child pid={os.getpid()} program-started-in={started_in}"))


def files():
    # "parent 1", then the child's line, then "parent 2", all written with
    # os.write through one descriptor (and so one offset) that fork shares.
    name = os.path.join(tempfile.gettempdir(), f"files-{os.getpid()}")
    fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        os.write(fd, b"parent 1\n")

        def child():
            os.write(fd, b"child\n")
            print("child wrote to the inherited file")

        if fork_and_wait(child):
            return 1
        os.write(fd, b"parent 2\n")
        with open(name) as f:
            print(f"file:\n{f.read()}", end="")
        return 0
    finally:
        os.close(fd)
        os.remove(name)


def fdnums():
    pads = [os.open(os.devnull, os.O_RDONLY) for _ in range(10)]  # push the file's descriptor above 10
    name = os.path.join(tempfile.gettempdir(), f"fdnums-{os.getpid()}")
    fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        print(f"parent fd={fd}")
        want = os.fstat(fd)

        def child():
            # The same number must name the same open file in the child.
            got = os.fstat(fd)
            if (got.st_dev, got.st_ino) != (want.st_dev, want.st_ino):
                raise OSError(f"descriptor {fd} is not the parent's file")
            print(f"child fd={fd}")

        return fork_and_wait(child)
    finally:
        os.close(fd)
        os.remove(name)
        for p in pads:
            os.close(p)


def grandchild():
    def child():
        def grand():
            print(f"grandchild pid={os.getpid()} ppid={os.getppid()}")
        g = fork(grand)
        print(f"child pid={os.getpid()} forked grandchild={g}")
        reap(g)
    return fork_and_wait(child)


def parent_after_exit(was):
    """This process's parent PID once its parent, was, has exited. The
    kernel closes an exiting process's files before it reparents its
    children, so poll getppid until it changes, for at most 10 s."""
    deadline = time.monotonic() + 10
    while True:
        ppid = os.getppid()
        if ppid != was or time.monotonic() > deadline:
            return ppid
        time.sleep(0.005)


def orphan():
    # The child holds the read end of a pipe whose only writer is the
    # parent: when the parent has exited, the child reads end of file.
    r, w = os.pipe()
    was = os.getpid()

    def child():
        os.close(w)
        while os.read(r, 512):
            pass
        print(f"orphan pid={os.getpid()} parent-was={was} parent-now={parent_after_exit(was)}")
        print("orphan still writes to the inherited stdout")

    pid = fork(child)
    print(f"parent pid={os.getpid()} child={pid} exiting", flush=True)
    os._exit(0)


def exit_(code):
    def child():
        try:
            print("child before exit", flush=True)
            if code:
                os._exit(code)
        finally:
            print("child deferred call ran")

    pid = fork(child)
    _, status = os.waitpid(pid, 0)
    print(f"parent: child exit status={os.waitstatus_to_exitcode(status)}")
    return 0


EXPERIMENTS = {
    "pids": pids,
    "copy": copy,
    "globals": globals_,
    "restart": restart,
    "files": files,
    "fdnums": fdnums,
    "grandchild": grandchild,
    "orphan": orphan,
    "exit": lambda: exit_(3),
    "exit-return": lambda: exit_(0),
}


def main(args):
    if len(args) != 1:
        print("forkprobe: usage: forkprobe " + "|".join(EXPERIMENTS), file=sys.stderr)
        return 2
    experiment = EXPERIMENTS.get(args[0])
    if experiment is None:
        print(f'forkprobe: unknown experiment "{args[0]}"', file=sys.stderr)
        return 2
    return experiment()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
