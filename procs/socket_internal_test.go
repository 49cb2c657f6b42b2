package procs

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSocketsEnv(t *testing.T) {
	for _, v := range []string{"1 fd 3", "1 fd 5,6,7", "1 pipe 348 2"} {
		s, err := parseSocketsEnv(v)
		require.NoError(t, err, v)
		assert.Equal(t, v, s.String(), "round trip")
	}
	for _, v := range []string{
		"", "1", "1 fd", "2 fd 3", "1 fd ", "1 fd 3,,4", "1 fd -3", "1 fd 3 4", "1 fds 3",
		"1 pipe 348", "1 pipe 348 0", "1 pipe 348 65", "1 pipe 348 +2", "1 pipe 348,349 2", "1 pipe x 2",
		"1 fd " + manyIDs(65),
	} {
		_, err := parseSocketsEnv(v)
		assert.ErrorIs(t, err, fs.ErrInvalid, "%q", v)
	}
}

func manyIDs(n int) string {
	s := "3"
	for range n - 1 {
		s += ",3"
	}
	return s
}

// FuzzParseSocketsEnv: FORKPORT_SOCKETS comes from whoever started the
// process.
func FuzzParseSocketsEnv(f *testing.F) {
	f.Add("1 fd 5,6")
	f.Add("1 pipe 348 2")
	f.Fuzz(func(t *testing.T, v string) {
		s, err := parseSocketsEnv(v)
		if err != nil {
			if !errorIsInvalid(err) {
				t.Fatalf("%q: an error that does not wrap fs.ErrInvalid: %v", v, err)
			}
			return
		}
		if len(s.fds) > maxSockets || s.count > maxSockets {
			t.Fatalf("%q: over the limit: %+v", v, s)
		}
		again, err := parseSocketsEnv(s.String())
		if err != nil || again.String() != s.String() {
			t.Fatalf("%q parses to %v, which does not round-trip: %v", v, s, err)
		}
	})
}

func errorIsInvalid(err error) bool { return errors.Is(err, fs.ErrInvalid) }
