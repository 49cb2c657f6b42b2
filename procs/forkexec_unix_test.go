//go:build unix

package procs_test

import (
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func init() {
	// exec-block: a forked child that execs the block helper at once.
	procs.Register("exec-block", func() {
		err := procs.Execv(forkCase.Name, forkCase.Argv)
		fmt.Fprintln(os.Stderr, "exec:", err)
		procs.Exit(99)
	})
}

// TestInheritedFilesDoNotSurviveExec: a file the parent passes in
// Attr.Files reaches the forked child, but not a program the child then
// execs, as with fork and exec, where the parent's copy was close-on-exec
// (Go opens every file so). The file is the write end of a pipe: once the
// exec'd program runs (it has written its report), a non-blocking read of
// the read end says at once whether any writer is left (EAGAIN) or not
// (end of file), without waiting for anything.
func TestInheritedFilesDoNotSurviveExec(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	stdinR, stdinW, err := os.Pipe()
	require.NoError(t, err)
	defer stdinW.Close()
	out := newReport(t)
	p := forkWith(t, "exec-block", &procs.Attr{Group: true, Files: []*os.File{w}, Stdin: stdinR}, func() {
		forkCase.Name, forkCase.Argv = exe(t), []string{helperArgv0("block", out)}
	})
	require.NoError(t, w.Close())
	require.NoError(t, stdinR.Close())

	rep := waitReport(t, out)
	require.Equal(t, p.Pid, rep.Pid, "the report is the exec'd program's")

	fd := int(r.Fd()) // blocking mode: syscall.Read below is ours alone
	require.NoError(t, syscall.SetNonblock(fd, true))
	n, err := syscall.Read(fd, make([]byte, 1))
	assert.NoError(t, err, "end of file: no writer is left (EAGAIN: the exec'd program still holds the inherited file)")
	assert.Zero(t, n)

	require.NoError(t, stdinW.Close()) // the program exits at end of input
	assert.Zero(t, waitCode(t, p))
}
