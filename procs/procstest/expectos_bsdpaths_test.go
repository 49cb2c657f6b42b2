//go:build linux && forkport_bsdpaths

package procstest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/forkport/forkport/internal/claims"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNotImitated: on the bsd-paths leg a claim is skipped, with the
// reason, when its darwin and linux outcomes part, or when its script asks
// which OS runs it; any other runs.
func TestNotImitated(t *testing.T) {
	const header = "# claim: c\n# source: s\n# expect:\n#   linux: holds\n#   darwin: %s\n#   windows: holds\n\n"
	for _, tt := range []struct {
		name, darwin, script, want string
	}{
		{"runs", "holds", "exec true\n", ""},
		{"outcomes part", "differs — only macOS does this", "[holds] exec true\n[differs] exec false\n",
			"bsd-paths: Linux cannot imitate what this claim expects of macOS (darwin: differs — only macOS does this; linux: holds)"},
		{"asks the OS", "holds", "exec true\n[darwin] exec false\n\n-- f --\n[linux] not a script line\n",
			"bsd-paths: the script asks which OS runs it ([darwin], line 9), and testscript answers linux here"},
		{"asks in a comment only", "holds", "# [darwin] is not asked\nexec true\n\n-- f --\n[linux]\n", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "c.txtar")
			require.NoError(t, os.WriteFile(file, []byte(fmt.Sprintf(header, tt.darwin)+tt.script), 0o666))
			c, err := claims.ParseFile(file)
			require.NotNil(t, c, "%v", err)
			assert.Equal(t, tt.want, notImitated(c, claims.Procs))
		})
	}
}
