#!/usr/bin/env python3
"""child: prints "Hello from child <pid> <argv[1]>".

Python twin of the Child function in internal/chapter/forkexec.go (the
chapter's child.py): the program fork-exec's children overlay themselves
with.
"""

import os
import sys

if len(sys.argv) < 2:
    print("usage: child PARM", file=sys.stderr)
    sys.exit(2)
print("Hello from child", os.getpid(), sys.argv[1])
