package procs

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// channelMaker returns the PID of the process that made the socketpair fd
// is one end of: LOCAL_PEERCRED reports its maker's credentials, with its
// PID (cr_pid) since FreeBSD 13. On older systems, which leave cr_pid 0,
// it returns -1: not known.
func channelMaker(fd int) (int, error) {
	x, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return 0, os.NewSyscallError("getsockopt LOCAL_PEERCRED", err)
	}
	if x.Version != 0 { // XUCRED_VERSION
		return 0, fmt.Errorf("getsockopt LOCAL_PEERCRED: xucred version %d, not 0", x.Version)
	}
	// cr_pid is the first member of the union that ends struct xucred,
	// which x/sys/unix declares as a blank pointer field. Safe: the offset
	// is within *x, and every FreeBSD port of Go is little-endian, so the
	// pid_t is the union's first four bytes.
	pid := *(*int32)(unsafe.Add(unsafe.Pointer(x), unsafe.Sizeof(*x)-unsafe.Sizeof(uintptr(0))))
	if pid == 0 {
		return -1, nil
	}
	return int(pid), nil
}
