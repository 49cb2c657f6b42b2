package chapter

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/forkport/forkport/procs"
)

// Timeouts of the forking server. Every wait of the server and its children
// is bounded by one of them.
const (
	// forkServerIdle is how long a connection's child waits for the next
	// line (or a worker for its write) before it gives up on the client.
	forkServerIdle = 10 * time.Second
	// forkServerGrace is how long a stopping server waits for its children
	// to finish their connections before it kills them.
	forkServerGrace = 15 * time.Second
	// forkServerReady is how long a restarting server waits for its
	// successor's "ready" before it kills it and goes on serving.
	forkServerReady = 20 * time.Second
	// forkServerTick is the period of the reaping loop (-reap loop).
	forkServerTick = 100 * time.Millisecond
	// forkServerMaxLine bounds a line a child echoes.
	forkServerMaxLine = 64 << 10
)

// ForkServerConfig is the forking server's command line, copied into every
// child it forks (procs.Copy), so that a successor serves as its
// predecessor did.
type ForkServerConfig struct {
	Network  string // tcp4, tcp6 or unix
	Addr     string // the address to listen on
	Reap     string // loop, sigchld or none
	Prefork  int    // workers that accept on the inherited listener; 0: a child per connection
	Max      int    // connections to accept before stopping; 0: no limit
	Restart  bool   // graceful restart on "restart" (and SIGHUP on Unix)
	Prestart int    // procs.Prestart pool size
}

// forkServerConf is the running server's configuration.
var forkServerConf ForkServerConfig

// Entry points of the server's children.
const (
	fsConnEntry      = "chapter.forkserver.conn"
	fsWorkerEntry    = "chapter.forkserver.worker"
	fsSuccessorEntry = "chapter.forkserver.successor"
)

func init() {
	procs.Copy("chapter.forkserver.config", &forkServerConf)
	procs.Register(fsConnEntry, forkServerConnChild)
	procs.Register(fsWorkerEntry, forkServerWorker)
	procs.Register(fsSuccessorEntry, forkServerSuccessor)
}

// ForkServer is the chapter's forking server (the sequel the chapter
// announces: "forks are revisited ... to deal with servers and their
// zombies"): an echo server on a loopback address that forks a child for
// every connection it accepts. The child takes the connection
// (procs.InheritedConn), answers every line it reads with
// "echo <childpid>: <line>" until the client closes its side, and exits;
// the parent closes its copy at once and goes back to accept.
//
// Flags:
//
//	-net tcp4|tcp6|unix   network (default tcp4)
//	-addr ADDR            address (default 127.0.0.1:0, [::1]:0 for tcp6;
//	                      required for unix: a socket path)
//	-reap loop|sigchld|none
//	                      loop: procs.Reap after every accept and every
//	                      100 ms; sigchld: procs.Reap on SIGCHLD (Unix
//	                      only: Windows has no SIGCHLD, and the flag is
//	                      refused there); none: never, so exited children
//	                      stay zombies until the server stops
//	-prefork N            fork N workers that all accept on the inherited
//	                      listener (procs.InheritedListener) and serve one
//	                      connection at a time; the server itself accepts
//	                      nothing
//	-restart              graceful restart on a line "restart" on stdin (and
//	                      on SIGHUP on Unix): fork a successor with the
//	                      listener, wait for its "ready" on a pipe, stop
//	                      accepting, finish the connections, exit
//	-max N                stop after N connections (0: no limit; not with
//	                      -prefork)
//	-prestart N           fork through procs.Prestart(N)'s pool
//
// It prints, one line each (the CPython twin forkserver.py prints the same):
//
//	listening <network> <address>   first, once the listener is open
//	child <pid>                     a child was forked for a connection
//	reaped <pid> <exit code>        a child was reaped (loop, sigchld)
//	worker <pid>                    a prefork worker was forked
//	successor <pid> ready           the successor took over (-restart)
//	stop <why>                      eof, signal, max or restart: the
//	                                server stops accepting
//	zombies <n>                     children found exited and unreaped
//	                                when the server stopped (Unix: zombies
//	                                until then; Windows has no zombies, only
//	                                exited processes whose handles are
//	                                still open)
//	stopped <pid>                   the server's children are gone, and it
//	                                exits
//
// It stops at the end of stdin, on SIGINT or SIGTERM (Ctrl-C or Ctrl-Break
// on Windows), or after -max connections: it closes the listener, stops the
// pool, reaps what has exited, waits up to 15 s for its children to finish
// their connections and kills those that do not. A line of stdin other than
// "restart" is ignored.
func ForkServer(args []string) int {
	fs := flag.NewFlagSet("forkserver", flag.ContinueOnError)
	c := &forkServerConf
	fs.StringVar(&c.Network, "net", "tcp4", "`network`: tcp4, tcp6 or unix")
	fs.StringVar(&c.Addr, "addr", "", "`address` to listen on (default 127.0.0.1:0, [::1]:0 for tcp6; a path for unix)")
	fs.StringVar(&c.Reap, "reap", "loop", "reaping: loop, sigchld (Unix) or none (leaves zombies)")
	fs.IntVar(&c.Prefork, "prefork", 0, "fork `N` workers that accept on the inherited listener")
	fs.IntVar(&c.Max, "max", 0, "stop after `N` connections (0: no limit)")
	fs.BoolVar(&c.Restart, "restart", false, "graceful restart on a line \"restart\" on stdin (and SIGHUP on Unix)")
	fs.IntVar(&c.Prestart, "prestart", 0, "fork through a procs.Prestart pool of `N` children")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if err := checkForkServerConfig(c); err != nil {
		fmt.Fprintf(os.Stderr, "forkserver: %v\n", err)
		return 2
	}
	l, err := net.Listen(c.Network, c.Addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "forkserver: %v\n", err)
		return 1
	}
	if ul, ok := l.(*net.UnixListener); ok {
		// The name must outlive this generation when a successor takes the
		// socket over: the last generation removes it (see run).
		ul.SetUnlinkOnClose(false)
	}
	fmt.Printf("listening %s %s\n", c.Network, l.Addr())
	return newForkServer(l).run(nil)
}

