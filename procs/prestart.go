package procs

// The pool of pre-started children behind Prestart. An idle child is a Fork
// whose request has not been sent yet: started as ForkWith starts a child,
// with a marker that says "wait", it runs the runtime, package
// initialisation and Init, then blocks reading its channel. Fork takes one,
// sends it what a fresh child would have got from its start (entry point,
// environment, working directory, arguments, standard files and Attr.Files
// on Unix, process group or session, job on Windows) followed by the
// usual header and state, in one message on Unix (the files as
// SCM_RIGHTS), and waits for its answer as for a fresh child, unless it
// knows the child cannot refuse (answerless: on Linux, the common case).

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Prestart keeps up to n children started and waiting, so that Fork, which
// otherwise starts the program again (a few milliseconds of runtime and
// package initialisation), costs only the hand-off of the state to one of
// them. Prestart returns once n children are waiting (they have run
// package initialisation and Init), or with the error that kept one from
// starting. Fork takes a waiting child when there is one (it never waits
// for one) and the pool is refilled in the background; an empty pool
// means a fresh start, as without Prestart. On Linux, Fork hands a
// waiting child its request without waiting for an answer when nothing in
// it can be refused (the child runs this build, with the same entry
// points; no copied value goes through a marshaler or gob; no Group or
// Detach; the child is not stopped): the request, the state and the files
// are in the child's end of the channel when Fork returns, so the child
// has its copy, whatever the caller does next (exit, close the files), and
// the child's one wake-up is all that is left between Fork and the entry
// point. Otherwise Fork waits for a waiting child's answer for a bounded
// time (a second, plus a second per 16 MiB of copied state; a hand-off
// normally takes well under a millisecond), as it waits for a state the
// channel cannot take at once: a child that has not answered by then
// (stopped by a signal, say) is killed and reaped, and Fork starts a
// fresh child, with the same result, only later. (One that answers in the
// very instant it is killed may have entered its entry point, and dies
// there.) A child stopped between Fork's look and the hand-off is handed
// its request and runs it once continued, as a child stopped right after
// Fork would. Prestart(0) stops the pool:
// waiting children are ended, children still being started are killed
// rather than waited for, and every one is reaped before it returns.
// Without a call to Prestart nothing changes. It is safe for concurrent
// use; it must be called after Init, and fails as Fork would if Register
// or Copy was misused.
//
// A child from the pool is an ordinary child of the caller (same PID rules,
// reaped with Wait, Waitpid or Reap, in the caller's trees), and Fork's
// contract holds: the child runs the entry point with the state, the
// environment, working directory and arguments the caller has when it
// calls Fork, and Attr's files, directory and tree. What cannot be redone
// in a running process is documented here:
//
//   - package initialisation ran when the child was pre-started, with the
//     caller's environment, directory and arguments of that time (the entry
//     point sees the new ones), and with the null device as its standard
//     input, output and error: what it prints is lost, not written to the
//     Fork's Attr.Stdout (the entry point writes there);
//   - what the Go runtime reads from the environment once at start
//     (GODEBUG, GOMAXPROCS, GOGC, GOMEMLIMIT, GOTRACEBACK, GORACE): Fork
//     uses a waiting child only if these are what the child started with,
//     else it starts a fresh one (and the pool replaces children whose
//     values no longer match the caller's);
//   - on Windows, handles given to a running process get new values, and a
//     process cannot be detached from its console after it starts: Fork
//     bypasses the pool for Attr.Files (whose values a forked child keeps)
//     and Attr.Detach there. The child's os.Stdin, os.Stdout and os.Stderr
//     become new *os.File values for the standard handles it is handed (the
//     standard logger follows), so a copy of one taken during package
//     initialisation still names the null device the child waited with;
//   - Exec* ends the pool's children, waiting or being started, before it
//     replaces the program (on Unix; they would be the new program's
//     unknown children), and starts the pool again if the exec fails;
//   - on Unix, Attr.Files go to descriptors 4 to 11 (8 at most through the
//     pool; more start a fresh child);
//   - what a process inherits when it starts: credentials (user and group
//     IDs, supplementary groups; on Linux also capabilities, no_new_privs
//     and the seccomp mode and filter count), resource limits and ignored
//     signals (on Linux as the
//     kernel has them; elsewhere as the Go runtime knows them: signal.Ignore,
//     or ignored when the program started). Fork uses a waiting child only
//     if these are what they were when the child started, and the pool
//     replaces the others: a root program that drops privileges after
//     Prestart never gets a child that runs as root (stop the pool with
//     Prestart(0) before the drop all the same: once dropped, the caller
//     cannot signal a child still starting as root, and a stop waits for
//     its package initialisation). What the kernel does
//     not show there is a waiting child's from its start: a Landlock
//     domain, namespaces, the cgroup, the LSM context (stop the pool with
//     Prestart(0) before changing them, and start it again after).
//     Fork reads them when
//     a child waits: on Linux one read of /proc/self/status and the 16
//     limits, elsewhere 22 system calls (BenchmarkReadProcState);
//   - the umask and the working directory are the caller's at Fork, sent
//     to the waiting child. On Unix the directory goes as a descriptor, so
//     the child enters the directory the caller is in (or Attr.Dir names)
//     as a fresh child inherits it, even once renamed or removed; on
//     Windows it enters it by path. Linux reads the umask in
//     /proc/self/status; macOS and the BSDs, where procs uses no call that
//     only reads it, set the one Fork read last (at first the one the
//     program started with) and put back the one they find:
//     after the umask changes, a file another thread creates during the
//     first Fork that follows, in the microsecond between those two calls,
//     gets the previous umask;
//   - what the caller has beyond Go's view cannot be handed: descriptors
//     opened without close-on-exec (Go's os package never makes one) reach
//     a fresh child, where a waiting child has those of its own start; and
//     what ps shows of a pooled child, /proc/self/cmdline and
//     /proc/self/environ on Linux, is what it started with (os.Args and
//     os.Environ are the caller's at Fork).
//
// Waiting children hold none of the caller's files open (their standard
// files are the null device until Fork hands them the real ones; a
// descriptor the caller cleared close-on-exec on before Prestart is the
// exception, as above), and exit
// by themselves, silently, when the caller exits or dies. A process that
// waits for all its descendants before it exits (a child subreaper) must
// stop its pool first: its waiting children wait for it in turn.
//
// Each waiting child costs the memory of an idle instance of the program
// (about 2 MiB for a small one: see the README's Performance section), and
// the caller holds a descriptor for it (its channel; on Linux also a
// pidfd, as for every child). A Fork served without an answer keeps its
// child's channel open for a millisecond more, off its path; Prestart(0)
// closes the ones still open before it returns. A fresh Fork that fails
// for lack of descriptors (EMFILE, ENFILE, or EBADF from a child whose
// descriptors cannot be moved under the limit) while there is a pool ends
// the pool's children and tries once more, so a pool makes no Fork fail
// that would succeed without it; the pool refills after the next Fork.
func Prestart(n int) error {
	if n < 0 {
		return wrap("prestart", fmt.Sprint(n), invalid("negative pool size"))
	}
	if err := forkReady(); err != nil {
		return wrap("prestart", fmt.Sprint(n), err)
	}
	_ = thePool.resize(n, true)
	return wrap("prestart", fmt.Sprint(n), thePool.fillNow())
}

