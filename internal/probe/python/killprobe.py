#!/usr/bin/env python3
"""killprobe TERM|KILL: starts the sleeper probe (found on PATH) with
os.spawnv(P_NOWAIT) and pipes as its stdin and stdout, waits until it says it
runs, sends it signal.SIGTERM or signal.SIGKILL with os.kill, reaps it with
os.waitpid and prints its status; then it kills it again, after the reap,
and says whether that found no such process (ProcessLookupError).

Python twin of the Go KillProbe (internal/probe/lifecycle.go); it prints the
same lines. On Windows os.spawnv returns a process handle (os.kill wants the
PID, read from it with GetProcessId), os.kill(pid, SIGTERM) is
TerminateProcess with exit code 15, and signal.SIGKILL does not exist.
"""
import os
import shutil
import signal
import sys

# Go's names for the signals, as its ProcessState.String prints them.
SIGNAL_NAMES = {signal.SIGTERM: "terminated", getattr(signal, "SIGKILL", -1): "killed"}


def start_sleeper():
    """Starts sleeper with its stdin and stdout on pipes; returns what
    os.spawnv returned, the PID and the write end of its stdin."""
    path = shutil.which("sleeper")
    if path is None:
        raise FileNotFoundError("sleeper: executable file not found in $PATH")
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    saved = os.dup(0), os.dup(1)
    os.dup2(in_r, 0)  # the child gets fds 0 and 1 (os.dup2 makes them inheritable)
    os.dup2(out_w, 1)
    try:
        h = os.spawnv(os.P_NOWAIT, path, ["sleeper"])
    finally:
        os.dup2(saved[0], 0)
        os.dup2(saved[1], 1)
        for fd in (*saved, in_r, out_w):
            os.close(fd)
    pid = h
    if sys.platform == "win32":  # h is a process handle
        import ctypes
        k32 = ctypes.WinDLL("kernel32")
        k32.GetProcessId.argtypes = [ctypes.c_void_p]
        pid = k32.GetProcessId(h)
    line = b""
    while not line.endswith(b"\n"):
        b = os.read(out_r, 1)
        if not b:
            raise RuntimeError("sleeper did not start")
        line += b
    os.close(out_r)
    return h, pid, in_w


def status_string(status):
    if hasattr(os, "WIFSIGNALED") and os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return f"signal: {SIGNAL_NAMES.get(sig) or signal.strsignal(sig)}", True
    return f"exit status {os.waitstatus_to_exitcode(status)}", False


def main(args):
    if args not in (["TERM"], ["KILL"]):
        print("killprobe: usage: killprobe TERM|KILL", file=sys.stderr)
        return 2
    # Both signals looked up by name, as a program would: SIGKILL is
    # missing on Windows (AttributeError).
    sig = signal.SIGTERM if args[0] == "TERM" else signal.SIGKILL
    h, pid, stdin = start_sleeper()
    os.kill(pid, sig)
    _, status = os.waitpid(h, 0)
    text, signaled = status_string(status)
    code = os.waitstatus_to_exitcode(status)
    print(f'status="{text}" exitcode={code} signaled={"true" if signaled else "false"}', flush=True)
    try:
        os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
        done = False
    except ProcessLookupError:
        done = True
    except OSError as e:
        print(f"kill after reap: {e}", flush=True)
        done = False
    print(f"kill after reap: processdone={'true' if done else 'false'}", flush=True)
    os.close(stdin)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
