// Package chapter holds the programs of the "Forking Processes" and "The
// fork/exec Combination" sections of Programming Python, ported to Go on top
// of package procs. Each program is a function that takes its command-line
// arguments (without the program name) and returns its exit status, so the
// same code runs as a standalone binary (scripts/fork1, scripts/fork-count,
// scripts/fork-exec, scripts/child) and as a command of the behaviour suite.
//
// The programs print exactly what the chapter's transcripts show. Where the
// Python originals rely on fork returning twice, the Go ports register the
// child's half as a procs entry point and declare the variables the child
// must see with procs.Copy: that is the whole difference.
package chapter

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// readLine reads one line from r a byte at a time, without the newline (and
// a trailing carriage return). Reading no further than the line matters:
// after a fork, parent and child share stdin, and each line typed must go to
// exactly one of them, as with Python's raw_input on a terminal.
func readLine(r io.Reader) (string, error) {
	var line []byte
	b := make([]byte, 1)
	for {
		n, err := r.Read(b)
		if n == 1 {
			if b[0] == '\n' {
				if len(line) > 0 && line[len(line)-1] == '\r' {
					line = line[:len(line)-1]
				}
				return string(line), nil
			}
			line = append(line, b[0])
			continue
		}
		if err == io.EOF && len(line) > 0 {
			return string(line), nil
		}
		if err != nil {
			return string(line), err
		}
	}
}

// parseFlags parses args with fs, printing errors and usage to stderr; it
// returns the exit status to use on failure (2, or 0 for -h) and ok.
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "%s: unexpected arguments: %q\n", fs.Name(), fs.Args())
		fs.Usage()
		return 2, false
	}
	return 0, true
}
