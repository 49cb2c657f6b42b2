//go:build unix

package procs_test

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

const exeSuffix = ""

func fillSys(r *report) {
	r.Sid, _ = unix.Getsid(0)
	r.Pgid = unix.Getpgrp()
}

// openFds lists this process's open descriptors, from /dev/fd (on Linux
// a view of /proc/self/fd), minus the one used to read it.
func openFds() []int {
	d, err := os.Open("/dev/fd")
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	var fds []int
	for _, n := range names {
		var fd int
		if _, err := fmt.Sscan(n, &fd); err == nil && uintptr(fd) != d.Fd() {
			fds = append(fds, fd)
		}
	}
	return fds
}
