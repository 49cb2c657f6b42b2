package procs_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
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
	procs.Register("socket-serve-one", serveOneEntry)
	procs.Register("socket-echo-conn", echoConnEntry)
	procs.Register("socket-misuse", socketMisuseEntry)
	procs.Register("socket-deadline", deadlineEntry)
	procs.Register("socket-hand-on", handOnEntry)
}

// handOnEntry hands the listener it was handed to a child of its own,
// which serves one connection, and exits with that child's status.
func handOnEntry() {
	l, err := procs.InheritedListener(0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		procs.Exit(3)
	}
	sc, ok := l.(syscall.Conn)
	if !ok {
		fmt.Fprintf(os.Stderr, "an inherited listener (%T) is not a syscall.Conn\n", l)
		procs.Exit(4)
	}
	p, err := procs.ForkWith("socket-serve-one", &procs.Attr{Sockets: []syscall.Conn{sc}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		procs.Exit(5)
	}
	l.Close()
	st, err := p.Wait()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		procs.Exit(6)
	}
	procs.Exit(st.ExitCode())
}

// TestForkHandsOnAnInheritedListener: what a child takes it can hand on,
// as a forking server's generations do (on Windows also when it is served
// by blocking calls).
func TestForkHandsOnAnInheritedListener(t *testing.T) {
	l := listen(t, "tcp4")
	p := forkWith(t, "socket-hand-on", &procs.Attr{Sockets: []syscall.Conn{l.(syscall.Conn)}, Group: true}, func() {})
	a := ask(t, "tcp4", l.Addr().String(), "to the grandchild")
	assert.Regexp(t, `^child \d+: to the grandchild\n$`, a)
	assert.NotContains(t, a, fmt.Sprintf("child %d:", p.Pid), "served by the grandchild, not the child")
	assert.Zero(t, waitCode(t, p))
}

// socketDeadline bounds every read, write and accept of these tests.
const socketDeadline = 20 * time.Second

// serveOneEntry accepts one connection on inherited listener 0 and answers
// its line with "child PID: line".
func serveOneEntry() {
	l, err := procs.InheritedListener(0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		procs.Exit(3)
	}
	defer l.Close()
	if err := serveOne(l, "child"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		procs.Exit(4)
	}
}

// echoConnEntry answers the line on inherited connection 0, then closes it.
func echoConnEntry() {
	c, err := procs.InheritedConn(0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		procs.Exit(3)
	}
	if err := answer(c, "child"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		procs.Exit(4)
	}
}

// serveOne accepts one connection on l and answers it as who.
func serveOne(l net.Listener, who string) error {
	if d, ok := l.(interface{ SetDeadline(time.Time) error }); ok {
		_ = d.SetDeadline(time.Now().Add(socketDeadline))
	}
	c, err := l.Accept()
	if err != nil {
		return err
	}
	return answer(c, who)
}

// answer reads a line from c, writes "who PID: line" and closes c.
func answer(c net.Conn, who string) error {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(socketDeadline))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c, "%s %d: %s", who, os.Getpid(), line)
	return err
}

// ask dials addr, sends line and returns the whole answer (up to end of
// file: the server closed the connection, and nobody else holds it).
func ask(t *testing.T, network, addr, line string) string {
	t.Helper()
	a, err := tryAsk(network, addr, line)
	require.NoError(t, err)
	return a
}

// tryAsk is ask for goroutines other than the test's: it returns its error.
func tryAsk(network, addr, line string) (string, error) {
	c, err := net.DialTimeout(network, addr, socketDeadline)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(socketDeadline)); err != nil {
		return "", err
	}
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	if err != nil {
		return "", fmt.Errorf("the answer does not end with end of file: %w", err)
	}
	return string(b), nil
}

// askLater is tryAsk in a goroutine: its answer, or its error's text,
// comes on the channel.
func askLater(network, addr, line string) <-chan string {
	got := make(chan string, 1)
	go func() {
		a, err := tryAsk(network, addr, line)
		if err != nil {
			a = err.Error()
		}
		got <- a
	}()
	return got
}

// listenCases are the listeners the tests hand on: TCP over both loopbacks
// and a Unix domain socket.
func listen(t *testing.T, network string) net.Listener {
	t.Helper()
	addr := map[string]string{"tcp4": "127.0.0.1:0", "tcp6": "[::1]:0"}[network]
	if network == "unix" {
		// A short path: sun_path holds about 100 bytes.
		dir, err := os.MkdirTemp("", "fp")
		require.NoError(t, err)
		t.Cleanup(func() { os.RemoveAll(dir) })
		addr = filepath.Join(dir, "s")
	}
	l, err := net.Listen(network, addr)
	if err != nil && network == "tcp6" && isNoIPv6(err) {
		t.Skipf("no IPv6 loopback on this machine: %v", err)
	}
	if err != nil && network == "unix" && unixSocketsOptional {
		t.Skipf("no Unix domain sockets here: %v (Windows has them since 10 1803; Wine may not)", err)
	}
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}

