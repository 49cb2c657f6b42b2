package procs

// The fork state codec: encodeState runs in the parent at Fork and takes the
// snapshot; decodeState runs in the child's Init.
//
// Parent and child are the same program, so every type has the same layout
// on both sides and the codec needs none of encoding/gob's type negotiation
// and reflection, which a fresh child pays cold on every fork: measured in
// the child of the procs benchmarks (2-vCPU VM), decoding a few small
// structs took about 150 µs with gob and 20 µs here, and 64 KiB of records
// (BenchmarkForkState) 1.5 ms with gob and 0.3 ms here. Most variables
// therefore take a direct path: their values are walked by a plan compiled
// once per type, fixed-size numbers are copied as raw memory, and the
// child's strings and byte slices point into the received buffer.
// encoding/gob remains the general case, for the types the direct path does
// not cover (interfaces, which gob carries through gob.Register, and
// whatever gob itself rejects, so that it reports the error). The direct
// path keeps gob's rules on what is copied: exported struct fields only
// (fields of chan or func type are skipped), pointers followed (so shared
// or cyclic data is not preserved; a cycle is an error, and so is nesting
// deeper than maxDepth, where recursion would overflow the stack), and
// GobEncoder, BinaryMarshaler and TextMarshaler values encoded with those
// methods, in gob's order of preference. On both paths the child decodes
// into a fresh zero value of the variable's type and then stores it whole:
// every exported value is copied exactly, zero values included, and what
// is not copied (unexported fields, channels, functions) is zero. (gob on
// its own omits zero fields and merges into the receiver, so a child would
// see its own init-time value of a field, or map entries, that the parent
// had since cleared; after a fork, the child must see the parent's.)
//
// Payload: for each variable declared with Copy, in declaration order,
//
//	uvarint(len(name)) name  tag  uint64le(len(value)) value
//
// where tag is 'd' (direct), 'g' (gob) or 'z' (the zero value of a type that
// goes through gob, sent as nothing), and a direct value is, by kind:
// fixed-size numbers and bools as raw memory; strings as uvarint(len) and
// the bytes; slices and maps as uvarint(0) for nil or uvarint(len+1) and the
// elements (key, value pairs for maps), a slice of numbers as one block of
// raw memory; arrays as their elements; pointers as byte 0 (nil) or 1 and
// the value; structs as their exported fields in order; marshalers as
// uvarint(len) and the marshaled bytes.

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"io"
	"reflect"
	"sync"
	"sync/atomic"
)

const (
	tagDirect byte = 'd'
	tagGob    byte = 'g'
	tagZero   byte = 'z' // a zero value of a gob type: no value follows
)

// encodeState snapshots every variable declared with Copy.
func encodeState() ([]byte, error) {
	b, _, err := snapshotState()
	return b, err
}

// snapshotState is encodeState that also reports whether the snapshot is
// plain: no value in it took a marshaler's or gob's path, which run code
// of the program's when the child decodes them, code that may fail. A
// plain snapshot that this build encoded, this build decodes.
func snapshotState() ([]byte, bool, error) {
	// The registry is fixed once Init has run (Fork checks that it has),
	// so the variables are encoded without holding regMu: a marshaler of
	// the user's that calls Forked, Inherited, Register or Copy must not
	// deadlock Fork.
	regMu.Lock()
	vars := copies[:len(copies):len(copies)]
	regMu.Unlock()
	return encodeVarsPlain(vars)
}

// encodeVars encodes the current values of vars in the payload format.
func encodeVars(vars []copyVar) ([]byte, error) {
	b, _, err := encodeVarsPlain(vars)
	return b, err
}

