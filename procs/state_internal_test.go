package procs

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"net/netip"
	"reflect"
	"runtime"
	"testing"
	"testing/quick"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run the codec in one process: encodeVars stands for the
// parent's Fork and decodeVars for the child's Init, on variables of their
// own, so they do not touch the program's registry.

// vars declares ptrs as copied variables named v0, v1, ...
func vars(ptrs ...any) []copyVar {
	out := make([]copyVar, len(ptrs))
	for i, p := range ptrs {
		out[i] = copyVar{name: "v" + string(rune('0'+i)), ptr: reflect.ValueOf(p)}
	}
	return out
}

// roundTrip encodes from's values and decodes them into to's variables.
func roundTrip(t *testing.T, from, to []copyVar) {
	t.Helper()
	b, err := encodeVars(from)
	require.NoError(t, err)
	require.NoError(t, decodeVars(b, to))
}

// cfg goes through gob (an interface field), the reproduction.
type cfg struct {
	Plugin  any
	Retries int
	Tags    map[string]int
	Hosts   []string
}

// direct goes through the direct path.
type direct struct {
	N      int
	Tags   map[string]int
	hidden int
}

func TestDecodeStartsFromTheZeroValue(t *testing.T) {
	// The child's variables hold their start-up values; the parent has
	// cleared them. After the hand-off the child must see the parent's.
	parentCfg, childCfg := cfg{Plugin: "p"}, cfg{Retries: 3, Tags: map[string]int{"default": 1}, Hosts: []string{"a"}}
	parentDirect, childDirect := direct{}, direct{N: 3, Tags: map[string]int{"default": 1}, hidden: 7}
	roundTrip(t, vars(&parentCfg, &parentDirect), vars(&childCfg, &childDirect))
	assert.Equal(t, cfg{Plugin: "p"}, childCfg, "gob path: zero fields are zero, not the child's own")
	assert.Equal(t, direct{}, childDirect, "direct path: unexported fields are zero too")
}

func TestDecodeDoesNotWriteThroughOldBackingArrays(t *testing.T) {
	shared := []string{"keep", "keep"}
	child := cfg{Hosts: shared} // gob would decode into shared's array
	parent := cfg{Plugin: 1, Hosts: []string{"new", "new"}}
	roundTrip(t, vars(&parent), vars(&child))
	assert.Equal(t, []string{"new", "new"}, child.Hosts)
	assert.Equal(t, []string{"keep", "keep"}, shared, "another variable's array was overwritten")
}

// payload builds a one-variable payload by hand.
func payload(name string, tag byte, value []byte) []byte {
	b := appendUvarint(nil, uint64(len(name)))
	b = append(b, name...)
	b = append(b, tag)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(value)))
	return append(b, value...)
}

type pair struct{ A, B int64 }

type withBools struct {
	B   bool
	Arr [3]bool
	S   []bool
}