func isNoIPv6(err error) bool {
	return errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT) ||
		strings.Contains(err.Error(), "cannot assign requested address") ||
		strings.Contains(err.Error(), "address family not supported")
}

var socketNetworks = []string{"tcp4", "tcp6", "unix"}

// TestForkHandsListener: a child handed the listener accepts on it while
// the parent goes on accepting on its own copy; each of two connections is
// served by one of them.
func TestForkHandsListener(t *testing.T) {
	for _, network := range socketNetworks {
		t.Run(network, func(t *testing.T) {
			l := listen(t, network)
			p := forkWith(t, "socket-serve-one", &procs.Attr{Sockets: []syscall.Conn{l.(syscall.Conn)}, Group: true}, func() {})
			parent := make(chan error, 1)
			go func() { parent <- serveOne(l, "parent") }()
			answers := make(chan string, 2)
			for _, line := range []string{"one", "two"} {
				go func() { answers <- <-askLater(network, l.Addr().String(), line) }()
			}
			who := map[string]bool{}
			for range 2 {
				f := strings.Fields(<-answers + " ? ?")
				who[f[0]+" "+strings.TrimSuffix(f[1], ":")] = true
			}
			l.Close() // the parent's Accept returns if no connection came to it
			assert.NoError(t, <-parent)
			assert.Zero(t, waitCode(t, p), "the child served its connection and exited")
			assert.Equal(t, map[string]bool{"child " + fmt.Sprint(p.Pid): true, "parent " + fmt.Sprint(os.Getpid()): true}, who,
				"each connection answered by one of the two processes accepting on one listener")
		})
	}
}

// TestForkHandsConnection: the parent accepts, hands the connection to a
// child and closes its copy at once (the chapter's forking server); the
// child still serves it, and its close ends the connection: the client
// reads end of file, so no other copy is left open.
func TestForkHandsConnection(t *testing.T) {
	for _, network := range socketNetworks {
		t.Run(network, func(t *testing.T) {
			l := listen(t, network)
			got := askLater(network, l.Addr().String(), "hello")
			c, err := l.Accept()
			require.NoError(t, err)
			p := forkWith(t, "socket-echo-conn", &procs.Attr{Sockets: []syscall.Conn{c.(syscall.Conn)}, Group: true}, func() {})
			require.NoError(t, c.Close(), "the parent closes its copy right after Fork")
			select {
			case a := <-got:
				assert.Equal(t, fmt.Sprintf("child %d: hello\n", p.Pid), a)
			case <-time.After(2 * socketDeadline):
				t.Fatal("no answer from the child")
			}
			assert.Zero(t, waitCode(t, p))
		})
	}
}

// socketMisuseEntry takes its sockets the wrong ways and reports each
// error's sentinel on stdout.
func socketMisuseEntry() {
	say := func(what string, err error) {
		fmt.Printf("%s: notexist=%t invalid=%t closed=%t %v\n", what, errors.Is(err, fs.ErrNotExist),
			errors.Is(err, fs.ErrInvalid), errors.Is(err, os.ErrClosed), err)
	}
	fmt.Printf("count: %d\n", procs.InheritedSockets())
	_, err := procs.InheritedConn(0)
	say("listener as conn", err)
	_, err = procs.InheritedListener(1)
	say("conn as listener", err)
	_, err = procs.InheritedListener(2)
	say("out of range", err)
	_, err = procs.InheritedListener(-1)
	say("negative", err)
	l, err := procs.InheritedListener(0)
	say("listener", err)
	if l != nil {
		l.Close()
	}
	_, err = procs.InheritedListener(0)
	say("again", err)
}

func TestInheritedSocketMisuse(t *testing.T) {
	l := listen(t, "tcp4")
	go func() {
		// The connection handed as socket 1.
		c, err := net.DialTimeout("tcp4", l.Addr().String(), socketDeadline)
		if err == nil {
			defer c.Close()
			_, _ = io.ReadAll(c)
		}
	}()
	c, err := l.Accept()
	require.NoError(t, err)
	defer c.Close()
	out := filepath.Join(testutil.TempDir(t), "out")
	f, err := os.Create(out)
	require.NoError(t, err)
	defer f.Close()
	p := forkWith(t, "socket-misuse", &procs.Attr{Sockets: []syscall.Conn{l.(syscall.Conn), c.(syscall.Conn)}, Stdout: f, Group: true}, func() {})
	require.Zero(t, waitCode(t, p))
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Len(t, lines, 7, "%s", b)
	assert.Equal(t, "count: 2", lines[0])
	for i, want := range []string{
		"listener as conn: notexist=false invalid=true closed=false",
		"conn as listener: notexist=false invalid=true closed=false",
		"out of range: notexist=true invalid=false closed=false",
		"negative: notexist=true invalid=false closed=false",
		"listener: notexist=false invalid=false closed=false <nil>",
		"again: notexist=false invalid=false closed=true",
	} {
		assert.True(t, strings.HasPrefix(lines[i+1], want), "line %d: %q, want it to start %q", i+1, lines[i+1], want)
	}

	// Outside a forked child there is no socket to take.
	_, err = procs.InheritedListener(0)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Zero(t, procs.InheritedSockets())
}

