//go:build unix

package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedTempDir is TempDir for a test whose children run as another user
// (a root test that drops to nobody): a directory every user can write to,
// on a path every user can search. os.TempDir is used when every directory
// above it is searchable by others; when it is not (a TMPDIR made by
// mktemp -d, mode 0700, as .ci/run's symlinked-TMPDIR step has) the
// directory is made under /tmp or /var/tmp instead, and the test is skipped,
// saying why, if neither is.
func SharedTempDir(t testing.TB) string {
	t.Helper()
	for _, base := range []string{os.TempDir(), "/tmp", "/var/tmp"} {
		if !searchableByAll(base) {
			continue
		}
		dir, err := os.MkdirTemp(base, "forkport-shared-")
		if err != nil {
			continue
		}
		t.Cleanup(func() {
			if err := RemoveAll(dir); err != nil {
				t.Errorf("removing temporary directory: %v", err)
			}
		})
		if err := os.Chmod(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	t.Skipf("no temporary directory that another user can reach: %s and every directory above it must be searchable by all (o+x)", os.TempDir())
	return ""
}

// RunnableByAll reports whether any user can execute the file at path:
// every directory above it (symbolic links resolved) is searchable by all,
// and the file is executable by all (o+x). A test that runs a program as
// another user after a privilege drop needs it.
func RunnableByAll(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().Perm()&0o001 != 0 && searchableByAll(filepath.Dir(path))
}

// searchableByAll reports whether every directory from / down to dir
// (symbolic links resolved) lets any user search it.
func searchableByAll(dir string) bool {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	for d := real; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil || !fi.IsDir() || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}
