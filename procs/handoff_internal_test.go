package procs

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	testNonce = [16]byte{1, 2, 3}
	testFP    = [16]byte{9, 8, 7}
)

func TestFrameRoundTrip(t *testing.T) {
	for _, state := range [][]byte{{}, []byte("x"), bytes.Repeat([]byte{7}, 70000)} {
		got, err := unframe(bytes.NewReader(frame(testNonce, testFP, state)), testNonce, testFP)
		require.NoError(t, err)
		assert.Equal(t, state, got)
	}
}

func TestUnframeRefuses(t *testing.T) {
	good := frame(testNonce, testFP, []byte("0123456789"))
	otherBuild := frame(testNonce, [16]byte{1}, []byte("0123456789"))
	otherNonce := frame([16]byte{5}, testFP, []byte("0123456789"))
	huge := frame(testNonce, testFP, nil)
	copy(huge[headerSize-8:], []byte{0, 0, 0, 1, 0, 0, 0, 1}) // 4 GiB + 1
	tests := []struct {
		name  string
		in    []byte
		isErr error
		says  string
	}{
		// A parent that exits before writing, or dies half way, must not
		// leave the child running with zero values for its state.
		{"nothing", nil, io.EOF, "sent no state"},
		{"cut header", good[:10], io.ErrUnexpectedEOF, "sent no state"},
		{"cut payload", good[:len(good)-3], io.ErrUnexpectedEOF, "cut short after 7 of 10 bytes"},
		{"not forkport", append([]byte("HTTP/1.1 "), good[9:]...), errCorrupt, "header"},
		{"other nonce", otherNonce, errCorrupt, "nonce"},
		{"other build", otherBuild, errOtherBuild, "upgraded"},
		{"over 4 GiB", huge, fs.ErrInvalid, "over the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := unframe(bytes.NewReader(tt.in), testNonce, testFP)
			assert.ErrorIs(t, err, tt.isErr)
			assert.ErrorContains(t, err, tt.says)
		})
	}
}

func TestUnframeComparesEveryByte(t *testing.T) {
	// A nonce or fingerprint that differs from the expected one in any
	// single byte, first, middle or last, is refused: a comparison of a
	// prefix would let a forger who guesses half the bytes through.
	state := []byte("0123456789")
	for _, i := range []int{0, 1, 7, 8, 14, 15} {
		nonce, fp := testNonce, testFP
		nonce[i] ^= 0x80
		fp[i] ^= 0x01
		t.Run(fmt.Sprintf("nonce byte %d", i), func(t *testing.T) {
			_, err := unframe(bytes.NewReader(frame(nonce, testFP, state)), testNonce, testFP)
			assert.ErrorIs(t, err, errCorrupt)
			assert.ErrorContains(t, err, "nonce differs")
		})
		t.Run(fmt.Sprintf("fingerprint byte %d", i), func(t *testing.T) {
			_, err := unframe(bytes.NewReader(frame(testNonce, fp, state)), testNonce, testFP)
			assert.ErrorIs(t, err, errOtherBuild)
		})
	}
}

func TestStateSizeLimit(t *testing.T) {
	assert.NoError(t, checkStateSize(maxStateSize))
	err := checkStateSize(maxStateSize + 1)
	assert.ErrorIs(t, err, fs.ErrInvalid)
	assert.ErrorContains(t, err, "4 GiB")
}

func TestMarkerRoundTrip(t *testing.T) {
	m := &marker{ppid: 42, nonce: testNonce, channel: []uintptr{3}, files: []uintptr{4, 5}, sockets: 1, name: "a name with spaces"}
	v, ok := strings.CutPrefix(encodeMarker(m), markerEnv+"=")
	require.True(t, ok)
	got, err := parseMarker(v)
	require.NoError(t, err)
	assert.Equal(t, m, got)
}

func TestParseMarkerRefuses(t *testing.T) {
	nonce := strings.Repeat("ab", 16)
	for _, v := range []string{
		"", "1 3  report", // an old version
		"2 42 " + nonce + " 3 4,5 report",    // the version before sockets
		"3 42 " + nonce + " 3  0 ",           // no entry point
		"3 0 " + nonce + " 3  0 report",      // no parent
		"3 x " + nonce + " 3  0 report",      // no parent
		"3 42 abc 3  0 report",               // short nonce
		"3 42 " + nonce + "zz 3  0 report",   // long nonce
		"3 42 " + nonce + "  4 0 report",     // no channel
		"3 42 " + nonce + " 3,x  0 report",   // bad channel
		"3 42 " + nonce + " 3 4,,5 0 report", // bad files
		"3 42 " + nonce + " -3  0 report",    // negative
		"3 42 " + nonce + " 99999999999999999999  0 report",
		"3 42 " + nonce + " 3 4 -1 report",  // negative socket count
		"3 42 " + nonce + " 3 4 +1 report",  // not the count's only spelling
		"3 42 " + nonce + " 3 4 01 report",  // nor this
		"3 42 " + nonce + " 3 4 x report",   // no count
		"3 42 " + nonce + " 3 4 999 report", // over maxSockets
	} {
		_, err := parseMarker(v)
		assert.ErrorIs(t, err, errCorrupt, "%q", v)
	}
}

