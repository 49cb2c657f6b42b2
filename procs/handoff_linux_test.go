//go:build !forkport_bsdpaths

package procs_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// On Linux the parent's executable is compared with the child's.
const otherProgramSays = "runs another executable than this one"

// assertReplacedExecutable: on Linux Fork re-executes /proc/self/exe, the
// running image, so a fork after an upgrade still runs the old build.
func assertReplacedExecutable(t *testing.T, err error, output, report string) {
	t.Helper()
	require.NoError(t, err, "%s", output)
	assert.Contains(t, output, "child: exit status 0")
	r := readReport(t, report)
	assert.NotZero(t, r.Pid)
}
