package procs

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequestRoundTrip(t *testing.T) {
	want := request{entry: "e", dir: "/d", argv: []string{"a", ""}, env: []string{"K=V", "=C:=C:\\"},
		group: true, files: min(2, maxPooledFiles), handles: []uint64{7, 8, 9}}
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
// untrusted.
func FuzzDecodeRequest(f *testing.F) {
	f.Add(request{entry: "e", argv: []string{"a"}, env: []string{"K=V"}, handles: []uint64{1, 2, 3}}.encode()[4:])
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := decodeRequest(b)
		if err != nil {
			return
		}
		again, err := decodeRequest(req.encode()[4:])
		if err != nil || len(again.env) != len(req.env) || again.entry != req.entry {
			t.Fatalf("%q decodes to %+v, which does not round-trip: %v", b, req, err)
		}
	})
}