// encodeVarsPlain is encodeVars that also reports whether the payload is
// plain (see snapshotState).
func encodeVarsPlain(vars []copyVar) ([]byte, bool, error) {
	// Start with room for the previous snapshot: a program that forks in
	// a loop then builds each one without growing the buffer.
	last := int(lastStateSize.Load())
	b := make([]byte, 0, last+last/8+64)
	var e encoder
	for _, c := range vars {
		b = appendUvarint(b, uint64(len(c.name)))
		b = append(b, c.name...)
		t := c.ptr.Type().Elem()
		p := planOf(t)
		tag := tagDirect
		switch {
		case p != nil:
		case c.ptr.Elem().IsZero() && gobTakesZero(t):
			// Spare the child a cold gob decoder (and the parent an
			// encoder) for what is often an unset interface.
			tag = tagZero
		default:
			tag = tagGob
		}
		b = append(b, tag, 0, 0, 0, 0, 0, 0, 0, 0)
		at := len(b) - 8
		var err error
		switch tag {
		case tagDirect:
			b, err = e.encodeTop(b, p, c.ptr.UnsafePointer())
		case tagGob:
			w := appendWriter(b)
			err = gob.NewEncoder(&w).EncodeValue(c.ptr)
			b = w
		}
		if err != nil {
			return nil, false, fmt.Errorf("copying %q: %w", c.name, err)
		}
		if tag == tagGob {
			e.marshaled = true
		}
		binary.LittleEndian.PutUint64(b[at:], uint64(len(b)-at-8))
	}
	lastStateSize.Store(int64(len(b)))
	return b, !e.marshaled, nil
}

// lastStateSize is the size of the previous snapshot.
var lastStateSize atomic.Int64

// decodeState restores the variables declared with Copy from buf, the
// child's own copy of the payload.
func decodeState(buf []byte) error {
	regMu.Lock()
	vars := copies[:len(copies):len(copies)]
	regMu.Unlock()
	return decodeVars(buf, vars)
}

// decodeVars restores vars from buf, which may hold anything: it returns
// an error for bytes the encoder cannot have written, never panics, and
// allocates no more than the values buf describes can need. Each value is
// decoded into a fresh zero value of its type, then stored in the variable
// whole, on every path: what the payload does not carry (zero fields that
// gob skips, unexported fields, channels, functions) is the zero value in
// the child, never the child's own start-up value, and no backing array
// the child's variable held before is written through. Decoded strings and
// byte slices point into buf rather than being copied.
func decodeVars(buf []byte, vars []copyVar) error {
	d := &decoder{buf: buf}
	for d.off < len(d.buf) {
		name, tag, value, err := d.entry()
		if err != nil {
			return err
		}
		var dst reflect.Value
		for _, c := range vars {
			if c.name == name {
				dst = c.ptr
			}
		}
		if !dst.IsValid() {
			return fmt.Errorf("parent copied %q, which this program does not declare", name)
		}
		t := dst.Type().Elem()
		fresh := reflect.New(t)
		switch {
		case tag == tagZero && len(value) == 0:
		case tag == tagDirect && len(value) == 1 && value[0] == 0 && isNilable(t) && !mayHaveMethods(t):
			// a nil pointer, slice or map: no plan to build
		case tag == tagDirect && planOf(t) != nil:
			err = (&decoder{buf: value}).decodeTop(planOf(t), fresh.UnsafePointer())
		case tag == tagGob && planOf(t) == nil:
			err = gob.NewDecoder(bytes.NewReader(value)).DecodeValue(fresh)
		default:
			err = fmt.Errorf("%w: encoded as %q, which this program does not use for %v", errCorrupt, tag, t)
		}
		if err != nil {
			return fmt.Errorf("copying %q: %w", name, err)
		}
		dst.Elem().Set(fresh.Elem())
	}
	return nil
}

type appendWriter []byte

func (w *appendWriter) Write(p []byte) (int, error) {
	*w = append(*w, p...)
	return len(p), nil
}

// gobTakesZero reports whether gob encodes the zero value of t without
// error, so that sending zero values of t as tagZero hides no error gob
// would report (for a channel, say).
func gobTakesZero(t reflect.Type) bool {
	if ok, done := gobZeroOK.Load(t); done {
		return ok.(bool)
	}
	err := gob.NewEncoder(io.Discard).EncodeValue(reflect.New(t))
	gobZeroOK.Store(t, err == nil)
	return err == nil
}

var gobZeroOK sync.Map // reflect.Type -> bool
