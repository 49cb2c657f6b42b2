package procs

// The fork hand-off: how a parent's Fork gives the copied state to the child
// it started, and how the child makes sure the state comes from that parent.
//
// The parent makes a channel only it and the child hold (a socketpair on
// Unix, two anonymous pipes on Windows), starts the child with it and with
// the marker
//
//	FORKPORT_FORK=3 <parent pid> <nonce> <channel ids> <file ids> <sockets> <entry point>
//
// (<sockets> counts the sockets of Attr.Sockets: on Unix the last of the
// files, on Windows sent after the state, framed as it is, as the
// protocol information WSADuplicateSocket made for the child)
// and writes the header and the payload:
//
//	"forkport" 0x02  nonce[16]  fingerprint[16]  uint64be(len(payload))  payload
//
// The child's Init checks, before it reads a byte of state: that the
// channel is of the kind the parent makes (a socket or pipes: not a file
// or terminal the starter left at that number) and, on Unix, that its
// parent made it (the socketpair's peer credentials, where the system
// reports them), and that its parent is the process the marker names and
// runs the same executable (Linux: the same file, through /proc, unless
// the parent is not dumpable; Windows: the same image path, and a parent
// created before the child, so not a process that reused a dead parent's
// PID; other Unix systems: the parent PID only). Then it checks the header: the
// nonce the marker carries, and the fingerprint of its own build: a hash
// of the Go version, the executable file's identity and the layout of every
// variable declared with Copy. A build that differs from the parent's (an
// upgrade installed while the parent ran) is refused, never decoded. Last,
// it answers on the channel: one zero byte once the state is decoded, or
// the reason it refused. The parent's Fork waits for that answer, so it
// returns only once the child has its state, and it returns the child's
// reason as an error wrapping ErrHandoff. Waiting also keeps the parent
// alive while the child checks it: a parent that exits right after Fork
// (fork-count's does) cannot be mistaken for a dead one. (A pre-started
// child checked its parent when it started; its request may be
// answerless: see answerless in prestart.go.)

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
)

const (
	handoffVersion = "3"
	headerMagic    = "forkport\x02"
	headerSize     = len(headerMagic) + 16 + 16 + 8
	// maxReply bounds the reason a child sends back.
	maxReply = 1 << 10
)

// maxStateSize is the largest payload Fork sends: 4 GiB. The parent
// refuses a larger snapshot before it starts the child, and a child refuses
// a header that announces more.
const maxStateSize = 1 << 32

// checkStateSize reports a payload too large to send.
func checkStateSize(n uint64) error {
	if n > maxStateSize {
		return invalid("the copied state takes %d bytes, over the limit of %d (4 GiB)", n, uint64(maxStateSize))
	}
	return nil
}

// A handoffEnd is the parent's end of the channel: it writes the state and
// reads the child's answer (one socket on Unix, two pipes on Windows).
type handoffEnd struct{ state, answer *os.File }

func (h handoffEnd) close() {
	h.state.Close()
	if h.answer != h.state {
		h.answer.Close()
	}
}

// send writes the framed state and waits for the child's answer.
func (h handoffEnd) send(framed []byte) error {
	_, werr := h.state.Write(framed)
	return h.awaitAnswer(werr)
}

// awaitAnswer waits for the child's answer to what was sent; werr is the
// error of the send, if any.
func (h handoffEnd) awaitAnswer(werr error) error {
	// Whatever the write did, the answer says why: a child that refused
	// the state closes its end before reading all of it.
	var first [1]byte
	if _, err := io.ReadFull(h.answer, first[:]); err != nil {
		if werr != nil {
			err = werr
		}
		return fmt.Errorf("%w: the child ended before it confirmed its state (%w)", ErrHandoff, err)
	}
	if first[0] == 0 {
		return nil
	}
	rest, _ := io.ReadAll(io.LimitReader(h.answer, maxReply-1))
	return fmt.Errorf("%w: the child refused its state: %s", ErrHandoff, append(first[:], rest...))
}

// A childEnd is the child's end: it reads the state and answers.
type childEnd struct {
	state, answer *os.File
	in            io.Reader // reads state: the request, header and payload in as few reads as it can
	// answerless: the parent does not wait for the answer (a request of
	// the pool said so), so the child sends none.
	answerless bool
}

func newChildEnd(state, answer *os.File) childEnd {
	return childEnd{state: state, answer: answer, in: bufio.NewReaderSize(state, 64<<10)}
}

func (c childEnd) close() {
	c.state.Close()
	if c.answer != c.state {
		c.answer.Close()
	}
}

