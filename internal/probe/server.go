package probe

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/forkport/forkport/procs"
)

// The forking-server probe: the chapter's "forks are revisited in Chapter
// 13 to deal with servers and their zombies", asserted with sockets that a
// parent hands to the children procs forks (procs.Attr.Sockets).
//
// Every connection is over the IPv4 loopback; every accept, dial, read and
// write has a deadline (serverDeadline); every loop has a bound; every
// child is reaped (or, for a graceful restart's successor, waited for
// through a pipe it holds) before the probe exits, and every listener is
// closed.

func init() {
	procs.Register("probe.server.conn", serverConnChild)
	procs.Register("probe.server.acceptone", serverAcceptOneChild)
	procs.Register("probe.server.noexit", serverNoExitChild)
	procs.Register("probe.server.gen", serverGeneration)
	procs.Register("probe.server.bindsame", serverBindSameChild)
	procs.Copy("probe.server.loop", &serverLoopState)
	procs.Copy("probe.server.gen", &serverGenState)
	procs.Copy("probe.server.port", &serverPort)
}

// serverDeadline bounds every network wait of the probe and its children.
const serverDeadline = 20 * time.Second

// serverStreamTime bounds the restart scenario's stream of connection
// attempts (2000 take well under a second here).
const serverStreamTime = time.Minute

// serverMaxLines bounds how many lines a child answers on one connection.
const serverMaxLines = 16

// serverScenarios are ServerProbe's subcommands.
var serverScenarios = map[string]func(args []string) error{
	"handoff":   serverHandoff,
	"closecopy": serverCloseCopy,
	"prefork":   serverPrefork,
	"zombies":   serverZombies,
	"sigchld":   serverSIGCHLD,
	"noexit":    serverNoExit,
	"restart":   serverRestart,
	"reuseport": serverReusePort,
}

// ServerProbe runs one forking-server scenario, named by its first
// argument, and prints one fact per line:
//
//   - handoff: the parent accepts a connection, forks a child with it and
//     accepts the next while the first stays open; each is answered by its
//     own child.
//   - closecopy: the parent closes its copy of the connection right after
//     the fork; the child still answers, and the client reads end of file
//     only after the child's last line.
//   - prefork [-n N]: N children (3) inherit the listener, each accepts one
//     connection; N connections are served by N distinct children.
//   - zombies: three children serve a connection each and exit; unreaped
//     they are zombies (Unix), a loop of procs.Reap removes them.
//   - sigchld: with SIGCHLD ignored (Unix), a child that served a
//     connection is reaped by the kernel, and Wait fails with ECHILD.
//   - noexit [-exit]: the chapter's forgotten os._exit: a child that
//     served its connection goes back to the accept loop, and serves (by
//     forking) a connection made after the server stopped accepting.
//   - restart [-n N]: a graceful restart under N connection attempts
//     (2000) from four dialers; prints how many failed.
//   - reuseport: a second process binds the port of a listener with
//     SO_REUSEPORT, and fails to without it (EADDRINUSE).
func ServerProbe(args []string) int {
	if len(args) < 1 || serverScenarios[args[0]] == nil {
		return usage("serverprobe", "usage: serverprobe handoff|closecopy|prefork|zombies|sigchld|noexit|restart|reuseport [flags]")
	}
	if err := serverScenarios[args[0]](args[1:]); err != nil {
		return fail("serverprobe "+args[0], err)
	}
	return 0
}

// serverListen listens on an ephemeral port of the IPv4 loopback.
func serverListen() (*net.TCPListener, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return l.(*net.TCPListener), nil
}

// accept accepts one connection on l, waiting at most serverDeadline.
func accept(l net.Listener) (net.Conn, error) {
	if d, ok := l.(interface{ SetDeadline(time.Time) error }); ok {
		if err := d.SetDeadline(time.Now().Add(serverDeadline)); err != nil {
			return nil, err
		}
	}
	return l.Accept()
}

// serveConn answers each line read from c with "PID PPID line" (at most
// serverMaxLines), and at end of file writes "PID bye" and closes c.
func serveConn(c net.Conn) error {
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(serverDeadline)); err != nil {
		return err
	}
	r := bufio.NewReader(c)
	for range serverMaxLines {
		line, err := r.ReadString('\n')
		if err == io.EOF && line == "" {
			_, err = fmt.Fprintf(c, "%d bye\n", os.Getpid())
			return err
		}
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(c, "%d %d %s", os.Getpid(), os.Getppid(), line); err != nil {
			return err
		}
	}
	return fmt.Errorf("more than %d lines on one connection", serverMaxLines)
}