func TestWithoutMarker(t *testing.T) {
	env := []string{"A=1", markerEnv + "=2 stale", "B=2", markerEnv + "=again"}
	assert.Equal(t, []string{"A=1", "B=2"}, withoutMarker(env))
}

// FuzzParseMarker: the marker comes from the environment, from whoever
// started the program.
func FuzzParseMarker(f *testing.F) {
	f.Add("3 42 " + strings.Repeat("ab", 16) + " 3 4,5 1 report")
	f.Add("1 3  report")
	f.Fuzz(func(t *testing.T, v string) {
		m, err := parseMarker(v)
		if err != nil {
			return
		}
		// A marker that parses encodes back to itself, field for field.
		again, err := parseMarker(strings.TrimPrefix(encodeMarker(m), markerEnv+"="))
		if err != nil || again.String() != m.String() {
			t.Fatalf("%q parses to %v, which does not round-trip: %v", v, m, err)
		}
	})
}

// FuzzUnframe: the header and payload come from the channel.
func FuzzUnframe(f *testing.F) {
	f.Add(frame(testNonce, testFP, []byte("state")))
	f.Add([]byte("forkport\x02"))
	// testdata/fuzz/FuzzUnframe has headers announcing just under 4 GiB
	// and exactAlloc, with 3 bytes of payload: the buffer grows with the
	// bytes that come, past exactAlloc.
	f.Fuzz(func(t *testing.T, b []byte) {
		var got []byte
		var err error
		n := allocated(func() { got, err = unframe(bytes.NewReader(b), testNonce, testFP) })
		// One allocation of exactAlloc at most on trust of the header;
		// beyond it, memory in proportion to the bytes that came.
		if limit := uint64(exactAlloc + 4*len(b) + allocAllowance); n > limit {
			t.Fatalf("unframe allocated %d bytes for %d bytes of input, over the bound of %d", n, len(b), limit)
		}
		if err == nil && len(got) > len(b) {
			t.Fatalf("a payload of %d bytes from %d bytes of input", len(got), len(b))
		}
		// A pre-started child reads what came with its files first
		// (prefixed), then the channel: the same result wherever the
		// bytes split, and never a payload that reaches past the
		// input.
		for _, cut := range []int{len(b), len(b) / 2} {
			p := &prefixed{buf: b[:cut:cut], r: bytes.NewReader(b[cut:])}
			got2, err2 := unframe(p, testNonce, testFP)
			if (err == nil) != (err2 == nil) || !bytes.Equal(got, got2) {
				t.Fatalf("split at %d of %d: %q, %v; whole: %q, %v", cut, len(b), got2, err2, got, err)
			}
		}
	})
}

func TestFingerprintTellsBuildsApart(t *testing.T) {
	// The upgrade: a field order that changed between builds must
	// not decode {A:1 B:2} as {B:1 A:2}.
	type v1 struct{ A, B int }
	type v2 struct{ B, A int }
	var a v1
	var b v2
	var c struct{ A, B int32 }
	base := buildFingerprint("go1", "exe", vars(&a))
	assert.Equal(t, base, buildFingerprint("go1", "exe", vars(&a)), "one build, one fingerprint")
	for name, other := range map[string][16]byte{
		"field order":    buildFingerprint("go1", "exe", vars(&b)),
		"field types":    buildFingerprint("go1", "exe", vars(&c)),
		"Go version":     buildFingerprint("go2", "exe", vars(&a)),
		"executable":     buildFingerprint("go1", "other", vars(&a)),
		"variable names": buildFingerprint("go1", "exe", []copyVar{{name: "renamed", ptr: reflect.ValueOf(&a)}}),
	} {
		assert.NotEqual(t, base, other, name)
	}
}

func TestFingerprintComparesFieldNames(t *testing.T) {
	// Two builds of one type, rec, whose two fields of the same type
	// swapped places: the same type name, size, kinds and offsets, so
	// only the field names tell the builds apart, and the codec, which
	// sends fields by position, would decode A's value into B.
	older := func() []copyVar {
		type rec struct{ A, B int }
		return vars(&rec{})
	}()
	newer := func() []copyVar {
		type rec struct{ B, A int }
		return vars(&rec{})
	}()
	require.Equal(t, older[0].ptr.Type().String(), newer[0].ptr.Type().String(), "one type name in both builds")
	assert.NotEqual(t, buildFingerprint("go1", "exe", older), buildFingerprint("go1", "exe", newer))
}
