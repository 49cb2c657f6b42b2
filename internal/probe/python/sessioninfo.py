#!/usr/bin/env python3
"""sessioninfo [-wait-exit PID]: prints its PID with its session and process
group (os.getsid, os.getpgrp) on Unix, or whether it has a console on
Windows. With -wait-exit PID it first waits until process PID has exited
(polling os.kill(PID, 0) on Unix), then says it still runs.

Python twin of the Go SessionInfo probe (internal/probe/lifecycle.go); it
prints the same lines.
"""
import os
import sys
import time


def wait_exit(pid):
    if sys.platform == "win32":  # os.kill(pid, 0) would send Ctrl+C there
        import _winapi
        try:
            h = _winapi.OpenProcess(0x00100000, False, pid)  # SYNCHRONIZE
        except OSError:
            return  # no such process: it is gone
        try:
            _winapi.WaitForSingleObject(h, _winapi.INFINITE)
        finally:
            _winapi.CloseHandle(h)
        return
    while True:
        try:
            os.kill(pid, 0)  # also sees a zombie: its parent must reap it
        except ProcessLookupError:
            return
        except PermissionError:
            pass
        time.sleep(0.01)


def session_info():
    if sys.platform == "win32":
        import ctypes
        console = "yes" if ctypes.WinDLL("kernel32").GetConsoleWindow() else "no"
        return f"pid={os.getpid()} console={console}"
    return f"pid={os.getpid()} sid={os.getsid(0)} pgid={os.getpgrp()}"


def main(args):
    if len(args) == 2 and args[0] == "-wait-exit":
        try:
            pid = int(args[1])
        except ValueError:
            print("sessioninfo: usage: sessioninfo [-wait-exit PID]", file=sys.stderr)
            return 2
        wait_exit(pid)
        print(f"sessioninfo pid={os.getpid()}: process {pid} exited; still running", flush=True)
    print(session_info(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
