package procs

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"syscall"
)

// Process is a child started by Fork, ForkWith, Start or Spawn*(PNoWait or
// PDetach). The parent must reap it with Wait (or Waitpid or Reap); until
// then a child that has exited stays a zombie on Unix, and its process object
// stays open on Windows.
type Process struct {
	// Pid is the child's process ID: what os.fork returns in the parent.
	Pid int

	proc   *os.Process
	tree   tree       // the child's process group or job object, if Attr.Group
	waitMu sync.Mutex // held while reaping; Reap skips a child being waited for
	done   bool       // reaped; guarded by waitMu, read by signal paths via doneMu
	doneMu sync.RWMutex
}

// Attr configures a child started by Start or ForkWith. A nil *Attr, like the
// zero value, means what the chapter's calls do: inherit stdin, stdout,
// stderr, the environment and the working directory.
type Attr struct {
	// Dir is the child's working directory; "" means the caller's. A
	// relative program path given to Start is relative to Dir.
	Dir string
	// Env is the child's whole environment; nil means the caller's.
	Env []string
	// Stdin, Stdout and Stderr replace the caller's standard files.
	Stdin, Stdout, Stderr *os.File
	// Files are further open files the child inherits. On Unix they are
	// file descriptors 3, 4, ... in the started program (after the fork
	// emulation's own descriptor in a forked child, which reads them with
	// Inherited); on Windows they are inherited handles.
	Files []*os.File
	// Sockets are listeners and connections the child is handed (by
	// ForkWith, or Start when the program calls procs.Init):
	// *net.TCPListener, *net.TCPConn, *net.UnixListener or *net.UnixConn,
	// stream sockets over IPv4, IPv6 or a Unix domain. The child takes
	// Sockets[i] with InheritedListener(i) or InheritedConn(i). It gets
	// the same socket, not a new one: on Unix its descriptor, as with
	// Files (it counts towards the pool's limit of 8); on Windows a
	// duplicate made for the child's process ID with WSADuplicateSocket
	// and rebuilt in the child with WSASocket. The parent's copy stays
	// open and usable: closing it does not close the child's. On Windows the parent's copy leaves the parent's I/O
	// completion port (as (*net.TCPListener).File does), so that the
	// child's poller can take it. A program Start starts finds them
	// through the FORKPORT_SOCKETS variable, which procs.Init reads (see
	// the package documentation).
	Sockets []syscall.Conn
	// Group makes the child the root of a tree that KillTree can kill at
	// once: on Unix a new process group (Setpgid), on Windows a job object
	// with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, which the OS also kills when
	// the caller exits. Descendants stay in the tree unless they leave it
	// (setsid on Unix, breakaway on Windows).
	Group bool
	// Detach starts the child as PDetach does: in a new session (setsid) on
	// Unix, detached from the console in a new process group on Windows.
	Detach bool
}

// check validates what the OS would otherwise refuse later, or in a less
// clear way: the working directory must exist and be a directory, and every
// file given must be open (a nil or closed file would hand the child
// whatever the caller opens next at that number).
func (a *Attr) check() error {
	for i, f := range append([]*os.File{a.Stdin, a.Stdout, a.Stderr}, a.Files...) {
		what := [3]string{"Stdin", "Stdout", "Stderr"}[min(i, 2)]
		if i >= 3 {
			what = fmt.Sprintf("Files[%d]", i-3)
		}
		switch {
		case f == nil && i >= 3:
			return invalid("Attr.%s is nil", what)
		case f != nil && f.Fd() == ^uintptr(0):
			return fmt.Errorf("Attr.%s (%s): %w", what, f.Name(), os.ErrClosed)
		}
	}
	if a.Dir == "" {
		return nil
	}
	fi, err := os.Stat(a.Dir)
	if err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("working directory %s: %w", a.Dir, syscall.ENOTDIR)
	}
	return nil
}

// stdio reads os.Stdin, os.Stdout and os.Stderr only for what attr leaves
// nil: the pool's refills start children in the background with all three
// set, while the program may be swapping those variables (as testing's
// examples do with os.Stdout).
func (a *Attr) stdio() []*os.File {
	pick := func(f *os.File, std **os.File) *os.File {
		if f != nil {
			return f
		}
		return *std
	}
	return []*os.File{pick(a.Stdin, &os.Stdin), pick(a.Stdout, &os.Stdout), pick(a.Stderr, &os.Stderr)}
}

