package procs_test

import (
	"os"
	"testing"
	"time"
)

// trivialProgram is the test binary itself, exiting 0 in TestMain (helper
// "exit"): Windows has no /bin/true, and this one is always there, under
// Wine too.
func trivialProgram(b testing.TB) (string, []string) {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	return self, []string{helperArgv0("exit", ""), "0"}
}

// cpuTime is not measured on Windows, where a process cannot ask for the
// CPU time of the children it has waited for.
func cpuTime() (time.Duration, bool) { return 0, false }

// blockingPipe is an anonymous pipe: Go reads it with a blocking ReadFile
// on Windows already.
func blockingPipe(b *testing.B) (read func([]byte) (int, error), w *os.File, closeRead func()) {
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	return r.Read, w, func() { r.Close() }
}