func TestDecodeRejectsCorruptValues(t *testing.T) {
	var pairs []pair
	var empties []struct{}
	var bools withBools
	var list *node
	tests := []struct {
		name  string
		ptr   any
		value []byte
		want  error
	}{
		// 2^33 pairs claimed in a few bytes: no allocation of 2^33 * 16.
		{"huge count", &pairs, binary.AppendUvarint(nil, 1<<33+1), errCorrupt},
		{"count past the bytes left", &pairs, append(binary.AppendUvarint(nil, 3), make([]byte, 40)...), errCorrupt},
		{"bool byte 2", &bools, []byte{2, 0, 0, 0, 1}, errCorrupt},
		{"bool array byte 2", &bools, []byte{0, 0, 2, 0, 1}, errCorrupt},
		{"bool slice byte 2", &bools, []byte{0, 0, 0, 0, 3, 1, 2}, errCorrupt},
		{"trailing bytes", &bools, []byte{0, 0, 0, 0, 0, 9}, errCorrupt},
		{"cut short", &bools, []byte{0, 0}, errCorrupt},
		{"nil-or-not byte cut", &list, nil, errCorrupt},
		{"wrong tag", &empties, nil, errCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tag := tagDirect
			if tt.name == "wrong tag" {
				tag = tagGob
			}
			err := decodeVars(payload("v0", tag, tt.value), vars(tt.ptr))
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

// allocated is the heap memory f allocates (other goroutines' allocations
// count too, so a bound on it can only err on the side of failing).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// wide is an element with a large encoding, that the decoder decodes one
// by one (not raw memory, as it has a string): a count is bounded by the
// bytes left divided by that size, not by the bytes left alone.
type wide struct {
	Name string
	Pad  [15]int64
}

func TestDecodeCountIsBoundedByElementSize(t *testing.T) {
	// 64 KiB of input claiming 65,536 elements of at least 121 bytes each:
	// refused before anything is allocated, not 65,536 * 136 bytes (8.5
	// MiB) allocated and then found short.
	var got []wide
	value := append(binary.AppendUvarint(nil, 1<<16+1), make([]byte, 1<<16)...)
	in := payload("v0", tagDirect, value)
	var err error
	n := allocated(func() { err = decodeVars(in, vars(&got)) })
	assert.ErrorIs(t, err, errCorrupt)
	assert.Less(t, n, uint64(4*len(in)), "allocated %d bytes for %d bytes of input", n, len(in))

	// As many as fit decode.
	fit := make([]wide, 3)
	fit[2].Name = "last"
	roundTrip(t, vars(&fit), vars(&got))
	assert.Equal(t, fit, got)
}

func TestZeroSizeKeyMaps(t *testing.T) {
	// Keys that encode to nothing are all equal: such a map has at most
	// one entry, and a count of more is corrupt, refused at once (it
	// cannot be checked against the bytes left, and a loop of 2^24
	// insertions of the one key would spin, a larger one hang).
	t.Run("round trip", func(t *testing.T) {
		one, empty := map[struct{}]bool{{}: true}, map[struct{}]bool{}
		var nilMap map[struct{}]bool
		both := map[struct{}]struct{}{{}: {}}
		var gotOne, gotEmpty, gotNil map[struct{}]bool
		gotNil = map[struct{}]bool{{}: false}
		var gotBoth map[struct{}]struct{}
		roundTrip(t, vars(&one, &empty, &nilMap, &both), vars(&gotOne, &gotEmpty, &gotNil, &gotBoth))
		assert.Equal(t, one, gotOne)
		assert.Equal(t, empty, gotEmpty)
		assert.Nil(t, gotNil)
		assert.Equal(t, both, gotBoth)
	})
	for _, count := range []uint64{2, 3, 1 << 24, 1 << 40} {
		t.Run(fmt.Sprintf("%d entries", count), func(t *testing.T) {
			var zeroBoth map[struct{}]struct{}
			var zeroKey map[[0]int]bool
			for _, v := range []any{&zeroBoth, &zeroKey} {
				value := binary.AppendUvarint(nil, count+1)
				if _, ok := v.(*map[[0]int]bool); ok {
					// A value byte per entry, for the counts that fit.
					value = append(value, make([]byte, min(count, 1<<10))...)
				}
				err := decodeVars(payload("v0", tagDirect, value), vars(v))
				assert.ErrorIs(t, err, errCorrupt, "%T", v)
			}
		})
	}
}

func TestZeroSizeElementsDoNotSpin(t *testing.T) {
	// A count of 2^40 elements that take no bytes and no memory is a
	// valid value: it must be encoded and decoded without a loop per
	// element.
	huge := make([]struct{}, 1<<40)
	var got []struct{}
	roundTrip(t, vars(&huge), vars(&got))
	assert.Len(t, got, 1<<40)

	var arr [1 << 40]struct{}
	var arrGot [1 << 40]struct{}
	roundTrip(t, vars(&arr), vars(&arrGot))

	// Elements with no exported data but a size: bounded, not 2^40 * 8.
	type hidden struct{ x int64 }
	type noData struct {
		Empty struct{}
		h     hidden
	}
	var nd []noData
	err := decodeVars(payload("v0", tagDirect, binary.AppendUvarint(nil, 1<<40+1)), vars(&nd))
	assert.ErrorIs(t, err, errCorrupt)
	big := make([]noData, maxEmptyBytes/8+1)
	_, err = encodeVars(vars(&big))
	assert.ErrorContains(t, err, "over the")
}

type node struct {
	Value int
	Next  *node
}

func listOf(n int) *node {
	var head *node
	for i := range n {
		head = &node{Value: i, Next: head}
	}
	return head
}

// nested is a payload of a *node list n deep: n non-nil pointers, each
// with Value 0, then nil.
func nested(n int) []byte {
	var b []byte
	for range n {
		b = append(b, 1, 0, 0, 0, 0, 0, 0, 0, 0) // not nil, Value 0
	}
	return append(b, 0)
}

func TestStateDepthLimit(t *testing.T) {
	// Exactly maxDepth deep is copied: the encoder's and decoder's stacks
	// grow with the depth, and stay bounded; and the decoder takes every
	// depth the encoder sends.
	ok := listOf(maxDepth)
	var got *node
	roundTrip(t, vars(&ok), vars(&got))
	n := 0
	for p := got; p != nil; p = p.Next {
		n++
	}
	assert.Equal(t, maxDepth, n)

	// One level more is an error in the parent, not a crash.
	tooDeep := listOf(maxDepth + 1)
	_, err := encodeVars(vars(&tooDeep))
	assert.ErrorIs(t, err, errTooDeep)

	// And in the child, for a payload that nests too deeply; at the limit
	// it decodes.
	err = decodeVars(payload("v0", tagDirect, nested(maxDepth+1)), vars(&got))
	assert.ErrorIs(t, err, errTooDeep)
	assert.NoError(t, decodeVars(payload("v0", tagDirect, nested(maxDepth)), vars(&got)))
}

// TestStateDepthStack measures the stack the encoder and decoder use at
// maxDepth, to keep maxDepth's comment honest; it asserts only the bound
// that matters, that neither comes near the runtime's 1 GiB limit.
func TestStateDepthStack(t *testing.T) {
	list := listOf(maxDepth - 1)
	var got *node
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	done := make(chan struct{})
	var peak uint64
	go func() {
		defer close(done)
		b, err := encodeVars(vars(&list))
		if err == nil {
			err = decodeVars(b, vars(&got))
		}
		assert.NoError(t, err)
		runtime.ReadMemStats(&after)
		peak = after.StackInuse
	}()
	<-done
	grew := int64(peak) - int64(before.StackInuse)
	t.Logf("stack in use grew by %d KiB at depth %d", grew>>10, maxDepth)
	assert.Less(t, grew, int64(256<<20))
}

// fuzzState is every kind of value the direct path handles, for the fuzz
// targets: a payload decoded into it exercises each branch of the decoder.
type fuzzState struct {
	Common roundTripState
	Set    map[struct{}]bool
	Time   time.Time  // GobEncoder
	Addr   netip.Addr // BinaryMarshaler
	Dur    time.Duration
}

type fuzzInner struct {
	Name string
	N    []int32
}

type fuzzKey struct{ A, B int16 }

func fuzzValue() fuzzState {
	return fuzzState{
		Common: roundTripState{
			Bool: true, Int8: -8, Int: -1 << 40, U16: 7, F32: 1.5, C128: complex(1, -1),
			Str: "héllo", Bytes: []byte("bytes"), Ints: []int64{1, -2}, Bools: []bool{true, false},
			Arr: [3]uint16{1, 2, 3}, BoolArr: [2]bool{true, false}, Strs: []string{"a", ""},
			Inner: []fuzzInner{{"x", []int32{1}}, {"", nil}}, ArrIn: [2]fuzzInner{{"p", nil}, {"q", []int32{}}},
			Ptr: &fuzzInner{"pointed", nil}, Map: map[string][]int{"a": {1}, "b": nil},
			Keys: map[fuzzKey]*fuzzInner{{1, 2}: {"k", nil}, {3, 4}: nil}, Empties: make([]struct{}, 3),
			List: listOf(3),
		},
		Set:  map[struct{}]bool{{}: true},
		Time: time.Date(2026, 11, 30, 9, 0, 0, 1, time.UTC), Addr: netip.MustParseAddr("192.0.2.1"),
		Dur: time.Second,
	}
}

// Bounds on what a decode may allocate, for the fuzz targets: a fixed
// multiple of the input and a fixed allowance (the slabs a first small
// value of each type takes, the variables' fresh zero values). The
// multiple is the largest ratio, over fuzzState's types, of the memory an
// element takes to the fewest bytes that encode it (a string in a
// []string: 16 to 1; a map entry: its slot in the table to the fewest
// bytes of its key and value), with room to spare; a count bounded by the
// bytes left but not divided by the element's encoded size exceeds it
// (136 to 1 for []wide), as does a map table sized by a count that is not
// bounded at all.
const (
	allocPerInputByte = 64
	allocAllowance    = 1 << 20
)

// checkAllocBound fails t if decoding in took more than the bounds allow.
func checkAllocBound(t *testing.T, what string, in []byte, n uint64) {
	t.Helper()
	if limit := uint64(allocPerInputByte*len(in) + allocAllowance); n > limit {
		t.Fatalf("%s allocated %d bytes for %d bytes of input, over the bound of %d", what, n, len(in), limit)
	}
}

// FuzzDecodeState feeds the decoder arbitrary bytes: it must return an
// error or a value, never panic, hang, or allocate more than a fixed
// multiple of its input (checkAllocBound). The variables are all of
// direct-path types: values of gob-path types are decoded by
// encoding/gob, which is not hardened against adversarial input (its
// documentation says so) and is reached only after the hand-off's checks
// (see the package documentation's trust model).
func FuzzDecodeState(f *testing.F) {
	v, n, s := fuzzValue(), listOf(5), "str"
	w, z := []wide{{Name: "w"}}, map[struct{}]struct{}{{}: {}}
	b, err := encodeVars(vars(&v, &n, &s, &w, &z))
	require.NoError(f, err)
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add([]byte{})
	f.Add(payload("v0", tagDirect, binary.AppendUvarint(nil, 1<<33+1)))
	// The edge cases of the bounds: a count of wide elements that the
	// bytes left hold only if it is not divided by their size, and a list
	// at the depth limit (64 KiB and 180 KiB, made here rather than
	// stored; one level deeper is TestStateDepthLimit's, as each such
	// input costs the fuzzer a decode and an encode of 20,000 levels);
	// testdata/fuzz/FuzzDecodeState has the maps of zero-size keys
	// claiming 2 and 2^20 entries.
	f.Add(payload("v3", tagDirect, append(binary.AppendUvarint(nil, 1<<16+1), make([]byte, 1<<16)...)))
	f.Add(payload("v1", tagDirect, nested(maxDepth)))
	f.Fuzz(func(t *testing.T, b []byte) {
		var v fuzzState
		var n *node
		var s string
		var w []wide
		var z map[struct{}]struct{}
		decoded := vars(&v, &n, &s, &w, &z)
		var err error
		checkAllocBound(t, "decoding", b, allocated(func() { err = decodeVars(b, decoded) }))
		if err != nil {
			return
		}
		// Whatever decoded must encode again: it is a well-formed value,
		// no deeper than the encoder sends.
		if _, err = encodeVars(decoded); err != nil {
			t.Fatalf("a decoded value does not encode: %v", err)
		}
	})
}

// roundTripState is what testing/quick can generate and reflect.DeepEqual
// compare: every kind but marshalers (fuzzState adds them).
type roundTripState struct {
	Bool    bool
	Int8    int8
	Int     int
	U16     uint16
	F32     float32
	C128    complex128
	Str     string
	Bytes   []byte
	Ints    []int64
	Bools   []bool
	Arr     [3]uint16
	BoolArr [2]bool
	Strs    []string
	Inner   []fuzzInner
	ArrIn   [2]fuzzInner
	Ptr     *fuzzInner
	Map     map[string][]int
	Keys    map[fuzzKey]*fuzzInner
	Empties []struct{}
	List    *node
}

// FuzzStateRoundTrip generates a value from each seed (testing/quick's
// generator, driven by the fuzzer's seed and size) and checks that the
// child gets exactly it: nil and empty slices and maps apart, zero values
// included.
func FuzzStateRoundTrip(f *testing.F) {
	for seed := range int64(8) {
		f.Add(seed, uint8(seed*8))
	}
	typ := reflect.TypeFor[roundTripState]()
	f.Fuzz(func(t *testing.T, seed int64, size uint8) {
		r := rand.New(rand.NewSource(seed))
		gen, ok := quick.Value(typ, r)
		require.True(t, ok)
		want := gen.Interface().(roundTripState)
		if size%4 == 0 {
			want = roundTripState{} // the all-zero value, nils included
		}
		got := roundTripState{Str: "child's own", Ints: []int64{9}}
		b, err := encodeVars(vars(&want))
		require.NoError(t, err)
		require.NoError(t, decodeVars(b, vars(&got)))
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("copy differs:\nsent %#v\ngot  %#v", want, got)
		}
	})
}