// forkReady reports the misuse that makes every Fork fail.
func forkReady() error {
	regMu.Lock()
	done, errs := initDone, copyErrs
	regMu.Unlock()
	switch {
	case !done:
		return ErrNoInit
	case len(errs) > 0:
		return errors.Join(errs...)
	}
	return nil
}

// startOnlyEnv lists the variables the Go runtime reads once, at start.
var startOnlyEnv = []string{"GODEBUG", "GOMAXPROCS", "GOGC", "GOMEMLIMIT", "GOTRACEBACK", "GORACE"}

// startOnly is the values of startOnlyEnv in env, as one comparable string.
func startOnly(env []string) string {
	var b strings.Builder
	for _, k := range startOnlyEnv {
		if v, ok := envLookup(env, k); ok {
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(v)
		}
		b.WriteByte(0) // no value holds a NUL
	}
	return b.String()
}

// envLookup is envValue that also says whether key is set.
func envLookup(env []string, key string) (string, bool) {
	for _, e := range env {
		if k, v, ok := cutEnv(e); ok && envKeyEqual(k, key) {
			return v, true
		}
	}
	return "", false
}

// cutEnv splits NAME=value; a name may start with '=' (Windows keeps
// per-drive directories as "=C:=C:\dir").
func cutEnv(e string) (string, string, bool) {
	if i := strings.IndexByte(e[min(1, len(e)):], '='); i >= 0 {
		i += min(1, len(e))
		return e[:i], e[i+1:], true
	}
	return "", "", false
}

// idleChild is a child of the pool: being started, then waiting.
type idleChild struct {
	pool    *pool
	p       *Process
	end     handoffEnd
	nonce   [16]byte
	env     string   // startOnly of the environment it started with
	start   []string // that environment, without the marker
	state   string   // procState.key of the caller when it started
	stopped bool     // killed by a stop while it started (under pool.mu)
	// sure: the child said it runs this build with this process's entry
	// points (readyDigest), so it takes every request this process can
	// send it without an answer (see forkPooled).
	sure bool
}

// discard ends a child of the pool that will not be used, reaps it and
// releases it: it is the pool's until it is reaped.
func (c *idleChild) discard() {
	c.end.close() // a waiting child reads end of file and exits
	_ = c.p.KillTree()
	_ = c.p.Kill()
	_, _ = c.p.Wait()
	c.pool.release()
}

