//go:build unix

package procs_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// assertExecPID: on Unix, exec is execve(2), so the program keeps the PID of
// the process that called exec (the forked child), and its parent.
func assertExecPID(t *testing.T, forkedPid int, r report) {
	t.Helper()
	assert.Equal(t, forkedPid, r.Pid, "exec keeps the PID")
}