// TestForkRefusesBadSockets: what cannot be handed is refused before any
// child starts, with the standard sentinel.
func TestForkRefusesBadSockets(t *testing.T) {
	closed := listen(t, "tcp4")
	require.NoError(t, closed.Close())
	file, err := os.Create(filepath.Join(testutil.TempDir(t), "not-a-socket"))
	require.NoError(t, err)
	defer file.Close()
	var udp syscall.Conn = file // if there is no UDP here (Wine: wsaioctl fails), another "not a stream socket"
	if u, err := net.ListenPacket("udp4", "127.0.0.1:0"); err == nil {
		defer u.Close()
		udp = u.(syscall.Conn)
	} else {
		t.Logf("no UDP socket here: %v", err)
	}
	open := listen(t, "tcp4")
	many := make([]syscall.Conn, 65)
	for i := range many {
		many[i] = open.(syscall.Conn)
	}
	var nilListener *net.TCPListener
	for _, tc := range []struct {
		name    string
		sockets []syscall.Conn
		is      error
		says    string
	}{
		{"nil", []syscall.Conn{nil}, fs.ErrInvalid, "Attr.Sockets[0] (<nil>): invalid argument: a nil socket"},
		{"nil pointer", []syscall.Conn{nilListener}, fs.ErrInvalid, "a nil socket"},
		{"closed", []syscall.Conn{open.(syscall.Conn), closed.(syscall.Conn)}, os.ErrClosed, "Attr.Sockets[1] (*net.TCPListener): file already closed"},
		{"not a socket", []syscall.Conn{file}, fs.ErrInvalid, "not a socket"},
		{"datagram", []syscall.Conn{udp}, fs.ErrInvalid, map[bool]string{true: "not a stream socket", false: "not a socket"}[udp != file]},
		{"too many", many, fs.ErrInvalid, "65 sockets, over the limit of 64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := procs.PooledForks()
			p, err := procs.ForkWith("return", &procs.Attr{Sockets: tc.sockets})
			if p != nil {
				_, _ = p.Wait()
			}
			assert.Nil(t, p)
			assert.ErrorIs(t, err, tc.is)
			assert.ErrorContains(t, err, tc.says)
			assert.Equal(t, before, procs.PooledForks(), "no pre-started child was used")
		})
	}
	// Start refuses them alike.
	_, err = procs.Start(exe(t), []string{helperArgv0("serve", "")}, &procs.Attr{Sockets: []syscall.Conn{file}})
	assert.ErrorIs(t, err, fs.ErrInvalid)
	assert.ErrorContains(t, err, "not a socket")
}

// TestPrestartHandsSockets: a pre-started child takes the listener and a
// connection as a fresh one does.
func TestPrestartHandsSockets(t *testing.T) {
	withPool(t, 1)
	l := listen(t, "tcp4")
	waitPoolFull(t, 1)
	before := procs.PooledForks()
	p := forkWith(t, "socket-serve-one", &procs.Attr{Sockets: []syscall.Conn{l.(syscall.Conn)}}, func() {})
	assert.Equal(t, fmt.Sprintf("child %d: through the pool\n", p.Pid), ask(t, "tcp4", l.Addr().String(), "through the pool"))
	assert.Zero(t, waitCode(t, p))
	assert.Equal(t, before+1, procs.PooledForks(), "a pre-started child served the Fork")

	got := askLater("tcp4", l.Addr().String(), "a connection")
	c, err := l.Accept()
	require.NoError(t, err)
	waitPoolFull(t, 1)
	p = forkWith(t, "socket-echo-conn", &procs.Attr{Sockets: []syscall.Conn{c.(syscall.Conn)}}, func() {})
	require.NoError(t, c.Close())
	assert.Equal(t, fmt.Sprintf("child %d: a connection\n", p.Pid), <-got)
	assert.Zero(t, waitCode(t, p))
	assert.Equal(t, before+2, procs.PooledForks(), "a pre-started child served the Fork")
}

