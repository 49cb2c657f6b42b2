//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// exeSuffix is the file name suffix of executables.
const exeSuffix = ""

// rawSpawn returns a function that starts path with syscall.ForkExec and
// reaps it with wait4(2): Go's floor under procs.Spawnv and os/exec.
func rawSpawn(path string, argv []string) (func() error, bool) {
	attr := &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}}
	return func() error {
		pid, err := syscall.ForkExec(path, argv, attr)
		if err != nil {
			return err
		}
		var ws syscall.WaitStatus
		for {
			_, err = syscall.Wait4(pid, &ws, 0, nil)
			if err != syscall.EINTR {
				break
			}
		}
		if err == nil && ws.ExitStatus() != 0 {
			err = fmt.Errorf("%s: %v", path, ws)
		}
		return err
	}, true
}

// cpuTime is the CPU time (user and system) used so far by this process and
// by the children it has reaped.
func cpuTime() (time.Duration, bool) {
	var self, kids syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &self) != nil || syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids) != nil {
		return 0, false
	}
	var total int64
	for _, tv := range []syscall.Timeval{self.Utime, self.Stime, kids.Utime, kids.Stime} {
		total += tv.Nano()
	}
	return time.Duration(total), true
}
