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

// transfer sends the child its standard files, Attr.Files and its working
// directory, with one byte, as SCM_RIGHTS. The directory goes as a
// descriptor, so that the child enters the directory the caller is in (or
// Attr.Dir names) at Fork, as a fresh child inherits it, not whatever the
// path names when the child gets to it (the directory renamed and another
// made at its path, or a path the child cannot search). If it cannot be
// opened, the child enters it by path, as a fresh child enters Attr.Dir.
func transfer(c *idleChild, attr *Attr, req *request) error {
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
	if fd, err := syscall.Open(dir, dirOpenFlags, 0); err == nil {
		defer syscall.Close(fd)
		fds = append(fds, fd)
		req.dirFile = true
	}
	rc, err := h.state.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Write(func(fd uintptr) bool {
		serr = syscall.Sendmsg(int(fd), []byte{'F'}, syscall.UnixRights(fds...), nil, 0)
		return serr != syscall.EAGAIN
	})
	runtime.KeepAlive(files)
	if err == nil {
		err = serr
	}
	return os.NewSyscallError("sendmsg", err)
}

// recvFiles blocks until the parent sends the files of a request, and
// returns them close-on-exec; io.EOF means the parent closed the channel.
func recvFiles(c childEnd) ([]*os.File, error) {
	var b [1]byte
	oob := make([]byte, syscall.CmsgSpace(4*(3+maxPooledFiles+1)))
	for {
		n, oobn, flags, _, err := syscall.Recvmsg(int(c.state.Fd()), b[:], oob, recvmsgFlags)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, os.NewSyscallError("recvmsg", err)
		}
		msgs, perr := syscall.ParseSocketControlMessage(oob[:oobn])
		var files []*os.File
		for _, msg := range msgs {
			fds, err := syscall.ParseUnixRights(&msg)
			if err != nil {
				continue
			}
			for _, fd := range fds {
				syscall.CloseOnExec(fd) // done by recvmsg on Linux; a no-op then
				files = append(files, os.NewFile(uintptr(fd), "request"))
			}
		}
		switch {
		case n == 0 && len(files) == 0:
			return nil, io.EOF
		case perr != nil || flags&syscall.MSG_CTRUNC != 0 || len(files) < 3:
			closeAll(files)
			return nil, fmt.Errorf("%w: a request without its files", errCorrupt)
		}
		return files, nil
	}
}

// applyRequest puts the files where a fresh child has them (standard files
// at 0, 1, 2; Attr.Files at 4, 5, ... over the placeholders, the unused
// placeholders closed), enters the working directory sent, sets the
// caller's umask and joins a new process group or session.
func applyRequest(req request, files []*os.File, m *marker) error {
	defer closeAll(files)
	want := 3 + req.files
	if req.dirFile {
		want++
	}
	if len(files) != want || req.files > len(m.files) {
		return fmt.Errorf("%w: %d files for %d", errCorrupt, len(files), req.files)
	}
	if req.dirFile {
		if err := files[want-1].Chdir(); err != nil {
			return fmt.Errorf("working directory: %w", err)
		}
		files = files[:want-1]
	}
	if req.setUmask {
		syscall.Umask(req.umask)
	}
	for i, f := range files {
		target := i
		if i >= 3 {
			target = int(m.files[i-3])
		}
		if err := unix.Dup2(int(f.Fd()), target); err != nil {
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
