//go:build unix

package procs_test

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// trivialProgram is /bin/true, the trivial child of the spawn benchmarks.
func trivialProgram(testing.TB) (string, []string) {
	return "/bin/true", []string{"/bin/true"}
}

// BenchmarkForkExecWait4 is the lowest-level Go spawn, the floor under
// BenchmarkSpawnvPWait and BenchmarkExecCommandRun: syscall.ForkExec, then
// wait4(2).
func BenchmarkForkExecWait4(b *testing.B) {
	path, argv := trivialChild(b)
	attr := &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}}
	b.ReportAllocs()
	defer cpuMetric(b)()
	for b.Loop() {
		pid, err := syscall.ForkExec(path, argv, attr)
		if err != nil {
			b.Fatal(err)
		}
		var ws syscall.WaitStatus
		for {
			_, err = syscall.Wait4(pid, &ws, 0, nil)
			if err != syscall.EINTR {
				break
			}
		}
		if err != nil || ws.ExitStatus() != 0 {
			b.Fatalf("wait4(%d): %v, status %v", pid, err, ws)
		}
	}
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

// blockingPipe is a pipe whose read end is read with a plain blocking
// read(2), not through Go's poller, as CPython reads os.pipe(): the fork
// latency benchmarks time the child, not the poller's extra wake-up.
func blockingPipe(b *testing.B) (read func([]byte) (int, error), w *os.File, closeRead func()) {
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		b.Fatal(err)
	}
	syscall.CloseOnExec(fds[0])
	syscall.CloseOnExec(fds[1])
	read = func(p []byte) (int, error) {
		for {
			n, err := syscall.Read(fds[0], p)
			if err != syscall.EINTR {
				return n, err
			}
		}
	}
	return read, os.NewFile(uintptr(fds[1]), "w"), func() { syscall.Close(fds[0]) }
}
