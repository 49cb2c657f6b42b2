package procs_test

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartBadWorkingDirectory(t *testing.T) {
	t.Parallel()
	missing := testutil.TempDir(t) + string(os.PathSeparator) + "missing"
	_, err := procs.Start(exe(t), []string{"x"}, &procs.Attr{Dir: missing})
	assert.ErrorIs(t, err, os.ErrNotExist)
	var pe *procs.Error
	assert.ErrorAs(t, err, &pe)
}

func TestSignalUnknownSignal(t *testing.T) {
	t.Parallel()
	stdinR, stdinW, err := os.Pipe()
	require.NoError(t, err)
	defer stdinW.Close()
	p, err := procs.Start(exe(t), []string{helperArgv0("block", "")}, &procs.Attr{Stdin: stdinR})
	stdinR.Close()
	require.NoError(t, err)
	err = p.Signal(syscall.Signal(1000))
	assert.Error(t, err, "an unknown signal number is refused")
	require.NoError(t, p.Kill())
	_, err = p.Wait()
	require.NoError(t, err)
}

// TestLoad: many children at once, none lost, every exit code right, and
// nothing left behind (the package's TestMain checks for strays and
// zombies). -short scales it down, and so does -race on Windows (see
// load_windows_race_test.go).
func TestLoad(t *testing.T) {
	spawns, forks := loadSpawns, loadForks
	if testing.Short() {
		spawns, forks = loadSpawns/10, loadForks/10
	}
	start := time.Now()
	sem := make(chan struct{}, loadConcurrency)
	var wg sync.WaitGroup
	errs := make(chan error, spawns+forks)
	for i := range spawns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			want := i % 256
			code, err := procs.Spawnv(procs.PWait, exe(t), []string{helperArgv0("exit", ""), fmt.Sprint(want)})
			if err == nil && code != want {
				err = fmt.Errorf("spawn %d: exit code %d, want %d", i, code, want)
			}
			errs <- err
		}()
	}
	wg.Wait()
	spawnRate := float64(spawns) / time.Since(start).Seconds()

	start = time.Now()
	procsStarted := make([]*procs.Process, 0, forks)
	for range forks {
		p, err := procs.Fork("return")
		require.NoError(t, err)
		procsStarted = append(procsStarted, p)
	}
	for _, p := range procsStarted {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := p.Wait()
			if err == nil && !st.Success() {
				err = fmt.Errorf("fork %d: %s", p.Pid, st)
			}
			errs <- err
		}()
	}
	wg.Wait()
	forkRate := float64(forks) / time.Since(start).Seconds()
	close(errs)
	n := 0
	for err := range errs {
		assert.NoError(t, err)
		n++
	}
	assert.Equal(t, spawns+forks, n, "every child accounted for")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("%d spawns (%d at a time): %.0f children/s; %d forks: %.0f forks/s; Go heap in use %d KiB",
		spawns, loadConcurrency, spawnRate, forks, forkRate, ms.HeapInuse>>10)
}