// client is the probe's end of one connection.
type client struct {
	c net.Conn
	r *bufio.Reader
}

// dial connects to addr, with a deadline on the connection's whole life.
func dial(addr string) (*client, error) {
	c, err := net.DialTimeout("tcp4", addr, serverDeadline)
	if err != nil {
		return nil, err
	}
	if err := c.SetDeadline(time.Now().Add(serverDeadline)); err != nil {
		c.Close()
		return nil, err
	}
	return &client{c: c, r: bufio.NewReader(c)}, nil
}

// ask sends line and returns the PID and parent PID of the process that
// answered it.
func (cl *client) ask(line string) (pid, ppid int, err error) {
	if _, err := io.WriteString(cl.c, line+"\n"); err != nil {
		return 0, 0, err
	}
	a, err := cl.r.ReadString('\n')
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(a)
	if len(f) < 3 || f[2] != line {
		return 0, 0, fmt.Errorf("unexpected answer %q to %q", a, line)
	}
	pid, err1 := strconv.Atoi(f[0])
	ppid, err2 := strconv.Atoi(f[1])
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, fmt.Errorf("unexpected answer %q: %w", a, err)
	}
	return pid, ppid, nil
}

// finish shuts down the writing half, reads what is left up to end of file
// and closes the connection. It returns what was left.
func (cl *client) finish() (string, error) {
	defer cl.c.Close()
	if err := cl.c.(*net.TCPConn).CloseWrite(); err != nil {
		return "", err
	}
	rest, err := io.ReadAll(cl.r)
	return string(rest), err
}

// finishedBy reports whether rest is exactly the bye line of pid: the
// server's last line before it closed, then end of file.
func finishedBy(rest string, pid int) bool { return rest == fmt.Sprintf("%d bye\n", pid) }

// serverConnChild serves inherited connection 0, then exits 0 (the
// chapter's child ends with os._exit(0)).
func serverConnChild() {
	c, err := procs.InheritedConn(0)
	if err == nil {
		err = serveConn(c)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "serverprobe child:", err)
		procs.Exit(1)
	}
	procs.Exit(0)
}

// forkConn forks a child that serves c, and closes the parent's copy.
func forkConn(c net.Conn) (*procs.Process, error) {
	p, err := procs.ForkWith("probe.server.conn", &procs.Attr{Sockets: []syscall.Conn{sockConn(c)}})
	if cerr := c.Close(); err == nil && cerr != nil {
		_ = p.Kill()
		_, _ = p.Wait()
		return nil, cerr
	}
	return p, err
}

// acceptAndFork accepts the connection cl made on l and forks its child.
func acceptAndFork(l net.Listener) (*procs.Process, error) {
	sc, err := accept(l)
	if err != nil {
		return nil, err
	}
	return forkConn(sc)
}

// connectForked dials l, has the parent accept the connection and fork a
// child for it, and asks line: it returns the client (open), the child and
// the PID and parent PID that answered. On an error it leaves nothing
// behind: the client closed, the child killed and reaped.
func connectForked(l net.Listener, line string) (cl *client, p *procs.Process, pid, ppid int, err error) {
	if cl, err = dial(l.Addr().String()); err != nil {
		return nil, nil, 0, 0, err
	}
	if p, err = acceptAndFork(l); err == nil {
		if pid, ppid, err = cl.ask(line); err != nil {
			killAll([]*procs.Process{p})
		}
	}
	if err != nil {
		cl.c.Close()
		return nil, nil, 0, 0, err
	}
	return cl, p, pid, ppid, nil
}

// reapAll waits for every child in ps and returns their statuses, joined
// by ", ".
func reapAll(ps []*procs.Process) (string, error) {
	var out []string
	var errs []error
	for _, p := range ps {
		if p == nil {
			continue
		}
		st, err := p.Wait()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, st.String())
	}
	return strings.Join(out, ", "), errors.Join(errs...)
}

// killAll kills and reaps the children in ps that are still running: the
// clean-up of a scenario that failed half way.
func killAll(ps []*procs.Process) {
	for _, p := range ps {
		if p != nil {
			_ = p.Kill()
			_, _ = p.Wait()
		}
	}
}

