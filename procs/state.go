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
// child's strings and byte slices point into the received buffer. encoding/gob remains the general case, for the
// types the direct path does not cover (interfaces, which gob carries
// through gob.Register, and whatever gob itself rejects, so that it reports
// the error). The direct path keeps gob's rules on what is copied: exported
// struct fields only (fields of chan or func type are skipped, unexported
// ones keep the child's own value), pointers followed (so shared or cyclic
// data is not preserved; a cycle is an error, where gob would overflow the
// stack), and GobEncoder, BinaryMarshaler and TextMarshaler values encoded
// with those methods, in gob's order of preference. It differs from gob in
// one way, on purpose: every exported value is copied exactly, zero values
// included. gob omits zero fields and merges into the receiver, so a child
// could see its own init-time value of a field, or map entries, that the
// parent had since cleared; after a fork, the child must see the parent's.
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
	"encoding"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"
	"unsafe"
)

const (
	tagDirect byte = 'd'
	tagGob    byte = 'g'
	tagZero   byte = 'z' // a zero value of a gob type: no value follows
)

// encodeState snapshots every variable declared with Copy.
func encodeState() ([]byte, error) {
	regMu.Lock()
	defer regMu.Unlock()
	// Start with room for the previous snapshot: a program that forks in
	// a loop then builds each one without growing the buffer.
	b := make([]byte, 0, lastStateSize+lastStateSize/8+64)
	var e encoder
	for _, c := range copies {
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
			return nil, fmt.Errorf("copying %q: %w", c.name, err)
		}
		binary.LittleEndian.PutUint64(b[at:], uint64(len(b)-at-8))
	}
	lastStateSize = len(b)
	return b, nil
}

// lastStateSize is the size of the previous snapshot; guarded by regMu.
var lastStateSize int

