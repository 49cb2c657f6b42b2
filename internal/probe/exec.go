package probe

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/forkport/forkport/procs"
)

// ExecProbe calls one exec variant: execprobe [-env NAME=value]... VARIANT
// PROG ARGV0 ARGS... It prints its PID first; if the exec returns, it
// prints the error and the sentinels it wraps, then "code after exec ran",
// and exits 1. The e variants get exactly the -env entries (none if none).
func ExecProbe(args []string) int {
	fs := flag.NewFlagSet("execprobe", flag.ContinueOnError)
	var env envList
	fs.Var(&env, "env", "NAME=value for the e variants (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() < 3 {
		return usage("execprobe", "usage: execprobe [-env NAME=value]... VARIANT PROG ARGV0 ARGS...")
	}
	variant, prog, argv := fs.Arg(0), fs.Arg(1), fs.Args()[2:]
	fmt.Printf("execprobe pid=%d\n", os.Getpid())
	var err error
	switch variant {
	case "execv":
		err = procs.Execv(prog, argv)
	case "execl":
		err = procs.Execl(prog, argv...)
	case "execvp":
		err = procs.Execvp(prog, argv)
	case "execlp":
		err = procs.Execlp(prog, argv...)
	case "execve":
		err = procs.Execve(prog, argv, env)
	case "execle":
		err = procs.Execle(prog, env, argv...)
	case "execvpe":
		err = procs.Execvpe(prog, argv, env)
	case "execlpe":
		err = procs.Execlpe(prog, env, argv...)
	default:
		return usage("execprobe", "unknown variant %q", variant)
	}
	fmt.Printf("exec returned: %v\n", err)
	fmt.Println(sentinels(err))
	fmt.Println("code after exec ran")
	return 1
}

// SpawnProbe calls one spawn variant: spawnprobe [-env NAME=value]... MODE
// VARIANT PROG ARGV0 ARGS..., MODE one of P_WAIT, P_NOWAIT, P_DETACH,
// P_OVERLAY. It prints what the call returned; for P_NOWAIT it then waits
// until the child has exited, without reaping it, and reaps it with Waitpid
// (twice: the second must fail with ECHILD); for
// P_DETACH it exits at once, leaving the child running.
func SpawnProbe(args []string) int {
	fs := flag.NewFlagSet("spawnprobe", flag.ContinueOnError)
	var env envList
	fs.Var(&env, "env", "NAME=value for the e variants (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() < 4 {
		return usage("spawnprobe", "usage: spawnprobe [-env NAME=value]... MODE VARIANT PROG ARGV0 ARGS...")
	}
	modes := map[string]procs.Mode{"P_WAIT": procs.PWait, "P_NOWAIT": procs.PNoWait, "P_DETACH": procs.PDetach, "P_OVERLAY": procs.POverlay}
	mode, ok := modes[fs.Arg(0)]
	if !ok {
		n, err := strconv.Atoi(fs.Arg(0)) // a raw number, to try an unknown mode
		if err != nil {
			return usage("spawnprobe", "unknown mode %q", fs.Arg(0))
		}
		mode = procs.Mode(n)
	}
	variant, prog, argv := fs.Arg(1), fs.Arg(2), slices.Clone(fs.Args()[3:])
	for i, a := range argv { // lets a script pass this probe's PID to the child
		argv[i] = strings.ReplaceAll(a, "{spawnprobe}", strconv.Itoa(os.Getpid()))
	}
	fmt.Printf("spawnprobe pid=%d\n", os.Getpid())
	var n int
	var err error
	switch variant {
	case "spawnv":
		n, err = procs.Spawnv(mode, prog, argv)
	case "spawnl":
		n, err = procs.Spawnl(mode, prog, argv...)
	case "spawnvp":
		n, err = procs.Spawnvp(mode, prog, argv)
	case "spawnlp":
		n, err = procs.Spawnlp(mode, prog, argv...)
	case "spawnve":
		n, err = procs.Spawnve(mode, prog, argv, env)
	case "spawnle":
		n, err = procs.Spawnle(mode, prog, env, argv...)
	case "spawnvpe":
		n, err = procs.Spawnvpe(mode, prog, argv, env)
	case "spawnlpe":
		n, err = procs.Spawnlpe(mode, prog, env, argv...)
	default:
		return usage("spawnprobe", "unknown variant %q", variant)
	}
	if err != nil {
		fmt.Printf("spawn error: %v\n", err)
		fmt.Println(sentinels(err))
		return 1
	}
	switch mode {
	case procs.PWait:
		fmt.Printf("spawn returned=%d\n", n)
	case procs.PNoWait:
		fmt.Printf("spawn returned pid=%d\n", n)
		// The child has exited before waitpid is called: a PNoWait that
		// reaped its child itself (and lost the status) fails at once.
		if err := waitExitedNotReaped(n); err != nil {
			return fail("spawnprobe", err)
		}
		fmt.Println("child exited, not yet reaped")
		st, err := procs.Waitpid(n)
		if err != nil {
			return fail("spawnprobe", err)
		}
		fmt.Printf("waitpid pid=%d exitcode=%d\n", st.Pid(), st.ExitCode())
		_, err = procs.Waitpid(n)
		fmt.Printf("second waitpid: echild=%t\n", errors.Is(err, syscall.ECHILD))
	case procs.PDetach:
		fmt.Printf("spawn returned pid=%d\n", n)
		fmt.Println("spawnprobe exiting")
	}
	return 0
}