// The pool's lifecycle. Every child it starts is counted in owned from
// just before it is started until it is reaped (discard) or handed to a
// Fork's caller; a stop (resize(0): Prestart(0), Exec*) kills the children
// still being started and returns only once owned is zero, so that after
// it the pool has no process at all, whatever the children were doing
// (running package initialisation, stopped by a signal, being discarded
// by another goroutine).
type pool struct {
	mu       sync.Mutex
	want     int    // the size the pool fills to now
	size     int    // the size Prestart (or Exec, stopping it) asked for last
	gen      uint64 // advanced by every resize: a stop waits only for its own
	idle     []*idleChild
	starting map[*idleChild]struct{} // started, not ready yet: a stop kills them
	owned    int                     // children started, not yet reaped or handed off
	// lingering: the channel ends of answerless hand-offs, closed a
	// moment after the Fork (see forkPooled), or by a stop at once.
	lingering map[*idleChild]struct{}
	filling   bool       // a refill goroutine (or fillNow) is running
	done      *sync.Cond // signalled when filling stops or owned drops
}

var thePool = newPool()

func newPool() *pool {
	p := &pool{starting: map[*idleChild]struct{}{}, lingering: map[*idleChild]struct{}{}}
	p.done = sync.NewCond(&p.mu)
	return p
}

// linger keeps the channel end of a child handed off without an answer,
// until unlinger or a stop closes it.
func (pl *pool) linger(c *idleChild) {
	pl.mu.Lock()
	pl.lingering[c] = struct{}{}
	pl.mu.Unlock()
}

// unlinger closes the channel end linger kept, unless a stop did.
func (pl *pool) unlinger(c *idleChild) {
	pl.mu.Lock()
	_, ok := pl.lingering[c]
	delete(pl.lingering, c)
	pl.mu.Unlock()
	if ok {
		c.end.close()
	}
}

// release forgets a child the pool no longer owns (reaped, or handed off).
func (pl *pool) release() {
	pl.mu.Lock()
	pl.owned--
	pl.done.Broadcast()
	pl.mu.Unlock()
}

// errStopped is what starting a child returns when the pool was stopped
// meanwhile: not an error of Prestart's.
var errStopped = errors.New("the pool was stopped while the child started")

// resize sets the pool's size (also the one asked for, when asked: from
// Prestart and Exec, not from shed); at 0 it returns once the pool has no
// child, or once a later resize asked for more. It returns the generation
// it made.
func (pl *pool) resize(n int, asked bool) uint64 {
	pl.mu.Lock()
	pl.want = n
	if asked {
		pl.size = n
	}
	pl.gen++
	gen := pl.gen
	var drop []*idleChild
	if len(pl.idle) > n {
		drop = pl.idle[n:]
		pl.idle = pl.idle[:n:n]
	}
	if n == 0 {
		// A child still in its package initialisation (or stopped there)
		// is killed, not waited for: its starter sees it die, reaps it
		// and releases it.
		for c := range pl.starting {
			c.stopped = true
			_ = c.p.Kill()
			unblock(c.end)
		}
		drop = append(drop, pl.idle...)
		pl.idle = nil
		// The ends of the answerless hand-offs not closed yet: a stop
		// leaves no descriptor of the pool's behind.
		for c := range pl.lingering {
			c.end.close()
		}
		clear(pl.lingering)
	}
	pl.mu.Unlock()
	for _, c := range drop {
		c.discard()
	}
	if n > 0 {
		return gen
	}
	pl.mu.Lock()
	// A refill goroutine ends at once now (its child, if any, is killed)
	// and starts none: wait for it too, so that it cannot start one for a
	// Prestart(n) that follows. A later Prestart(n) takes over.
	for (pl.owned > 0 || pl.filling) && (pl.gen == gen || pl.want == 0) {
		pl.done.Wait()
	}
	pl.mu.Unlock()
	return gen
}

// shed ends the pool's children, waiting or being started, when a fresh
// Fork failed for lack of descriptors while there is a pool (its children
// hold some: their channels, and on Linux their pidfds), and reports
// whether it did: the caller tries again, as without a pool. The pool
// keeps the size last asked for, and refills once that Fork is done.
func (pl *pool) shed(err error) bool {
	// EBADF too: the child of a start whose descriptors are numbered
	// near the limit (the pool holds the lower ones) fails to move them
	// above it (Go's fork moves its error pipe above every descriptor it
	// passes on), and a start given a closed file fails the same way
	// twice.
	if !errors.Is(err, syscall.EMFILE) && !errors.Is(err, syscall.ENFILE) && !errors.Is(err, syscall.EBADF) {
		return false
	}
	pl.mu.Lock()
	want, owned := pl.want, pl.owned
	pl.mu.Unlock()
	if want == 0 && owned == 0 {
		return false
	}
	// With a pool, try again even if it holds nothing now: a refill
	// that held descriptors while the Fork ran may have failed and
	// released them since. Then the pool gets the size last asked for
	// (so a Prestart(0) meanwhile stays), as a new generation that ends
	// the wait of a concurrent shed.
	pl.resize(0, false)
	pl.mu.Lock()
	pl.want = pl.size
	pl.gen++
	pl.done.Broadcast()
	pl.mu.Unlock()
	return true
}

