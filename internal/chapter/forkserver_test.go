package chapter

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/forkport/forkport/internal/cpython"
	"github.com/forkport/forkport/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runForkServerEnv makes the test binary run ForkServer (with the arguments
// after its own) instead of the tests.
const runForkServerEnv = "FORKPORT_CHAPTER_RUN_FORKSERVER"

// serverWait bounds every wait of these tests for a line, a connection or
// an exit.
const serverWait = 30 * time.Second

// runningServer is a ForkServer run in a process of its own, with its
// stdin, and its stdout read line by line.
type runningServer struct {
	cmd    *exec.Cmd
	stdin  *os.File
	lines  chan string // closed at the end of stdout: every process holding it is gone
	stderr *os.File    // a file: a successor outlives the process started
	seen   []string
	addr   string
	net    string
}

// stderrText is what the server's processes wrote on stderr so far.
func (s *runningServer) stderrText() string {
	b, _ := os.ReadFile(s.stderr.Name())
	return string(b)
}

// startServer starts the server with args and reads its "listening" line.
// Its standard files are pipes and a file of this test's, not exec.Cmd's
// (whose Wait closes them): a successor outlives the process started. The
// cleanup closes its stdin (which stops every generation), waits for the
// end of its stdout, and kills it if that does not come.
func startServer(t *testing.T, sub subject, args ...string) *runningServer {
	t.Helper()
	cmd := sub.command(args...)
	s := &runningServer{cmd: cmd, lines: make(chan string, 10000)}
	inR, inW, err := os.Pipe()
	require.NoError(t, err)
	outR, outW, err := os.Pipe()
	require.NoError(t, err)
	s.stderr, err = os.Create(filepath.Join(testutil.TempDir(t), "stderr"))
	require.NoError(t, err)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, s.stderr
	s.stdin = inW
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		require.NoError(t, err)
	}
	go func() {
		defer close(s.lines)
		defer outR.Close()
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() { s.finish(t); s.stderr.Close() })
	f := strings.Fields(s.expect(t, "listening "))
	require.Len(t, f, 3)
	s.net, s.addr = f[1], f[2]
	return s
}

// A subject is a forking server under test: ForkServer (this test binary)
// or its CPython twin.
type subject struct {
	name    string
	command func(args ...string) *exec.Cmd
}

// subjects are ForkServer and, when a CPython is found (cpython.Find:
// $FORKPORT_PYTHON, else python3 on PATH), its CPython twin
// internal/probe/python/forkserver.py, which must behave the same. Under
// CI a missing interpreter is an error, as in TestScriptsCPython.
func subjects(t *testing.T) []subject {
	subs := []subject{{"go", func(args ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), runForkServerEnv+"=1")
		return cmd
	}}}
	py, err := cpython.Find()
	if err != nil {
		if cpython.Required() {
			t.Fatalf("CI runs the CPython subject, and found no interpreter: %v", err)
		}
		t.Logf("the CPython twin is not run: %v", err)
		return subs
	}
	script, err := filepath.Abs(filepath.Join("..", "probe", "python", "forkserver.py"))
	require.NoError(t, err)
	return append(subs, subject{"cpython", func(args ...string) *exec.Cmd {
		return exec.Command(py.Path, append([]string{script}, args...)...)
	}})
}

// finish closes stdin, reads stdout to its end and waits for the process.
func (s *runningServer) finish(t *testing.T) {
	s.stdin.Close()
	timeout := time.After(serverWait)
	for open := true; open; {
		select {
		case line, ok := <-s.lines:
			if ok {
				s.seen = append(s.seen, line)
			}
			open = ok
		case <-timeout:
			t.Errorf("the server's stdout is still open after %v; killing it", serverWait)
			_ = s.cmd.Process.Kill()
			open = false
		}
	}
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Wait()
	}
}

// expect returns the next line that starts with prefix, keeping the lines
// before it in s.seen.
func (s *runningServer) expect(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(serverWait)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				require.FailNowf(t, "no line "+prefix, "stdout ended; lines: %q; stderr: %s", s.seen, s.stderrText())
			}
			s.seen = append(s.seen, line)
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timeout:
			require.FailNowf(t, "no line "+prefix, "within %v; lines: %q; stderr: %s", serverWait, s.seen, s.stderrText())
		}
	}
}

// saw waits for a line, which may have been read already.
func (s *runningServer) saw(t *testing.T, line string) {
	t.Helper()
	for _, l := range s.seen {
		if l == line {
			return
		}
	}
	for s.expect(t, line) != line {
	}
}

