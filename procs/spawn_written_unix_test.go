//go:build unix

package procs_test

import (
	"errors"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
)

// TestSpawnWrittenProgramWhileOthersFork: a test that writes a program
// and runs it while other goroutines fork (other tests, the pool's
// refills) must not get ETXTBSY, "text file busy", from a child that
// forked while the file was open for writing and has not exec'd yet: the
// flake of TestSpawnBadInput/not_a_program under FORKPORT_PRESTART=2.
// writeFile keeps forks out while the file is open (withoutForks).
func TestSpawnWrittenProgramWhileOthersFork(t *testing.T) {
	t.Parallel()
	dir := testutil.TempDir(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 { // forks as fast as they can
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_ = exec.Command("/bin/true").Run()
			}
		}()
	}
	busy := 0
	for i := range 300 { // without withoutForks, a few of 300 fail here
		if testing.Short() && i == 50 {
			break
		}
		p := writeFile(t, dir, "np"+strconv.Itoa(i), "just text\n", 0o755)
		_, err := procs.Spawnv(procs.PWait, p, []string{"x"})
		if errors.Is(err, syscall.ETXTBSY) {
			busy++
		} else {
			assert.ErrorIs(t, err, syscall.ENOEXEC)
		}
	}
	close(stop)
	wg.Wait()
	assert.Zero(t, busy, "execs of a program just written that failed with ETXTBSY")
}