// suspend ends and reaps the pool's children, waiting or being started
// (before an exec, which would leave them to a program that does not know
// them), and returns what puts the pool back.
func (pl *pool) suspend() (restore func()) {
	pl.mu.Lock()
	size, busy := pl.size, pl.want > 0 || pl.owned > 0
	pl.mu.Unlock()
	if size == 0 && !busy {
		return func() {}
	}
	// The size asked for, not the one the pool fills to: a shed in
	// progress has it at 0 for a moment, and would restore it after.
	_ = pl.resize(0, true)
	if size == 0 {
		return func() {}
	}
	return func() { _ = Prestart(size) }
}

// fillNow starts the children the pool lacks, at once and concurrently,
// and returns when they are waiting.
func (pl *pool) fillNow() error {
	pl.mu.Lock()
	for pl.filling {
		pl.done.Wait()
	}
	need := pl.want - len(pl.idle)
	if need <= 0 {
		pl.mu.Unlock()
		return nil
	}
	pl.filling = true // no background refill meanwhile
	pl.mu.Unlock()
	type started struct {
		c   *idleChild
		err error
	}
	results := make(chan started, need)
	for range need {
		go func() {
			c, err := pl.startIdle()
			results <- started{c, err}
		}()
	}
	var errs []error
	var extra []*idleChild
	pl.mu.Lock()
	for range need {
		pl.mu.Unlock()
		r := <-results
		pl.mu.Lock()
		switch {
		case errors.Is(r.err, errStopped): // a concurrent Prestart(0) won
		case r.err != nil:
			errs = append(errs, r.err)
		case len(pl.idle) < pl.want:
			pl.idle = append(pl.idle, r.c)
		default: // a concurrent Prestart asked for fewer
			extra = append(extra, r.c)
		}
	}
	pl.mu.Unlock()
	for _, c := range extra {
		c.discard()
	}
	pl.mu.Lock()
	pl.filling = false
	pl.done.Broadcast()
	pl.mu.Unlock()
	return errors.Join(errs...)
}

// refill starts a goroutine that starts children until the pool is full,
// unless one is running already.
func (pl *pool) refill() {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if pl.filling || len(pl.idle) >= pl.want {
		return
	}
	pl.filling = true
	go pl.fill()
}

func (pl *pool) fill() {
	defer func() {
		pl.mu.Lock()
		pl.filling = false
		pl.done.Broadcast()
		pl.mu.Unlock()
	}()
	for {
		pl.mu.Lock()
		if len(pl.idle) >= pl.want {
			pl.mu.Unlock()
			return
		}
		pl.mu.Unlock()
		c, err := pl.startIdle()
		if err != nil {
			// A child that cannot be started now (out of processes,
			// say) leaves the pool short: Fork starts children itself,
			// and reports the error if it persists.
			return
		}
		pl.mu.Lock()
		if len(pl.idle) >= pl.want {
			pl.mu.Unlock()
			c.discard()
			return
		}
		pl.idle = append(pl.idle, c)
		pl.mu.Unlock()
	}
}

// hasIdle reports whether a child waits (Fork reads its process state only
// then).
func (pl *pool) hasIdle() bool {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return len(pl.idle) > 0
}

// take returns a waiting child that started with the start-only variables
// env has and the caller's process state (procState.key), or nil; the
// caller refills the pool.
func (pl *pool) take(env, state string) *idleChild {
	pl.mu.Lock()
	var c *idleChild
	var stale []*idleChild
	for len(pl.idle) > 0 && c == nil {
		last := pl.idle[len(pl.idle)-1]
		switch {
		case last.env == env && last.state == state:
			c = last
		case last.state != state || last.env != startOnly(os.Environ()):
			stale = append(stale, last) // the caller's environment moved on
		default:
			pl.mu.Unlock()
			return nil // it suits later Forks: leave it
		}
		pl.idle = pl.idle[:len(pl.idle)-1]
	}
	pl.mu.Unlock()
	for _, s := range stale {
		s.discard()
	}
	return c
}

// startIdle starts a child that waits for a request. The child is the
// pool's (counted in owned) from before it starts: a stop meanwhile kills
// it, and startIdle returns errStopped once it is reaped.
func (pl *pool) startIdle() (*idleChild, error) {
	pl.mu.Lock()
	if pl.want == 0 {
		pl.mu.Unlock()
		return nil, errStopped
	}
	pl.owned++
	pl.mu.Unlock()
	c, err := pl.startChild()
	if err != nil {
		pl.release()
		return nil, err
	}
	pl.mu.Lock()
	if pl.want == 0 { // stopped while it started: the stop waits for this
		pl.mu.Unlock()
		c.discard()
		return nil, errStopped
	}
	pl.starting[c] = struct{}{}
	pl.mu.Unlock()
	// The child says it is ready once its runtime, package initialisation
	// and Init have run: from then on a Fork costs only the hand-off.
	var ready [1]byte
	var digest [16]byte
	_, err = io.ReadFull(c.end.answer, ready[:])
	var reason []byte
	switch {
	case err == nil && ready[0] == readyByte:
		_, err = io.ReadFull(c.end.answer, digest[:])
	case err == nil: // the child refused: its reason follows
		reason, _ = io.ReadAll(io.LimitReader(c.end.answer, maxReply-1))
	}
	pl.mu.Lock()
	delete(pl.starting, c)
	stopped := c.stopped
	pl.mu.Unlock()
	switch {
	case stopped:
		c.discard()
		return nil, errStopped
	case err != nil:
		c.discard()
		return nil, fmt.Errorf("%w: a pre-started child ended before it was ready (%w)", ErrHandoff, err)
	case ready[0] != readyByte:
		c.discard()
		return nil, fmt.Errorf("%w: a pre-started child refused: %s", ErrHandoff, append(ready[:], reason...))
	}
	// The state read before the start, read again: if it changed and
	// changed back meanwhile (a seteuid and back, say), the child may have
	// started with the other one, and it serves no Fork (take discards it
	// as stale).
	if st, err := readProcState(); err != nil || st.key != c.state {
		c.state = staleState
	}
	c.sure = digest == readyDigest()
	return c, nil
}

