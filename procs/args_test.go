package procs_test

import (
	"math/rand"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"testing/quick"
	"unicode/utf8"

	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// roundTrip spawns the echo helper with args and returns the argv it saw
// (without argv[0]), or the spawn's error.
func roundTrip(t *testing.T, args ...string) ([]string, error) {
	t.Helper()
	out := newReport(t)
	argv := append([]string{helperArgv0("echo", out)}, args...)
	code, err := procs.Spawnv(procs.PWait, exe(t), argv)
	if err != nil {
		return nil, err
	}
	require.Zero(t, code)
	r := readReport(t, out)
	got := make([]string, 0, len(r.RawArgs))
	for _, a := range r.RawArgs[1:] {
		got = append(got, string(a))
	}
	return got, nil
}

// awkward are arguments that break naive quoting: on Windows CPython's
// os.spawnv joins argv with spaces; procs quotes for CommandLineToArgvW.
var awkward = []string{
	"", " ", "a b", "a\tb", `"`, `""`, `a"b`, `\`, `a\`, `a\\`, `a\"b`, `\\"`,
	`trailing\ `, `C:\Program Files\x\`, "ünïcödé ✓ 日本", "new\nline", "'single'", "%PATH%", "$HOME", "*?[]",
	strings.Repeat("x", 16<<10),
}

// TestLongArgument: a 64 KiB argument passes on Unix (each argument may be
// up to 128 KiB on Linux, ARG_MAX in all); Windows limits the whole command
// line to 32767 characters, and procs refuses a longer one with E2BIG
// before starting anything.
func TestLongArgument(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 64<<10)
	got, err := roundTrip(t, long)
	if !longArgumentFits {
		assert.ErrorIs(t, err, syscall.E2BIG)
		return
	}
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.True(t, got[0] == long, "the 64 KiB argument arrives unchanged")
}

func TestArgsRoundTrip(t *testing.T) {
	t.Parallel()
	got, err := roundTrip(t, awkward...)
	require.NoError(t, err)
	require.Len(t, got, len(awkward))
	for i := range awkward {
		assert.True(t, awkward[i] == got[i], "argument %d: sent %.80q, got %.80q", i, awkward[i], got[i])
	}
}

// TestArgsRoundTripProperty: random argument lists (random Unicode, biased
// toward quotes, backslashes and spaces) arrive unchanged; a NUL anywhere is
// refused before any process starts.
func TestArgsRoundTripProperty(t *testing.T) {
	t.Parallel()
	alphabet := []rune("ab \t\"\\'%$é✓\x00")
	gen := func(values []reflect.Value, r *rand.Rand) {
		args := make([]string, r.Intn(5))
		for i := range args {
			n := r.Intn(12)
			var b strings.Builder
			for range n {
				if r.Intn(4) == 0 {
					b.WriteRune(rune(0x20 + r.Intn(0x2fff)))
				} else {
					b.WriteRune(alphabet[r.Intn(len(alphabet))])
				}
			}
			args[i] = b.String()
		}
		values[0] = reflect.ValueOf(args)
	}
	prop := func(args []string) bool {
		got, err := roundTrip(t, args...)
		if strings.Contains(strings.Join(args, ""), "\x00") {
			return err != nil && assert.ErrorIs(t, err, os.ErrInvalid)
		}
		return err == nil && assert.Equal(t, args, got)
	}
	require.NoError(t, quick.Check(prop, &quick.Config{MaxCount: 40, Values: gen, Rand: rand.New(rand.NewSource(1))}))
}

// FuzzArgsRoundTrip: go test -fuzz=FuzzArgsRoundTrip ./procs explores
// arguments beyond the seeds; without -fuzz the seeds run as a test.
func FuzzArgsRoundTrip(f *testing.F) {
	for _, a := range awkward[:len(awkward)-1] {
		f.Add(a, "x")
	}
	f.Add("nul\x00inside", "")
	f.Add("", "\x98") // not UTF-8: once lost in the test's own JSON report
	f.Fuzz(func(t *testing.T, a, b string) {
		if !argsAreBytes && !utf8.ValidString(a+b) {
			t.Skip("a Windows command line is UTF-16: bytes that are not UTF-8 cannot pass")
		}
		got, err := roundTrip(t, a, b)
		if strings.ContainsRune(a+b, 0) {
			assert.ErrorIs(t, err, os.ErrInvalid, "NUL is refused before a process starts")
			return
		}
		require.NoError(t, err)
		assert.Equal(t, []string{a, b}, got)
	})
}