// serverHandoff: a child serves the connection it was handed while the
// parent accepts the next.
func serverHandoff([]string) (err error) {
	l, err := serverListen()
	if err != nil {
		return err
	}
	defer l.Close()
	var kids []*procs.Process
	defer func() {
		if err != nil {
			killAll(kids)
		}
	}()
	c1, p1, pid1, ppid1, err := connectForked(l, "one")
	if err != nil {
		return err
	}
	defer c1.c.Close()
	kids = append(kids, p1)
	fmt.Printf("first connection: answered by its child=%t\n", pid1 == p1.Pid && ppid1 == os.Getpid())
	c2, p2, pid2, ppid2, err := connectForked(l, "two")
	if err != nil {
		return err
	}
	defer c2.c.Close()
	kids = append(kids, p2)
	fmt.Printf("second connection, while the first stays open: answered by another child=%t\n",
		pid2 == p2.Pid && ppid2 == os.Getpid() && pid2 != pid1)
	again, _, err := c1.ask("one-again")
	if err != nil {
		return err
	}
	fmt.Printf("first connection, after the second was served: still answered by its child=%t\n", again == p1.Pid)
	rest2, err := c2.finish()
	if err != nil {
		return err
	}
	rest1, err := c1.finish()
	if err != nil {
		return err
	}
	fmt.Printf("each connection closed by its own child=%t\n", finishedBy(rest1, p1.Pid) && finishedBy(rest2, p2.Pid))
	sts, err := reapAll(kids)
	fmt.Printf("children: %s\n", sts)
	return err
}

// serverCloseCopy: closing the parent's copy of a connection does not close
// the child's.
func serverCloseCopy([]string) error {
	l, err := serverListen()
	if err != nil {
		return err
	}
	defer l.Close()
	c, err := dial(l.Addr().String())
	if err != nil {
		return err
	}
	defer c.c.Close()
	sc, err := accept(l)
	if err != nil {
		return err
	}
	p, err := procs.ForkWith("probe.server.conn", &procs.Attr{Sockets: []syscall.Conn{sockConn(sc)}})
	if err != nil {
		sc.Close()
		return err
	}
	cerr := sc.Close()
	fmt.Printf("parent closed its copy right after the fork: err=%v\n", cerr)
	pid, _, err := c.ask("after-the-parents-close")
	if err != nil {
		killAll([]*procs.Process{p})
		return err
	}
	fmt.Printf("after the parent's close: the child answered=%t\n", pid == p.Pid)
	rest, err := c.finish()
	if err != nil {
		killAll([]*procs.Process{p})
		return err
	}
	fmt.Printf("end of file: right after the child's last line=%t\n", finishedBy(rest, p.Pid))
	sts, err := reapAll([]*procs.Process{p})
	fmt.Printf("child: %s\n", sts)
	return err
}

// serverAcceptOneChild accepts one connection on inherited listener 0,
// serves it and exits.
func serverAcceptOneChild() {
	l, err := procs.InheritedListener(0)
	if err == nil {
		var c net.Conn
		c, err = accept(l)
		l.Close()
		if err == nil {
			err = serveConn(c)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "serverprobe child:", err)
		procs.Exit(1)
	}
	procs.Exit(0)
}

// serverPrefork: a listener inherited by N children is accepted on by all
// of them.
func serverPrefork(args []string) (err error) {
	n, err := intFlag(args, "-n", 3, 1, 16)
	if err != nil {
		return err
	}
	l, err := serverListen()
	if err != nil {
		return err
	}
	defer l.Close()
	var kids []*procs.Process
	defer func() {
		if err != nil {
			killAll(kids)
		}
	}()
	forked := map[int]bool{}
	for range n {
		p, err := procs.ForkWith("probe.server.acceptone", &procs.Attr{Sockets: []syscall.Conn{l}})
		if err != nil {
			return err
		}
		kids = append(kids, p)
		forked[p.Pid] = true
	}
	fmt.Printf("parent closed its listener after forking: err=%v\n", l.Close())
	answered := 0
	by := map[int]bool{}
	for i := range n {
		c, err := dial(l.Addr().String())
		if err != nil {
			return err
		}
		pid, ppid, err := c.ask(fmt.Sprintf("hello-%d", i))
		if err != nil {
			c.c.Close()
			return err
		}
		if _, err := c.finish(); err != nil {
			return err
		}
		answered++
		if forked[pid] && ppid == os.Getpid() {
			by[pid] = true
		}
	}
	fmt.Printf("connections=%d answered=%d\n", n, answered)
	fmt.Printf("served by distinct children of the parent: %d of %d\n", len(by), n)
	sts, err := reapAll(kids)
	fmt.Printf("children: %s\n", sts)
	return err
}

