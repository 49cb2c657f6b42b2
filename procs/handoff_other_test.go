//go:build !linux || forkport_bsdpaths

package procs_test

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Elsewhere the parent's executable is not compared, but the build
// fingerprint covers the executable file.
const otherProgramSays = "another build of this program"

// assertReplacedExecutable: Fork starts the file now at the executable's
// path, the new build, which refuses the old build's state; Fork says so
// rather than let it decode bytes laid out for other types.
func assertReplacedExecutable(t *testing.T, err error, output, report string) {
	t.Helper()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "%s", output)
	assert.Equal(t, 3, ee.ExitCode(), "%s", output)
	assert.Contains(t, output, "another build of this program")
	assert.Contains(t, output, "handoff: true", "the error wraps ErrHandoff")
	assert.NoFileExists(t, report, "no entry point ran")
}
