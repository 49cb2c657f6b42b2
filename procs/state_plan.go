package procs

// The plan compiler: how the direct path copies a value of each type.

import (
	"encoding"
	"encoding/gob"
	"reflect"
	"sync"
)

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
	// min is the fewest bytes an encoded value takes: the decoder bounds
	// every count it reads by the bytes left. 0 means the encoding is
	// always empty (every exported part has size 0, as struct{} or
	// [4][0]int): such elements are neither encoded nor decoded one by
	// one, and are their zero value in the child.
	min int
	// bools is set for bool and arrays of bools: raw memory whose every
	// byte must be 0 or 1, as Go stores them (a 2 would be true both as
	// b and as !b).
	bools bool
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
			p.kind, p.min = k, 1
			return p, ok
		}
	}
	seen[t] = p
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		p.kind = kScalar
		p.bools = t.Kind() == reflect.Bool
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
				p.bools = elem.bools
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
	p.setMin()
	return p, true
}

// setMin sets p.min, once p's parts are compiled. A recursive type refers
// to itself only through a pointer, slice or map, whose min (1) does not
// depend on its element's, so every part min reads is complete.
func (p *plan) setMin() {
	switch p.kind {
	case kScalar:
		p.min = int(p.size)
	case kArray:
		p.min = satMul(p.length, p.elem.min)
	case kStruct:
		for _, f := range p.fields {
			p.min = satAdd(p.min, f.plan.min)
		}
	default: // a length, a nil byte or a marshaler's length comes first
		p.min = 1
	}
}

// satAdd and satMul add and multiply non-negative ints, saturating at
// maxInt: a minimum that large only says that no count can be that high.
func satAdd(a, b int) int {
	if a > maxInt-b {
		return maxInt
	}
	return a + b
}

func satMul(a, b int) int {
	if a != 0 && b > maxInt/a {
		return maxInt
	}
	return a * b
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
