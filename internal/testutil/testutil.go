// Package testutil holds what forkport's tests share.
package testutil

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/forkport/forkport/procs"
)

// TempDir is testing.T.TempDir with a removal that also works under Wine.
// Go's os.RemoveAll on Windows deletes through NtSetInformationFile with
// FileDispositionInformationEx; Wine 8 answers that class with
// STATUS_NOT_IMPLEMENTED ("Invalid function"), which Go does not treat as
// "unsupported, fall back", so t.TempDir's clean-up fails there. RemoveAll
// below deletes one entry at a time with os.Remove (DeleteFileW and
// RemoveDirectoryW on Windows), which Wine implements.
func TempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "forkport-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := RemoveAll(dir); err != nil {
			t.Errorf("removing temporary directory: %v", err)
		}
	})
	return dir
}

// RemoveAll removes path and everything below it, deepest first, with
// os.Remove (see TempDir for why not os.RemoveAll). A missing path is not an
// error.
func RemoveAll(path string) error {
	var paths []string
	err := filepath.WalkDir(path, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		paths = append(paths, p)
		return nil
	})
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	// Children sort after their parents: remove in reverse order.
	sort.Sort(sort.Reverse(sort.StringSlice(paths)))
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// PrestartEnv names the variable that makes a test binary fork through
// procs' pool of pre-started children: FORKPORT_PRESTART=N go test ./...
// runs every Fork of the test binaries (and of the commands their scripts
// start) through a pool of N, to show that the pool changes nothing.
const PrestartEnv = "FORKPORT_PRESTART"

// Prestart calls procs.Prestart with the value of FORKPORT_PRESTART, when it
// is set, and returns the function that stops the pool (reaping its waiting
// children) before the test binary checks for leftover processes.
func Prestart() (stop func(), err error) {
	v, ok := os.LookupEnv(PrestartEnv)
	if !ok || v == "" {
		return func() {}, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("%s=%q: want a number of children: %w", PrestartEnv, v, fs.ErrInvalid)
	}
	if err := procs.Prestart(n); err != nil {
		return nil, err
	}
	return func() { _ = procs.Prestart(0) }, nil
}
