package chapter

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/forkport/forkport/procs"
)

// fork1NoExit is copied into fork1's children: with -noexit a child does not
// exit after greeting but goes back into the parent's loop.
var fork1NoExit bool

// fork1Lines is the lock every fork1 process holds while it reads a line:
// with -noexit several processes read stdin, a byte at a time, and without
// it two of them could split a line ("q" to one, its newline to another).
// A terminal hands out whole lines; so does the lock. The top process
// creates it, and each child inherits it (procs.Attr.Files).
var fork1Lines *os.File

func init() {
	procs.Copy("chapter.fork1.noexit", &fork1NoExit)
	procs.Register("chapter.fork1.child", fork1Child)
}

// Fork1 is fork1.py: it forks a child for every line read from stdin until
// a line "q". The parent prints "Hello from parent <parentpid> <childpid>",
// the child "Hello from child <childpid>" and exits with procs.Exit(0).
// With -noexit the child instead goes back into the parent's loop and forks
// children of its own, so more than one "q" is needed to stop everything.
// A process that reaches the end of input before a "q" says so on stderr.
func Fork1(args []string) int {
	fs := flag.NewFlagSet("fork1", flag.ContinueOnError)
	fs.BoolVar(&fork1NoExit, "noexit", false, "children do not exit: they go back into the parent's loop (the chapter's 'delete the exit call')")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	var err error
	if fork1Lines, err = newLineLock(); err != nil {
		fmt.Fprintf(os.Stderr, "fork1: %v\n", err)
		return 1
	}
	return fork1Loop(false)
}

// fork1Loop is the parent's loop. A child with -noexit enters it at the
// read, where the Python child continues after child() returns.
func fork1Loop(readFirst bool) int {
	for {
		if readFirst {
			line, err := readWholeLine()
			if err == io.EOF {
				fmt.Fprintf(os.Stderr, "fork1: process %d: end of input before q\n", os.Getpid())
				return 0
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "fork1: %v\n", err)
				return 1
			}
			if line == "q" {
				return 0
			}
		}
		readFirst = true
		p, err := procs.ForkWith("chapter.fork1.child", &procs.Attr{Files: []*os.File{fork1Lines}})
		if err != nil {
			fmt.Fprintf(os.Stderr, "fork1: %v\n", err)
			return 1
		}
		fmt.Printf("Hello from parent %d %d\n", os.Getpid(), p.Pid)
	}
}

// readWholeLine reads a line from stdin holding the line lock.
func readWholeLine() (string, error) {
	if err := lockLines(fork1Lines); err != nil {
		return "", err
	}
	line, err := readLine(os.Stdin)
	if uerr := unlockLines(fork1Lines); err == nil {
		err = uerr
	}
	return line, err
}

func fork1Child() {
	fork1Lines = procs.Inherited()[0]
	fmt.Printf("Hello from child %d\n", os.Getpid())
	if !fork1NoExit {
		procs.Exit(0) // else goes back to the parent's loop
	}
	procs.Exit(fork1Loop(true))
}