// checkForkServerConfig refuses bad flags with errors wrapping
// fs.ErrInvalid, and fills in the default address.
func checkForkServerConfig(c *ForkServerConfig) error {
	switch c.Network {
	case "tcp4", "tcp6", "unix":
	default:
		return fmt.Errorf("-net %q: want tcp4, tcp6 or unix: %w", c.Network, errInvalid)
	}
	if c.Addr == "" {
		switch c.Network {
		case "tcp4":
			c.Addr = "127.0.0.1:0"
		case "tcp6":
			c.Addr = "[::1]:0"
		default:
			return fmt.Errorf("-net unix needs -addr, a socket path: %w", errInvalid)
		}
	}
	if c.Network != "unix" {
		host, _, err := net.SplitHostPort(c.Addr)
		if err != nil {
			return fmt.Errorf("-addr %q: %v: %w", c.Addr, err, errInvalid)
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("-addr %q: the server listens on loopback addresses only: %w", c.Addr, errInvalid)
		}
	}
	switch c.Reap {
	case "loop", "none":
	case "sigchld":
		if err := sigchldAvailable(); err != nil {
			return fmt.Errorf("-reap sigchld: %v: %w", err, errInvalid)
		}
	default:
		return fmt.Errorf("-reap %q: want loop, sigchld or none: %w", c.Reap, errInvalid)
	}
	switch {
	case c.Prefork < 0 || c.Prefork > 64:
		return fmt.Errorf("-prefork %d: want 0 to 64 workers: %w", c.Prefork, errInvalid)
	case c.Max < 0:
		return fmt.Errorf("-max %d: negative: %w", c.Max, errInvalid)
	case c.Max > 0 && c.Prefork > 0:
		return fmt.Errorf("-max counts the connections the server accepts itself, and with -prefork it accepts none: %w", errInvalid)
	case c.Prestart < 0 || c.Prestart > 64:
		return fmt.Errorf("-prestart %d: want 0 to 64 children: %w", c.Prestart, errInvalid)
	}
	return nil
}

// errInvalid is the sentinel the server's flag errors wrap.
var errInvalid = iofs.ErrInvalid

