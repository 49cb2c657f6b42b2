package procs_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCommandLineLimitAtTheEdge: procs measures the command line Go builds
// (syscall.EscapeArg on every element, argv[0] included), so the limit of
// 32766 characters is exact: at the limit the program runs, one character
// over it is refused with E2BIG. Quotes in argv[0] tell the measures apart:
// EscapeArg puts a backslash before each, windows.ComposeCommandLine leaves
// argv[0] as it is.
func TestCommandLineLimitAtTheEdge(t *testing.T) {
	t.Parallel()
	const limit = 32766
	argv0 := helperArgv0("exit", strings.Repeat(`"`, 200))
	fixed := len(syscall.EscapeArg(argv0)) + len(" 0 ")
	for _, tc := range []struct {
		name  string
		extra int
	}{{"at the limit", 0}, {"one over", 1}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			argv := []string{argv0, "0", strings.Repeat("x", limit-fixed+tc.extra)}
			require.Equal(t, limit+tc.extra, len(syscall.EscapeArg(argv[0]))+1+len(argv[1])+1+len(argv[2]))
			code, err := procs.Spawnv(procs.PWait, exe(t), argv)
			if tc.extra == 0 {
				require.NoError(t, err)
				assert.Zero(t, code)
				return
			}
			assert.ErrorIs(t, err, syscall.E2BIG)
		})
	}
}

// TestConcurrentStartsShareAFile: starts running at once that pass the same
// file in Attr.Files each need its handle inheritable while they start; one
// must not clear the flag under another (CreateProcess refuses such a
// handle list, or the child goes without the handle). Each child writes to
// the inherited handle.
func TestConcurrentStartsShareAFile(t *testing.T) {
	t.Parallel()
	dir := testutil.TempDir(t)
	f, err := os.Create(filepath.Join(dir, "shared"))
	require.NoError(t, err)
	defer f.Close()
	handle := strconv.FormatUint(uint64(f.Fd()), 10)
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := filepath.Join(dir, fmt.Sprintf("report-%d.json", i))
			p, err := procs.Start(exe(t), []string{helperArgv0("fdwrite", out), handle, "x"}, &procs.Attr{Files: []*os.File{f}})
			if err == nil {
				_, err = p.Wait()
			}
			if err == nil {
				if note := readReport(t, out).Note; note != "<nil>" {
					err = fmt.Errorf("child %d could not write to the inherited handle: %s", i, note)
				}
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	b, err := os.ReadFile(f.Name())
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("x", n), string(b), "every child wrote through the shared handle")
}