// Start starts the program at path (no PATH search) with argv and attr, and
// returns at once. It is the building block of Spawn*(PNoWait) with the
// options the Python calls lack, such as Attr.Group for KillTree. A
// relative path is relative to Attr.Dir when it is set, as with
// os.StartProcess and exec.Cmd: the program checked is the one run.
func Start(path string, argv []string, attr *Attr) (*Process, error) {
	if attr == nil {
		attr = &Attr{}
	}
	if err := validate(path, argv, attr.Env); err != nil {
		return nil, wrap("start", path, err)
	}
	if err := attr.check(); err != nil {
		return nil, wrap("start", path, err)
	}
	if err := attr.checkSockets(); err != nil {
		return nil, wrap("start", path, err)
	}
	prog, err := inDir(attr.Dir, path)
	if err != nil {
		return nil, wrap("start", path, err)
	}
	prog, err = checkProgram(prog)
	if err != nil {
		return nil, wrap("start", path, err)
	}
	after := func(*Process) error { return nil }
	if len(attr.Sockets) > 0 {
		var release func()
		if attr, after, release, err = startSockets(attr); err != nil {
			return nil, wrap("start", path, err)
		}
		defer release()
	}
	p, err := start(prog, argv, attr, nil)
	if err != nil {
		return nil, wrap("start", path, err)
	}
	if err := after(p); err != nil {
		_ = p.Kill()
		_, _ = p.wait()
		return nil, wrap("start", path, err)
	}
	track(p)
	return p, nil
}

// children holds every child started by this package and not yet reaped, by
// PID: what Waitpid and Reap may reap. Only these: procs never waits for a
// process it did not start, so it never steals an exit status from os/exec.
var children sync.Map // int -> *Process

func track(p *Process) { children.Store(p.Pid, p) }

// Wait waits for the child to exit, reaps it and returns its status. Once a
// child is reaped (by Wait, Waitpid or Reap), Wait returns an error that
// wraps syscall.ECHILD and os.ErrProcessDone, as waitpid(2) would, instead of
// blocking.
func (p *Process) Wait() (*Status, error) {
	p.waitMu.Lock()
	defer p.waitMu.Unlock()
	if p.done {
		return nil, p.errReaped("wait")
	}
	st, err := p.wait()
	if err != nil {
		return nil, wrap("wait", strconv.Itoa(p.Pid), err)
	}
	p.finish()
	return st, nil
}

// poll reaps the child if it has exited, without blocking. It skips a child
// that another goroutine is waiting for.
func (p *Process) poll() (*Status, bool) {
	if !p.waitMu.TryLock() {
		return nil, false
	}
	defer p.waitMu.Unlock()
	if p.done {
		return nil, false
	}
	st, ok := p.tryWait()
	if ok {
		p.finish()
	}
	return st, ok
}

func (p *Process) finish() {
	p.doneMu.Lock()
	p.done = true
	p.doneMu.Unlock()
	children.CompareAndDelete(p.Pid, p)
	p.release()
}

func (p *Process) errReaped(op string) error {
	return wrap(op, strconv.Itoa(p.Pid),
		fmt.Errorf("already reaped: %w (%w)", syscall.ECHILD, os.ErrProcessDone))
}

// Signal sends sig to the child. After the child has been reaped it returns
// an error wrapping os.ErrProcessDone and sends nothing, so it can never
// signal an unrelated process that reused the PID. On Windows only os.Kill
// is supported, as with os.Process.
func (p *Process) Signal(sig os.Signal) error {
	p.doneMu.RLock()
	defer p.doneMu.RUnlock()
	if p.done {
		return p.errReaped("signal")
	}
	return wrap("signal", strconv.Itoa(p.Pid), p.proc.Signal(sig))
}

// Kill kills the child (SIGKILL on Unix, TerminateProcess with exit code 1
// on Windows). Its descendants are not killed: see KillTree.
func (p *Process) Kill() error { return p.Signal(os.Kill) }

// KillTree kills the child and every descendant still in its tree (process
// group on Unix, job object on Windows), grandchildren included, even after
// the child itself has exited and been reaped. The child must have been
// started with Attr.Group (or Attr.Detach on Unix), else it returns
// ErrNoTree. The direct child must still be reaped with Wait. When the tree
// is already empty it returns an error wrapping os.ErrProcessDone.
func (p *Process) KillTree() error {
	return wrap("killtree", strconv.Itoa(p.Pid), p.tree.kill())
}

// Waitpid waits for the child with the given PID, started by this package
// (Fork, ForkWith, Start, Spawn*(PNoWait or PDetach)), reaps it and returns
// its status, like Python's os.waitpid(pid, 0). For any other PID (including
// a child already reaped) it returns an error wrapping syscall.ECHILD.
func Waitpid(pid int) (*Status, error) {
	v, ok := children.Load(pid)
	if !ok {
		return nil, wrap("waitpid", strconv.Itoa(pid),
			fmt.Errorf("no unreaped child with this PID was started by procs: %w", syscall.ECHILD))
	}
	return v.(*Process).Wait()
}

// Reap reaps every child started by this package that has exited, without
// blocking (waitpid(-1, WNOHANG) in a loop, restricted to procs' own
// children), and returns their statuses ordered by PID. Children being
// waited for elsewhere are left alone, and so is every process procs did not
// start: os/exec's children keep their exit status.
func Reap() []*Status {
	var out []*Status
	children.Range(func(_, v any) bool {
		if st, ok := v.(*Process).poll(); ok {
			out = append(out, st)
		}
		return true
	})
	sort.Slice(out, func(i, j int) bool { return out[i].pid < out[j].pid })
	return out
}

var errTreeGone = fmt.Errorf("no process left in the tree: %w", os.ErrProcessDone)