// intFlag parses "name N" from args, or returns def; N must be in [lo, hi].
func intFlag(args []string, name string, def, lo, hi int) (int, error) {
	switch {
	case len(args) == 0:
		return def, nil
	case len(args) == 2 && args[0] == name:
		n, err := strconv.Atoi(args[1])
		if err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("%s %q: want a number from %d to %d: %w", name, args[1], lo, hi, os.ErrInvalid)
		}
		return n, nil
	}
	return 0, fmt.Errorf("unexpected arguments %q: %w", args, os.ErrInvalid)
}

// serveOneByFork dials l, has the parent accept and fork a child for the
// connection, asks one line and finishes; it returns the child.
func serveOneByFork(l net.Listener, line string) (*procs.Process, error) {
	c, p, _, _, err := connectForked(l, line)
	if err != nil {
		return nil, err
	}
	defer c.c.Close()
	rest, err := c.finish()
	if err == nil && !finishedBy(rest, p.Pid) {
		err = fmt.Errorf("unexpected end of connection %q", rest)
	}
	if err != nil {
		killAll([]*procs.Process{p})
		return nil, err
	}
	return p, nil
}

// serverZombies: children that are not reaped linger as zombies; a reaping
// loop removes them.
func serverZombies([]string) (err error) {
	const n = 3
	l, err := serverListen()
	if err != nil {
		return err
	}
	defer l.Close()
	var kids []*procs.Process
	defer func() {
		if err != nil {
			killAll(kids)
		}
	}()
	for i := range n {
		p, err := serveOneByFork(l, fmt.Sprintf("conn-%d", i))
		if err != nil {
			return err
		}
		kids = append(kids, p)
	}
	fmt.Printf("served=%d by children, none reaped yet\n", n)
	zombies := 0
	for _, p := range kids {
		if err := waitExitedNotReaped(p.Pid); err != nil {
			return err
		}
		if strings.HasPrefix(describe(p.Pid), "zombie=yes") {
			zombies++
		}
	}
	fmt.Printf("exited, not reaped: zombies=%d of %d\n", zombies, n)
	// The reaping loop a forking server runs before each accept: Reap
	// takes whatever has exited, without blocking. All have, so one
	// round would do; the bound keeps a lost child from hanging it.
	reaped := 0
	for round := 0; reaped < n && round < 500; round++ {
		reaped += len(procs.Reap())
		if reaped < n {
			time.Sleep(10 * time.Millisecond)
		}
	}
	fmt.Printf("reaping loop: reaped=%d of %d\n", reaped, n)
	gone := 0
	for _, p := range kids {
		if strings.Contains(describeReaped(p.Pid), "gone") {
			gone++
		}
	}
	fmt.Printf("after reaping: gone=%d of %d\n", gone, n)
	if reaped < n {
		return fmt.Errorf("the reaping loop reaped %d of %d children", reaped, n)
	}
	return nil
}

// serverSIGCHLD: with SIGCHLD ignored, the kernel reaps children, and Wait
// reports that the child is gone.
func serverSIGCHLD([]string) error {
	fmt.Printf("SIGCHLD: %s\n", ignoreChildSignal())
	l, err := serverListen()
	if err != nil {
		return err
	}
	defer l.Close()
	p, err := serveOneByFork(l, "hello")
	if err != nil {
		return err
	}
	fmt.Printf("after the child exited, before any wait: %s\n", afterChildExit(p.Pid))
	st, err := p.Wait()
	switch {
	case err == nil:
		fmt.Printf("wait: %s\n", st)
	case errors.Is(err, syscall.ECHILD):
		fmt.Println("wait: echild=true")
	default:
		return err
	}
	return nil
}

// serverLoopState is the server loop's position, copied into each child
// forked by serverLoop as os.fork copies the loop variable.
var serverLoopState struct {
	Next, Budget int  // the next accept, and how many the loop makes
	Exit         bool // the child exits after serving (the chapter's os._exit)
}