// staleState is the state key of a waiting child whose start saw the
// caller's state change: it equals no caller's key.
const staleState = "\x00stale"

// startChild starts the process of a child that waits for a request.
func (pl *pool) startChild() (*idleChild, error) {
	exe, err := selfExe()
	if err != nil {
		return nil, err
	}
	nonce, err := newNonce()
	if err != nil {
		return nil, err
	}
	parent, childEnds, err := newHandoff()
	if err != nil {
		return nil, err
	}
	// Before the child starts: a change made meanwhile makes the child
	// look stale, never current.
	st, err := readProcState()
	if err != nil {
		parent.close()
		closeAll(childEnds)
		return nil, err
	}
	attr, placeholders, err := idleAttr()
	if err != nil { // out of descriptors, say: the child's end is ours to close too
		parent.close()
		closeAll(childEnds)
		return nil, err
	}
	defer placeholders.Close()
	m := &marker{ppid: os.Getpid(), nonce: nonce, name: "prestarted", pool: true}
	for i, f := range childEnds {
		m.channel = append(m.channel, inheritedID(i, f))
	}
	for i, f := range attr.Files {
		m.files = append(m.files, inheritedID(len(childEnds)+i, f))
	}
	env := withoutMarker(os.Environ())
	attr.Env = append(env, encodeMarker(m))
	argv := os.Args
	if len(argv) == 0 {
		argv = []string{""}
	}
	p, err := start(exe, argv, attr, childEnds)
	for _, f := range childEnds {
		f.Close()
	}
	if err != nil {
		parent.close()
		return nil, err
	}
	return &idleChild{pool: pl, p: p, end: parent, nonce: nonce, env: startOnly(env), start: env, state: st.key}, nil
}

// readyByte is what a pre-started child sends once it waits for a
// request, followed by its readyDigest.
const readyByte = 'R'

// readyDigest sums up what a pre-started child checks in a request that
// is not in the request itself: the build's fingerprint (which the
// state's header must carry) and the names of the registered entry points
// (one of which the request names). A child sends its own with its ready
// byte; a parent whose own is the same knows that the child accepts any
// request it can send, so it does not need the child's answer to know
// that the hand-off succeeded. A child that differs (another build, or
// entry points registered differently in its package initialisation) is
// still used, with an answer, as before: it may refuse, and Fork starts a
// fresh child. The registry is fixed once Init has run.
var readyDigest = sync.OnceValue(func() [16]byte {
	regMu.Lock()
	names := make([]string, 0, len(entries))
	for name := range entries {
		names = append(names, name)
	}
	regMu.Unlock()
	slices.Sort(names)
	fp := fingerprint()
	h := sha256.New()
	h.Write(fp[:])
	for _, name := range names {
		h.Write([]byte(name))
		h.Write([]byte{0}) // names hold no NUL
	}
	var d [16]byte
	copy(d[:], h.Sum(nil))
	return d
})

// forkPooled forks through a waiting child, if there is one that can
// honour attr; ok is false when the caller must start a fresh child, and
// refilling is true when forkPooled has seen to the pool's refill.
func forkPooled(name string, attr *Attr, argv, env []string, state []byte, plain bool) (p *Process, ok, refilling bool) {
	if !pooledAttrOK(attr) {
		return nil, false, false
	}
	// ForkWith refills the pool once it is done.
	if !thePool.hasIdle() {
		return nil, false, false
	}
	// What a child inherits when it starts and cannot be handed later
	// (credentials, ignored signals, resource limits) must be what the
	// waiting child started with; the umask is sent.
	st, err := readProcState()
	if err != nil {
		return nil, false, false
	}
	c := thePool.take(startOnly(env), st.key)
	if c == nil {
		return nil, false, false
	}
	req := request{entry: name, argv: argv, env: env, group: attr.Group, detach: attr.Detach, files: len(attr.Files), sockets: len(attr.Sockets),
		setUmask: st.umask >= 0, umask: max(st.umask, 0)}
	if slices.Equal(env, c.start) {
		req.env, req.sameEnv = nil, true // the child has it already
	}
	// Whether Fork waits for the child's answer. It need not where it
	// knows the child cannot refuse: see answerless.
	req.answerless = answerless(c, attr, plain)
	if err := handOff(c, attr, req, state); err != nil {
		// The child died while it waited, refused, did not answer in
		// time, or the hand-off ran out of descriptors: a fresh child
		// will say why if it is anything but bad luck.
		c.discard()
		return nil, false, false
	}
	thePool.release()
	pooledForks.Add(1)
	if !req.answerless {
		c.end.close()
		return c.p, true, false
	}
	answerlessForks.Add(1)
	// The refill starts a little later: at once, the next child's start
	// would compete with this one's for the CPUs while it has yet to be
	// scheduled (after an answer, it was running its entry point). This
	// end of the channel is closed then too, off the Fork's path (about
	// 14 µs here), or at once by a stop (Prestart(0), Exec*): the child
	// has everything it needs in its own end's buffer, which outlives
	// this end, and reads nothing after it.
	thePool.linger(c)
	time.AfterFunc(answerlessRefillDelay, func() {
		thePool.unlinger(c)
		thePool.refill()
	})
	return c.p, true, true
}

