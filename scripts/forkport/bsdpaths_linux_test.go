package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWithLimits: a process started under withLimits(macOSLimits) has
// macOS's soft limit of open files and ARG_MAX, and this process gets its
// own limits back.
func TestWithLimits(t *testing.T) {
	var before [2]syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &before[0]))
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_STACK, &before[1]))
	if before[0].Max < 256 || before[1].Max < 4<<20 {
		t.Skipf("hard limits below macOS's soft ones: %+v", before)
	}
	var out bytes.Buffer
	cmd := exec.Command("sh", "-c", "ulimit -Sn; getconf ARG_MAX")
	cmd.Stdout = &out
	require.NoError(t, withLimits(macOSLimits, cmd.Start))
	require.NoError(t, cmd.Wait())
	assert.Equal(t, "256\n1048576\n", out.String())
	var after [2]syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &after[0]))
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_STACK, &after[1]))
	assert.Equal(t, before, after, "the limits are restored")
}

// TestCheckBSDPathsLeg (Linux only, as the leg: it makes its settings with
// the host's bash and symlinks): -leg bsd-paths runs go test with the tag on Linux
// and judges the results by the darwin expectations, as a leg of its own;
// elsewhere it refuses, saying why.
func TestCheckBSDPathsLeg(t *testing.T) {
	root := testModule(t, "")
	h := newHarness(t, root, "linux-pass.json", 0)
	jsonOut := filepath.Join(testutil.TempDir(t), "bsd-paths.json")
	require.Equal(t, exitOK, h.run("-leg", "bsd-paths", "-json", jsonOut), "stderr: %s", h.stderr.String())
	assert.Contains(t, h.stdout.String(), "forkport bsd-paths · go1.26.8")
	assert.Contains(t, h.stdout.String(), "EXPECTED ON MACOS")
	_, args := h.goTestArgs()
	assert.Equal(t, []string{"test", "-json", "-count=1", "-run", "^TestScripts$", "-timeout", "10m0s", "-tags", bsdPathsTag, "github.com/forkport/forkport"}, args)
	leg := readLegFile(t, jsonOut)
	assert.Equal(t, []string{"bsd-paths", "darwin", "amd64"}, []string{leg.Leg, leg.OS, leg.Arch})
	for _, r := range leg.Claims {
		assert.Equal(t, r.Expect.String(), "holds", "%s: the darwin expectation", r.ID)
	}

	t.Setenv("FAKE_GO_GOOS", "darwin")
	assert.Equal(t, exitError, h.run("-leg", "bsd-paths"))
	assert.Equal(t, "forkport: the bsd-paths leg runs on Linux only (it simulates macOS there), not on darwin/amd64\n", h.stderr.String())
}

// TestFromBSDPathsLeg: a saved bsd-paths leg is read back as that leg, and
// -leg tells it from a real darwin leg, both of OS darwin.
func TestFromBSDPathsLeg(t *testing.T) {
	root := testModule(t, "")
	h := newHarness(t, root, "linux-pass.json", 0)
	saved := filepath.Join(testutil.TempDir(t), "bsd-paths.json")
	require.Equal(t, exitOK, h.run("-leg", "bsd-paths", "-json", saved), "stderr: %s", h.stderr.String())

	require.Equal(t, exitOK, h.run("-from", saved, "-leg", "bsd-paths"), "stderr: %s", h.stderr.String())
	assert.Contains(t, h.stdout.String(), "forkport bsd-paths")
	assert.Equal(t, exitError, h.run("-from", saved, "-leg", "darwin"))
	assert.Equal(t, "forkport: "+saved+" is the bsd-paths leg, not darwin\n", h.stderr.String())
}

// TestMergeBSDPathsColumn: merge shows the bsd-paths leg as a column of its
// own beside linux, judged by the darwin expectations.
func TestMergeBSDPathsColumn(t *testing.T) {
	root := testModule(t, "")
	h := newHarness(t, root, "linux-pass.json", 0)
	dir := testutil.TempDir(t)
	linux, bsd := filepath.Join(dir, "linux.json"), filepath.Join(dir, "bsd-paths.json")
	require.Equal(t, exitOK, h.run("-json", linux), "stderr: %s", h.stderr.String())
	require.Equal(t, exitOK, h.run("-leg", "bsd-paths", "-json", bsd), "stderr: %s", h.stderr.String())
	require.Equal(t, exitOK, h.run("merge", "-format", "markdown", linux, bsd), "stderr: %s", h.stderr.String())
	assert.Contains(t, h.stdout.String(), "| Claim | linux/amd64 | bsd-paths |\n")
	assert.Contains(t, h.stdout.String(), "| `fork-pid` fork returns the child's PID to the parent, and the child is a new process. | ✅ holds | ✅ holds |\n")
}
