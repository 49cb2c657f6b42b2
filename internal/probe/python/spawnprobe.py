#!/usr/bin/env python3
"""spawnprobe [-env NAME=value]... MODE VARIANT PROG ARGV0 ARGS...: calls one
os.spawn* variant (spawnv, spawnl, spawnvp, spawnlp, spawnve, spawnle,
spawnvpe, spawnlpe) and prints what it returned.

MODE is P_WAIT, P_NOWAIT, P_DETACH or P_OVERLAY, looked up in os by name as a
program names it (os.P_DETACH and os.P_OVERLAY exist only on Windows: on Unix
the lookup raises AttributeError), or a number, to try an unknown mode. The
e variants get exactly the -env entries. "{spawnprobe}" in an argument
becomes this probe's PID. After P_NOWAIT the probe waits until the child has
exited, without reaping it, then reaps it with os.waitpid, twice: the second
must fail with ECHILD. After P_DETACH it exits at once.

Python twin of the Go SpawnProbe (internal/probe/exec.go); it prints the
same lines.
"""
import errno
import os
import subprocess
import sys
import time

MODES = ("P_WAIT", "P_NOWAIT", "P_DETACH", "P_OVERLAY")


def say(line):
    # Flush every line: a spawned child shares stdout, and P_OVERLAY on
    # Windows ends this process (_exit) inside the call.
    print(line, flush=True)


def usage(msg):
    print(f"spawnprobe: {msg}", file=sys.stderr)
    return 2


def sentinels(e):
    """Which kinds of error e is, in the Go twin's words."""
    b = lambda v: "true" if v else "false"
    notexist = isinstance(e, FileNotFoundError)
    return (f"notexist={b(notexist)} notfound={b(notexist)} dot=false "
            f"permission={b(isinstance(e, PermissionError))} "
            f"invalid={b(getattr(e, 'errno', None) == errno.EINVAL)}")


def wait_exited_not_reaped(n):
    """Blocks until child n (a PID; a process handle on Windows) has exited,
    leaving its exit status to be collected."""
    if sys.platform == "win32":
        import _winapi
        _winapi.WaitForSingleObject(n, _winapi.INFINITE)
    elif sys.platform.startswith("linux") and os.environ.get("FORKPORT_BSDPATHS") != "1":
        os.waitid(os.P_PID, n, os.WEXITED | os.WNOWAIT)
    else:  # macOS (and the bsd-paths leg): poll ps until the child shows as a zombie
        while True:
            st = subprocess.run(["ps", "-o", "stat=", "-p", str(n)],
                                capture_output=True, text=True).stdout.strip()
            if st.startswith("Z"):
                return
            if not st:
                raise RuntimeError(f"process {n} is gone: it was reaped before the caller waited for it")
            time.sleep(0.01)


def spawn(variant, mode, prog, argv, env):
    if variant == "spawnv":
        return os.spawnv(mode, prog, argv)
    if variant == "spawnl":
        return os.spawnl(mode, prog, *argv)
    if variant == "spawnvp":
        return os.spawnvp(mode, prog, argv)
    if variant == "spawnlp":
        return os.spawnlp(mode, prog, *argv)
    if variant == "spawnve":
        return os.spawnve(mode, prog, argv, env)
    if variant == "spawnle":
        return os.spawnle(mode, prog, *argv, env)
    if variant == "spawnvpe":
        return os.spawnvpe(mode, prog, argv, env)
    if variant == "spawnlpe":
        return os.spawnlpe(mode, prog, *argv, env)
    raise LookupError(variant)


def main(args):
    env = {}
    while args:
        if args[0] in ("-env", "--env"):
            if len(args) < 2:
                return usage("flag needs an argument: -env")
            entry, args = args[1], args[2:]
        elif args[0].startswith(("-env=", "--env=")):
            entry, args = args[0].split("=", 1)[1], args[1:]
        else:
            break
        name, _, value = entry.partition("=")
        env[name] = value
    if len(args) < 4:
        return usage("usage: spawnprobe [-env NAME=value]... MODE VARIANT PROG ARGV0 ARGS...")
    mode = args[0]
    if mode not in MODES:
        try:
            mode = int(mode)  # a raw number, to try an unknown mode
        except ValueError:
            return usage(f"unknown mode {args[0]!r}")
    variant, prog = args[1], args[2]
    if variant not in ("spawnv", "spawnl", "spawnvp", "spawnlp",
                       "spawnve", "spawnle", "spawnvpe", "spawnlpe"):
        return usage(f"unknown variant {variant!r}")
    me = str(os.getpid())
    argv = [a.replace("{spawnprobe}", me) for a in args[3:]]
    say(f"spawnprobe pid={me}")
    if isinstance(mode, str):
        mode = getattr(os, mode)  # os.P_DETACH, ...: AttributeError where absent
    try:
        n = spawn(variant, mode, prog, argv, env)
    except OSError as e:
        say(f"spawn error: {e}")
        say(sentinels(e))
        return 1
    if mode == os.P_NOWAIT:
        say(f"spawn returned pid={n}")
        if sys.platform == "win32":  # n is a process handle, not a PID
            import ctypes
            k32 = ctypes.WinDLL("kernel32")
            k32.GetProcessId.argtypes = [ctypes.c_void_p]
            say(f"handle's process pid={k32.GetProcessId(n)}")
        wait_exited_not_reaped(n)
        say("child exited, not yet reaped")
        pid, status = os.waitpid(n, 0)
        say(f"waitpid pid={pid} exitcode={os.waitstatus_to_exitcode(status)}")
        try:
            os.waitpid(n, 0)
            echild = False
        except OSError as e:
            echild = e.errno == errno.ECHILD
        say(f"second waitpid: echild={'true' if echild else 'false'}")
    elif mode == getattr(os, "P_DETACH", None):
        say(f"spawn returned pid={n}")
        say("spawnprobe exiting")
    else:  # P_WAIT; on Unix every mode but P_NOWAIT waits (Lib/os.py)
        say(f"spawn returned={n}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
