package main

import (
	"bytes"
	"os/exec"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWithFileLimit: a process started under withFileLimit has macOS's
// soft limit of open files, and this process gets its own limit back.
func TestWithFileLimit(t *testing.T) {
	var before syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &before))
	if before.Max < macOSFileLimit {
		t.Skipf("the hard limit of open files is %d, below macOS's soft limit", before.Max)
	}
	var out bytes.Buffer
	cmd := exec.Command("sh", "-c", "ulimit -Sn")
	cmd.Stdout = &out
	require.NoError(t, withFileLimit(macOSFileLimit, cmd.Start))
	require.NoError(t, cmd.Wait())
	assert.Equal(t, "256\n", out.String())
	var after syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &after))
	assert.Equal(t, before, after, "the limit is restored")
}
