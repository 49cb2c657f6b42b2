//go:build !forkport_bsdpaths

package procs_test

import (
	"os"
	"strings"
	"testing"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func init() {
	// A program already under a seccomp filter (a container's, say) that
	// starts its pool and then stacks a filter of its own: the seccomp
	// mode stays 2, only the number of filters changes.
	fidelityChanges["seccomp-stacked"] = func() error {
		if err := allowAllSeccompFilter(); err != nil {
			return err
		}
		if err := procs.Prestart(0); err != nil {
			return err
		}
		if err := procs.Prestart(1); err != nil { // waiting children under one filter
			return err
		}
		return allowAllSeccompFilter()
	}
}

// allowAllSeccompFilter installs, on every thread of the process, a
// seccomp filter that allows every system call: it changes nothing the
// process can do, but a child inherits it, and /proc/self/status counts it.
func allowAllSeccompFilter() error {
	return testutil.InstallSeccompFilter([]unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW}})
}

// TestPrestartNotUsedAfterAStackedSeccompFilter: a filter added after
// Prestart, under a filter the waiting children have too, makes Fork start
// a fresh child: a waiting child would run without the new filter.
func TestPrestartNotUsedAfterAStackedSeccompFilter(t *testing.T) {
	status, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	if !strings.Contains(string(status), "\nSeccomp_filters:") {
		t.Skip("this kernel does not count seccomp filters in /proc/self/status (Linux 5.9 and later do)")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root (CAP_SYS_ADMIN) to install a seccomp filter without no_new_privs")
	}
	d := drive(t, "seccomp-stacked")
	require.Equal(t, "<nil>", d.FreshErr, "the fresh child")
	require.Equal(t, "<nil>", d.PooledErr, "the child forked while the pool was full")
	assert.False(t, d.ServedByPool, "a child started under one filter serves a caller under two")
}