// forkServer is one generation of the server: the first, or a successor.
type forkServer struct {
	l       net.Listener
	mu      sync.Mutex
	kids    map[int]*procs.Process // forked and not reaped
	served  int                    // connections accepted
	why     string                 // why it stops; set once
	stopped chan struct{}          // closed when why is set
	restart chan struct{}          // a restart asked for (one pending at most)
	stopReq chan string            // the first reason to stop asked for
}

func newForkServer(l net.Listener) *forkServer {
	return &forkServer{l: l, kids: map[int]*procs.Process{}, stopped: make(chan struct{}),
		restart: make(chan struct{}, 1), stopReq: make(chan string, 1)}
}

// run serves until the server stops, then cleans up; ready, in a
// successor, is the pipe on which it tells its predecessor it serves.
func (s *forkServer) run(ready *os.File) int {
	if forkServerConf.Prestart > 0 {
		if err := procs.Prestart(forkServerConf.Prestart); err != nil {
			fmt.Fprintf(os.Stderr, "forkserver: %v\n", err)
		}
	}
	stopSignals := make(chan os.Signal, 1)
	signal.Notify(stopSignals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(stopSignals)
	go func() {
		select {
		case <-stopSignals:
			s.event("signal")
		case <-s.stopped:
		}
	}()
	stopRestart := notifyRestart(func() { s.event("restart") })
	defer stopRestart()
	go s.readStdin()
	stopReaper := s.startReaper()

	var workers []*procs.Process
	var workersStop *os.File
	accepting := make(chan struct{})
	if forkServerConf.Prefork > 0 {
		close(accepting)
		var err error
		if workers, workersStop, err = s.forkWorkers(); err != nil {
			fmt.Fprintf(os.Stderr, "forkserver: %v\n", err)
			s.event("error")
		}
	} else {
		go func() { defer close(accepting); s.acceptLoop() }()
	}
	if ready != nil {
		_, _ = io.WriteString(ready, "ready\n")
		ready.Close()
	}
	code := s.handleEvents()

	// Stopping: the listener is closed; once the accept loop is out of
	// the Fork it may be in, every child is known.
	<-accepting
	stopReaper()
	if forkServerConf.Prestart > 0 {
		_ = procs.Prestart(0)
	}
	// What has exited unreaped is counted before the workers are told to
	// stop: a worker still runs unless it failed.
	zombies := procs.Reap()
	if workersStop != nil {
		workersStop.Close() // the workers read end of file and stop accepting
	}
	s.mu.Lock()
	for _, st := range zombies {
		delete(s.kids, st.Pid())
	}
	kids := make([]*procs.Process, 0, len(s.kids)+len(workers))
	for _, p := range s.kids {
		kids = append(kids, p)
	}
	s.mu.Unlock()
	if forkServerConf.Network == "unix" && s.why != "restart" {
		// The last generation removes the socket's name (a listener from
		// FileListener, as in a successor, does not on Close).
		if err := os.Remove(forkServerConf.Addr); err != nil && !errors.Is(err, iofs.ErrNotExist) {
			fmt.Fprintf(os.Stderr, "forkserver: %v\n", err)
		}
	}
	fmt.Printf("zombies %d\n", len(zombies))
	finishChildren(append(kids, workers...))
	fmt.Printf("stopped %d\n", os.Getpid())
	return code
}

// handleEvents waits for the reason to stop, doing the restarts asked for
// on the way; it returns the exit status.
func (s *forkServer) handleEvents() int {
	for {
		var why string
		select {
		case why = <-s.stopReq:
		case <-s.restart:
		}
		if why != "" {
			s.stop(why)
			break
		}
		if !forkServerConf.Restart {
			fmt.Fprintln(os.Stderr, "forkserver: restart asked for without -restart: ignored")
			continue
		}
		if err := s.forkSuccessor(); err != nil {
			fmt.Fprintf(os.Stderr, "forkserver: restart: %v; serving on\n", err)
			continue
		}
		s.stop("restart")
		break
	}
	s.mu.Lock()
	why := s.why
	s.mu.Unlock()
	if why == "error" {
		return 1
	}
	return 0
}

// event hands ev, "restart" or a reason to stop, to handleEvents, never
// blocking: a restart already pending, or a reason to stop already given,
// makes the same event moot, and a stop is never lost behind restarts.
func (s *forkServer) event(ev string) {
	if ev == "restart" {
		select {
		case s.restart <- struct{}{}:
		default:
		}
		return
	}
	select {
	case s.stopReq <- ev:
	default:
	}
}

// stop records why the server stops (the first reason wins), prints it and
// closes the listener, which ends the accept loop.
func (s *forkServer) stop(why string) {
	s.mu.Lock()
	if s.why != "" {
		s.mu.Unlock()
		return
	}
	s.why = why
	close(s.stopped)
	s.mu.Unlock()
	fmt.Printf("stop %s\n", why)
	s.l.Close()
}

func (s *forkServer) stopping() bool {
	select {
	case <-s.stopped:
		return true
	default:
		return false
	}
}

// readStdin turns the lines of stdin into events: "restart" asks for a
// restart (and ends this reader, so that a successor reads the rest), the
// end of input stops the server.
func (s *forkServer) readStdin() {
	for {
		line, err := readLine(os.Stdin)
		if err != nil {
			if !s.stopping() {
				s.event("eof")
			}
			return
		}
		if strings.TrimSpace(line) == "restart" && forkServerConf.Restart {
			s.event("restart")
			return
		}
	}
}

// acceptLoop accepts connections and forks a child for each, until the
// listener is closed or -max connections were accepted.
func (s *forkServer) acceptLoop() {
	for {
		c, err := s.l.Accept()
		if err != nil {
			if !s.stopping() {
				fmt.Fprintf(os.Stderr, "forkserver: accept: %v\n", err)
				s.event("error")
			}
			return
		}
		p, err := procs.ForkWith(fsConnEntry, &procs.Attr{Sockets: []syscall.Conn{c.(syscall.Conn)}})
		c.Close() // the child has its own copy
		if err != nil {
			fmt.Fprintf(os.Stderr, "forkserver: fork: %v\n", err)
			s.event("error")
			return
		}
		s.mu.Lock()
		s.kids[p.Pid] = p
		s.served++
		n := s.served
		s.mu.Unlock()
		fmt.Printf("child %d\n", p.Pid)
		if forkServerConf.Reap == "loop" {
			s.reap()
		}
		if forkServerConf.Max > 0 && n >= forkServerConf.Max {
			s.event("max")
			return
		}
	}
}

// reap reaps the children that have exited and prints each.
func (s *forkServer) reap() {
	for _, st := range procs.Reap() {
		s.mu.Lock()
		delete(s.kids, st.Pid())
		s.mu.Unlock()
		fmt.Printf("reaped %d %d\n", st.Pid(), st.ExitCode())
	}
}

// startReaper starts the reaping of -reap loop (a ticker) or sigchld (a
// signal handler), and returns the function that stops it.
func (s *forkServer) startReaper() (stop func()) {
	var wake <-chan struct{}
	var release func()
	switch forkServerConf.Reap {
	case "loop":
		t := time.NewTicker(forkServerTick)
		wake, release = relay(t.C, t.Stop)
	case "sigchld":
		wake, release = notifyChildExit()
	default:
		return func() {}
	}
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for range wake {
			s.reap()
		}
	}()
	return func() { release(); <-finished }
}

