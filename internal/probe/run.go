package probe

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/forkport/forkport/procs"
)

// Run is the suite's supervisor: run [flags] PROG ARGS... starts PROG (found
// on PATH) as the root of its own tree (procs.Attr.Group: a process group on
// Unix, a kill-on-close job object on Windows), relays the tree's stdout and
// stderr, and returns once every process of the tree has closed them (so
// orphans are waited for too), with PROG's exit status (128+signal for a
// signal). If that takes longer than -timeout, or Run is interrupted, it
// kills the whole tree: no script leaves a process behind, pass or fail.
//
// On Linux Run is also a child subreaper (PR_SET_CHILD_SUBREAPER): orphans
// of the tree are reparented to it, it reaps them, and -print-pid lets a
// script compare an orphan's new parent with it. Not in a
// forkport_bsdpaths build: there, as on macOS, orphans go to PID 1 and Run
// waits for them through the output pipes only.
func Run(args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 2*time.Minute, "kill the whole tree after this long")
	markExit := fs.Bool("mark-exit", false, `print "[run] parent exited" on stdout when PROG itself exits`)
	printPid := fs.Bool("print-pid", false, `print "[run] pid=N" (Run's own PID) on stdout first`)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		return usage("run", "usage: run [-timeout D] [-mark-exit] [-print-pid] PROG ARGS...")
	}
	if err := becomeSubreaper(); err != nil {
		return fail("run", err)
	}
	path, err := procs.LookPath(fs.Arg(0), nil)
	if err != nil {
		return fail("run", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return fail("run", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		return fail("run", err)
	}
	var mu sync.Mutex // one writer at a time on our stdout
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Printf(format, args...)
	}
	if *printPid {
		say("[run] pid=%d\n", os.Getpid())
	}
	p, err := procs.Start(path, fs.Args(), &procs.Attr{Group: true, Stdout: outW, Stderr: errW})
	outW.Close()
	errW.Close()
	if err != nil {
		return fail("run", err)
	}

	var relays sync.WaitGroup
	relay := func(dst *os.File, src *os.File) {
		defer relays.Done()
		buf := make([]byte, 32<<10)
		for {
			n, rerr := src.Read(buf)
			if n > 0 {
				mu.Lock()
				_, _ = dst.Write(buf[:n])
				mu.Unlock()
			}
			if rerr != nil {
				return
			}
		}
	}
	relays.Add(2)
	go relay(os.Stdout, outR)
	go relay(os.Stderr, errR)
	treeDone := make(chan struct{})
	go func() { relays.Wait(); close(treeDone) }()

	interrupted := make(chan os.Signal, 1)
	signal.Notify(interrupted, stopSignals...)
	statusc := make(chan *procs.Status, 1)
	go func() {
		st, err := p.Wait()
		if err != nil {
			fmt.Fprintln(os.Stderr, "run:", err)
		}
		if *markExit {
			say("[run] parent exited\n")
		}
		statusc <- st
	}()

	deadline := time.NewTimer(*timeout)
	defer deadline.Stop()
	var st *procs.Status
	for statusc != nil || treeDone != nil {
		select {
		case st = <-statusc:
			statusc = nil
		case <-treeDone:
			treeDone = nil
		case <-deadline.C:
			fmt.Fprintf(os.Stderr, "run: %s: still running after %v; killing its process tree\n", fs.Arg(0), *timeout)
			killAndDrain(p, statusc, &relays)
			return 124
		case sig := <-interrupted:
			fmt.Fprintf(os.Stderr, "run: %v; killing the process tree of %s\n", sig, fs.Arg(0))
			killAndDrain(p, statusc, &relays)
			return 125
		}
	}
	if !reapOrphans(deadline.C) {
		fmt.Fprintf(os.Stderr, "run: %s: orphans still running after %v; killing its process tree\n", fs.Arg(0), *timeout)
		killAndDrain(p, nil, &relays)
		return 124
	}
	if st == nil {
		return 1
	}
	if st.Signaled() {
		return 128 + int(st.Signal())
	}
	return st.ExitCode()
}

// killAndDrain kills the tree and waits for the relays and the direct child,
// so nothing is left running or unreaped.
func killAndDrain(p *procs.Process, statusc chan *procs.Status, relays *sync.WaitGroup) {
	_ = p.KillTree()
	if statusc != nil {
		<-statusc
	}
	relays.Wait()
	reapOrphans(nil)
}
