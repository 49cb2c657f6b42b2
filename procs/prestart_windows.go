package procs

import (
	"fmt"
	"log"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// maxPooledFiles is 0: a pre-started child cannot get handles with the
// values the caller's have, so Fork starts a fresh child for Attr.Files.
const maxPooledFiles = 0

// idleAttr is how a pre-started child starts: its standard handles on the
// null device, so it holds none of the caller's pipes open while it waits.
func idleAttr() (*Attr, closer, error) {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	return &Attr{Stdin: null, Stdout: null, Stderr: null}, null, nil
}

type closer interface{ Close() error }

// pooledAttrOK reports whether a pre-started child can honour attr: not
// Attr.Files, whose handle values a forked child keeps, nor Detach, which
// is fixed when a process is created.
func pooledAttrOK(a *Attr) bool { return len(a.Files) == 0 && !a.Detach }

// prepareTree puts a waiting child in a new kill-on-close job for
// Attr.Group before it is handed anything: it has started nothing yet, so
// nothing escapes the job.
func prepareTree(p *Process, a *Attr) error {
	if !a.Group {
		return nil
	}
	job, err := newKillOnCloseJob(false)
	if err != nil {
		return err
	}
	if herr := p.proc.WithHandle(func(h uintptr) {
		err = windows.AssignProcessToJobObject(job, windows.Handle(h))
	}); herr != nil {
		err = herr
	}
	if err != nil {
		windows.CloseHandle(job)
		return os.NewSyscallError("AssignProcessToJobObject", err)
	}
	p.tree = tree{&jobTree{job: job}}
	return nil
}

// transfer duplicates the standard handles the child is to have into it,
// for the request to name, and the sockets for its process ID, and writes
// the request, the state (append adds the framed state to the request's
// bytes) and the sockets' protocol information, framed. Windows requests are
// never answerless: arm was called already.
func transfer(c *idleChild, attr *Attr, req *request, appendState func([]byte) []byte, _ func()) error {
	req.dir = absDir(attr.Dir)
	var err error
	herr := c.p.proc.WithHandle(func(child uintptr) {
		for _, f := range attr.stdio() {
			var dup windows.Handle
			err = windows.DuplicateHandle(windows.CurrentProcess(), windows.Handle(f.Fd()), windows.Handle(child),
				&dup, 0, false, windows.DUPLICATE_SAME_ACCESS)
			if err != nil {
				return
			}
			req.handles = append(req.handles, uint64(dup))
		}
	})
	if herr != nil {
		return herr
	}
	if err != nil {
		return os.NewSyscallError("DuplicateHandle", err)
	}
	shared, err := shareSockets(attr, c.p.Pid)
	if err != nil {
		return err
	}
	msg := appendState(req.encode())
	if shared != nil {
		msg = appendFrame(msg, c.nonce, fingerprint(), shared)
	}
	_, err = c.end.state.Write(msg)
	return err
}

// A receiver has nothing to receive on Windows but the request itself,
// which the child reads from the channel.
type receiver struct{}

func newReceiver(*childEnd) *receiver { return &receiver{} }

func (*receiver) receive() ([]byte, []int, error) { return nil, nil, nil }

func closeFds([]int) {}

// applyRequest makes the handles the parent duplicated into this process
// its standard handles, and refuses what the parent should not have sent.
func applyRequest(req request, _ []int, _ *marker) error {
	if req.files > 0 || req.detach || req.dirFile || req.setUmask || req.answerless || len(req.handles) != 3 {
		return fmt.Errorf("%w: files, Detach, a directory, a umask or no standard handles for a pre-started child", errCorrupt)
	}
	std := [3]uint32{windows.STD_INPUT_HANDLE, windows.STD_OUTPUT_HANDLE, windows.STD_ERROR_HANDLE}
	files := [3]**os.File{&os.Stdin, &os.Stdout, &os.Stderr}
	for i, h := range req.handles {
		if err := windows.SetStdHandle(std[i], windows.Handle(h)); err != nil {
			return os.NewSyscallError("SetStdHandle", err)
		}
		old := *files[i]
		*files[i] = os.NewFile(uintptr(h), old.Name())
		// The old file (the null device) stays open: a copy of it taken
		// during package initialisation writes there, not to a closed
		// handle. The standard logger took one: it gets the new stderr.
		if i == 2 && log.Writer() == old {
			log.SetOutput(*files[i])
		}
	}
	return nil
}

// procState is Unix's: a Windows process inherits none of what it holds
// (its token is the caller's: see the package documentation).
type procState struct {
	key   string
	umask int
}

func readProcState() (procState, error) { return procState{umask: -1}, nil }

// answerlessOK: Windows requests wait for the child's answer (its check of
// its parent needs the parent alive: see checkParent).
const answerlessOK = false

func stoppedChild(*Process) bool { return false }

// unblock: on Windows killing the child breaks its pipes, which wakes the
// parent's reads and writes (the child's handles are inherited by no one
// else: os.StartProcess passes an explicit handle list).
func unblock(handoffEnd) {}

// peekNamedPipe is kernel32's PeekNamedPipe, which x/sys/windows does not
// declare.
var peekNamedPipe = windows.NewLazySystemDLL("kernel32.dll").NewProc("PeekNamedPipe")

// answerWaiting reports whether the child's answer is already in the
// parent's answer pipe (read by nobody yet): the hand-off's bound does not
// kill a child that answered in time while its parent was not scheduled to
// read the answer.
func answerWaiting(h handoffEnd) bool {
	if peekNamedPipe.Find() != nil {
		return false
	}
	var avail uint32
	// Safe: &avail is converted to uintptr in the call expression itself,
	// the form LazyProc.Call (like syscall.Syscall) keeps the variable
	// alive and unmoved for; the call writes 4 bytes there and keeps no
	// pointer. No bytes from outside the process are interpreted.
	ok, _, _ := peekNamedPipe.Call(h.answer.Fd(), 0, 0, 0, uintptr(unsafe.Pointer(&avail)), 0)
	return ok != 0 && avail > 0
}
