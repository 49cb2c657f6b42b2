package main

import "time"

// exeSuffix is the file name suffix of executables.
const exeSuffix = ".exe"

// rawSpawn: there is no syscall.ForkExec on Windows.
func rawSpawn(string, []string) (func() error, bool) { return nil, false }

// cpuTime is not measured on Windows.
func cpuTime() (time.Duration, bool) { return 0, false }