// serverLoop is a forking server's loop: accept, fork a child with the
// listener and the connection (os.fork gives a child both), close the
// parent's copy of the connection, until the budget of accepts is spent.
func serverLoop(l net.Listener) ([]*procs.Process, error) {
	var kids []*procs.Process
	for serverLoopState.Next < serverLoopState.Budget {
		c, err := accept(l)
		if err != nil {
			return kids, err
		}
		serverLoopState.Next++
		p, err := procs.ForkWith("probe.server.noexit", &procs.Attr{
			Sockets: []syscall.Conn{sockConn(l), sockConn(c)}})
		c.Close()
		if err != nil {
			return kids, err
		}
		kids = append(kids, p)
	}
	return kids, nil
}

// serverNoExitChild serves its connection and then, unless told to exit,
// does what a forked child that forgot os._exit does: it goes on with the
// server's loop from where its parent was, on the listener it inherited.
// procs' child runs an entry point, not the rest of its parent's code, so
// the loop is in the entry point; the state says where the loop was.
func serverNoExitChild() {
	l, err := procs.InheritedListener(0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "serverprobe child:", err)
		procs.Exit(1)
	}
	c, err := procs.InheritedConn(1)
	if err == nil {
		err = serveConn(c)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "serverprobe child:", err)
		procs.Exit(1)
	}
	if serverLoopState.Exit {
		procs.Exit(0)
	}
	kids, err := serverLoop(l) // the forgotten exit: back to accepting
	l.Close()
	if _, werr := reapAll(kids); err == nil {
		err = werr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "serverprobe child:", err)
		procs.Exit(1)
	}
}

// serverNoExit: a child that does not exit goes back to accepting.
func serverNoExit(args []string) (err error) {
	exit := len(args) == 1 && args[0] == "-exit"
	if len(args) > 0 && !exit {
		return fmt.Errorf("unexpected arguments %q: %w", args, os.ErrInvalid)
	}
	l, err := serverListen()
	if err != nil {
		return err
	}
	defer l.Close()
	addr := l.Addr().String()
	c1, err := dial(addr)
	if err != nil {
		return err
	}
	defer c1.c.Close()
	c2, err := dial(addr)
	if err != nil {
		return err
	}
	defer c2.c.Close()
	serverLoopState.Next, serverLoopState.Budget, serverLoopState.Exit = 0, 2, exit
	kids, err := serverLoop(l)
	defer func() {
		if err != nil {
			killAll(kids)
		}
	}()
	if err != nil {
		return err
	}
	if err := l.Close(); err != nil {
		return err
	}
	fmt.Println("the server accepted 2 connections and closed its listener")
	for i, c := range []*client{c1, c2} {
		pid, ppid, err := c.ask(fmt.Sprintf("conn-%d", i+1))
		if err != nil {
			return err
		}
		if _, err := c.finish(); err != nil {
			return err
		}
		fmt.Printf("connection %d: answered by child %d=%t\n", i+1, i+1, pid == kids[i].Pid && ppid == os.Getpid())
	}
	// Nobody but a child that went back to its loop can accept this one.
	pid, ppid, err3 := func() (int, int, error) {
		c3, err := dial(addr)
		if err != nil {
			return 0, 0, err
		}
		defer c3.c.Close()
		pid, ppid, err := c3.ask("conn-3")
		if err != nil {
			return 0, 0, err
		}
		_, err = c3.finish()
		return pid, ppid, err
	}()
	fmt.Printf("connection 3, made after the server stopped accepting: answered=%t\n", err3 == nil)
	if err3 == nil {
		fmt.Printf("connection 3: answered by a child that child 1 forked=%t\n", ppid == kids[0].Pid && pid != kids[0].Pid)
	}
	sts, err := reapAll(kids)
	fmt.Printf("children: %s\n", sts)
	return err
}

// serverGenState says whether a server generation is a successor (started
// by a graceful restart) or the first.
var serverGenState struct{ Successor bool }

// serverGeneration is one generation of a server that restarts gracefully.
// It serves connections on inherited listener 0, one at a time. Its files:
// the first gets (restart, stop, alive); a successor gets (stop, alive,
// ready). A byte on restart makes it fork its successor with the listener
// and the stop and alive files; once the successor writes its byte on
// ready, this generation closes its listener, which ends its loop after
// the connection it serves, and exits. End of file on stop makes it close
// its listener too. alive is only held, so that the probe sees end of file
// once every generation has exited.
func serverGeneration() {
	if err := runGeneration(); err != nil {
		fmt.Fprintln(os.Stderr, "serverprobe generation:", err)
		procs.Exit(1)
	}
}

