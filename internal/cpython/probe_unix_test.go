//go:build unix

package cpython_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/cpython"
	"github.com/forkport/forkport/internal/testutil"
)

// hangGuard bounds every wait in these tests: far longer than any of them
// takes, it only turns a hang into a failure.
const hangGuard = 60 * time.Second

// A $FORKPORT_PYTHON that is a shell script whose commands run as its
// children: Find neither hangs on them nor leaves them running, whether
// the script answers and leaves one behind holding its output, or never
// answers.
func TestFindEndsTheCandidatesProcesses(t *testing.T) {
	for _, tt := range []struct {
		name, body, want string
		timeout          time.Duration // the query's; 0 for the default
	}{
		{"answers and leaves a child", "printf 'cpython\\n3.12.1\\n/usr/bin/python3\\n'\nsleep 100000 &\n",
			"left a process running that holds its output open", 0},
		{"never answers", "sleep 100000\necho never\n", "did not answer the version query within 1s", time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.timeout != 0 {
				t.Cleanup(cpython.SetQueryTimeout(tt.timeout))
			}
			dir := testutil.TempDir(t)
			pidFile := filepath.Join(dir, "pid")
			fake := filepath.Join(dir, "python3")
			require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\necho $$ >"+pidFile+"\n"+tt.body), 0o755))
			t.Setenv(cpython.PythonEnv, fake)

			// Whatever the result, nothing the script started outlives the
			// test.
			t.Cleanup(func() {
				if pgid, err := readPID(pidFile); err == nil {
					_ = syscall.Kill(-pgid, syscall.SIGKILL)
				}
			})
			done := make(chan error, 1)
			go func() { _, err := cpython.Find(); done <- err }()
			var err error
			select {
			case err = <-done:
			case <-time.After(hangGuard):
				t.Fatalf("Find hangs on %s", tt.name)
			}
			pgid, perr := readPID(pidFile)
			require.NoError(t, perr, "the script did not start")

			require.Error(t, err)
			assert.ErrorIs(t, err, fs.ErrInvalid)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "$FORKPORT_PYTHON")
			assert.NoError(t, groupGone(pgid), "the script's process group")
		})
	}
}

// groupGone waits until no process is left in the process group pgid (a
// killed orphan is reaped by init, not by us), and says which are left if
// some still are after the hang guard.
func groupGone(pgid int) error {
	deadline := time.Now().Add(hangGuard)
	for {
		err := syscall.Kill(-pgid, 0)
		if errors.Is(err, syscall.ESRCH) {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("process group " + strconv.Itoa(pgid) + " still has processes")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// readPID reads the PID the fake interpreter wrote: its own, its process
// group's ID.
func readPID(file string) (int, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(data)))
}
