package procs_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// assertExecPID: Windows has no exec; procs emulates it by starting the
// program as a child of the caller and exiting with its code, so the program
// has a new PID whose parent is the process that called exec.
func assertExecPID(t *testing.T, forkedPid int, r report) {
	t.Helper()
	assert.NotEqual(t, forkedPid, r.Pid, "emulated exec gives the program a new PID")
	assert.Equal(t, forkedPid, r.Ppid, "whose parent is the caller of exec")
}
