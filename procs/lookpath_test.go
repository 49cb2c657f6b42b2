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