// expectPid returns the PID of the next line "<prefix> <pid> ...".
func (s *runningServer) expectPid(t *testing.T, prefix string) int {
	t.Helper()
	f := strings.Fields(s.expect(t, prefix+" "))
	require.GreaterOrEqual(t, len(f), 2)
	pid, err := strconv.Atoi(f[1])
	require.NoError(t, err)
	return pid
}

// stopAndWait closes stdin and reads stdout to its end; it returns the
// lines from "stop" on.
func (s *runningServer) stopAndWait(t *testing.T) []string {
	t.Helper()
	from := len(s.seen)
	s.finish(t)
	return s.seen[from:]
}

// client is one connection to the server.
type client struct {
	c net.Conn
	r *bufio.Reader
}

func dial(network, addr string) (*client, error) {
	c, err := net.DialTimeout(network, addr, serverWait)
	if err != nil {
		return nil, err
	}
	if err := c.SetDeadline(time.Now().Add(serverWait)); err != nil {
		c.Close()
		return nil, err
	}
	return &client{c, bufio.NewReader(c)}, nil
}

// roundTrip sends line and returns the PID of the process that echoed it.
func (c *client) roundTrip(line string) (int, error) {
	if _, err := io.WriteString(c.c, line+"\n"); err != nil {
		return 0, err
	}
	answer, err := c.r.ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("no echo of %q: %w", line, err)
	}
	var pid int
	var got string
	if _, err := fmt.Sscanf(answer, "echo %d: %s\n", &pid, &got); err != nil || got != line {
		return 0, fmt.Errorf("the echo of %q is %q", line, answer)
	}
	return pid, nil
}

// closeAndDrain closes the client's side and reads to the end of file: the
// server's child closed its side too.
func (c *client) closeAndDrain() error {
	defer c.c.Close()
	if cw, ok := c.c.(interface{ CloseWrite() error }); ok {
		if err := cw.CloseWrite(); err != nil {
			return err
		}
	}
	rest, err := io.ReadAll(c.r)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("unexpected data after the echoes: %q", rest)
	}
	return err
}

// echoOnce makes one connection of two round trips, and returns the PID
// that served it.
func echoOnce(network, addr string) (int, error) {
	c, err := dial(network, addr)
	if err != nil {
		return 0, err
	}
	pid, err := c.roundTrip("one")
	if err == nil {
		var again int
		if again, err = c.roundTrip("two"); err == nil && again != pid {
			err = fmt.Errorf("one connection served by %d then %d", pid, again)
		}
	}
	if cerr := c.closeAndDrain(); err == nil {
		err = cerr
	}
	return pid, err
}

// serverAddrArgs are the -net and -addr flags of a server on network,
// skipping the test where the machine has no IPv6 loopback.
func serverAddrArgs(t *testing.T, network string) []string {
	switch network {
	case "unix":
		path := filepath.Join(testutil.TempDir(t), "s")
		l, err := net.Listen("unix", path)
		if err != nil {
			t.Skipf("no Unix domain sockets here: %v (Windows has them since 10 1803; Wine may not)", err)
		}
		l.Close()
		os.Remove(path)
		return []string{"-net", "unix", "-addr", path}
	case "tcp6":
		l, err := net.Listen("tcp6", "[::1]:0")
		if err != nil {
			t.Skipf("no IPv6 loopback: %v", err)
		}
		l.Close()
		return []string{"-net", "tcp6"}
	}
	return []string{"-net", network}
}

// TestForkServerReaping runs the server in each reaping mode: every
// connection is served by a child of its own (not the server), which
// exits when the client closes; -reap loop and sigchld reap each child
// while the server runs (a "reaped" line for every one, no zombie left at
// the stop), -reap none reaps none: each child is left a zombie (Unix; on
// Windows an exited process whose handle is open) and the server counts
// them all when it stops.
func TestForkServerReaping(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		reaped bool
	}{
		{"loop/tcp4", []string{"-reap", "loop", "-net", "tcp4"}, true},
		{"loop/tcp6", []string{"-reap", "loop", "-net", "tcp6"}, true},
		{"loop/unix", []string{"-reap", "loop", "-net", "unix"}, true},
		{"loop/prestart", []string{"-reap", "loop", "-prestart", "2"}, true},
		{"sigchld", []string{"-reap", "sigchld"}, true},
		{"none", []string{"-reap", "none"}, false},
		{"none/prestart", []string{"-reap", "none", "-prestart", "2"}, false},
	}
	for _, sub := range subjects(t) {
		for _, tc := range cases {
			t.Run(sub.name+"/"+tc.name, func(t *testing.T) { testForkServerReaping(t, sub, tc.args, tc.reaped) })
		}
	}
}

