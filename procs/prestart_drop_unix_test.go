//go:build unix

package procs_test

import (
	"os"
	"testing"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestForkAfterPrivilegeDropRunsAsTheCaller: a fresh Fork after the drop works, and the
// child has the caller's credentials. On Linux this needs the child's
// check of its parent to accept a parent that is not dumpable (a process
// that changed its credentials is not, until it execs): its
// /proc/PID/exe cannot be stat'ed then. Elsewhere Fork starts the
// executable by its path: from a directory the dropped user cannot search,
// the Fork fails with permission denied, as the package documentation says.
func TestForkAfterPrivilegeDropRunsAsTheCaller(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root, to drop privileges")
	}
	d := drive(t, "drop")
	if exe, _ := os.Executable(); procs.SelfExeByPath && !testutil.RunnableByAll(exe) {
		// As on macOS, where go test's binary is under TMPDIR (mode
		// 0700): the dropped process cannot reach its own executable.
		assert.Contains(t, d.FreshErr, "permission denied", "Fork after the drop, from %s, which nobody cannot reach", exe)
		return
	}
	require.Equal(t, "<nil>", d.FreshErr, "Fork after the drop")
	assert.Equal(t, []any{65534, 65534, []int{65534}}, []any{d.Fresh.Uid, d.Fresh.Gid, d.Fresh.Groups})
}
