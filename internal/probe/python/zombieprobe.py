#!/usr/bin/env python3
"""zombieprobe: forks (os.fork) a child that exits with os._exit(7) and,
before reaping it, waits until it has exited (os.waitid with WNOWAIT on
Linux, ps on macOS) and prints what the OS keeps of it (/proc/PID/stat on
Linux, ps on macOS); then it reaps it with os.waitpid, prints what is left,
and waits again, which must fail with ECHILD (ChildProcessError).

Python twin of the Go ZombieProbe (internal/probe/lifecycle.go); it prints
the same lines. os.fork does not exist on Windows.
"""
import os
import subprocess
import sys
import time

# The Linux paths (waitid, /proc), except on the bsd-paths leg
# (FORKPORT_BSDPATHS=1): there Linux takes macOS's, ps.
LINUX = sys.platform.startswith("linux") and os.environ.get("FORKPORT_BSDPATHS") != "1"


def ps_state(pid):
    out = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True)
    return out.stdout.strip()


def wait_exited_not_reaped(pid):
    if LINUX:
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        return
    while True:
        s = ps_state(pid)
        if s.startswith("Z"):
            return
        if not s:
            raise RuntimeError(f"process {pid} is gone: it was reaped before the caller waited for it")
        time.sleep(0.01)


def describe(pid):
    if LINUX:
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            return "gone from /proc"
        if state == "Z":
            return f"zombie=yes state=Z in /proc/{pid}/stat"
        return f"zombie=no state={state}"
    s = ps_state(pid)
    if not s:
        return "gone from ps"
    if s.startswith("Z"):
        return "zombie=yes state=Z in ps"
    return f"zombie=no state={s}"


def status_string(status):
    if os.WIFSIGNALED(status):
        return f"signal: {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def main():
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    wait_exited_not_reaped(pid)
    print(f"exited, not yet waited for: {describe(pid)}", flush=True)
    _, status = os.waitpid(pid, 0)
    print(f"wait: {status_string(status)}", flush=True)
    print(f"after wait: {describe(pid)}", flush=True)
    try:
        os.waitpid(pid, 0)
        echild = False
    except ChildProcessError:
        echild = True
    print(f"second wait: echild={'true' if echild else 'false'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