// relay turns every value that comes from src into a wake-up on wake,
// until release, which calls stop (src's own) and ends the relay: wake is
// closed.
func relay[T any](src <-chan T, stop func()) (wake <-chan struct{}, release func()) {
	ch := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(ch)
		for {
			select {
			case <-src:
				select {
				case ch <- struct{}{}:
				case <-done:
					return
				}
			case <-done:
				return
			}
		}
	}()
	return ch, func() { stop(); close(done) }
}

// forkWorkers forks the prefork workers, each with the listener and the
// read end of a pipe whose end of file tells them to stop.
func (s *forkServer) forkWorkers() ([]*procs.Process, *os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	var workers []*procs.Process
	for range forkServerConf.Prefork {
		p, err := procs.ForkWith(fsWorkerEntry, &procs.Attr{Files: []*os.File{r}, Sockets: []syscall.Conn{s.l.(syscall.Conn)}})
		if err != nil {
			return workers, w, fmt.Errorf("forking a worker: %w", err)
		}
		workers = append(workers, p)
		fmt.Printf("worker %d\n", p.Pid)
	}
	return workers, w, nil
}

// forkSuccessor forks the next generation with the listener and a pipe on
// which it says "ready"; it returns once the successor serves.
func (s *forkServer) forkSuccessor() error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	p, err := procs.ForkWith(fsSuccessorEntry, &procs.Attr{Files: []*os.File{w}, Sockets: []syscall.Conn{s.l.(syscall.Conn)}})
	w.Close()
	if err != nil {
		return err
	}
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		got <- line
	}()
	select {
	case line := <-got:
		if line == "ready\n" {
			// The successor outlives this server, which does not wait for
			// it: once this one exits, the successor's new parent (init or
			// the nearest subreaper on Unix) reaps it.
			fmt.Printf("successor %d ready\n", p.Pid)
			return nil
		}
		err = fmt.Errorf("the successor %d said %q, not ready", p.Pid, line)
	case <-time.After(forkServerReady):
		err = fmt.Errorf("no ready from the successor %d within %v", p.Pid, forkServerReady)
	}
	_ = p.Kill()
	_, _ = p.Wait()
	return err
}

