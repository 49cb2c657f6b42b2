//go:build unix

package page_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/page"
	"github.com/forkport/forkport/internal/testutil"
)

// A named pipe with no writer blocks whoever opens it, and a link may lead
// out of the directory: ReadHistory refuses both without opening them.
func TestReadHistoryRefusesPipesAndLinks(t *testing.T) {
	for _, tt := range []struct {
		name, err string
		make      func(path string) error
	}{
		{"pipe", "not a regular file (a named pipe)", func(p string) error { return syscall.Mkfifo(p, 0o600) }},
		{"link", "not a regular file (a symbolic link)", func(p string) error { return os.Symlink("/etc/passwd", p) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := testutil.TempDir(t)
			p := filepath.Join(dir, "run.json")
			require.NoError(t, tt.make(p))
			_, err := page.ReadHistory(dir) // a hang here is the failure
			assert.ErrorIs(t, err, fs.ErrInvalid)
			assert.ErrorContains(t, err, "history "+p+": "+tt.err)
		})
	}
}
