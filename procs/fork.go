package procs

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
)

// markerEnv is the environment variable that tells Init it runs in a forked
// child, and how to find its entry point, state and inherited files. Init
// removes it before the entry point runs, so programs the child starts never
// see it.
const markerEnv = "FORKPORT_FORK"

// childSetupFailed is the exit status of a forked child whose set-up failed
// (unreadable state, unknown entry point) before its entry point could run.
const childSetupFailed = 70

type copyVar struct {
	name string
	ptr  reflect.Value
}

var (
	regMu     sync.Mutex
	entries   = map[string]func(){}
	entryErrs = map[string]error{} // misuse of Register, reported by Fork(name)
	copies    []copyVar
	copyErrs  []error // misuse of Copy, reported by every Fork
	initDone  bool
	forked    bool
	inherited []*os.File
)

// Register names fn as an entry point that Fork can start a child in. Call
// it from an init function (or before Init): a forked child is the same
// program started again, and it finds fn by name when it calls Init. Misuse
// does not panic: Fork(name) reports it (a call after Init, an empty name, a
// nil fn; a name registered twice cannot be forked at all).
func Register(name string, fn func()) {
	regMu.Lock()
	defer regMu.Unlock()
	var err error
	switch {
	case initDone:
		err = ErrLateRegister
	case name == "" || strings.ContainsAny(name, "\x00"):
		err = invalid("entry point name must be non-empty, without NUL")
	case fn == nil:
		err = invalid("nil function")
	case entries[name] != nil || entryErrs[name] != nil:
		err = invalid("entry point registered twice")
		delete(entries, name)
	default:
		entries[name] = fn
		return
	}
	entryErrs[name] = fmt.Errorf("Register(%q): %w", name, err)
}

// Copy declares the variable ptr points to as part of the memory a forked
// child starts with, under a name unique in the program. At each Fork the
// variable's current value is encoded, with encoding/gob's rules (exported
// fields only; no channels, functions or open files; a value in an
// interface needs gob.Register) but exactly, zero values included, and the
// child's Init decodes it into a fresh zero value that replaces the
// child's own variable before the entry point runs: what is not copied
// (unexported fields, channels, functions) is zero in the child. Pointers
// are followed, so data shared between variables is copied once per
// reference; a cycle, or nesting deeper than 20,000 levels (a linked list
// that long), makes Fork fail. From then on the two copies are
// independent, as after os.fork: a change in either process is not seen
// by the other. Call Copy from an init function; misuse is reported by
// every Fork, since a child would miss state.
func Copy(name string, ptr any) {
	regMu.Lock()
	defer regMu.Unlock()
	v := reflect.ValueOf(ptr)
	switch {
	case initDone:
		copyErrs = append(copyErrs, fmt.Errorf("Copy(%q): %w", name, ErrLateRegister))
	case v.Kind() != reflect.Pointer || v.IsNil():
		copyErrs = append(copyErrs, fmt.Errorf("Copy(%q): %w", name, invalid("want a non-nil pointer, got %T", ptr)))
	default:
		for _, c := range copies {
			if c.name == name {
				copyErrs = append(copyErrs, fmt.Errorf("Copy(%q): %w", name, invalid("name declared twice")))
				return
			}
		}
		copies = append(copies, copyVar{name, v})
	}
}

// Init must be the first call in main (and in TestMain, before
// testscript.Main or m.Run). In a process started by Fork it checks that
// its parent started it (see the package documentation's trust model),
// restores the copied state, runs the entry point and exits: with status 0
// if the entry point returns, with status 70 and a message on stderr if
// the child could not be set up (and then its parent's Fork returns the
// same message as an error). In any other process it notes which
// executable it runs and returns at once.
func Init() {
	regMu.Lock()
	initDone = true
	regMu.Unlock()
	noteExecutable()
	adoptSpawnedSockets()
	value, ok := os.LookupEnv(markerEnv)
	if !ok {
		return
	}
	os.Unsetenv(markerEnv)
	fn, err := setUpChild(value)
	if err == errRetired {
		Exit(0) // a pre-started child whose parent needs it no more
	}
	if _, ok := err.(quiet); ok {
		Exit(childSetupFailed)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "procs: forked child %d: %v\n", os.Getpid(), err)
		Exit(childSetupFailed)
	}
	fn()
	yieldBeforeExit()
	Exit(0)
}

