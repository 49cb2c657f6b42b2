package procs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
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
// child's Init decodes it into the child's own variable before the entry
// point runs. Pointers are followed, so data shared between variables is
// copied once per reference, and a cycle makes Fork fail.
// From then on the two copies are independent, as after os.fork: a change in
// either process is not seen by the other. Call Copy from an init function;
// misuse is reported by every Fork, since a child would miss state.
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
// testscript.Main or m.Run). In a process started by Fork it restores the
// copied state, runs the entry point and exits: with status 0 if the entry
// point returns, with status 70 and a message on stderr if the child could
// not be set up. In any other process it returns at once.
func Init() {
	regMu.Lock()
	initDone = true
	regMu.Unlock()
	marker, ok := os.LookupEnv(markerEnv)
	if !ok {
		return
	}
	os.Unsetenv(markerEnv)
	fn, err := setUpChild(marker)
	if err != nil {
		fmt.Fprintf(os.Stderr, "procs: forked child %d: %v\n", os.Getpid(), err)
		Exit(childSetupFailed)
	}
	fn()
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
// It returns at once, in the parent only: unlike os.fork, the call does not
// return a second time in the child, which instead runs the entry point
// from Init (see the package documentation). The child must be reaped with
// Wait, Waitpid or Reap. Fork returns once the copied state is on its way:
// at once when it fits in the pipe's buffer (64 KiB on Linux), else when
// the child has read it, so a parent may exit right after Fork without
// taking its children's state with it.
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
	if err := validate(name, os.Args, attr.Env); err != nil {
		return nil, wrap("fork", name, err)
	}
	if err := attr.check(); err != nil {
		return nil, wrap("fork", name, err)
	}
	state, err := encodeState()
	if err != nil {
		return nil, wrap("fork", name, err)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, wrap("fork", name, err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, wrap("fork", name, err)
	}
	child := *attr
	env := attr.Env
	if env == nil {
		env = os.Environ()
	}
	child.Env = append(env[:len(env):len(env)], markerEnv+"="+marker(name, r, attr.Files))
	p, err := start(exe, os.Args, &child, []*os.File{r})
	r.Close()
	if err != nil {
		w.Close()
		return nil, wrap("fork", name, err)
	}
	// Send the copy before returning: a parent that exits right after
	// Fork (fork-count's does) must not take its children's state with it.
	// State larger than the pipe's buffer makes this wait until the child
	// has read it.
	_, werr := w.Write(frame(state))
	if cerr := w.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		// The child died before reading its state: reap it, report why.
		_ = p.Kill()
		_, _ = p.Wait()
		return nil, wrap("fork", name, fmt.Errorf("sending the copied state: %w", werr))
	}
	track(p)
	return p, nil
}

// marker encodes what the child needs to find its entry point, the state
// pipe and the inherited files: "1 <state> <file,file,...> <name>".
func marker(name string, state *os.File, files []*os.File) string {
	ids := make([]string, len(files))
	for i, f := range files {
		ids[i] = strconv.FormatUint(uint64(inheritedID(1+i, f)), 10)
	}
	return fmt.Sprintf("1 %d %s %s", inheritedID(0, state), strings.Join(ids, ","), name)
}

func setUpChild(marker string) (func(), error) {
	var version, stateID, fileIDs, name string
	fields := strings.SplitN(marker, " ", 4)
	if len(fields) == 4 {
		version, stateID, fileIDs, name = fields[0], fields[1], fields[2], fields[3]
	}
	if version != "1" {
		return nil, fmt.Errorf("malformed %s=%q (from another forkport version?)", markerEnv, marker)
	}
	regMu.Lock()
	fn := entries[name]
	forked = true
	for _, id := range strings.Split(fileIDs, ",") {
		if f := openInherited(id, "inherited"); f != nil {
			inherited = append(inherited, f)
		}
	}
	regMu.Unlock()
	if fn == nil {
		return nil, fmt.Errorf("entry point %q: %w (is Register called in an init function?)", name, ErrNotRegistered)
	}
	state := openInherited(stateID, "fork-state")
	if state == nil {
		return nil, fmt.Errorf("malformed state descriptor in %s=%q", markerEnv, marker)
	}
	defer state.Close()
	payload, err := unframe(state)
	if err != nil {
		return nil, fmt.Errorf("receiving the copied state: %w", err)
	}
	if err := decodeState(payload); err != nil {
		return nil, fmt.Errorf("decoding the copied state: %w", err)
	}
	return fn, nil
}

// frame prefixes the encoded state with its length, so that a child can
// tell a complete copy from one cut short (or never sent).
func frame(state []byte) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(state)), uint64(len(state)))
	return append(b, state...)
}

// unframe reads one framed state from r.
func unframe(r io.Reader) ([]byte, error) {
	var n [8]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, fmt.Errorf("the parent sent no state: %w", err)
	}
	size := binary.BigEndian.Uint64(n[:])
	if size > 1<<32 {
		return nil, fmt.Errorf("implausible state size %d", size)
	}
	payload := make([]byte, size)
	if _, err := io.ReadFull(r, payload); err != nil {
		return nil, fmt.Errorf("the state was cut short: %w", err)
	}
	return payload, nil
}

func openInherited(id, name string) *os.File {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return nil
	}
	f := os.NewFile(uintptr(n), name)
	if f != nil {
		keepInherited(f)
	}
	return f
}
