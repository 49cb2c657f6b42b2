// Package runall is forkport's example of a module that checks its own
// portability claims with procstest: a small program that runs commands one
// after the other and exits with the highest status among them.
//
//	runall CMD [ARG...] [+ CMD [ARG...]]...
//
// Each command is found on PATH and run to completion with
// procs.Spawnvp(procs.PWait, ...); runall prints "[runall] CMD exited with N"
// after each one (N is -signal for a signal), or "[runall] CMD: error" and
// status 127 when it cannot start. Its exit status is the highest of them.
// The claims in testdata/script say what that means on each OS.
package runall

import (
	"fmt"
	"os"

	"github.com/forkport/forkport/procs"
)

// Main runs runall with the arguments os.Args[1:] and returns its exit
// status.
func Main() int {
	cmds := split(os.Args[1:])
	if len(cmds) == 0 {
		fmt.Fprintln(os.Stderr, "usage: runall CMD [ARG...] [+ CMD [ARG...]]...")
		return 2
	}
	highest := 0
	for _, argv := range cmds {
		code, err := procs.Spawnvp(procs.PWait, argv[0], argv)
		if err != nil {
			fmt.Printf("[runall] %s: %v\n", argv[0], err)
			code = 127
		} else {
			fmt.Printf("[runall] %s exited with %d\n", argv[0], code)
		}
		if code < 0 { // killed by a signal
			code = 128 - code
		}
		highest = max(highest, code)
	}
	return highest
}

// split cuts args into commands at each "+".
func split(args []string) [][]string {
	var cmds [][]string
	var cur []string
	for _, a := range append(args, "+") {
		if a != "+" {
			cur = append(cur, a)
			continue
		}
		if len(cur) > 0 {
			cmds = append(cmds, cur)
		}
		cur = nil
	}
	return cmds
}

// ExitWith exits with the status given as its argument (a test helper
// command for the claims: exitwith N).
func ExitWith() int {
	var n int
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: exitwith N")
		return 2
	}
	if _, err := fmt.Sscan(os.Args[1], &n); err != nil {
		fmt.Fprintln(os.Stderr, "exitwith:", err)
		return 2
	}
	return n
}

// PrintEnv prints NAME=value for each NAME given that is set, and "NAME is
// unset" for the others, looking names up as the OS does (a test helper
// command for the claims: printenv NAME...).
func PrintEnv() int {
	for _, name := range os.Args[1:] {
		if v, ok := os.LookupEnv(name); ok {
			fmt.Printf("%s=%s\n", name, v)
		} else {
			fmt.Printf("%s is unset\n", name)
		}
	}
	return 0
}