// reply tells the parent the outcome: a zero byte for success, else the
// reason (never empty, never starting with a zero byte); nothing to a
// parent that does not listen.
func (c childEnd) reply(err error) {
	if c.answerless {
		return
	}
	msg := []byte{0}
	if err != nil {
		msg = []byte(strings.TrimLeft(err.Error(), "\x00"))
		if len(msg) == 0 {
			msg = []byte("refused")
		}
		msg = msg[:min(len(msg), maxReply)]
	}
	_, _ = c.answer.Write(msg)
}

// newNonce returns 16 random bytes that tie a marker to its channel.
func newNonce() ([16]byte, error) {
	var n [16]byte
	_, err := rand.Read(n[:])
	return n, err
}

// frame prefixes the payload with the header.
func frame(nonce, fp [16]byte, state []byte) []byte {
	return appendFrame(make([]byte, 0, headerSize+len(state)), nonce, fp, state)
}

// appendFrame appends the header and the payload to b.
func appendFrame(b []byte, nonce, fp [16]byte, state []byte) []byte {
	b = slices.Grow(b, headerSize+len(state))
	b = append(b, headerMagic...)
	b = append(b, nonce[:]...)
	b = append(b, fp[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(state)))
	return append(b, state...)
}

var errNoState = errors.New("the parent sent no state")

// unframe reads the header and the payload from r, checking the nonce and
// the fingerprint before it reads the payload.
func unframe(r io.Reader, nonce, fp [16]byte) ([]byte, error) {
	var h [headerSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("%w: %w", errNoState, err)
	}
	b := h[:]
	if string(b[:len(headerMagic)]) != headerMagic {
		return nil, fmt.Errorf("%w: the state does not start with forkport's header", errCorrupt)
	}
	b = b[len(headerMagic):]
	if !bytes.Equal(b[:16], nonce[:]) {
		return nil, fmt.Errorf("%w: the state is not the one the marker announces (nonce differs)", errCorrupt)
	}
	if !bytes.Equal(b[16:32], fp[:]) {
		return nil, errOtherBuild
	}
	size := binary.BigEndian.Uint64(b[32:])
	if err := checkStateSize(size); err != nil {
		return nil, err
	}
	if p, ok := r.(*prefixed); ok {
		if payload, ok := p.next(size); ok { // received whole already: no copy
			return payload, nil
		}
	}
	if size <= exactAlloc {
		payload := make([]byte, size)
		if n, err := io.ReadFull(r, payload); err != nil {
			return nil, fmt.Errorf("the state was cut short after %d of %d bytes: %w", n, size, io.ErrUnexpectedEOF)
		}
		return payload, nil
	}
	// A larger size is not trusted with one allocation: the buffer grows
	// as the bytes arrive.
	var payload bytes.Buffer
	if n, err := io.CopyN(&payload, r, int64(size)); err != nil {
		return nil, fmt.Errorf("the state was cut short after %d of %d bytes: %w", n, size, io.ErrUnexpectedEOF)
	}
	return payload.Bytes(), nil
}

// exactAlloc is the largest payload the child allocates at once, from the
// size the header announces.
const exactAlloc = 16 << 20

var errOtherBuild = errors.New("the parent runs another build of this program " +
	"(its Go version, executable file or copied variables' types differ): " +
	"its state cannot be decoded here; was the program upgraded while it ran?")

// A marker is the parsed FORKPORT_FORK value.
type marker struct {
	ppid    int
	nonce   [16]byte
	channel []uintptr
	files   []uintptr
	// sockets is how many sockets of Attr.Sockets the child takes: on
	// Unix the last sockets of files, on Windows sent after the state.
	sockets int
	name    string
	pool    bool // started by Prestart: wait for a request
}

func (m *marker) String() string {
	return fmt.Sprintf("%d %s %s %s %d %s", m.ppid, hex.EncodeToString(m.nonce[:]),
		joinIDs(m.channel), joinIDs(m.files), m.sockets, m.name)
}

func joinIDs(ids []uintptr) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatUint(uint64(id), 10)
	}
	return strings.Join(s, ",")
}

// encodeMarker is the environment entry for a child.
func encodeMarker(m *marker) string {
	v := handoffVersion
	if m.pool {
		v += poolSuffix
	}
	return markerEnv + "=" + v + " " + m.String()
}

// poolSuffix marks the version of a pre-started child's marker.
const poolSuffix = "p"