func runGeneration() error {
	l, err := procs.InheritedListener(0)
	if err != nil {
		return err
	}
	files := procs.Inherited()
	if len(files) != 3 {
		return fmt.Errorf("want 3 inherited files, have %d: %w", len(files), os.ErrInvalid)
	}
	var restart, stop, alive *os.File
	if serverGenState.Successor {
		stop, alive = files[0], files[1]
		_, err := files[2].Write([]byte{1}) // ready: the listener is ours
		files[2].Close()
		if err != nil {
			l.Close()
			return err
		}
	} else {
		restart, stop, alive = files[0], files[1], files[2]
	}
	defer alive.Close()
	closeListener := sync.OnceFunc(func() { l.Close() })
	defer closeListener()
	go func() {
		_, _ = io.Copy(io.Discard, stop)
		closeListener()
	}()
	handoff := make(chan error, 1)
	if restart != nil {
		go func() {
			b := make([]byte, 1)
			if _, err := restart.Read(b); err != nil {
				handoff <- nil // no restart asked: stop does the rest
				return
			}
			err := forkSuccessor(l, stop, alive)
			if err == nil {
				closeListener()
			}
			handoff <- err
		}()
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		c, err := accept(l)
		if errors.Is(err, net.ErrClosed) {
			break
		}
		if err != nil {
			return err
		}
		if err := serveConn(c); err != nil {
			fmt.Fprintln(os.Stderr, "serverprobe generation: a connection:", err)
		}
	}
	if restart != nil {
		select {
		case err := <-handoff:
			return err
		case <-time.After(serverDeadline):
			return errors.New("the restart did not finish")
		}
	}
	return nil
}

// forkSuccessor forks the next generation with l, stop and alive, and waits
// for its ready byte. The successor outlives this process: it is not
// waited for here (the probe sees it exit through alive).
func forkSuccessor(l net.Listener, stop, alive *os.File) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	serverGenState.Successor = true
	_, err = procs.ForkWith("probe.server.gen", &procs.Attr{
		Sockets: []syscall.Conn{sockConn(l)}, Files: []*os.File{stop, alive, w}})
	w.Close()
	if err != nil {
		return err
	}
	_ = r.SetReadDeadline(time.Now().Add(serverDeadline))
	b := make([]byte, 1)
	if _, err := r.Read(b); err != nil {
		return fmt.Errorf("the successor did not say it was ready: %w", err)
	}
	return nil
}

// serverRestart: a graceful restart loses no connection under a stream of
// connection attempts.
func serverRestart(args []string) error {
	const dialers = 4
	n, err := intFlag(args, "-n", 2000, dialers, 100000)
	if err != nil {
		return err
	}
	l, err := serverListen()
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	var pipes [6]*os.File // restart r/w, stop r/w, alive r/w
	for i := 0; i < 6; i += 2 {
		if pipes[i], pipes[i+1], err = os.Pipe(); err != nil {
			l.Close()
			return err
		}
	}
	restartW, stopW, aliveR := pipes[1], pipes[3], pipes[4]
	defer restartW.Close()
	defer stopW.Close()
	defer aliveR.Close()
	p, err := procs.ForkWith("probe.server.gen", &procs.Attr{
		Sockets: []syscall.Conn{l}, Files: []*os.File{pipes[0], pipes[2], pipes[5]}})
	pipes[0].Close()
	pipes[2].Close()
	pipes[5].Close()
	l.Close()
	if err != nil {
		return err
	}
	var completed atomic.Int64    // attempts made so far
	exited := make(chan int64, 1) // attempts made when the old server exited
	var status string
	var waitErr error
	done := make(chan struct{})
	results := make(chan int, n) // the answering PID, 0 for a failed attempt
	go func() {
		defer close(done)
		st, err := p.Wait()
		if err != nil {
			waitErr = err
		} else {
			status = st.String()
		}
		exited <- completed.Load()
	}()
	attempts := make(chan int, n)
	for i := range n {
		attempts <- i
	}
	close(attempts)
	restartAt := n / 4
	// The stream's bound: past it, attempts left count as failed untried.
	streamEnd := time.Now().Add(serverStreamTime)
	for range dialers {
		go func() {
			for i := range attempts {
				if i == restartAt {
					_, _ = restartW.Write([]byte{1})
				}
				pid := 0
				if time.Now().Before(streamEnd) {
					pid = attempt(addr, i)
				}
				completed.Add(1)
				results <- pid
			}
		}()
	}
	failed, byOld, byNew := 0, 0, 0
	for range n {
		switch pid := <-results; {
		case pid == 0:
			failed++
		case pid == p.Pid:
			byOld++
		default:
			byNew++
		}
	}
	fmt.Printf("refused=%d of %d\n", failed, n)
	fmt.Printf("served by the old server: %t, by its successor: %t\n", byOld > 0, byNew > 0)
	stopW.Close()
	restartW.Close()
	select {
	case <-done:
	case <-time.After(serverDeadline):
		_ = p.Kill()
		<-done
	}
	if waitErr != nil {
		return waitErr
	}
	fmt.Printf("the old server exited during the stream: %t (%s)\n", <-exited < int64(n), status)
	_ = aliveR.SetReadDeadline(time.Now().Add(serverDeadline))
	_, err = io.Copy(io.Discard, aliveR)
	fmt.Printf("every generation exited: %t\n", err == nil)
	_, err = net.DialTimeout("tcp4", addr, serverDeadline)
	fmt.Printf("after the last generation: connection refused=%t\n", isRefused(err))
	return nil
}

