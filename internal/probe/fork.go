package probe

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/forkport/forkport/procs"
)

// Copied state of the fork probes: what procs.Copy hands to each child.
var forkState struct {
	Value int    // the copied-memory probe
	Path  string // a file name for the file probes
}

// undeclared is a global that is NOT declared with procs.Copy: a forked
// child starts with its initial value, not the parent's.
var undeclared = 1

// startedIn is set when the program's package variables are initialised:
// in a forked child that happens again, in the child.
var startedIn = os.Getpid()

func init() {
	procs.Copy("probe.fork", &forkState)
	procs.Register("probe.pids", func() {
		fmt.Printf("child pid=%d ppid=%d\n", os.Getpid(), os.Getppid())
	})
	procs.Register("probe.copy", copyChild)
	procs.Register("probe.copyagain", func() {
		fmt.Printf("second child value=%d at start\n", forkState.Value)
	})
	procs.Register("probe.globals", func() {
		fmt.Printf("child declared=%d undeclared=%d\n", forkState.Value, undeclared)
	})
	procs.Register("probe.restart", func() {
		fmt.Printf("child pid=%d program-started-in=%d\n", os.Getpid(), startedIn)
	})
	procs.Register("probe.files", func() {
		if _, err := procs.Inherited()[0].WriteString("child\n"); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			procs.Exit(1)
		}
		fmt.Println("child wrote to the inherited file")
	})
	procs.Register("probe.fdnums", func() {
		fmt.Printf("child fd=%d\n", procs.Inherited()[0].Fd())
	})
	procs.Register("probe.grandparent", func() {
		g, err := procs.Fork("probe.grandchild")
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			procs.Exit(1)
		}
		fmt.Printf("child pid=%d forked grandchild=%d\n", os.Getpid(), g.Pid)
		if _, err := g.Wait(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
		}
	})
	procs.Register("probe.grandchild", func() {
		fmt.Printf("grandchild pid=%d ppid=%d\n", os.Getpid(), os.Getppid())
	})
	procs.Register("probe.orphan", orphanChild)
	procs.Register("probe.exit", exitChild)
}

// ForkProbe runs one fork experiment, named by its argument:
//
//	pids        parent and child print their PIDs and the child its parent's
//	copy        copied memory: each side changes its copy, neither sees the other's change
//	globals     a declared and an undeclared global, changed before Fork
//	restart     where the child's program started (fork emulation restarts it)
//	files       parent and child append to one inherited file
//	fdnums      the descriptor number of an inherited file in parent and child
//	grandchild  the child forks a grandchild
//	orphan      the parent exits at once; the child reports its new parent
//	exit        the child's entry point defers a print and calls procs.Exit(3)
//	exit-return the same entry point returns normally instead
func ForkProbe(args []string) int {
	if len(args) != 1 {
		return usage("forkprobe", "usage: forkprobe pids|copy|globals|restart|files|fdnums|grandchild|orphan|exit|exit-return")
	}
	switch args[0] {
	case "pids":
		return forkAndWait("probe.pids", nil, func(p *procs.Process) {
			fmt.Printf("parent pid=%d child=%d\n", os.Getpid(), p.Pid)
		})
	case "copy":
		return copyParent()
	case "globals":
		forkState.Value, undeclared = 5, 5
		fmt.Printf("parent declared=%d undeclared=%d\n", forkState.Value, undeclared)
		return forkAndWait("probe.globals", nil, nil)
	case "restart":
		fmt.Printf("parent pid=%d program-started-in=%d\n", os.Getpid(), startedIn)
		return forkAndWait("probe.restart", nil, nil)
	case "files":
		return filesParent()
	case "fdnums":
		for range 10 { // push the file's own descriptor above 10
			pad, err := os.Open(os.DevNull)
			if err != nil {
				return fail("forkprobe", err)
			}
			defer pad.Close()
		}
		f, err := os.Create(filepath.Join(os.TempDir(), fmt.Sprintf("fdnums-%d", os.Getpid())))
		if err != nil {
			return fail("forkprobe", err)
		}
		defer os.Remove(f.Name())
		defer f.Close()
		fmt.Printf("parent fd=%d\n", f.Fd())
		return forkAndWait("probe.fdnums", &procs.Attr{Files: []*os.File{f}}, nil)
	case "grandchild":
		return forkAndWait("probe.grandparent", nil, nil)
	case "orphan":
		return orphanParent()
	case "exit":
		return exitParent(3)
	case "exit-return":
		return exitParent(0)
	}
	return usage("forkprobe", "unknown experiment %q", args[0])
}