func testForkServerReaping(t *testing.T, sub subject, args []string, reaped bool) {
	const conns = 4
	t.Parallel()
	if args[1] == "sigchld" && !haveSigchld {
		t.Skip("no SIGCHLD on this OS: see TestForkServerRefuses")
	}
	for i, a := range args {
		if a == "-net" {
			args = append(append(append([]string(nil), args[:i]...), args[i+2:]...), serverAddrArgs(t, args[i+1])...)
			break
		}
	}
	s := startServer(t, sub, args...)
	served := map[int]bool{}
	for range conns {
		pid, err := echoOnce(s.net, s.addr)
		require.NoError(t, err)
		assert.Equal(t, pid, s.expectPid(t, "child"), "the child the server forked served the connection")
		served[pid] = true
	}
	assert.Len(t, served, conns, "a child per connection")
	assert.NotContains(t, served, s.cmd.Process.Pid, "the server serves no connection itself")
	if reaped {
		for pid := range served {
			s.saw(t, fmt.Sprintf("reaped %d 0", pid))
		}
	} else {
		for pid := range served {
			waitZombie(t, pid)
		}
	}
	tail := s.stopAndWait(t)
	want := []string{"stop eof", fmt.Sprintf("zombies %d", map[bool]int{true: 0, false: conns}[reaped]), fmt.Sprintf("stopped %d", s.cmd.Process.Pid)}
	assert.Equal(t, want, tail, "stderr: %s", s.stderrText())
	if !reaped {
		for _, line := range s.seen {
			assert.NotContains(t, line, "reaped", "-reap none reaps nothing while it serves")
		}
	}
	assert.Empty(t, s.stderrText())
	assert.True(t, s.cmd.ProcessState.Success())
	if s.net == "unix" {
		assert.NoFileExists(t, s.addr, "the stopped server removed its socket's name")
	}
}

// waitZombie waits until pid has exited and is not reaped (a zombie on
// Unix).
func waitZombie(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(serverWait)
	for {
		z, err := exitedUnreaped(pid)
		require.NoError(t, err)
		if z {
			return
		}
		require.True(t, time.Now().Before(deadline), "child %d still running after %v", pid, serverWait)
		time.Sleep(10 * time.Millisecond)
	}
}

// TestForkServerMax: with -max N the server stops by itself after N
// connections, once their children are done, with stdin still open.
func TestForkServerMax(t *testing.T) {
	for _, sub := range subjects(t) {
		t.Run(sub.name, func(t *testing.T) { testForkServerMax(t, sub) })
	}
}

func testForkServerMax(t *testing.T, sub subject) {
	t.Parallel()
	s := startServer(t, sub, "-max", "3")
	for range 3 {
		_, err := echoOnce(s.net, s.addr)
		require.NoError(t, err)
	}
	s.expect(t, "stop max")
	s.expect(t, "zombies ")
	s.expectPid(t, "stopped")
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(serverWait):
		require.Fail(t, "the server did not exit after -max connections")
	}
	_, err := net.DialTimeout(s.net, s.addr, serverWait)
	assert.Error(t, err, "no listener is left once the server has stopped")
}

// TestForkServerPrefork: N workers all accept on the listener they
// inherited: N connections held open at once are served by N different
// workers (a worker serves one connection at a time), which are the
// workers the server forked; the server stops them all.
func TestForkServerPrefork(t *testing.T) {
	t.Parallel()
	const n = 3
	for _, sub := range subjects(t) {
		for _, pool := range []string{"0", "2"} {
			t.Run(sub.name+"/prestart="+pool, func(t *testing.T) { testForkServerPrefork(t, sub, n, pool) })
		}
	}
}

func testForkServerPrefork(t *testing.T, sub subject, n int, pool string) {
	s := startServer(t, sub, "-prefork", strconv.Itoa(n), "-prestart", pool)
	workers := map[int]bool{}
	for range n {
		workers[s.expectPid(t, "worker")] = true
	}
	var clients []*client
	served := map[int]bool{}
	for range n {
		c, err := dial(s.net, s.addr)
		require.NoError(t, err)
		clients = append(clients, c)
		pid, err := c.roundTrip("held")
		require.NoError(t, err)
		served[pid] = true
	}
	assert.Equal(t, workers, served, "every worker accepted one of the connections held open")
	for _, c := range clients {
		require.NoError(t, c.closeAndDrain())
	}
	tail := s.stopAndWait(t)
	assert.Equal(t, []string{"stop eof", "zombies 0", fmt.Sprintf("stopped %d", s.cmd.Process.Pid)}, tail)
	assert.Empty(t, s.stderrText())
}