// answerless reports whether Fork can hand c its request without waiting
// for its answer, and still keep its contract: Fork returns once the child
// has its copy, and a child's refusal is Fork's error. A child of the pool
// checked its parent (this process) and the channel's maker when it
// started, while this process waited for it to be ready, so what comes on
// the channel comes from this process; what else the child checks in a
// request, this process checks before it sends it:
//
//   - the fingerprint in the state's header and the entry point's name:
//     the child's readyDigest is this process's (c.sure);
//   - the nonce, the request's and the header's format, the files and
//     the state's size: this process writes them (the child checks them
//     all the same);
//   - the working directory: the caller can search it (requestDir,
//     transfer), with the credentials the child has (procState);
//   - decoding the state: it cannot fail when no value took a marshaler's
//     or gob's path (plain), which run code of the program's that can
//     refuse; with one, Fork waits for the answer;
//   - Group and Detach: the child makes its process group or session,
//     which must be in force when Fork returns (KillTree), so Fork waits;
//   - the child runs: a stopped child is not used (stoppedChild).
//
// Then the request, the state and the files are in the kernel's buffer of
// the child's end of the channel when the send returns (an SCM_RIGHTS
// message holds its files, even once the caller closes its own, or exits),
// which is the child's copy: nothing this process does after can take it
// away. The child reads them when it is scheduled, as a fresh child runs
// its first instruction when it is: one wake-up, the child's, is between
// Fork and the entry point.
func answerless(c *idleChild, attr *Attr, plain bool) bool {
	return answerlessOK && c.sure && plain && !attr.Group && !attr.Detach && !stoppedChild(c.p)
}

// answerlessRefillDelay is how long after an answerless hand-off the pool
// starts refilling (and closes the channel's end): more than a hand-off
// takes, much less than a child's start (a few milliseconds), which the
// refill then adds to. A variable for a test that stops the pool first.
var answerlessRefillDelay = time.Millisecond

// answerlessForks counts the Forks served without waiting for the child's
// answer (for the tests).
var answerlessForks atomic.Int64

// pooledForks counts the Forks a waiting child served (for the tests).
var pooledForks atomic.Int64

// handOff sends the request, the files and the state to a waiting child
// (in one message where the system can), and, unless the request is
// answerless, waits for its answer; Group and Detach are in force once it
// returns. It waits at most handOffBound: a child that has not answered
// (or, answerless, not taken the whole message) by then, stopped by a
// signal or starved of CPU, is killed, which ends the hand-off with an
// error, and the caller starts a fresh child instead.
func handOff(c *idleChild, attr *Attr, req request, state []byte) error {
	if err := prepareTree(c.p, attr); err != nil {
		return err
	}
	size := requestSizeHint + headerSize + len(state)
	var mu sync.Mutex
	answered, killed := false, false
	var timer *time.Timer
	// arm starts the bound: before anything can block. An answerless
	// send that the channel takes at once (the common case: a state of
	// less than the socket's buffer) never blocks, and needs no timer.
	arm := func() {
		timer = time.AfterFunc(handOffBound(size), func() {
			mu.Lock()
			defer mu.Unlock()
			// The child is not reaped before answered is set; one
			// whose answer waits unread has its state and may be in
			// its entry point already: it is not killed.
			if !answered && !answerWaiting(c.end) {
				killed = true
				_ = c.p.Kill()
				unblock(c.end)
			}
		})
	}
	if !req.answerless {
		arm()
	}
	err := transfer(c, attr, &req, func(b []byte) []byte { return appendFrame(b, c.nonce, fingerprint(), state) }, arm)
	if err == nil && !req.answerless {
		err = c.end.awaitAnswer(nil)
	}
	if timer != nil {
		timer.Stop()
	}
	mu.Lock()
	answered = true
	mu.Unlock()
	if killed {
		return fmt.Errorf("%w: a pre-started child did not answer within %v", ErrHandoff, handOffBound(size))
	}
	return err
}