// forkAndWait forks name, lets the parent speak, then reaps the child and
// returns its exit status.
func forkAndWait(name string, attr *procs.Attr, parent func(*procs.Process)) int {
	p, err := procs.ForkWith(name, attr)
	if err != nil {
		return fail("forkprobe", err)
	}
	if parent != nil {
		parent(p)
	}
	st, err := p.Wait()
	if err != nil {
		return fail("forkprobe", err)
	}
	if !st.Success() {
		return fail("forkprobe", fmt.Errorf("child %s", st))
	}
	return 0
}

// copyParent: the parent sets 1, forks, sets 3, then tells the child to
// look again; the child must see 1 both times, sets 2, and the parent must
// still see 3 after the child has exited. Then it forks a second child,
// which must start with 3.
func copyParent() int {
	r, w, err := os.Pipe()
	if err != nil {
		return fail("forkprobe", err)
	}
	forkState.Value = 1
	fmt.Printf("parent value=%d before fork\n", forkState.Value)
	p, err := procs.ForkWith("probe.copy", &procs.Attr{Files: []*os.File{r}})
	r.Close()
	if err != nil {
		return fail("forkprobe", err)
	}
	forkState.Value = 3
	fmt.Printf("parent value=%d after fork\n", forkState.Value)
	fmt.Fprintln(w, "look again")
	w.Close()
	st, err := p.Wait()
	if err != nil || !st.Success() {
		return fail("forkprobe", fmt.Errorf("child: %v %v", st, err))
	}
	fmt.Printf("parent value=%d after the child exited\n", forkState.Value)
	// A second fork copies the value as it is now, not as it was at the
	// first fork.
	return forkAndWait("probe.copyagain", nil, nil)
}

func copyChild() {
	// Read at start, printed once the parent has printed its "after fork"
	// line and signalled: Fork returns as the entry point starts, so
	// printing at once would race with the parent's line.
	atStart := forkState.Value
	if _, err := bufio.NewReader(procs.Inherited()[0]).ReadString('\n'); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		procs.Exit(1)
	}
	fmt.Printf("child value=%d at start\n", atStart)
	fmt.Printf("child value=%d after the parent changed its copy\n", forkState.Value)
	forkState.Value = 2
	fmt.Printf("child value=%d after changing its copy\n", forkState.Value)
}

// filesParent: "parent 1", then the child's line, then "parent 2", all
// through inherited descriptors of one open file, then print the file.
func filesParent() int {
	name := filepath.Join(os.TempDir(), fmt.Sprintf("files-%d", os.Getpid()))
	f, err := os.Create(name)
	if err != nil {
		return fail("forkprobe", err)
	}
	defer os.Remove(name)
	defer f.Close()
	fmt.Fprintln(f, "parent 1")
	if code := forkAndWait("probe.files", &procs.Attr{Files: []*os.File{f}}, nil); code != 0 {
		return code
	}
	fmt.Fprintln(f, "parent 2")
	b, err := os.ReadFile(name)
	if err != nil {
		return fail("forkprobe", err)
	}
	fmt.Printf("file:\n%s", b)
	return 0
}

// orphanParent forks a child and exits without waiting. The child holds
// the read end of a pipe whose only writer is the parent: when the parent
// has exited, the child reads end of file, and reports.
func orphanParent() int {
	r, w, err := os.Pipe()
	if err != nil {
		return fail("forkprobe", err)
	}
	forkState.Value = os.Getpid()
	p, err := procs.ForkWith("probe.orphan", &procs.Attr{Files: []*os.File{r}})
	if err != nil {
		return fail("forkprobe", err)
	}
	fmt.Printf("parent pid=%d child=%d exiting\n", os.Getpid(), p.Pid)
	runtime.KeepAlive(w) // the write end stays open until the process exits
	procs.Exit(0)
	return 0
}

func orphanChild() {
	_, _ = io.Copy(io.Discard, procs.Inherited()[0]) // end of file: the parent is gone
	fmt.Printf("orphan pid=%d parent-was=%d parent-now=%d\n", os.Getpid(), forkState.Value, parentAfterExit(forkState.Value))
	fmt.Println("orphan still writes to the inherited stdout")
}

// exitParent forks a child whose entry point defers a print and then calls
// procs.Exit(code), or returns normally for code 0, and prints the status
// it sees.
func exitParent(code int) int {
	forkState.Value = code
	p, err := procs.Fork("probe.exit")
	if err != nil {
		return fail("forkprobe", err)
	}
	st, err := p.Wait()
	if err != nil {
		return fail("forkprobe", err)
	}
	fmt.Printf("parent: child exit status=%d\n", st.ExitCode())
	return 0
}

func exitChild() {
	defer fmt.Println("child deferred call ran")
	fmt.Println("child before exit")
	if forkState.Value != 0 {
		procs.Exit(forkState.Value)
	}
}
