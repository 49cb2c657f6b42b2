#!/usr/bin/env python3
"""exitprobe [-return]: prints "before exit" inside a try whose finally
clause prints "deferred call ran", then calls os._exit(3): the finally clause
must not run. With -return the function returns normally instead, so the
finally clause runs and the probe exits 0: the contrast the claim needs.

Python twin of the Go ExitProbe (internal/probe/probe.go), whose deferred
call is this finally clause.
"""
import os
import sys


def main(args):
    if args not in ([], ["-return"], ["--return"]):
        print("exitprobe: usage: exitprobe [-return]", file=sys.stderr)
        return 2
    ret = bool(args)

    def body():
        try:
            # os._exit drops whatever sys.stdout still buffers: flush first.
            print("before exit", flush=True)
            if not ret:
                os._exit(3)
            return 0
        finally:
            print("deferred call ran", flush=True)

    code = body()
    print("after the function returned", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
