package procs_test

import (
	"os"
	"strings"
	"testing"

	"github.com/forkport/forkport/procs"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startEnv is the environment the process started with, as ps and
// /proc/self/environ show it (os.Setenv does not change it).
func startEnv() []string {
	b, err := os.ReadFile("/proc/self/environ")
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

// TestPrestartChildHoldsNoPlaceholder: a pre-started child waits with the
// null device at descriptors 4 to 11, for Attr.Files; those a Fork does not
// fill are closed, in the child and so in what it execs. The child execs
// the helper that lists its descriptors, with a pool and without.
func TestPrestartChildHoldsNoPlaceholder(t *testing.T) {
	passThrough := inheritableFds(t)
	for _, pool := range []int{0, 1} {
		withPool(t, pool)
		out := newReport(t)
		before := procs.PooledForks()
		p := forkWith(t, "exec", nil, func() {
			forkCase.Out, forkCase.Variant, forkCase.Name = out, "execv", exe(t)
			forkCase.Argv = []string{helperArgv0("fds", out)}
		})
		require.Zero(t, waitCode(t, p))
		require.Equal(t, int64(pool), procs.PooledForks()-before, "forks the pool served")
		var extra []string
		for _, fdTarget := range readReport(t, out).FdTargets {
			fd, target, _ := strings.Cut(fdTarget, "=")
			if fd != "0" && fd != "1" && fd != "2" && !runtimeFd(target) && !passThrough[fdTarget] {
				extra = append(extra, fdTarget)
			}
		}
		assert.Empty(t, extra, "pool of %d: what the forked child exec'd holds beyond its standard files", pool)
	}
}
