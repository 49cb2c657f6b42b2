#!/usr/bin/env python3
"""execprobe [-env NAME=value]... VARIANT PROG ARGV0 ARGS...: call one os.exec* variant.

Twin of the Go probe ExecProbe (internal/probe/exec.go). It prints its PID
first; if the exec returns (raises), it prints the error and which of the Go
probe's sentinels it stands for, then "code after exec ran", and exits 1.
The e variants get exactly the -env entries, as a dict (empty if none).

CPython has no sentinel errors; the line maps them to exceptions:
notexist is FileNotFoundError; notfound is a p variant that searched PATH
(a name without a directory) and found nothing (FileNotFoundError); dot is
always false (CPython refuses no PATH match); permission is
PermissionError; invalid is ValueError (e.g. an empty argv).
"""
import os
import sys

VARIANTS = {
    "execv": lambda prog, argv, env: os.execv(prog, argv),
    "execl": lambda prog, argv, env: os.execl(prog, *argv),
    "execvp": lambda prog, argv, env: os.execvp(prog, argv),
    "execlp": lambda prog, argv, env: os.execlp(prog, *argv),
    "execve": lambda prog, argv, env: os.execve(prog, argv, env),
    "execle": lambda prog, argv, env: os.execle(prog, *argv, env),
    "execvpe": lambda prog, argv, env: os.execvpe(prog, argv, env),
    "execlpe": lambda prog, argv, env: os.execlpe(prog, *argv, env),
}


def usage(msg):
    print(f"execprobe: {msg}", file=sys.stderr)
    sys.exit(2)


def main(args):
    env = {}
    while args and args[0].split("=", 1)[0] in ("-env", "--env"):  # Go's flag spellings
        if "=" in args[0]:
            entry, args = args[0].split("=", 1)[1], args[1:]
        elif len(args) > 1:
            entry, args = args[1], args[2:]
        else:
            usage("flag needs an argument: -env")
        name, _, value = entry.partition("=")
        env[name] = value
    if args and args[0] == "--":
        args = args[1:]
    if len(args) < 3:
        usage("usage: execprobe [-env NAME=value]... VARIANT PROG ARGV0 ARGS...")
    variant, prog, argv = args[0], args[1], args[2:]
    print(f"execprobe pid={os.getpid()}", flush=True)  # exec drops unflushed output
    if variant not in VARIANTS:
        usage(f'unknown variant "{variant}"')
    try:
        VARIANTS[variant](prog, argv, env)
    except (OSError, ValueError) as err:
        searched = "p" in variant[4:] and not os.path.dirname(prog)
        print(f"exec returned: {err}")
        print(f"notexist={str(isinstance(err, FileNotFoundError)).lower()}"
              f" notfound={str(searched and isinstance(err, FileNotFoundError)).lower()}"
              f" dot=false"
              f" permission={str(isinstance(err, PermissionError)).lower()}"
              f" invalid={str(isinstance(err, ValueError)).lower()}")
        print("code after exec ran", flush=True)
        sys.exit(1)


main(sys.argv[1:])
