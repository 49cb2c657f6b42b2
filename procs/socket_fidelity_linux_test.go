package procs_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func init() {
	procs.Register("socket-fds", func() {
		// Taken first, so that the descriptors are those the program
		// has once it uses its socket.
		l, err := procs.InheritedListener(0)
		if err != nil {
			writeReport(forkCase.Out, report{Note: err.Error()})
			return
		}
		defer l.Close()
		writeReport(forkCase.Out, report{Note: l.Addr().String(), FdTargets: fdTargets()})
	})
}

// TestPrestartSocketsLikeAFreshFork: a child the pool serves with a file
// and a socket has the descriptors a fresh child has: the same numbers,
// the same open file and the same socket (its inode), and nothing else but
// the runtime's own.
func TestPrestartSocketsLikeAFreshFork(t *testing.T) {
	l := listen(t, "tcp4")
	f, err := os.Create(filepath.Join(testutil.TempDir(t), "given"))
	require.NoError(t, err)
	defer f.Close()
	passThrough := inheritableFds(t)
	fork := func() (report, bool) {
		out := newReport(t)
		before := procs.PooledForks()
		forkedAt := time.Now()
		p := forkWith(t, "socket-fds", &procs.Attr{Files: []*os.File{f}, Sockets: []syscall.Conn{l.(syscall.Conn)}, Group: true},
			func() { forkCase.Out = out })
		require.Zero(t, waitCode(t, p))
		r := readReport(t, out)
		pooled := procs.PooledForks() > before && fromPool(r, forkedAt)
		var kept []string
		for _, ft := range r.FdTargets {
			_, target, _ := strings.Cut(ft, "=")
			if !runtimeFd(target) && !passThrough[ft] {
				kept = append(kept, ft)
			}
		}
		r.FdTargets = kept
		return r, pooled
	}
	require.NoError(t, procs.Prestart(0))
	t.Cleanup(func() {
		require.NoError(t, procs.Prestart(0))
		if _, err := testutil.Prestart(); err != nil { // FORKPORT_PRESTART's pool, if any
			t.Error(err)
		}
	})
	fresh, pooled := fork()
	require.False(t, pooled, "the first child is a fresh one")
	withPool(t, 1)
	waitPoolFull(t, 1)
	fromPoolReport, pooled := fork()
	require.True(t, pooled, "the second child was pre-started")

	assert.Equal(t, l.Addr().String(), fresh.Note, "the fresh child took the listener")
	assert.Equal(t, fresh.Note, fromPoolReport.Note, "the pooled child took the same listener")
	assert.Equal(t, fresh.FdTargets, fromPoolReport.FdTargets, "the same descriptors, numbers and targets")
	assert.Contains(t, strings.Join(fresh.FdTargets, " "), "4="+evalSymlinks(t, f.Name()), "Attr.Files[0] at descriptor 4")
}
