package testutil

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRemoveAll(t *testing.T) {
	root := TempDir(t)
	tree := filepath.Join(root, "tree")
	require.NoError(t, os.MkdirAll(filepath.Join(tree, "a", "b-c", "d"), 0o755))
	for _, f := range []string{"x", "a/y", "a/b-c/z", "a/b-c/d/w", "a-b"} {
		require.NoError(t, os.WriteFile(filepath.Join(tree, filepath.FromSlash(f)), []byte(f), 0o644))
	}
	require.NoError(t, os.Chmod(filepath.Join(tree, "x"), 0o444)) // read-only files go too
	require.NoError(t, RemoveAll(tree))
	assert.NoDirExists(t, tree)
	assert.NoError(t, RemoveAll(tree), "a missing path is not an error")
}

func TestTempDirIsRemoved(t *testing.T) {
	var dir string
	t.Run("inner", func(t *testing.T) {
		dir = TempDir(t)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), nil, 0o644))
	})
	assert.NoDirExists(t, dir, "the directory is gone once the test that made it ends")
}
