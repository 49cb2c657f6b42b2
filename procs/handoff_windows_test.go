package procs_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
)

// A marker naming handle values nobody gave the child.
const badChannel, badChannelSays = "123456,123460", "is not a pipe"

// forgedPipes returns the child's ends of a forged channel (state, answer),
// inheritable, and their ids for a marker.
func forgedPipes(t *testing.T) ([]*os.File, string) {
	t.Helper()
	stateR, stateW, err := os.Pipe()
	require.NoError(t, err)
	answerR, answerW, err := os.Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { stateR.Close(); stateW.Close(); answerR.Close(); answerW.Close() })
	ends := []*os.File{stateR, answerW}
	for _, f := range ends {
		require.NoError(t, windows.SetHandleInformation(windows.Handle(f.Fd()), windows.HANDLE_FLAG_INHERIT, windows.HANDLE_FLAG_INHERIT))
	}
	return ends, fmt.Sprintf("%d,%d", stateR.Fd(), answerW.Fd())
}

// TestForgedHandoffIsRefused starts the program as someone other than its
// own Fork would, with FORKPORT_FORK set and real pipes: the child must
// refuse to run the entry point, and say why.
func TestForgedHandoffIsRefused(t *testing.T) {
	t.Parallel()
	start := func(path, marker string, ends []*os.File) (*exec.Cmd, *bytes.Buffer) {
		cmd, stderr := startForgedCmd(t, path, marker)
		cmd.SysProcAttr = &syscall.SysProcAttr{AdditionalInheritedHandles: []syscall.Handle{
			syscall.Handle(ends[0].Fd()), syscall.Handle(ends[1].Fd())}}
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd, stderr
	}
	t.Run("the marker names another parent", func(t *testing.T) {
		ends, ids := forgedPipes(t)
		m, _ := forgedMarker(t, 4, ids)
		cmd, stderr := start(exe(t), m, ends)
		assertRefused(t, cmd, stderr, "not by process 4 that the fork marker names")
	})
	t.Run("the parent runs another program", func(t *testing.T) {
		ends, ids := forgedPipes(t)
		m, _ := forgedMarker(t, os.Getpid(), ids)
		cmd, stderr := start(filepath.Join(binDir, "child"+exeSuffix), m, ends)
		assertRefused(t, cmd, stderr, "not this program")
	})
}