// Forked reports whether this process is a child started by Fork (it is
// running an entry point).
func Forked() bool {
	regMu.Lock()
	defer regMu.Unlock()
	return forked
}

// Inherited returns, in a forked child, the files its parent passed in
// Attr.Files, in order; nil in any other process. They are the same open
// files as the parent's (same offset, same pipe), as after os.fork.
func Inherited() []*os.File {
	regMu.Lock()
	defer regMu.Unlock()
	return inherited
}

// Fork starts a child process that runs the entry point registered under
// name, with a copy of the state declared with Copy, the caller's
// environment, working directory, arguments (os.Args) and standard files.
// It returns in the parent only: unlike os.fork, the call does not return
// a second time in the child, which instead runs the entry point from Init
// (see the package documentation). Fork returns once the child has
// checked that this process is its parent and has decoded its copy of the
// state, so the parent may exit right after Fork; if the child refuses the
// state or dies first, Fork reaps it and returns an error wrapping
// ErrHandoff. The child must be reaped with Wait, Waitpid or Reap.
func Fork(name string) (*Process, error) { return ForkWith(name, nil) }

// ForkWith is Fork with the child's files, environment, directory and tree
// options given by attr (nil means Fork's defaults).
func ForkWith(name string, attr *Attr) (*Process, error) {
	if attr == nil {
		attr = &Attr{}
	}
	regMu.Lock()
	done, errs, fn, entryErr := initDone, copyErrs, entries[name], entryErrs[name]
	regMu.Unlock()
	switch {
	case !done:
		return nil, wrap("fork", name, ErrNoInit)
	case entryErr != nil:
		return nil, wrap("fork", name, entryErr)
	case len(errs) > 0:
		return nil, wrap("fork", name, errors.Join(errs...))
	case fn == nil:
		return nil, wrap("fork", name, ErrNotRegistered)
	}
	argv := os.Args
	if len(argv) == 0 {
		argv = []string{""} // started with no argv at all: the child gets an empty argv[0]
	}
	for i, a := range argv {
		if strings.IndexByte(a, 0) >= 0 {
			return nil, wrap("fork", name, invalid("os.Args[%d] contains a NUL byte", i))
		}
	}
	if err := validateEnv(attr.Env); err != nil {
		return nil, wrap("fork", name, err)
	}
	if err := attr.check(); err != nil {
		return nil, wrap("fork", name, err)
	}
	if err := attr.checkSockets(); err != nil {
		return nil, wrap("fork", name, err)
	}
	attr, release, err := withSocketFiles(attr)
	if err != nil {
		return nil, wrap("fork", name, err)
	}
	defer release()
	state, plain, err := snapshotState()
	if err == nil {
		err = checkStateSize(uint64(len(state)))
	}
	if err != nil {
		return nil, wrap("fork", name, err)
	}
	env := attr.Env
	if env == nil {
		env = os.Environ()
	}
	env = withoutMarker(env)
	// Refill the pool once this Fork is done: starting a child meanwhile
	// would compete with this one for the CPUs and for descriptors. (After
	// an answerless hand-off, once the child has taken its request:
	// forkPooled sees to it.)
	refill := true
	defer func() {
		if refill {
			thePool.refill()
		}
	}()
	if p, ok, later := forkPooled(name, attr, argv, env, state, plain); ok {
		refill = !later
		track(p)
		return p, nil
	}
	p, err := forkFresh(name, attr, argv, env, state)
	if err != nil && thePool.shed(err) {
		// Out of descriptors, with a pool holding some: once it has
		// released them, the fresh start succeeds as without a pool.
		p, err = forkFresh(name, attr, argv, env, state)
	}
	return p, err
}