// requestSizeHint stands for a request's size in the hand-off's bound.
const requestSizeHint = 4 << 10

// handOffBound is how long a Fork waits for a waiting child's answer: a
// second, and a second more for each 16 MiB of state (a hand-off normally
// takes a fraction of a millisecond plus the copy of the state). A child
// that has not answered by then is killed and Fork starts a fresh one,
// which is correct, only slower.
func handOffBound(size int) time.Duration {
	return time.Second + time.Duration(size>>24)*time.Second
}

// A request is what a waiting child applies before it takes its state.
type request struct {
	entry, dir    string
	argv, env     []string
	group, detach bool
	sameEnv       bool     // keep the environment the child started with (env is empty)
	answerless    bool     // the parent does not wait for an answer: the child sends none
	dirFile       bool     // the working directory comes as a descriptor after the files (Unix)
	setUmask      bool     // umask is the caller's (Unix)
	umask         int      // the file mode creation mask
	files         int      // Attr.Files sent (Unix), Attr.Sockets' descriptors included
	sockets       int      // Attr.Sockets: on Unix the last of the files, on Windows framed after the state
	handles       []uint64 // standard handles duplicated into the child (Windows)
}

// maxRequest bounds a request's size (environment and arguments).
const maxRequest = 64 << 20

// The request's flags byte.
const (
	reqGroup = 1 << iota
	reqDetach
	reqSameEnv
	reqDirFile
	reqUmask
	reqAnswerless
	reqFlags = 1<<iota - 1 // all of them
)

