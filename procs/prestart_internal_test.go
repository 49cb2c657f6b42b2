package procs

import (
	"bytes"
	"os"
	"reflect"
	"runtime"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequestRoundTrip(t *testing.T) {
	want := request{entry: "e", dir: "/d", argv: []string{"a", ""}, env: []string{"K=V", "=C:=C:\\"},
		group: true, sameEnv: true, dirFile: true, setUmask: true, umask: 0o027,
		files: min(2, maxPooledFiles), handles: []uint64{7, 8, 9}}
	got, err := readRequest(bytes.NewReader(want.encode()))
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestCutEnv(t *testing.T) {
	for e, want := range map[string][2]string{"A=1": {"A", "1"}, "=C:=C:\\x": {"=C:", "C:\\x"}, "A==": {"A", "="}} {
		k, v, ok := cutEnv(e)
		assert.True(t, ok, e)
		assert.Equal(t, want, [2]string{k, v}, e)
	}
	for _, e := range []string{"", "A", "="} {
		_, _, ok := cutEnv(e)
		assert.False(t, ok, e)
	}
}

// FuzzDecodeRequest: a request is bytes from another process, parsed as
// untrusted: an error or a request that round-trips, never a panic, and
// never more memory than a small multiple of the input.
func FuzzDecodeRequest(f *testing.F) {
	f.Add(request{entry: "e", argv: []string{"a"}, env: []string{"K=V"}, handles: []uint64{1, 2, 3}}.encode()[4:])
	f.Add(request{entry: "e", dir: "/d", dirFile: true, setUmask: true, umask: 0o077, files: min(1, maxPooledFiles)}.encode()[4:])
	f.Add(request{argv: make([]string, 1000), env: make([]string, 1000)}.encode()[4:])
	f.Add(request{entry: "e", files: min(2, maxPooledFiles), sockets: 2}.encode()[4:]) // on Unix the sockets are among the files
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := decodeRequest(b)
		if err != nil {
			return
		}
		if held := decodedSize(req); held > requestAllocBound*len(b) {
			t.Fatalf("%d bytes decode to a request that holds %d", len(b), held)
		}
		again, err := decodeRequest(req.encode()[4:])
		if err != nil || !reflect.DeepEqual(again, req) {
			t.Fatalf("%q decodes to %+v, which does not round-trip: %+v, %v", b, req, again, err)
		}
	})
}

// requestAllocBound is how many times its size a request may take once
// decoded (besides the bytes read): a string header (16 bytes) per 4 bytes
// of the lists, and the strings' bytes.
const requestAllocBound = 5

// decodedSize is the memory req's strings and lists take.
func decodedSize(req request) int {
	n := len(req.entry) + len(req.dir) + 8*len(req.handles)
	for _, l := range [][]string{req.argv, req.env} {
		n += int(unsafe.Sizeof("")) * len(l)
		for _, s := range l {
			n += len(s)
		}
	}
	return n
}

// TestDecodeRequestAllocationIsBounded decodes the request that asks for
// the most memory per byte (lists of empty strings) and measures what the
// decoder allocates.
func TestDecodeRequestAllocationIsBounded(t *testing.T) {
	body := request{argv: make([]string, 1<<17), env: make([]string, 1<<17)}.encode()[4:]
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	req, err := decodeRequest(body)
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	require.Len(t, req.argv, 1<<17)
	allocated := after.TotalAlloc - before.TotalAlloc
	assert.LessOrEqual(t, allocated, uint64(requestAllocBound*len(body)),
		"a request of %d bytes allocated %d bytes (%.1f times its size)", len(body), allocated, float64(allocated)/float64(len(body)))
}

// BenchmarkReadProcState is what each Fork through the pool pays to compare
// the caller's process state with a waiting child's.
func BenchmarkReadProcState(b *testing.B) {
	for b.Loop() {
		if _, err := readProcState(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWarmUpRehearsalIsAcceptedWhole: the request warmUp decodes passes
// every check of this system's decoder (a request it refused would stop
// the rehearsal early, before the code it is meant to run).
func TestWarmUpRehearsalIsAcceptedWhole(t *testing.T) {
	req, err := readRequest(bytes.NewReader(rehearsalRequest().encode()))
	require.NoError(t, err)
	assert.Equal(t, os.Args, req.argv)
}
