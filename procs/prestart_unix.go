//go:build unix

package procs

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxPooledFiles is how many Attr.Files a pre-started child can take: it
// starts with the null device at descriptors 4 to 11, so that the runtime
// opens nothing of its own (its epoll or kqueue descriptor) where they
// must go.
const maxPooledFiles = 8

// idleAttr is how a pre-started child starts: its standard files on the
// null device (so it holds no pipe of the caller's open while it waits),
// and placeholders for Attr.Files.
func idleAttr() (*Attr, closer, error) {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	a := &Attr{Stdin: null, Stdout: null, Stderr: null}
	for range maxPooledFiles {
		a.Files = append(a.Files, null)
	}
	return a, null, nil
}

type closer interface{ Close() error }

// pooledAttrOK reports whether a pre-started child can honour attr.
func pooledAttrOK(attr *Attr) bool { return len(attr.Files) <= maxPooledFiles }

// prepareTree makes the child's Process the root of its tree for Group or
// Detach: the child makes the group or session before it answers.
func prepareTree(p *Process, a *Attr) error {
	if a.Group || a.Detach {
		p.tree = tree{pgid: p.Pid} // the child joins it before it answers
	}
	return nil
}

// transfer sends the child its request and state (append adds the
// framed state to the request's bytes) with its standard files,
// Attr.Files and its working directory, as SCM_RIGHTS, in one sendmsg
// when the channel takes the whole message at once (the common case: a
// state smaller than the socket's buffer); else it calls arm before the
// rest of the message is written, which may block until the child reads.
//
// The directory goes as a descriptor, so that the child enters the
// directory the caller is in (or Attr.Dir names) at Fork, as a fresh child
// inherits it, not whatever the path names when the child gets to it (the
// directory renamed and another made at its path, or a path the child
// cannot search). For an answerless request the caller opens it as
// dir/., which needs the permission to search it, as the child's fchdir
// does: a directory the caller cannot enter is an error here, before
// anything is sent, and a fresh child reports it. Otherwise, if it cannot
// be opened, the child enters it by path, as a fresh child enters
// Attr.Dir.
func transfer(c *idleChild, attr *Attr, req *request, appendState func([]byte) []byte, arm func()) error {
	h := c.end
	files := append(attr.stdio(), attr.Files...)
	fds := make([]int, len(files), len(files)+1)
	for i, f := range files {
		fds[i] = int(f.Fd()) // blocking mode, as os.StartProcess leaves them
	}
	dir := attr.Dir
	if dir == "" {
		dir = "."
	}
	path := dir
	if req.answerless {
		path += "/."
	}
	fd, err := syscall.Open(path, dirOpenFlags, 0)
	switch {
	case err == nil:
		defer syscall.Close(fd)
		fds = append(fds, fd)
		req.dirFile = true
	case req.answerless:
		return &os.PathError{Op: "open", Path: dir, Err: err}
	default:
		req.dir = absDir(attr.Dir)
	}
	msg := appendState(req.encode())
	rc, err := h.state.SyscallConn()
	if err != nil {
		return err
	}
	rights := syscall.UnixRights(fds...)
	var n int
	var serr error
	err = rc.Control(func(fd uintptr) {
		n, serr = syscall.SendmsgN(int(fd), msg, rights, nil, syscall.MSG_DONTWAIT)
		if serr == syscall.EAGAIN { // nothing sent: wait for room, bounded
			arm()
			for n, serr = syscall.SendmsgN(int(fd), msg, rights, nil, 0); serr == syscall.EINTR; {
				n, serr = syscall.SendmsgN(int(fd), msg, rights, nil, 0)
			}
		}
	})
	runtime.KeepAlive(files)
	if err == nil {
		err = serr
	}
	if err != nil {
		return os.NewSyscallError("sendmsg", err)
	}
	if n < len(msg) { // the files went with the first part
		arm()
		_, err = h.state.Write(msg[n:])
	}
	return err
}

// A receiver receives a pre-started child's request: its buffers are made
// (and their pages touched) while the child waits, not once the request
// has come.
type receiver struct {
	fd       int
	buf, oob []byte
}

// requestBuffer is how many bytes of a request (and the state after it)
// the first receive takes; the rest is read from the channel.
const requestBuffer = 64 << 10

func newReceiver(c *childEnd) *receiver {
	r := &receiver{fd: int(c.state.Fd()), buf: make([]byte, requestBuffer),
		oob: make([]byte, syscall.CmsgSpace(4*(3+maxPooledFiles+1)))}
	for i := 0; i < len(r.buf); i += 1 << 12 {
		r.buf[i] = 0 // fault the page in now
	}
	return r
}

