// Package probe holds the small programs the behaviour suite runs besides
// the chapter's own: a supervisor that runs a process tree in its own
// process group or job object (run), and probes that print what a claim
// needs to see (PIDs, copied values, exit codes, process states). Each is a
// function from arguments to exit status; the suite's TestMain exposes them
// as commands with testscript.Main.
//
// Each program has a CPython twin in the directory python (fork1.py,
// forkprobe.py, ...): a Python 3 program that prints the same lines using
// the os module as the chapter does, which the suite's CPython subject runs
// instead (package internal/cpython).
//
// Probes print one fact per line, as "name=value" pairs or short sentences,
// so scripts can match them with stdout regexps and compare numbers with the
// suite's setmatch and eq builtins.
package probe

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"github.com/forkport/forkport/procs"
)

// Commands returns the probes by command name.
func Commands() map[string]func([]string) int {
	return map[string]func([]string) int{
		"run":         Run,
		"forkprobe":   ForkProbe,
		"execprobe":   ExecProbe,
		"spawnprobe":  SpawnProbe,
		"echoargs":    EchoArgs,
		"exitcode":    ExitCode,
		"exitprobe":   ExitProbe,
		"killprobe":   KillProbe,
		"zombieprobe": ZombieProbe,
		"serverprobe": ServerProbe,
		"treeprobe":   TreeProbe,
		"sessioninfo": SessionInfo,
		"sleeper":     Sleeper,
	}
}

// fail prints a probe's error and returns the status for it.
func fail(name string, err error) int {
	fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	return 1
}

// usage prints a probe's usage error and returns 2.
func usage(name, format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "%s: %s\n", name, fmt.Sprintf(format, args...))
	return 2
}

// sentinels spells out which standard sentinels err wraps.
func sentinels(err error) string {
	return fmt.Sprintf("notexist=%t notfound=%t dot=%t permission=%t invalid=%t",
		errors.Is(err, os.ErrNotExist), errors.Is(err, exec.ErrNotFound), errors.Is(err, exec.ErrDot),
		errors.Is(err, os.ErrPermission), errors.Is(err, os.ErrInvalid))
}

// EchoArgs prints its PID, parent PID, argv (Go-quoted, one per line) and
// environment (sorted, one per line, with a count), for checking what a
// started program received.
func EchoArgs(args []string) int {
	fmt.Printf("pid=%d ppid=%d\n", os.Getpid(), os.Getppid())
	fmt.Printf("argc=%d\n", len(os.Args))
	for i, a := range os.Args {
		fmt.Printf("argv[%d]=%q\n", i, a)
	}
	env := os.Environ()
	fmt.Printf("envcount=%d\n", len(env))
	for _, e := range sortedCopy(env) {
		fmt.Printf("env %s\n", e)
	}
	return 0
}

// ExitCode exits with the status given as its argument, through
// procs.Exit, to show what the parent sees of codes such as 256 or -1.
func ExitCode(args []string) int {
	if len(args) != 1 {
		return usage("exitcode", "usage: exitcode N")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil {
		return usage("exitcode", "%v", err)
	}
	procs.Exit(n)
	return 0
}

// ExitProbe defers a print, then calls procs.Exit(3): the deferred call
// must not run (os._exit). With -return it returns normally instead, so the
// deferred call runs: the contrast the claim needs.
func ExitProbe(args []string) int {
	fs := flag.NewFlagSet("exitprobe", flag.ContinueOnError)
	ret := fs.Bool("return", false, "return normally instead of calling procs.Exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	code := func() int {
		defer fmt.Println("deferred call ran")
		fmt.Println("before exit")
		if !*ret {
			procs.Exit(3)
		}
		return 0
	}()
	fmt.Println("after the function returned")
	return code
}

// Sleeper blocks until its stdin reaches end of file (or forever with no
// stdin), then exits 0: a process that lives until told otherwise.
func Sleeper(args []string) int {
	fmt.Printf("sleeper pid=%d\n", os.Getpid())
	buf := make([]byte, 512)
	for {
		if _, err := os.Stdin.Read(buf); err != nil {
			return 0
		}
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// parseEnv collects repeated -env NAME=value flags.
type envList []string

func (e *envList) String() string     { return strings.Join(*e, " ") }
func (e *envList) Set(v string) error { *e = append(*e, v); return nil }
