package testutil

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// InstallSeccompFilter installs the seccomp filter insn on every thread of
// this process (SECCOMP_FILTER_FLAG_TSYNC); the processes it starts
// inherit it. The kernel requires root (CAP_SYS_ADMIN) or no_new_privs.
func InstallSeccompFilter(insn []unix.SockFilter) error {
	prog := unix.SockFprog{Len: uint16(len(insn)), Filter: &insn[0]}
	// Safe: &prog is converted to uintptr in the call expression, the form
	// that keeps it alive and unmoved for the call; the kernel copies the
	// program (which insn keeps alive) and keeps no pointer to either.
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&prog)))
	if errno != 0 {
		return os.NewSyscallError("seccomp", errno)
	}
	return nil
}