// parseMarker parses a FORKPORT_FORK value; it comes from the environment,
// so from whoever started the process, and is checked field by field.
func parseMarker(s string) (*marker, error) {
	bad := func(what string) error {
		return fmt.Errorf("%w: %s=%q: %s (set by hand, or by another forkport version?)",
			errCorrupt, markerEnv, s, what)
	}
	f := strings.SplitN(s, " ", 7)
	if len(f) != 7 || f[0] != handoffVersion && f[0] != handoffVersion+poolSuffix {
		return nil, bad("not a version " + handoffVersion + " marker")
	}
	m := &marker{name: f[6], pool: f[0] != handoffVersion}
	ppid, err := strconv.Atoi(f[1])
	if err != nil || ppid <= 0 {
		return nil, bad("bad parent PID")
	}
	m.ppid = ppid
	if len(f[2]) != hex.EncodedLen(len(m.nonce)) { // before Decode, which would overrun m.nonce
		return nil, bad("bad nonce")
	}
	if _, err := hex.Decode(m.nonce[:], []byte(f[2])); err != nil {
		return nil, bad("bad nonce")
	}
	if m.channel, err = parseIDs(f[3]); err != nil || len(m.channel) == 0 {
		return nil, bad("bad channel")
	}
	if m.files, err = parseIDs(f[4]); err != nil {
		return nil, bad("bad inherited files")
	}
	if m.sockets, err = strconv.Atoi(f[5]); err != nil || m.sockets < 0 || m.sockets > maxSockets ||
		strconv.Itoa(m.sockets) != f[5] {
		return nil, bad("bad socket count")
	}
	if m.name == "" {
		return nil, bad("no entry point")
	}
	return m, nil
}

func parseIDs(s string) ([]uintptr, error) {
	if s == "" {
		return nil, nil
	}
	var ids []uintptr
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil || uint64(uintptr(n)) != n {
			return nil, errCorrupt
		}
		ids = append(ids, uintptr(n))
	}
	return ids, nil
}

// withoutMarker returns env without any FORKPORT_FORK entry. A program that
// took os.Environ() during package initialisation in a forked child (before
// Init removed the marker) would otherwise pass its own marker on, and the
// first of duplicate entries is the one a child sees.
func withoutMarker(env []string) []string {
	out := make([]string, 0, len(env)+1)
	for _, e := range env {
		if k, _, ok := strings.Cut(e, "="); ok && envKeyEqual(k, markerEnv) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// exeIdentity identifies the executable file this process started from:
// noted by Init, before the file can be replaced.
var exeIdentity string

func noteExecutable() {
	exeIdentity = "unknown"
	path, err := selfExe()
	if err != nil {
		return
	}
	if fi, err := os.Stat(path); err == nil {
		exeIdentity = fmt.Sprintf("%d %d %s", fi.Size(), fi.ModTime().UnixNano(), fileID(fi))
	}
}

// fingerprint identifies this build for the hand-off: the Go version, the
// executable's identity and the layout of the copied variables' types. It
// is computed once, after Init (the variables are fixed by then).
var fingerprint = sync.OnceValue(func() [16]byte {
	regMu.Lock()
	vars := copies[:len(copies):len(copies)]
	regMu.Unlock()
	return buildFingerprint(runtime.Version(), exeIdentity, vars)
})

func buildFingerprint(goVersion, exe string, vars []copyVar) [16]byte {
	b := make([]byte, 0, 1024)
	b = append(append(append(append(b, goVersion...), '\n'), exe...), '\n')
	seen := map[reflect.Type]int{}
	for _, c := range vars {
		b = append(strconv.AppendQuote(b, c.name), ' ')
		b = appendType(b, c.ptr.Type().Elem(), seen)
		b = append(b, '\n')
	}
	sum := sha256.Sum256(b)
	var fp [16]byte
	copy(fp[:], sum[:])
	return fp
}

// appendType appends what the codec depends on in t: kinds, names, sizes,
// field names and offsets, recursively (a type already described is
// referred to by number). Every fresh child computes it, so it is plain
// appends rather than fmt.
func appendType(b []byte, t reflect.Type, seen map[reflect.Type]int) []byte {
	if n, ok := seen[t]; ok {
		return strconv.AppendInt(append(b, '#'), int64(n), 10)
	}
	seen[t] = len(seen)
	b = append(append(b, '('), t.Kind().String()...)
	b = append(append(append(append(b, ' '), t.PkgPath()...), '.'), t.Name()...)
	b = strconv.AppendUint(append(b, ' '), uint64(t.Size()), 10)
	switch t.Kind() {
	case reflect.Array:
		b = strconv.AppendInt(append(b, ' '), int64(t.Len()), 10)
		b = appendType(append(b, ' '), t.Elem(), seen)
	case reflect.Slice, reflect.Pointer, reflect.Chan:
		b = appendType(append(b, ' '), t.Elem(), seen)
	case reflect.Map:
		b = appendType(append(b, ' '), t.Key(), seen)
		b = appendType(append(b, ' '), t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			b = append(append(b, ' '), f.Name...)
			b = strconv.AppendUint(append(b, '@'), uint64(f.Offset), 10)
			b = appendType(append(b, ':'), f.Type, seen)
		}
	case reflect.Interface, reflect.Func:
		b = append(append(b, ' '), t.String()...)
	}
	return append(b, ')')
}