// TestForkServerRestart: under a stream of connection attempts from
// several clients, the server restarts gracefully again and again; each
// generation hands the listener to its successor before it stops
// accepting, so no attempt is refused and every connection is echoed.
// Run fresh and through the Prestart pool.
func TestForkServerRestart(t *testing.T) {
	for _, sub := range subjects(t) {
		for _, pool := range []string{"0", "2"} {
			t.Run(sub.name+"/prestart="+pool, func(t *testing.T) { testForkServerRestart(t, sub, pool) })
		}
	}
}

func testForkServerRestart(t *testing.T, sub subject, pool string) {
	const (
		restarts = 5
		clients  = 4
	)
	// Each attempt forks a child; with -short (the Wine leg, where a
	// process takes some 50 ms to start) 200, still spread over the five
	// restarts. The 2000 of issue 20 run on every other leg, and in the
	// graceful-restart claim under Wine too.
	attempts := 2000
	if testing.Short() {
		attempts = 200
	}
	s := startServer(t, sub, "-restart", "-prestart", pool)
	var made, failed atomic.Int64
	var errMu sync.Mutex
	var firstErr error
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10*attempts; i++ { // bounded; stops when told
				select {
				case <-stop:
					return
				default:
				}
				made.Add(1)
				if _, err := echoOnce(s.net, s.addr); err != nil {
					failed.Add(1)
					errMu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					errMu.Unlock()
				}
			}
		}()
	}
	gens := []int{s.cmd.Process.Pid}
	for r := range restarts {
		// Spread the restarts over the attempts.
		for made.Load() < int64((r+1)*attempts/(restarts+1)) {
			time.Sleep(5 * time.Millisecond)
		}
		_, err := io.WriteString(s.stdin, "restart\n")
		require.NoError(t, err)
		next := s.expectPid(t, "successor")
		assert.Equal(t, fmt.Sprintf("stopped %d", gens[len(gens)-1]), s.expect(t, "stopped "), "the old generation finished its connections and stopped")
		gens = append(gens, next)
	}
	for made.Load() < int64(attempts) {
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	assert.GreaterOrEqual(t, made.Load(), int64(attempts))
	assert.Zero(t, failed.Load(), "connection attempts refused or not echoed out of %d; first: %v; stderr: %s", made.Load(), firstErr, s.stderrText())
	tail := s.stopAndWait(t)
	assert.Equal(t, fmt.Sprintf("stopped %d", gens[len(gens)-1]), tail[len(tail)-1], "the last generation stops at the end of stdin")
	assert.Len(t, gens, restarts+1)
	assert.Empty(t, s.stderrText())
	t.Logf("%d connection attempts, %d restarts, generations %v", made.Load(), restarts, gens)
}

// TestForkServerRefuses: bad flags are refused before anything listens,
// with exit status 2 and a clear message.
func TestForkServerRefuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-net", "udp"}, `-net "udp": want tcp4, tcp6 or unix`},
		{[]string{"-addr", "0.0.0.0:0"}, "loopback addresses only"},
		{[]string{"-net", "unix"}, "-net unix needs -addr"},
		{[]string{"-reap", "sometimes"}, `-reap "sometimes"`},
		{[]string{"-prefork", "-1"}, "-prefork -1"},
		{[]string{"-prefork", "2", "-max", "3"}, "-max counts the connections"},
		{[]string{"extra"}, "unexpected arguments"},
	}
	if !haveSigchld {
		cases = append(cases, struct {
			args []string
			want string
		}{[]string{"-reap", "sigchld"}, "Windows has no SIGCHLD; use -reap loop"})
	}
	for _, sub := range subjects(t) {
		for _, tc := range cases {
			cmd := sub.command(tc.args...)
			out, err := cmd.CombinedOutput()
			require.Error(t, err, "%s %v", sub.name, tc.args)
			assert.Equal(t, 2, cmd.ProcessState.ExitCode(), "%s %v", sub.name, tc.args)
			assert.Contains(t, string(out), tc.want, "%s %v", sub.name, tc.args)
			assert.NotContains(t, string(out), "listening", "%s %v", sub.name, tc.args)
		}
	}
}
