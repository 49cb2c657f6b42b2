#!/usr/bin/env python3
"""echoargs: print this process's PID, parent PID, argv and environment.

Twin of the Go probe EchoArgs (internal/probe/probe.go): "pid=N ppid=M",
"argc=N", one "argv[i]=..." line per argument (Go-quoted), "envcount=N",
then one "env NAME=value" line per variable, sorted.

argv[0] is the process's own (sys.orig_argv[0]), the rest the program's
arguments (sys.argv[1:]). A program started through its #! line gets the
interpreter's path as argv[0] from the kernel: the caller's argv[0] never
reaches it.

The environment is the one the process received from exec: on Linux read
from /proc/self/environ, on macOS from the kernel's copy (sysctl
KERN_PROCARGS2). os.environ is not that: with no locale variable set,
CPython's startup adds LC_CTYPE to it (PEP 538 locale coercion). Other
systems (Windows) print os.environ.
"""
import os
import sys


def go_quote(s):
    """Quote s as Go's %q does (printable characters kept, others escaped)."""
    out = ['"']
    for c in s:
        n = ord(c)
        if c in '"\\':
            out.append("\\" + c)
        elif c in "\a\b\f\n\r\t\v":
            out.append("\\" + "abfnrtv"["\a\b\f\n\r\t\v".index(c)])
        elif 0xDC80 <= n <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{n - 0xDC00:02x}")
        elif c.isprintable() or c == " ":
            out.append(c)
        elif n < 0x80:
            out.append(f"\\x{n:02x}")
        elif n <= 0xFFFF:
            out.append(f"\\u{n:04x}")
        else:
            out.append(f"\\U{n:08x}")
    out.append('"')
    return "".join(out)


def received_environ():
    """The environment as exec delivered it, as NAME=value strings."""
    try:
        with open("/proc/self/environ", "rb") as f:
            return [os.fsdecode(e) for e in f.read().split(b"\0") if e]
    except OSError:
        pass
    if sys.platform == "darwin":
        try:
            return darwin_environ()
        except Exception:
            pass
    return [f"{k}={v}" for k, v in os.environ.items()]


def darwin_environ():
    """macOS: the exec path, argv and envp, from sysctl KERN_PROCARGS2."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.sysctl.argtypes = [ctypes.POINTER(ctypes.c_int), ctypes.c_uint, ctypes.c_void_p,
                            ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p, ctypes.c_size_t]
    mib = (ctypes.c_int * 3)(1, 49, os.getpid())  # CTL_KERN, KERN_PROCARGS2
    size = ctypes.c_size_t(1 << 21)
    buf = ctypes.create_string_buffer(size.value)
    if libc.sysctl(mib, 3, buf, ctypes.byref(size), None, 0) != 0:
        raise OSError(ctypes.get_errno(), "sysctl KERN_PROCARGS2")
    data = buf.raw[:size.value]
    # An int argc, the exec path, NUL padding, argc argv strings, then the
    # environment strings up to an empty one.
    argc = int.from_bytes(data[:4], sys.byteorder)
    strings = data[4:].split(b"\0")[1:]
    while strings and not strings[0]:
        strings.pop(0)
    env = []
    for s in strings[argc:]:
        if not s:
            break
        env.append(os.fsdecode(s))
    return env


def main():
    print(f"pid={os.getpid()} ppid={os.getppid()}")
    argv = getattr(sys, "orig_argv", sys.argv)[:1] + sys.argv[1:]  # orig_argv: 3.10+
    print(f"argc={len(argv)}")
    for i, a in enumerate(argv):
        print(f"argv[{i}]={go_quote(a)}")
    env = received_environ()
    print(f"envcount={len(env)}")
    for e in sorted(env):
        print(f"env {e}")
    sys.stdout.flush()


main()
