package procs

// The direct path's encoder, run in the parent at Fork.

import (
	"encoding"
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"reflect"
	"unsafe"
)

// stateError carries an encoding or decoding error out of the recursion.
type stateError struct{ err error }

// catch turns a stateError panic into *err, and any other panic of a
// decoder (a cut or corrupt payload) into an error too.
func catch(err *error, decoding bool) {
	switch r := recover().(type) {
	case nil:
	case stateError:
		*err = r.err
	default:
		if !decoding {
			panic(r)
		}
		*err = fmt.Errorf("corrupt state: %v", r)
	}
}

// deepPath is the nesting depth beyond which the encoder looks for cycles.
const deepPath = 1000

// maxDepth bounds how deeply values may nest through pointers, slices and
// maps (a linked list of n nodes nests n deep), in the encoder and in the
// decoder, which both recurse: past it Fork fails with errTooDeep, where
// unbounded recursion would overflow the goroutine stack and kill the
// process. At this depth the encoder's and the decoder's stacks stay
// under about 64 MiB (TestStateDepthLimit measures them).
const maxDepth = 20_000

var errTooDeep = fmt.Errorf("values nest deeper than %d levels (through pointers, slices or maps): "+
	"too deep to copy; keep such data in a slice", maxDepth)

type pathKey struct {
	ptr unsafe.Pointer
	t   reflect.Type
}

type encoder struct {
	depth     int
	path      map[pathKey]bool // the pointers followed beyond deepPath
	marshaled bool             // a value took a marshaler's path (or gob's: encodeVarsPlain)
}

func (e *encoder) encodeTop(b []byte, p *plan, ptr unsafe.Pointer) (_ []byte, err error) {
	defer catch(&err, false)
	return e.encode(b, p, ptr), nil
}

// encode appends the value of plan p at ptr to b. (The buffer is passed
// along rather than kept in e: appending to a field would cost a write
// barrier per value while the garbage collector runs.)
func (e *encoder) encode(b []byte, p *plan, ptr unsafe.Pointer) []byte {
	switch p.kind {
	case kScalar:
		switch p.word {
		case 8:
			return binary.NativeEndian.AppendUint64(b, *(*uint64)(ptr))
		case 4:
			return binary.NativeEndian.AppendUint32(b, *(*uint32)(ptr))
		case 1:
			return append(b, *(*byte)(ptr))
		}
		return append(b, unsafe.Slice((*byte)(ptr), p.size)...)
	case kString:
		s := *(*string)(ptr)
		return append(appendUvarint(b, uint64(len(s))), s...)
	case kRawSlice:
		s := *(*[]byte)(ptr) // only the header: len counts elements
		if s == nil {
			return append(b, 0)
		}
		b = appendUvarint(b, uint64(len(s))+1)
		return append(b, unsafe.Slice(unsafe.SliceData(s), uintptr(len(s))*p.elem.size)...)
	case kSlice:
		s := *(*[]byte)(ptr)
		if s == nil {
			return append(b, 0)
		}
		b = appendUvarint(b, uint64(len(s))+1)
		if p.elem.min == 0 { // elements whose encoding is empty: the count says all
			if p.elem.size > 0 && uint64(len(s)) > maxEmptyBytes/uint64(p.elem.size) {
				panic(stateError{fmt.Errorf("a %v of %d elements that carry no exported data: "+
					"over the %d-byte limit for such slices", p.t, len(s), maxEmptyBytes)})
			}
			return b
		}
		data := unsafe.Pointer(unsafe.SliceData(s))
		e.push(data, p.t)
		for i := range uintptr(len(s)) {
			b = e.value(b, p.elem, unsafe.Add(data, i*p.elem.size))
		}
		e.pop(data, p.t)
	case kArray:
		if p.elem.min == 0 {
			return b // elements whose encoding is empty, perhaps 1<<40 of them
		}
		for i := range uintptr(p.length) {
			b = e.encode(b, p.elem, unsafe.Add(ptr, i*p.elem.size))
		}
	case kMap:
		m := reflect.NewAt(p.t, ptr).Elem()
		if m.IsNil() {
			return append(b, 0)
		}
		b = appendUvarint(b, uint64(m.Len())+1)
		id := m.UnsafePointer()
		e.push(id, p.t)
		k, v := reflect.New(p.t.Key()).Elem(), reflect.New(p.t.Elem()).Elem()
		for it := m.MapRange(); it.Next(); {
			k.SetIterKey(it)
			v.SetIterValue(it)
			b = e.encode(b, p.key, k.Addr().UnsafePointer())
			b = e.encode(b, p.elem, v.Addr().UnsafePointer())
		}
		e.pop(id, p.t)
	case kPointer:
		q := *(*unsafe.Pointer)(ptr)
		if q == nil {
			return append(b, 0)
		}
		e.push(q, p.t)
		b = e.encode(append(b, 1), p.elem, q)
		e.pop(q, p.t)
	case kStruct:
		for _, f := range p.fields {
			b = e.value(b, f.plan, unsafe.Add(ptr, f.off))
		}
	case kGobEncoder, kBinary, kText:
		e.marshaled = true
		var m []byte
		var err error
		switch v := reflect.NewAt(p.t, ptr).Interface(); p.kind {
		case kGobEncoder:
			m, err = v.(gob.GobEncoder).GobEncode()
		case kBinary:
			m, err = v.(encoding.BinaryMarshaler).MarshalBinary()
		default:
			m, err = v.(encoding.TextMarshaler).MarshalText()
		}
		if err != nil {
			panic(stateError{fmt.Errorf("%v: %w", p.t, err)})
		}
		b = append(appendUvarint(b, uint64(len(m))), m...)
	}
	return b
}

// value is encode with the commonest fields and elements, strings and
// 8-byte numbers, done in line: a struct's fields and a slice's elements
// go through it.
func (e *encoder) value(b []byte, p *plan, ptr unsafe.Pointer) []byte {
	switch {
	case p.kind == kString:
		s := *(*string)(ptr)
		if len(s) < 0x80 {
			b = append(b, byte(len(s)))
		} else {
			b = binary.AppendUvarint(b, uint64(len(s)))
		}
		return append(b, s...)
	case p.word == 8:
		return binary.NativeEndian.AppendUint64(b, *(*uint64)(ptr))
	}
	return e.encode(b, p, ptr)
}

// appendUvarint is binary.AppendUvarint with the one-byte case inlined.
func appendUvarint(b []byte, v uint64) []byte {
	if v < 0x80 {
		return append(b, byte(v))
	}
	return binary.AppendUvarint(b, v)
}

// push and pop track the pointers followed, past deepPath levels of
// nesting, to turn a cycle into an error instead of endless recursion.
func (e *encoder) push(ptr unsafe.Pointer, t reflect.Type) {
	e.depth++
	if e.depth > maxDepth {
		panic(stateError{errTooDeep})
	}
	if e.depth <= deepPath {
		return
	}
	if e.path == nil {
		e.path = map[pathKey]bool{}
	}
	k := pathKey{ptr, t}
	if e.path[k] {
		panic(stateError{fmt.Errorf("a %v value contains itself: copied state must not have cycles", t)})
	}
	e.path[k] = true
}

func (e *encoder) pop(ptr unsafe.Pointer, t reflect.Type) {
	if e.depth > deepPath {
		delete(e.path, pathKey{ptr, t})
	}
	e.depth--
}
