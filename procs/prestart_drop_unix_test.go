//go:build unix

package procs_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestForkAfterPrivilegeDropRunsAsTheCaller: a fresh Fork after the drop works, and the
// child has the caller's credentials. On Linux this needs the child's
// check of its parent to accept a parent that is not dumpable (a process
// that changed its credentials is not, until it execs): its
// /proc/PID/exe cannot be stat'ed then.
func TestForkAfterPrivilegeDropRunsAsTheCaller(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root, to drop privileges")
	}
	d := drive(t, "drop")
	require.Equal(t, "<nil>", d.FreshErr, "Fork after the drop")
	assert.Equal(t, []any{65534, 65534, []int{65534}}, []any{d.Fresh.Uid, d.Fresh.Gid, d.Fresh.Groups})
}
