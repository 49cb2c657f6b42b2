package procs_test

import (
	"os"
	"os/exec"
	"testing"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLookPath(t *testing.T) {
	t.Parallel()
	empty := testutil.TempDir(t)
	child := binDir + string(os.PathSeparator) + "child" + exeSuffix
	for _, tc := range []struct {
		name string
		file string
		env  []string
		want string
		errs []error
	}{
		{"found in the caller's PATH", "child", nil, child, nil},
		{"found in the given PATH", "child", []string{"PATH=" + binDir}, child, nil},
		{"the given PATH is the one searched", "child", []string{"PATH=" + empty}, "", []error{exec.ErrNotFound, os.ErrNotExist}},
		{"no PATH in the given environment: no search", "child", []string{"HOME=/"}, "", []error{exec.ErrNotFound}},
		{"a relative PATH element is refused", "child", []string{"PATH=."}, "", []error{exec.ErrNotFound}},
		{"a PATH element ending in a separator: the path is clean", "child", []string{"PATH=" + binDir + string(os.PathSeparator)}, child, nil},
		{"an unclean PATH element: the path is clean", "child", []string{"PATH=" + binDir + string(os.PathSeparator) + "." + string(os.PathSeparator)}, child, nil},
		{"a path is checked, not searched", child, []string{"PATH=" + empty}, child, nil},
		{"empty name", "", nil, "", []error{exec.ErrNotFound}},
		{"NUL in the name", "ch\x00ild", nil, "", []error{os.ErrInvalid}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := procs.LookPath(tc.file, tc.env)
			if tc.errs == nil {
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				return
			}
			for _, want := range tc.errs {
				assert.ErrorIs(t, err, want)
			}
		})
	}
}

func TestLookPathRefusesDotMatch(t *testing.T) {
	// Not parallel: it changes the working directory.
	dir := testutil.TempDir(t)
	require.NoError(t, copyExe(dir+string(os.PathSeparator)+"dotprog"+exeSuffix))
	t.Chdir(dir)
	_, err := procs.LookPath("dotprog", []string{"PATH=."})
	assert.ErrorIs(t, err, exec.ErrDot, "found through \".\": refused, as exec.LookPath does")
	_, err = procs.LookPath("dotprog", []string{"PATH=" + dir})
	assert.NoError(t, err, "the same program through an absolute PATH element")
}

// TestLookPathRefusesDotNames is os/exec's dot_test.go case: "", ".",
// "abc/.." and ".." name no program, whatever PATH holds, even when a PATH
// element is an executable file (so that joining it with "." or ".."
// would clean back to that file) or a path below one. The p variants
// resolve names through the same search (resolve), so this covers them.
func TestLookPathRefusesDotNames(t *testing.T) {
	t.Parallel()
	exe := binDir + string(os.PathSeparator) + "child" + exeSuffix
	for _, path := range []string{
		binDir, // a directory, the reference case
		exe,    // an executable file
		exe + string(os.PathSeparator) + "xx",
	} {
		for _, name := range []string{"", ".", "..", "abc" + string(os.PathSeparator) + ".."} {
			t.Run("PATH="+path+"/"+name, func(t *testing.T) {
				for _, env := range [][]string{{"PATH=" + path}, {"PATH=" + path + string(os.PathListSeparator) + binDir}} {
					got, err := procs.LookPath(name, env)
					assert.Error(t, err, "%q with %q", name, env)
					assert.Empty(t, got, "%q with %q: no path returned", name, env)
				}
			})
		}
	}
}
