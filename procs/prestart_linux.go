//go:build !forkport_bsdpaths

package procs

import (
	"bytes"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// dirOpenFlags open the directory sent to a waiting child: O_PATH needs no
// permission on the directory itself, as entering it by path does not.
const dirOpenFlags = unix.O_PATH | syscall.O_DIRECTORY | syscall.O_CLOEXEC

// status is /proc/self/status, open for the life of the process once it
// could be opened (a failure, out of descriptors say, is tried again at
// the next call): each pread at offset 0 reads it anew.
var status struct {
	mu  sync.Mutex
	fd  int    // -1 until opened
	buf []byte // what readProcState reads it into (under mu)
}

func init() { status.fd = -1 }

// statusFD returns the descriptor of /proc/self/status, opening it if
// need be.
func statusFD() (int, error) {
	status.mu.Lock()
	defer status.mu.Unlock()
	if status.fd < 0 {
		fd, err := syscall.Open("/proc/self/status", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			return -1, err
		}
		status.fd = fd
	}
	return status.fd, nil
}

// readProcState reads the caller's process state with one read of
// /proc/self/status (its Umask line since Linux 4.7; else the umask is
// read as elsewhere) and the resource limits. A pooled Fork pays it
// before it sends anything: it reads into a buffer kept for the next call
// and picks the lines with one switch.
func readProcState() (procState, error) {
	fd, err := statusFD()
	if err != nil {
		return procState{}, wrap("open", "/proc/self/status", err)
	}
	status.mu.Lock()
	defer status.mu.Unlock()
	if status.buf == nil {
		status.buf = make([]byte, 4<<10)
	}
	var buf []byte
	for {
		n, err := syscall.Pread(fd, status.buf, 0)
		if err != nil {
			return procState{}, wrap("read", "/proc/self/status", err)
		}
		if n < len(status.buf) {
			buf = status.buf[:n]
			break
		}
		status.buf = make([]byte, 4*len(status.buf)) // a long Groups line: read it whole
	}
	key := make([]byte, 0, 512)
	umask, ids := -1, 0
	for len(buf) > 0 {
		line := buf
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			line, buf = buf[:i+1], buf[i+1:]
		} else {
			buf = nil
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		// The lines a waiting child must share with the caller:
		// credentials (user and group IDs, supplementary groups,
		// capabilities, no_new_privs, the seccomp mode and, since Linux
		// 5.9, the number of seccomp filters, so a filter stacked after
		// Prestart counts) and ignored signals.
		switch string(line[:colon]) {
		case "Umask":
			if u, err := strconv.ParseUint(string(bytes.TrimSpace(line[colon+1:])), 8, 32); err == nil {
				umask = int(u)
			}
		case "Uid", "Gid":
			ids++
			key = append(key, line...)
		case "Groups", "SigIgn", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters":
			key = append(key, line...)
		}
	}
	if ids != 2 { // a line this kernel lacks (seccomp, say) is lacking alike every time
		return procState{}, wrap("read", "/proc/self/status", invalid("no Uid and Gid lines"))
	}
	if umask < 0 {
		umask = swapUmask()
	}
	return procState{string(rlimitKey(key)), umask}, nil
}

// answerlessOK: on Linux a request the child cannot refuse is sent
// without waiting for its answer (see answerless).
const answerlessOK = true

// stoppedChild reports whether the waiting child p is stopped (by
// SIGSTOP, say), or cannot be asked: it would not take a request until
// continued. WNOWAIT leaves the stop to be reported; without WEXITED a
// child that died is not reaped here.
func stoppedChild(p *Process) bool {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_PID, p.Pid, &info, unix.WSTOPPED|unix.WNOHANG|unix.WNOWAIT, nil)
	return err != nil || info.Signo != 0
}
