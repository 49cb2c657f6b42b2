//go:build unix

package procs_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"

	"golang.org/x/sys/unix"
)

const exeSuffix = ""

// envNameEqual compares environment variable names as Unix does: exactly.
func envNameEqual(a, b string) bool { return a == b }

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

// assertDetached: a PDetach child leads a new session and process group.
func assertDetached(t *testing.T, pid int, r report) {
	t.Helper()
	assert.Equal(t, pid, r.Sid, "the detached child leads a new session")
	assert.Equal(t, pid, r.Pgid, "and a new process group")
}

// notProgram makes a file the OS refuses to run as a program although it
// may: a text file with execute permission and no "#!" line.
func notProgram(t *testing.T, dir string) string {
	return writeFile(t, dir, "notprogram", "just text\n", 0o755)
}

// noExecPermission makes a file without execute permission.
func noExecPermission(t *testing.T, dir string) string {
	return writeFile(t, dir, "noexec", "#!/bin/sh\nexit 0\n", 0o644)
}
