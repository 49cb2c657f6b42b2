package chapter

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/forkport/forkport/procs"
)

// forkExecParm is copied into fork-exec's children: the argument for the
// child program.
var forkExecParm int

func init() {
	procs.Copy("chapter.forkexec.parm", &forkExecParm)
	procs.Register("chapter.forkexec.child", forkExecChild)
}

// ForkExec is fork-exec.py: for every line read until "q" it forks a child
// that overlays itself with the program "child" found on PATH, passing a
// count (1, 2, 3 ...); the parent prints "Child is <pid>". A child whose
// exec fails says "error starting program" on stderr and exits 1.
func ForkExec(args []string) int {
	fs := flag.NewFlagSet("fork-exec", flag.ContinueOnError)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	for {
		forkExecParm++
		p, err := procs.Fork("chapter.forkexec.child")
		if err != nil {
			fmt.Fprintf(os.Stderr, "fork-exec: %v\n", err)
			return 1
		}
		fmt.Printf("Child is %d\n", p.Pid)
		line, err := readLine(os.Stdin)
		if err == io.EOF || line == "q" {
			return 0
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "fork-exec: %v\n", err)
			return 1
		}
	}
}

func forkExecChild() {
	err := procs.Execlp("child", "child", strconv.Itoa(forkExecParm)) // overlay program
	// Reached only if the exec failed.
	fmt.Fprintf(os.Stderr, "fork-exec: error starting program: %v\n", err)
	procs.Exit(1)
}

// Child is child.py: it prints "Hello from child <pid> <argv[1]>".
func Child(args []string) int {
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, "usage: child PARM")
		return 2
	}
	fmt.Printf("Hello from child %d %s\n", os.Getpid(), args[0])
	return 0
}
