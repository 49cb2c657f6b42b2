package main

import (
	"bytes"
	"os/exec"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWithLimits: a process started under withLimits(macOSLimits) has
// macOS's soft limit of open files and ARG_MAX, and this process gets its
// own limits back.
func TestWithLimits(t *testing.T) {
	var before [2]syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &before[0]))
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_STACK, &before[1]))
	if before[0].Max < 256 || before[1].Max < 4<<20 {
		t.Skipf("hard limits below macOS's soft ones: %+v", before)
	}
	var out bytes.Buffer
	cmd := exec.Command("sh", "-c", "ulimit -Sn; getconf ARG_MAX")
	cmd.Stdout = &out
	require.NoError(t, withLimits(macOSLimits, cmd.Start))
	require.NoError(t, cmd.Wait())
	assert.Equal(t, "256\n1048576\n", out.String())
	var after [2]syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &after[0]))
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_STACK, &after[1]))
	assert.Equal(t, before, after, "the limits are restored")
}
