//go:build forkport_bsdpaths

package testutil

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// ImitateMacOS, in a forkport_bsdpaths build, takes process descriptors
// away from this process and everything it starts, as macOS has none: a
// seccomp filter, on every thread, answers pidfd_open(2),
// pidfd_send_signal(2) and pidfd_getfd(2) with ENOSYS. Go's os package
// then finds no pidfd support (os/pidfd_linux.go's check) and tracks
// children by PID, as it does on macOS: Signal is kill(2), and nothing
// stops a signal to a reaped child's reused PID but the caller's own
// bookkeeping. A test binary calls it first thing in TestMain, before any
// process starts; the processes it starts inherit the filter, and find it
// installed (pidfd_open already fails). Without root it sets no_new_privs
// first, as the kernel requires.
//
// The three calls have the same numbers on every Linux architecture
// (424, 434 and 438: numbered after the tables were unified), so the
// filter checks no architecture.
func ImitateMacOS() error {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if errors.Is(err, syscall.ENOSYS) {
		return nil // installed already (inherited), or a kernel without pidfds
	}
	if err != nil {
		return os.NewSyscallError("pidfd_open", err)
	}
	_ = unix.Close(fd)
	if os.Geteuid() != 0 {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return os.NewSyscallError("prctl(PR_SET_NO_NEW_PRIVS)", err)
		}
	}
	const errno = unix.SECCOMP_RET_ERRNO | uint32(syscall.ENOSYS)
	insn := []unix.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0}, // seccomp_data.nr
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 3, K: unix.SYS_PIDFD_SEND_SIGNAL},
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 2, K: unix.SYS_PIDFD_OPEN},
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 1, K: unix.SYS_PIDFD_GETFD},
		{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW},
		{Code: unix.BPF_RET | unix.BPF_K, K: errno},
	}
	return InstallSeccompFilter(insn)
}