// finishChildren waits for the children, killing those still running after
// forkServerGrace; every one is reaped.
func finishChildren(kids []*procs.Process) {
	deadline := time.After(forkServerGrace)
	done := make(chan struct{}, len(kids))
	for _, p := range kids {
		go func() {
			_, _ = p.Wait() // a child reaped meanwhile returns ECHILD at once
			done <- struct{}{}
		}()
	}
	for left := len(kids); left > 0; left-- {
		select {
		case <-done:
		case <-deadline:
			for _, p := range kids {
				_ = p.Kill() // the reaped ones return os.ErrProcessDone
			}
			deadline = nil
			left++
		}
	}
}

// forkServerConnChild is a connection's child: it echoes the connection's
// lines and exits.
func forkServerConnChild() {
	c, err := procs.InheritedConn(0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "forkserver: child %d: %v\n", os.Getpid(), err)
		procs.Exit(3)
	}
	if err := echoLines(c); err != nil {
		fmt.Fprintf(os.Stderr, "forkserver: child %d: %v\n", os.Getpid(), err)
		procs.Exit(4)
	}
	procs.Exit(0)
}

// echoLines answers each line of c with "echo <pid>: <line>" until the
// client closes its side, then closes c.
func echoLines(c net.Conn) error {
	defer c.Close()
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 4096), forkServerMaxLine)
	for {
		_ = c.SetDeadline(time.Now().Add(forkServerIdle))
		if !sc.Scan() {
			return sc.Err() // nil at end of file
		}
		if _, err := fmt.Fprintf(c, "echo %d: %s\n", os.Getpid(), sc.Text()); err != nil {
			return err
		}
	}
}

// forkServerWorker is a prefork worker: it accepts on the inherited
// listener and serves one connection at a time, until its parent closes
// the stop pipe (or dies).
func forkServerWorker() {
	l, err := procs.InheritedListener(0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "forkserver: worker %d: %v\n", os.Getpid(), err)
		procs.Exit(3)
	}
	stop := procs.Inherited()[0]
	closed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, stop) // returns at end of file
		close(closed)
		l.Close()
	}()
	for {
		c, err := l.Accept()
		if err != nil {
			select {
			case <-closed:
				procs.Exit(0)
			default:
			}
			fmt.Fprintf(os.Stderr, "forkserver: worker %d: accept: %v\n", os.Getpid(), err)
			procs.Exit(4)
		}
		if err := echoLines(c); err != nil {
			fmt.Fprintf(os.Stderr, "forkserver: worker %d: %v\n", os.Getpid(), err)
		}
	}
}

// forkServerSuccessor is the next generation of a restarting server: it
// takes the listener, serves, and says ready on the inherited pipe.
func forkServerSuccessor() {
	l, err := procs.InheritedListener(0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "forkserver: successor %d: %v\n", os.Getpid(), err)
		procs.Exit(3)
	}
	procs.Exit(newForkServer(l).run(procs.Inherited()[0]))
}
