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
	mu sync.Mutex
	fd int // -1 until opened
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

// statusKeys are the lines of /proc/self/status that a waiting child must
// share with the caller: credentials (user and group IDs, supplementary
// groups, capabilities, no_new_privs, the seccomp mode and, since Linux
// 5.9, the number of seccomp filters, so a filter stacked after Prestart
// counts) and ignored signals.
var statusKeys = [...]string{"Uid", "Gid", "Groups", "SigIgn", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters"}

// readProcState reads the caller's process state with one read of
// /proc/self/status (its Umask line since Linux 4.7; else the umask is
// read as elsewhere) and the resource limits.
func readProcState() (procState, error) {
	fd, err := statusFD()
	if err != nil {
		return procState{}, wrap("open", "/proc/self/status", err)
	}
	buf := make([]byte, 4<<10)
	for {
		n, err := syscall.Pread(fd, buf, 0)
		if err != nil {
			return procState{}, wrap("read", "/proc/self/status", err)
		}
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 4*len(buf)) // a long Groups line: read it whole
	}
	key := make([]byte, 0, 512)
	umask, ids := -1, 0
	for line := range bytes.Lines(buf) {
		name, value, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		if string(name) == "Umask" {
			if u, err := strconv.ParseUint(string(bytes.TrimSpace(value)), 8, 32); err == nil {
				umask = int(u)
			}
			continue
		}
		for _, k := range statusKeys {
			if string(name) == k {
				key = append(key, line...)
				if k == "Uid" || k == "Gid" {
					ids++
				}
			}
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
