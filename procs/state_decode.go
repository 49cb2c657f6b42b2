package procs

// The direct path's decoder, run in the child's Init on bytes from outside
// the process.

import (
	"encoding"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"reflect"
	"unsafe"
)

// The decoder reads bytes that come from outside the process. It is safe on
// any input because:
//   - every read goes through next, uvarint or value, which check the bytes
//     left before touching them, and panic with errCorrupt (turned into an
//     error by catch) where they are short;
//   - every count (a slice's or map's length) is bounded by the bytes left
//     divided by the fewest bytes one element takes (plan.min) before
//     anything is allocated, so no input makes it allocate more than a
//     small multiple of its own size; elements whose encoding is always
//     empty (min 0) are not decoded one by one, and the memory they need
//     is bounded by maxEmptyBytes;
//   - recursion through pointers, slices and maps stops at maxDepth;
//   - the unsafe stores write a value of plan p's type at memory allocated
//     for that type (reflect.New, reflect.MakeSlice, or a slab of that
//     element type), at offsets taken from reflect (field offsets, element
//     sizes); raw-memory copies are used only for scalars, whose every bit
//     pattern is a valid value, except bools, which are checked to be 0 or
//     1;
//   - strings and byte slices point into the payload, which the child keeps
//     and never changes, with their capacity ending where they end.
//
// FuzzDecodeState runs it on arbitrary bytes.
type decoder struct {
	buf   []byte
	off   int
	depth int             // nesting through pointers, slices and maps
	slabs map[*plan]*slab // by element plan
}

// maxEmptyBytes bounds the memory a slice of elements whose encoding is
// always empty may take (a slice of 1<<20 structs with only unexported
// int64 fields, say): its count alone cannot be checked against the bytes
// left. The encoder refuses larger ones, so a payload that asks for more is
// corrupt.
const maxEmptyBytes = 64 << 20

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

// count reads the length of a slice or map of n values whose encodings take
// at least min bytes each, and whether it is nil. It panics with errCorrupt
// when the bytes left cannot hold that many.
func (d *decoder) count(min int) (int, bool) {
	v := d.uvarint()
	if v == 0 {
		return 0, true
	}
	n := v - 1
	if min > 0 && n > uint64((len(d.buf)-d.off)/min) || n > uint64(maxInt) {
		panic(stateError{errCorrupt})
	}
	return int(n), false
}

// elems reads the length of a slice whose elements have plan elem.
func (d *decoder) elems(elem *plan) (int, bool) {
	n, isNil := d.count(elem.min)
	if elem.min == 0 && elem.size > 0 && uint64(n) > maxEmptyBytes/uint64(elem.size) {
		panic(stateError{errCorrupt})
	}
	return n, isNil
}

func (d *decoder) push() {
	if d.depth++; d.depth > maxDepth {
		panic(stateError{errTooDeep})
	}
}

// checkBools panics unless every byte of b is 0 or 1.
func checkBools(b []byte) {
	for _, c := range b {
		if c > 1 {
			panic(stateError{fmt.Errorf("%w: bool byte %d", errCorrupt, c)})
		}
	}
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
		if p.bools {
			checkBools(b)
		}
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
		n, isNil := d.elems(p.elem)
		if isNil {
			*(*[]byte)(ptr) = nil
			return
		}
		size := p.elem.size
		b := d.next(n * int(size)) // n*size fits: count bounded it by the bytes left
		if p.elem.bools {
			checkBools(b)
		}
		if size == 1 { // []byte and the like: the payload's own bytes
			*(*[]byte)(ptr) = b
			return
		}
		data := d.alloc(p.t, p.elem, n)
		copy(unsafe.Slice((*byte)(data), len(b)), b)
		*(*[]byte)(ptr) = unsafe.Slice((*byte)(data), n)
	case kSlice:
		n, isNil := d.elems(p.elem)
		if isNil {
			*(*[]byte)(ptr) = nil
			return
		}
		data := d.alloc(p.t, p.elem, n)
		if p.elem.min > 0 { // else every element is its zero value
			d.push()
			for i := range uintptr(n) {
				d.value(p.elem, unsafe.Add(data, i*p.elem.size))
			}
			d.depth--
		}
		*(*[]byte)(ptr) = unsafe.Slice((*byte)(data), n)
	case kArray:
		if p.elem.min == 0 {
			return // the memory is zeroed, as the elements are
		}
		for i := range uintptr(p.length) {
			d.decode(p.elem, unsafe.Add(ptr, i*p.elem.size))
		}
	case kMap:
		dst := reflect.NewAt(p.t, ptr).Elem()
		n, isNil := d.count(satAdd(p.key.min, p.elem.min))
		if isNil {
			dst.SetZero()
			return
		}
		if p.key.min == 0 && n > 1 {
			panic(stateError{errCorrupt}) // all such keys are equal
		}
		m := reflect.MakeMapWithSize(p.t, n)
		k, v := reflect.New(p.t.Key()), reflect.New(p.t.Elem())
		d.push()
		for range n {
			k.Elem().SetZero() // fresh values, as gob decodes map entries
			v.Elem().SetZero()
			d.decode(p.key, k.UnsafePointer())
			d.decode(p.elem, v.UnsafePointer())
			m.SetMapIndex(k.Elem(), v.Elem())
		}
		d.depth--
		dst.Set(m)
	case kPointer:
		if d.next(1)[0] == 0 {
			*(*unsafe.Pointer)(ptr) = nil
			return
		}
		q := d.alloc(p.arrayOf, p.elem, 1)
		d.push()
		d.decode(p.elem, q)
		d.depth--
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