// A request is, after its length (uint32be): entry and dir (uvarint
// length, bytes), argv and env (uvarint count, then each string as a
// uint32be length and bytes), the flags byte, the umask if reqUmask, the
// number of Attr.Files, the handles and the number of Attr.Sockets
// (uvarints). A listed string takes 4
// bytes at least, so that a list's count is bounded by the bytes left / 4
// and decoding allocates a small multiple of the request's size (a string
// header is 16 bytes: with one-byte lengths, a request of empty strings
// would ask for 16 times its size).
func (r request) encode() []byte {
	b := []byte{0, 0, 0, 0}
	str := func(s string) { b = append(appendUvarint(b, uint64(len(s))), s...) }
	list := func(l []string) {
		b = appendUvarint(b, uint64(len(l)))
		for _, s := range l {
			b = append(binary.BigEndian.AppendUint32(b, uint32(len(s))), s...)
		}
	}
	str(r.entry)
	str(r.dir)
	list(r.argv)
	list(r.env)
	var flags byte
	for i, on := range [...]bool{r.group, r.detach, r.sameEnv, r.dirFile, r.setUmask, r.answerless} {
		if on {
			flags |= 1 << i // reqGroup, reqDetach, ...
		}
	}
	b = append(b, flags)
	if r.setUmask {
		b = appendUvarint(b, uint64(r.umask))
	}
	b = appendUvarint(b, uint64(r.files))
	b = appendUvarint(b, uint64(len(r.handles)))
	for _, h := range r.handles {
		b = appendUvarint(b, h)
	}
	b = appendUvarint(b, uint64(r.sockets))
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

// readRequest reads a request from r. The parent was checked before the
// child said it was ready, but a request is bytes from another process all
// the same: bounded, and parsed as untrusted.
func readRequest(r io.Reader) (req request, err error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return req, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > maxRequest {
		return req, fmt.Errorf("%w: a request of %d bytes", errCorrupt, size)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		return req, fmt.Errorf("the request was cut short: %w", io.ErrUnexpectedEOF)
	}
	return decodeRequest(body)
}

// listedMin is the fewest bytes a string of a request's list takes.
const listedMin = 4

func decodeRequest(body []byte) (req request, err error) {
	d := &decoder{buf: body}
	defer catch(&err, true)
	str := func() string { return string(d.next(d.length())) }
	list := func() []string {
		n := d.uvarint()
		if n > uint64((len(d.buf)-d.off)/listedMin) {
			panic(stateError{errCorrupt})
		}
		l := make([]string, n)
		for i := range l {
			l[i] = string(d.next(int(binary.BigEndian.Uint32(d.next(4)))))
		}
		return l
	}
	req.entry, req.dir = str(), str()
	req.argv, req.env = list(), list()
	flags := d.next(1)[0]
	req.group, req.detach, req.sameEnv = flags&reqGroup != 0, flags&reqDetach != 0, flags&reqSameEnv != 0
	req.dirFile, req.setUmask = flags&reqDirFile != 0, flags&reqUmask != 0
	req.answerless = flags&reqAnswerless != 0
	if req.setUmask {
		umask := d.uvarint()
		if umask > 0o777 {
			return req, errCorrupt
		}
		req.umask = int(umask)
	}
	files := d.uvarint()
	handles := d.uvarint()
	if flags&^reqFlags != 0 || files > maxPooledFiles || handles > 3 {
		return req, errCorrupt
	}
	for range handles {
		req.handles = append(req.handles, d.uvarint())
	}
	socks := d.uvarint()
	if d.off != len(d.buf) || socks > maxSockets || maxPooledFiles > 0 && socks > files {
		return req, errCorrupt
	}
	req.files, req.sockets = int(files), int(socks)
	return req, nil
}

// errRetired ends a waiting child whose parent closed the channel (it
// exited, or stopped the pool) before sending a request: not an error.
var errRetired = errors.New("the pool was stopped")

// awaitRequest is a waiting child's side: it blocks until a request comes,
// checks the parent, applies the request and returns the marker of the
// Fork it now completes.
func awaitRequest(m *marker, c *childEnd) (*marker, error) {
	// Check the parent now, while it waits for this child to be ready (so
	// it is alive): only it holds the other end of the channel, so what
	// comes later comes from it. And do now what the hand-off would
	// otherwise do first: fingerprint this build, compile the copied
	// variables' plans, make (and fault in) the buffer the request comes
	// in: between the request's arrival and the entry point, the child
	// does only what depends on the request.
	if err := checkParent(m.ppid); err != nil {
		return nil, err
	}
	warmUp()
	rcv := newReceiver(c)
	d := readyDigest()
	if _, err := c.answer.Write(append([]byte{readyByte}, d[:]...)); err != nil {
		return nil, errRetired // the parent is gone already
	}
	first, files, err := rcv.receive()
	if errors.Is(err, io.EOF) {
		return nil, errRetired
	}
	if err != nil {
		return nil, err
	}
	// What came with the files (on Unix, usually the whole request and
	// state), then the rest of the channel.
	c.in = &prefixed{buf: first, r: c.in}
	req, err := readRequest(c.in)
	if err != nil {
		closeFds(files)
		if errors.Is(err, io.EOF) && files == nil {
			return nil, errRetired
		}
		return nil, fmt.Errorf("receiving the fork request: %w", err)
	}
	// From here on the parent may not be listening: it hears of an
	// error only if it waits for the answer.
	c.answerless = req.answerless
	if err := applyRequest(req, files, m); err != nil {
		return nil, err
	}
	if !req.sameEnv {
		setEnviron(req.env)
	}
	os.Args = req.argv
	if !req.dirFile { // else applyRequest entered the directory itself
		if err := os.Chdir(req.dir); err != nil {
			return nil, fmt.Errorf("working directory: %w", err)
		}
	}
	done := *m
	done.name = req.entry
	done.files = m.files[:min(req.files, len(m.files))]
	done.sockets = req.sockets
	return &done, nil
}

// warmUp does, while a pre-started child waits, what the hand-off would
// otherwise do first once the request has come: fingerprint the build,
// compile the copied variables' plans, and decode a request like the one
// to come (this program's arguments, the environment unchanged, no files:
// a request every system's decoder takes whole). Decoding is a pure
// function of its bytes; the rehearsal runs its code and allocates its
// sizes once, so that the real one finds both ready (measured: a third of
// the time it takes in a child that has not run it, about 10 µs less
// between the request's arrival and the entry point).
func warmUp() {
	_ = fingerprint()
	regMu.Lock()
	vars := copies[:len(copies):len(copies)]
	regMu.Unlock()
	for _, c := range vars {
		planOf(c.ptr.Type().Elem())
	}
	_, _ = readRequest(bytes.NewReader(rehearsalRequest().encode()))
}

// rehearsalRequest is the request warmUp decodes.
func rehearsalRequest() request {
	return request{entry: "prestarted", argv: os.Args, sameEnv: true, setUmask: true}
}

// setEnviron makes env this process's environment, changing only what
// differs (each change can be a call into the C library where cgo is
// linked): usually nothing, as the caller's environment rarely changes
// between a child's start and its Fork.
func setEnviron(env []string) {
	want := make(map[string]string, len(env))
	for _, e := range env {
		if k, v, ok := cutEnv(e); ok {
			if _, dup := want[k]; !dup { // the first of duplicates, as getenv sees it
				want[k] = v
			}
		}
	}
	for _, e := range os.Environ() {
		k, v, ok := cutEnv(e)
		if !ok {
			continue
		}
		if w, keep := want[k]; !keep {
			_ = os.Unsetenv(k)
		} else if w == v {
			delete(want, k)
		}
	}
	for k, v := range want {
		_ = os.Setenv(k, v) // a name Setenv refuses ("=C:") was the OS's own
	}
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// prefixed reads buf, then r.
type prefixed struct {
	buf []byte
	r   io.Reader
}

func (p *prefixed) Read(b []byte) (int, error) {
	if len(p.buf) > 0 {
		n := copy(b, p.buf)
		p.buf = p.buf[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// next returns the next n bytes if buf holds them, without a copy.
func (p *prefixed) next(n uint64) ([]byte, bool) {
	if uint64(len(p.buf)) < n {
		return nil, false
	}
	b := p.buf[:n:n]
	p.buf = p.buf[n:]
	return b, true
}

// absDir is the directory as the caller names it now: a relative
// Attr.Dir is relative to the caller's directory at Fork, not to the one
// a waiting child started in. Without a path for it (the caller's
// directory was removed) it is dir as given.
func absDir(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}
