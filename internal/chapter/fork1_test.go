package chapter

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/forkport/forkport/internal/leakcheck"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runFork1Env makes the test binary run fork1 (with the arguments after
// its own) instead of the tests.
const runFork1Env = "FORKPORT_CHAPTER_RUN_FORK1"

func TestMain(m *testing.M) {
	procs.Init()
	if os.Getenv(runFork1Env) == "1" {
		os.Exit(Fork1(os.Args[1:]))
	}
	if os.Getenv(runForkServerEnv) == "1" {
		os.Exit(ForkServer(os.Args[1:]))
	}
	top := leakcheck.Tag()
	code := m.Run()
	if err := leakcheck.Check(top); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		code = 1
	}
	os.Exit(code)
}

// TestFork1NoExitReadsWholeLines: with -noexit every process reads stdin,
// a byte at a time. Each line must go whole to one process (as a terminal
// hands out lines), whatever the timing: the parent forks once at start and
// once per empty line, so n empty lines make n+1 children, and n+2 q's stop
// all n+2 processes, none of which reaches the end of input. The q's are
// written once every child has greeted, so that n+2 readers race for them:
// a "q" split from its newline by another reader would make an extra child,
// or a line such as "qq" that is not q.
func TestFork1NoExitReadsWholeLines(t *testing.T) {
	t.Parallel()
	const n = 40
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-noexit")
		cmd.Env = append(os.Environ(), runFork1Env+"=1")
		stdin, err := cmd.StdinPipe()
		require.NoError(t, err)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		_, err = io.WriteString(stdin, strings.Repeat("\n", n))
		require.NoError(t, err)
		children := 0
		sc := bufio.NewScanner(stdout)
		for children < n+1 && sc.Scan() {
			if strings.HasPrefix(sc.Text(), "Hello from child ") {
				children++
			}
		}
		_, err = io.WriteString(stdin, strings.Repeat("q\n", n+2))
		require.NoError(t, err)
		require.NoError(t, stdin.Close())
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "Hello from child ") {
				children++
			}
		}
		require.NoError(t, cmd.Wait(), "round %d: %s", round, stderr.String())
		assert.Equal(t, n+1, children, "round %d: one child at start, one per empty line", round)
		assert.Empty(t, stderr.String(), "round %d: every process got its q", round)
	}
}