// decodeState restores the variables declared with Copy from buf, the
// child's own copy of the payload: decoded strings and byte slices point
// into it rather than being copied.
func decodeState(buf []byte) error {
	d := &decoder{buf: buf}
	for d.off < len(d.buf) {
		name, tag, value, err := d.entry()
		if err != nil {
			return err
		}
		var dst reflect.Value
		for _, c := range copies {
			if c.name == name {
				dst = c.ptr
			}
		}
		if !dst.IsValid() {
			return fmt.Errorf("parent copied %q, which this program does not declare", name)
		}
		t := dst.Type().Elem()
		switch {
		case tag == tagZero && len(value) == 0:
			dst.Elem().SetZero()
		case tag == tagDirect && len(value) == 1 && value[0] == 0 && isNilable(t) && !mayHaveMethods(t):
			dst.Elem().SetZero() // a nil pointer, slice or map: no plan to build
		case tag == tagDirect && planOf(t) != nil:
			err = (&decoder{buf: value}).decodeTop(planOf(t), dst.UnsafePointer())
		case tag == tagGob && planOf(t) == nil:
			err = gob.NewDecoder(bytes.NewReader(value)).DecodeValue(dst)
		default:
			err = fmt.Errorf("encoded as %q, which this program does not use for %v", tag, t)
		}
		if err != nil {
			return fmt.Errorf("copying %q: %w", name, err)
		}
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

// A plan says how to copy a value of one type.
type plan struct {
	t    reflect.Type
	kind planKind
	size uintptr // t.Size()
	word uint8   // scalars: 8, 4 or 1 to load and store as such a word, 0 to copy bytes
	elem *plan   // slices, arrays, pointers; map values
	// arrayOf is a slice type of elem, to allocate what pointers point to.
	arrayOf reflect.Type
	key     *plan // maps
	length  int   // arrays
	fields  []fieldPlan
}

type fieldPlan struct {
	off  uintptr
	plan *plan
}

type planKind uint8

const (
	kScalar   planKind = iota + 1 // bool and numbers: raw memory
	kString                       // length and bytes
	kRawSlice                     // slice of scalars: one block of raw memory
	kSlice
	kArray
	kMap
	kPointer
	kStruct
	kGobEncoder // GobEncode and GobDecode, as gob would use them
	kBinary     // MarshalBinary and UnmarshalBinary
	kText       // MarshalText and UnmarshalText
)

var (
	plans sync.Map // reflect.Type -> *plan; nil means gob

	gobEncoderType        = reflect.TypeFor[gob.GobEncoder]()
	gobDecoderType        = reflect.TypeFor[gob.GobDecoder]()
	binaryMarshalerType   = reflect.TypeFor[encoding.BinaryMarshaler]()
	binaryUnmarshalerType = reflect.TypeFor[encoding.BinaryUnmarshaler]()
	textMarshalerType     = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType   = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// planOf returns the direct plan for t, or nil if values of t go through
// gob.
func planOf(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	p, ok := compile(t, map[reflect.Type]*plan{})
	if !ok {
		p = nil
	}
	plans.Store(t, p)
	return p
}

// compile builds the plan for t. seen holds the plans being built, so that
// recursive types (a tree node with a slice of child nodes) terminate. It
// reports false if some part of t needs gob.
func compile(t reflect.Type, seen map[reflect.Type]*plan) (*plan, bool) {
	if p := seen[t]; p != nil {
		return p, true
	}
	p := &plan{t: t, size: t.Size()}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && mayHaveMethods(t) {
		if k, ok := marshaler(t); k != 0 || !ok {
			p.kind = k
			return p, ok
		}
	}
	seen[t] = p
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		p.kind = kScalar
		p.setWord()
	case reflect.String:
		p.kind = kString
	case reflect.Slice, reflect.Array:
		elem, ok := compile(t.Elem(), seen)
		if !ok {
			return nil, false
		}
		p.elem = elem
		switch {
		case t.Kind() == reflect.Array:
			p.kind, p.length = kArray, t.Len()
			if elem.kind == kScalar {
				p.kind = kScalar // the whole array is raw memory
				p.setWord()
			}
		case elem.kind == kScalar:
			p.kind = kRawSlice
		default:
			p.kind = kSlice
		}
	case reflect.Map:
		key, ok := compile(t.Key(), seen)
		if !ok {
			return nil, false
		}
		elem, ok := compile(t.Elem(), seen)
		if !ok {
			return nil, false
		}
		p.kind, p.key, p.elem = kMap, key, elem
	case reflect.Pointer:
		elem, ok := compile(t.Elem(), seen)
		if !ok {
			return nil, false
		}
		p.kind, p.elem, p.arrayOf = kPointer, elem, reflect.SliceOf(t.Elem())
	case reflect.Struct:
		p.kind = kStruct
		for i := range t.NumField() {
			f := t.Field(i)
			if !sent(f) {
				continue
			}
			fp, ok := compile(f.Type, seen)
			if !ok {
				return nil, false
			}
			p.fields = append(p.fields, fieldPlan{f.Offset, fp})
		}
		if t.NumField() > 0 && len(p.fields) == 0 {
			return nil, false // gob reports "has no exported fields"
		}
	default: // interfaces, channels, functions, unsafe pointers
		return nil, false
	}
	return p, true
}

// setWord sets p.word for a scalar: a word load or store needs the size
// and, to be safe on every architecture, 4-byte alignment (a [8]byte has
// none: it is copied byte by byte).
func (p *plan) setWord() {
	switch {
	case p.size == 1:
		p.word = 1
	case (p.size == 8 || p.size == 4) && p.t.Align() >= 4:
		p.word = uint8(p.size)
	}
}

// sent reports whether gob sends struct field f: exported, and not a
// channel or function (nor a pointer to one).
func sent(f reflect.StructField) bool {
	if !f.IsExported() {
		return false
	}
	t := f.Type
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() != reflect.Chan && t.Kind() != reflect.Func
}

func isNilable(t reflect.Type) bool {
	k := t.Kind()
	return k == reflect.Pointer || k == reflect.Slice || k == reflect.Map
}

// mayHaveMethods reports whether t can have methods: a type defined in a
// package, or a struct type with an embedded field. (It spares a child the
// cost of reflect.PointerTo, which can search all the program's types, for
// the many types that cannot.)
func mayHaveMethods(t reflect.Type) bool {
	if t.Name() != "" {
		return t.PkgPath() != "" // else predeclared: bool, int, string...
	}
	if t.Kind() == reflect.Struct {
		for i := range t.NumField() {
			if t.Field(i).Anonymous {
				return true
			}
		}
	}
	return false
}

// marshaler returns the kind of marshaler gob would use for t (0 for none),
// and false if t cannot be decoded the way it is encoded.
func marshaler(t reflect.Type) (planKind, bool) {
	pt := reflect.PointerTo(t)
	switch {
	case pt.Implements(gobEncoderType):
		return kGobEncoder, pt.Implements(gobDecoderType)
	case pt.Implements(binaryMarshalerType):
		return kBinary, pt.Implements(binaryUnmarshalerType)
	case pt.Implements(textMarshalerType):
		return kText, pt.Implements(textUnmarshalerType)
	}
	return 0, true
}

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

type pathKey struct {
	ptr unsafe.Pointer
	t   reflect.Type
}

type encoder struct {
	depth int
	path  map[pathKey]bool // the pointers followed beyond deepPath
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
		data := unsafe.Pointer(unsafe.SliceData(s))
		e.push(data, p.t)
		for i := range uintptr(len(s)) {
			b = e.value(b, p.elem, unsafe.Add(data, i*p.elem.size))
		}
		e.pop(data, p.t)
	case kArray:
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

type decoder struct {
	buf   []byte
	off   int
	slabs map[*plan]*slab // by element plan
}

// A slab is an array that small slices and pointed-to values are carved
// from, to allocate once per few KiB of them rather than once each. A
// carved slice's capacity ends with it, so appending to it reallocates.
type slab struct {
	base      unsafe.Pointer
	used, cap int
}

const slabBytes = 8 << 10

// alloc returns zeroed memory for n values of plan elem; arrayT is a slice
// type with elem as its element type.
func (d *decoder) alloc(arrayT reflect.Type, elem *plan, n int) unsafe.Pointer {
	if n == 0 || elem.size == 0 || uintptr(n)*elem.size > slabBytes/8 {
		return reflect.MakeSlice(arrayT, n, n).UnsafePointer()
	}
	if d.slabs == nil {
		d.slabs = map[*plan]*slab{}
	}
	s := d.slabs[elem]
	if s == nil || s.cap-s.used < n {
		per := int(slabBytes / elem.size)
		s = &slab{base: reflect.MakeSlice(arrayT, per, per).UnsafePointer(), cap: per}
		d.slabs[elem] = s
	}
	q := unsafe.Add(s.base, uintptr(s.used)*elem.size)
	s.used += n
	return q
}

var errCorrupt = errors.New("corrupt state")

// entry reads the name, tag and value of the next variable.
func (d *decoder) entry() (name string, tag byte, value []byte, err error) {
	defer catch(&err, true)
	name = string(d.next(d.length()))
	tag = d.next(1)[0]
	n := binary.LittleEndian.Uint64(d.next(8))
	if n > uint64(len(d.buf)-d.off) {
		return "", 0, nil, errCorrupt
	}
	return name, tag, d.next(int(n)), nil
}

func (d *decoder) decodeTop(p *plan, ptr unsafe.Pointer) (err error) {
	defer catch(&err, true)
	d.decode(p, ptr)
	if d.off != len(d.buf) {
		return errCorrupt
	}
	return nil
}

// next returns the next n bytes; their capacity ends with them, so that
// appending to a decoded byte slice cannot overwrite what follows.
func (d *decoder) next(n int) []byte {
	if n < 0 || n > len(d.buf)-d.off {
		panic(stateError{errCorrupt})
	}
	b := d.buf[d.off : d.off+n : d.off+n]
	d.off += n
	return b
}

func (d *decoder) uvarint() uint64 {
	if d.off < len(d.buf) && d.buf[d.off] < 0x80 {
		d.off++
		return uint64(d.buf[d.off-1])
	}
	v, n := binary.Uvarint(d.buf[d.off:])
	if n <= 0 {
		panic(stateError{errCorrupt})
	}
	d.off += n
	return v
}

func (d *decoder) length() int {
	v := d.uvarint()
	if v > uint64(len(d.buf)) {
		panic(stateError{errCorrupt})
	}
	return int(v)
}

// count reads the length of a slice or map, and whether it is nil.
func (d *decoder) count() (int, bool) {
	v := d.uvarint()
	if v == 0 {
		return 0, true
	}
	if v-1 > uint64(maxInt) {
		panic(stateError{errCorrupt})
	}
	return int(v - 1), false
}

const maxInt = int(^uint(0) >> 1)

// value is decode with strings and 8-byte numbers done in line (see
// encoder.value).
func (d *decoder) value(p *plan, ptr unsafe.Pointer) {
	switch {
	case p.kind == kString:
		n := 0
		if d.off < len(d.buf) && d.buf[d.off] < 0x80 {
			n = int(d.buf[d.off])
			d.off++
		} else {
			n = d.length()
		}
		if n > len(d.buf)-d.off {
			panic(stateError{errCorrupt})
		}
		*(*string)(ptr) = unsafe.String(unsafe.SliceData(d.buf[d.off:]), n)
		d.off += n
	case p.word == 8:
		if len(d.buf)-d.off < 8 {
			panic(stateError{errCorrupt})
		}
		*(*uint64)(ptr) = binary.NativeEndian.Uint64(d.buf[d.off:])
		d.off += 8
	default:
		d.decode(p, ptr)
	}
}

// decode stores the next value, of plan p, at ptr. Strings and byte slices
// point into d.buf.
func (d *decoder) decode(p *plan, ptr unsafe.Pointer) {
	switch p.kind {
	case kScalar:
		b := d.next(int(p.size))
		switch p.word {
		case 8:
			*(*uint64)(ptr) = binary.NativeEndian.Uint64(b)
		case 4:
			*(*uint32)(ptr) = binary.NativeEndian.Uint32(b)
		case 1:
			*(*byte)(ptr) = b[0]
		default:
			copy(unsafe.Slice((*byte)(ptr), p.size), b)
		}
	case kString:
		b := d.next(d.length())
		*(*string)(ptr) = unsafe.String(unsafe.SliceData(b), len(b))
	case kRawSlice:
		n, isNil := d.count()
		if isNil {
			*(*[]byte)(ptr) = nil
			return
		}
		size := p.elem.size
		if size != 0 && n > len(d.buf)/int(size) {
			panic(stateError{errCorrupt})
		}
		b := d.next(n * int(size))
		if size == 1 { // []byte and the like: the payload's own bytes
			*(*[]byte)(ptr) = b
			return
		}
		data := d.alloc(p.t, p.elem, n)
		copy(unsafe.Slice((*byte)(data), len(b)), b)
		*(*[]byte)(ptr) = unsafe.Slice((*byte)(data), n)
	case kSlice:
		n, isNil := d.count()
		if isNil {
			*(*[]byte)(ptr) = nil
			return
		}
		data := d.alloc(p.t, p.elem, n)
		for i := range uintptr(n) {
			d.value(p.elem, unsafe.Add(data, i*p.elem.size))
		}
		*(*[]byte)(ptr) = unsafe.Slice((*byte)(data), n)
	case kArray:
		for i := range uintptr(p.length) {
			d.decode(p.elem, unsafe.Add(ptr, i*p.elem.size))
		}
	case kMap:
		dst := reflect.NewAt(p.t, ptr).Elem()
		n, isNil := d.count()
		if isNil {
			dst.SetZero()
			return
		}
		m := reflect.MakeMapWithSize(p.t, min(n, len(d.buf)))
		k, v := reflect.New(p.t.Key()), reflect.New(p.t.Elem())
		for range n {
			k.Elem().SetZero() // fresh values, as gob decodes map entries
			v.Elem().SetZero()
			d.decode(p.key, k.UnsafePointer())
			d.decode(p.elem, v.UnsafePointer())
			m.SetMapIndex(k.Elem(), v.Elem())
		}
		dst.Set(m)
	case kPointer:
		if d.next(1)[0] == 0 {
			*(*unsafe.Pointer)(ptr) = nil
			return
		}
		q := d.alloc(p.arrayOf, p.elem, 1)
		d.decode(p.elem, q)
		*(*unsafe.Pointer)(ptr) = q
	case kStruct:
		for _, f := range p.fields {
			d.value(f.plan, unsafe.Add(ptr, f.off))
		}
	case kGobEncoder, kBinary, kText:
		b := d.next(d.length())
		var err error
		switch v := reflect.NewAt(p.t, ptr).Interface(); p.kind {
		case kGobEncoder:
			err = v.(gob.GobDecoder).GobDecode(b)
		case kBinary:
			err = v.(encoding.BinaryUnmarshaler).UnmarshalBinary(b)
		default:
			err = v.(encoding.TextUnmarshaler).UnmarshalText(b)
		}
		if err != nil {
			panic(stateError{fmt.Errorf("%v: %w", p.t, err)})
		}
	}
}