// attempt makes connection attempt i and returns the PID that answered
// it, 0 if it failed.
func attempt(addr string, i int) int {
	c, err := net.DialTimeout("tcp4", addr, 5*time.Second)
	if err != nil {
		return 0
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(c, "a%d\n", i); err != nil {
		return 0
	}
	a, err := bufio.NewReader(c).ReadString('\n')
	f := strings.Fields(a)
	if err != nil || len(f) != 3 || f[2] != fmt.Sprintf("a%d", i) {
		return 0
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil {
		return 0
	}
	return pid
}

// serverPort is the port the second process of reuseport binds.
var serverPort int

// serverBindSameChild binds serverPort twice, with SO_REUSEPORT and
// without, and prints what happened.
func serverBindSameChild() {
	l, err := listenReusePort(serverPort)
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		fmt.Println("second process, with SO_REUSEPORT: unsupported on this OS")
	case err != nil:
		fmt.Printf("second process, with SO_REUSEPORT: bound=false eaddrinuse=%t\n", addrInUse(err))
	default:
		fmt.Println("second process, with SO_REUSEPORT: bound=true")
		l.Close()
	}
	l, err = net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", serverPort))
	if err != nil {
		fmt.Printf("second process, without SO_REUSEPORT: bound=false eaddrinuse=%t\n", addrInUse(err))
	} else {
		fmt.Println("second process, without SO_REUSEPORT: bound=true")
		l.Close()
	}
}

// serverReusePort: SO_REUSEPORT lets a second process bind the same port;
// without it the second bind fails with EADDRINUSE.
func serverReusePort([]string) error {
	l, err := listenReusePort(0)
	if errors.Is(err, errors.ErrUnsupported) {
		fmt.Println("first listener: SO_REUSEPORT unsupported on this OS, bound without it")
		l, err = net.Listen("tcp4", "127.0.0.1:0")
	} else if err == nil {
		fmt.Println("first listener: SO_REUSEPORT set")
	}
	if err != nil {
		return err
	}
	defer l.Close()
	serverPort = l.Addr().(*net.TCPAddr).Port
	p, err := procs.Fork("probe.server.bindsame")
	if err != nil {
		return err
	}
	sts, err := reapAll([]*procs.Process{p})
	fmt.Printf("second process: %s\n", sts)
	return err
}

// sockConn is x as a syscall.Conn for procs.Attr.Sockets: a listener or
// connection that is not one makes ForkWith fail with the reason, instead
// of the probe panicking on a type assertion.
func sockConn(x any) syscall.Conn {
	if sc, ok := x.(syscall.Conn); ok {
		return sc
	}
	return notConn{x}
}

type notConn struct{ x any }

func (n notConn) SyscallConn() (syscall.RawConn, error) {
	return nil, fmt.Errorf("%T is not a syscall.Conn: %w", n.x, os.ErrInvalid)
}