// forkFresh forks by starting the program again.
func forkFresh(name string, attr *Attr, argv, env []string, state []byte) (*Process, error) {
	exe, err := selfExe()
	if err != nil {
		return nil, wrap("fork", name, err)
	}
	nonce, err := newNonce()
	if err != nil {
		return nil, wrap("fork", name, err)
	}
	parent, childEnds, err := newHandoff()
	if err != nil {
		return nil, wrap("fork", name, err)
	}
	defer parent.close()
	m := &marker{ppid: os.Getpid(), nonce: nonce, name: name, sockets: len(attr.Sockets)}
	for i, f := range childEnds {
		m.channel = append(m.channel, inheritedID(i, f))
	}
	for i, f := range attr.Files {
		m.files = append(m.files, inheritedID(len(childEnds)+i, f))
	}
	child := *attr
	child.Env = append(env, encodeMarker(m))
	p, err := start(exe, argv, &child, childEnds)
	for _, f := range childEnds {
		f.Close()
	}
	if err != nil {
		return nil, wrap("fork", name, err)
	}
	msg := frame(nonce, fingerprint(), state)
	shared, err := shareSockets(attr, p.Pid)
	if err == nil && shared != nil {
		msg = appendFrame(msg, nonce, fingerprint(), shared)
	}
	if err == nil {
		err = parent.send(msg)
	}
	if err != nil {
		_ = p.Kill()
		if st, werr := p.Wait(); werr == nil {
			err = fmt.Errorf("%w; the child %s", err, st)
		}
		return nil, wrap("fork", name, err)
	}
	track(p)
	return p, nil
}

// quiet is a set-up error of a pre-started child that its parent was told
// of, and does not print.
type quiet struct{ error }

// setUpChild is the child's side of the hand-off: it checks where the
// marker, the channel and the state come from, decodes the state, and
// returns the entry point to run. Its error is also the parent's.
func setUpChild(value string) (func(), error) {
	if err := checkCredentials(); err != nil {
		return nil, err
	}
	m, err := parseMarker(value)
	if err != nil {
		return nil, err
	}
	c, err := openHandoff(m.channel)
	if err != nil {
		return nil, err
	}
	defer c.close()
	if m.pool {
		if m, err = awaitRequest(m, &c); err != nil {
			if err != errRetired && !c.answerless {
				c.reply(err)
				err = quiet{err}
			}
			return nil, err
		}
	}
	fn, err := receive(m, c)
	c.reply(err)
	if err != nil && m.pool && !c.answerless {
		// The parent has the reason, and forks a fresh child instead:
		// nothing for the standard error it handed this one.
		err = quiet{err}
	}
	return fn, err
}

func receive(m *marker, c childEnd) (func(), error) {
	// A parent that does not wait for the answer may have exited by now
	// (a parent may exit right after Fork), so its PID is not checked
	// again: this pre-started child checked it when it started, while
	// the parent waited for it to be ready, and the channel's other end
	// is that parent's alone (its maker, checked by openHandoff, holds
	// it close-on-exec), so what the channel carries comes from it,
	// whether or not it is alive now.
	if !c.answerless {
		if err := checkParent(m.ppid); err != nil {
			return nil, err
		}
	}
	regMu.Lock()
	fn := entries[m.name]
	regMu.Unlock()
	if fn == nil {
		return nil, fmt.Errorf("entry point %q: %w (is Register called in an init function?)", m.name, ErrNotRegistered)
	}
	payload, err := unframe(c.in, m.nonce, fingerprint())
	if err != nil {
		return nil, fmt.Errorf("receiving the copied state: %w", err)
	}
	if err := decodeState(payload); err != nil {
		return nil, fmt.Errorf("decoding the copied state: %w", err)
	}
	files := make([]*os.File, 0, len(m.files))
	for _, id := range m.files {
		files = append(files, inheritFile(id))
	}
	files, socks, err := receiveSockets(m, c, files)
	if err != nil {
		return nil, fmt.Errorf("receiving the sockets: %w", err)
	}
	regMu.Lock()
	defer regMu.Unlock()
	forked = true
	inherited = append(inherited, files...)
	sockets = socks
	return fn, nil
}

// inheritFile opens a file the parent passed in Attr.Files.
func inheritFile(id uintptr) *os.File {
	f := os.NewFile(id, "inherited")
	keepInherited(f)
	return f
}