// receive blocks until the parent sends a request, and returns the bytes
// that came with its files, and the files' descriptors (close-on-exec:
// nothing runs before they are closed that could pass them on); io.EOF
// means the parent closed the channel.
func (r *receiver) receive() ([]byte, []int, error) {
	for {
		n, oobn, flags, _, err := syscall.Recvmsg(r.fd, r.buf, r.oob, recvmsgFlags)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, nil, os.NewSyscallError("recvmsg", err)
		}
		msgs, perr := syscall.ParseSocketControlMessage(r.oob[:oobn])
		var fds []int
		for _, msg := range msgs {
			got, err := syscall.ParseUnixRights(&msg)
			if err != nil {
				continue
			}
			for _, fd := range got {
				if recvmsgFlags == 0 {
					syscall.CloseOnExec(fd) // recvmsg did it where it can
				}
			}
			fds = append(fds, got...)
		}
		switch {
		case n == 0 && len(fds) == 0:
			return nil, nil, io.EOF
		case perr != nil || flags&syscall.MSG_CTRUNC != 0 || len(fds) < 3:
			closeFds(fds)
			return nil, nil, fmt.Errorf("%w: a request without its files", errCorrupt)
		}
		return r.buf[:n], fds, nil
	}
}

func closeFds(fds []int) {
	for _, fd := range fds {
		_ = syscall.Close(fd)
	}
}

// applyRequest puts the files where a fresh child has them (standard files
// at 0, 1, 2; Attr.Files at 4, 5, ... over the placeholders, the unused
// placeholders closed), enters the working directory sent, sets the
// caller's umask and joins a new process group or session.
func applyRequest(req request, fds []int, m *marker) error {
	defer closeFds(fds)
	want := 3 + req.files
	if req.dirFile {
		want++
	}
	if len(fds) != want || req.files > len(m.files) {
		return fmt.Errorf("%w: %d files for %d", errCorrupt, len(fds), req.files)
	}
	if req.dirFile {
		if err := syscall.Fchdir(fds[want-1]); err != nil {
			return fmt.Errorf("working directory: %w", os.NewSyscallError("fchdir", err))
		}
		fds = fds[:want-1]
	}
	if req.setUmask {
		syscall.Umask(req.umask)
	}
	for i, fd := range fds {
		target := i
		if i >= 3 {
			target = int(m.files[i-3])
		}
		if err := unix.Dup2(fd, target); err != nil {
			return os.NewSyscallError("dup2", err)
		}
	}
	closePlaceholders(m.files[req.files:])
	switch {
	case req.detach:
		if _, err := syscall.Setsid(); err != nil {
			return os.NewSyscallError("setsid", err)
		}
	case req.group:
		if err := syscall.Setpgid(0, 0); err != nil {
			return os.NewSyscallError("setpgid", err)
		}
	}
	return nil
}

// procState is what a child inherits from the process that starts it and a
// waiting child cannot be handed at Fork: key is compared (a waiting child
// whose key differs from the caller's is not used), the umask is sent.
type procState struct {
	key   string // credentials, ignored signals, resource limits
	umask int    // the file mode creation mask, or -1 if unknown
}

// rlimitKey appends the resource limits to b: a child inherits them, and
// a waiting child has those of its start. Resources the system does not
// have fail alike every time.
func rlimitKey(b []byte) []byte {
	var l syscall.Rlimit
	for r := range 16 {
		if err := syscall.Getrlimit(r, &l); err != nil {
			b = append(b, '-')
			continue
		}
		b = strconv.AppendUint(append(b, ' '), uint64(l.Cur), 16)
		b = strconv.AppendUint(append(b, '/'), uint64(l.Max), 16)
	}
	return b
}

// umaskSeen is the umask the last Fork read, at first the one the program
// started with (read in package initialisation, before any thread of the
// program's own creates a file); swapUmask serialises reads.
var (
	umaskMu   sync.Mutex
	umaskSeen = startUmask()
)

func startUmask() int {
	u := syscall.Umask(0o022)
	syscall.Umask(u)
	return u
}

// swapUmask reads the umask where the system has no call that only reads
// it: it sets the one read last, which changes nothing while the program
// keeps its umask, and puts back the one it finds if that differs. That
// is, once after each change of the umask, for the microsecond between the
// two calls a file created by another thread gets the previous umask.
func swapUmask() int {
	umaskMu.Lock()
	defer umaskMu.Unlock()
	old := syscall.Umask(umaskSeen)
	if old != umaskSeen {
		syscall.Umask(old)
		umaskSeen = old
	}
	return old
}

// unblock wakes whoever reads or writes the parent's end of a pool child's
// channel, as the child's death does (shutdown also reaches a descriptor
// the child may have passed on to a process of its own).
func unblock(h handoffEnd) {
	if rc, err := h.state.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) { _ = syscall.Shutdown(int(fd), syscall.SHUT_RDWR) })
	}
}

// answerWaiting reports whether the child's answer is already in the
// parent's end of the channel (read by nobody yet): the hand-off's bound
// does not kill a child that answered in time while its parent was not
// scheduled to read the answer.
func answerWaiting(h handoffEnd) bool {
	rc, err := h.answer.SyscallConn()
	if err != nil {
		return false
	}
	waiting := false
	_ = rc.Control(func(fd uintptr) {
		var b [1]byte
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		waiting = err == nil && n > 0
	})
	return waiting
}
