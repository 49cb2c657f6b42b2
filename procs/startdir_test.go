package procs_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStartRelativePathIsRelativeToDir: with Attr.Dir, a relative program
// path names the program in Dir, as os.StartProcess, exec.Cmd (Go's
// TestCommandRelativeName), libuv (spawn_relative_path) and Python's
// subprocess run it: the program checked is the program run, and a
// program only in the caller's directory is not found.
func TestStartRelativePathIsRelativeToDir(t *testing.T) {
	// Not parallel: it changes the working directory.
	sep := string(os.PathSeparator)
	there := testutil.TempDir(t)
	prog := "prog" + exeSuffix
	require.NoError(t, copyExe(filepath.Join(there, prog)))
	here := testutil.TempDir(t)
	t.Chdir(here)
	require.NoError(t, os.Mkdir(filepath.Join(here, "decoy"+exeSuffix), 0o755))
	require.NoError(t, copyExe(filepath.Join(here, "only"+exeSuffix)))
	relThere, err := filepath.Rel(here, there)
	require.NoError(t, err)

	for _, tc := range []struct {
		name, dir, path string
	}{
		{"dot-relative, as libuv's spawn_relative_path", there, "." + sep + prog},
		{"bare name: no PATH search, in Dir", there, prog},
		{"through Dir's own name, as Go's TestCommandRelativeName", filepath.Dir(there), filepath.Join(filepath.Base(there), prog)},
		{"Dir itself relative to the caller's directory", relThere, "." + sep + prog},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := newReport(t)
			p, err := procs.Start(tc.path, []string{helperArgv0("echo", out)}, &procs.Attr{Dir: tc.dir})
			require.NoError(t, err, "%s in %s", tc.path, tc.dir)
			require.Zero(t, waitCode(t, p))
			r := readReport(t, out)
			assert.Equal(t, evalSymlinks(t, filepath.Join(there, prog)), evalSymlinks(t, r.Exe), "the program in Dir runs")
			assert.Equal(t, evalSymlinks(t, tc.dir), evalSymlinks(t, r.Dir), "in Dir")
		})
	}

	t.Run("what the caller's directory holds under the name is not what is checked", func(t *testing.T) {
		// here/decoy is a directory, there/decoy the program.
		require.NoError(t, copyExe(filepath.Join(there, "decoy"+exeSuffix)))
		out := newReport(t)
		p, err := procs.Start("."+sep+"decoy"+exeSuffix, []string{helperArgv0("echo", out)}, &procs.Attr{Dir: there})
		require.NoError(t, err)
		require.Zero(t, waitCode(t, p))
		assert.Equal(t, evalSymlinks(t, filepath.Join(there, "decoy"+exeSuffix)), evalSymlinks(t, readReport(t, out).Exe))
	})
	t.Run("a program only in the caller's directory is not found", func(t *testing.T) {
		_, err := procs.Start("."+sep+"only"+exeSuffix, []string{"only"}, &procs.Attr{Dir: there})
		assert.ErrorIs(t, err, os.ErrNotExist)
		var pe *procs.Error
		assert.ErrorAs(t, err, &pe)
	})
}
