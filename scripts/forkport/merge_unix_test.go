//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/testutil"
)

// A FIFO with no writer blocks whoever opens it for reading: merge and
// -from refuse it (and any other file that is not a regular one) before
// opening it, with exit status 2.
func TestInputMustBeARegularFile(t *testing.T) {
	h := newHarness(t, testModule(t, ""), "linux-pass.json", 0)
	dir := testutil.TempDir(t)
	fifo := filepath.Join(dir, "results-ubuntu-latest.json")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	t.Cleanup(func() {
		// Should an open be blocked on it, a writer that comes and goes
		// releases it with end of file.
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"merge", fifo}, "not a regular file (a named pipe)"},
		{[]string{"-from", fifo}, "not a regular file (a named pipe)"},
		{[]string{"merge", "linux=" + dir}, "not a regular file (a directory)"},
	} {
		done := make(chan int, 1)
		go func() { done <- h.run(tt.args...) }()
		select {
		case code := <-done:
			assert.Equal(t, exitError, code, "%v", tt.args)
			assert.Contains(t, h.stderr.String(), tt.want, "%v", tt.args)
		case <-time.After(60 * time.Second): // a hang guard only
			t.Fatalf("forkport %v hangs", tt.args)
		}
	}
}