// deadlineEntry reads from inherited connection 0 past a deadline, then
// after closing it, and reports both errors' sentinels; then it answers on
// inherited connection 1.
func deadlineEntry() {
	c, err := procs.InheritedConn(0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		procs.Exit(3)
	}
	_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err = c.Read(make([]byte, 1))
	fmt.Printf("past the deadline: deadline=%t\n", errors.Is(err, os.ErrDeadlineExceeded))
	_ = c.SetReadDeadline(time.Time{})
	c.Close()
	_, err = c.Read(make([]byte, 1))
	fmt.Printf("after close: closed=%t\n", errors.Is(err, net.ErrClosed))
}

// TestInheritedConnDeadlineAndClose: a connection a child takes keeps
// net.Conn's contract for deadlines and Close (on Windows also when it is
// served by blocking calls, as under Wine), and its Close ends the
// connection: the client, which sent nothing, reads end of file.
func TestInheritedConnDeadlineAndClose(t *testing.T) {
	l := listen(t, "tcp4")
	got := make(chan error, 1)
	go func() {
		c, err := net.DialTimeout("tcp4", l.Addr().String(), socketDeadline)
		if err == nil {
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(socketDeadline))
			_, err = io.ReadAll(c)
		}
		got <- err
	}()
	c, err := l.Accept()
	require.NoError(t, err)
	out := filepath.Join(testutil.TempDir(t), "out")
	f, err := os.Create(out)
	require.NoError(t, err)
	defer f.Close()
	p := forkWith(t, "socket-deadline", &procs.Attr{Sockets: []syscall.Conn{c.(syscall.Conn)}, Stdout: f, Group: true}, func() {})
	require.NoError(t, c.Close())
	require.Zero(t, waitCode(t, p))
	assert.NoError(t, <-got, "the client reads end of file once the child closed the connection")
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "past the deadline: deadline=true\nafter close: closed=true\n", string(b))
}

// serveStarted is the "serve" helper: a program Start started with
// Attr.Sockets, which procs.Init gave them to.
func serveStarted() int {
	if _, set := os.LookupEnv("FORKPORT_SOCKETS"); set {
		fmt.Fprintln(os.Stderr, "FORKPORT_SOCKETS is still in the environment after Init")
		return 5
	}
	var err error
	if l, lerr := procs.InheritedListener(0); lerr == nil {
		defer l.Close()
		err = serveOne(l, "started")
	} else if c, cerr := procs.InheritedConn(0); cerr == nil {
		err = answer(c, "started")
	} else {
		err = errors.Join(lerr, cerr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	return 0
}

// TestStartHandsSockets: a program Start starts takes its sockets as a
// forked child does (through FORKPORT_SOCKETS, which Init reads).
func TestStartHandsSockets(t *testing.T) {
	l := listen(t, "tcp4")
	start := func(c syscall.Conn) *procs.Process {
		p, err := procs.Start(exe(t), []string{helperArgv0("serve", "")}, &procs.Attr{Sockets: []syscall.Conn{c}, Group: true})
		require.NoError(t, err)
		t.Cleanup(func() { _ = p.KillTree(); _, _ = p.Wait() })
		return p
	}
	p := start(l.(syscall.Conn))
	assert.Equal(t, fmt.Sprintf("started %d: a listener\n", p.Pid), ask(t, "tcp4", l.Addr().String(), "a listener"))
	assert.Zero(t, waitCode(t, p))

	got := askLater("tcp4", l.Addr().String(), "a connection")
	c, err := l.Accept()
	require.NoError(t, err)
	p = start(c.(syscall.Conn))
	require.NoError(t, c.Close())
	assert.Equal(t, fmt.Sprintf("started %d: a connection\n", p.Pid), <-got)
	assert.Zero(t, waitCode(t, p))
}

// TestStartedProgramRefusesBadSocketsVariable: FORKPORT_SOCKETS comes from
// whoever started the program; what it names must be open sockets, and
// taking one that is not fails with fs.ErrInvalid (the program still runs).
func TestStartedProgramRefusesBadSocketsVariable(t *testing.T) {
	for _, v := range []string{"1 fd 0", "1 fd 900", "1 fd x", "2 fd 3", "1 pipe 0 1"} {
		t.Run(v, func(t *testing.T) {
			cmd := exec.Command(exe(t))
			cmd.Args = []string{helperArgv0("serve", "")}
			cmd.Env = append(os.Environ(), "FORKPORT_SOCKETS="+v)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "%s", out)
			assert.Equal(t, 3, ee.ExitCode(), "the program ran, and could not take a socket: %s", out)
			assert.Contains(t, string(out), "invalid argument")
			assert.Contains(t, string(out), "FORKPORT_SOCKETS")
		})
	}
}
