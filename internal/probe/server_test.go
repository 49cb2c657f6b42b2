package probe

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIntFlag(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want int
		bad  bool
	}{
		{name: "default", args: nil, want: 3},
		{name: "given", args: []string{"-n", "5"}, want: 5},
		{name: "lowest", args: []string{"-n", "1"}, want: 1},
		{name: "highest", args: []string{"-n", "16"}, want: 16},
		{name: "zero", args: []string{"-n", "0"}, bad: true},
		{name: "too many", args: []string{"-n", "17"}, bad: true},
		{name: "not a number", args: []string{"-n", "x"}, bad: true},
		{name: "other flag", args: []string{"-m", "3"}, bad: true},
		{name: "missing value", args: []string{"-n"}, bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := intFlag(tc.args, "-n", 3, 1, 16)
			if tc.bad {
				require.ErrorIs(t, err, os.ErrInvalid)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, n)
		})
	}
}

// TestServerProbeBadInput: a bad scenario is a usage error (2) and bad
// flags an error (1), before anything listens or forks.
func TestServerProbeBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{args: nil, code: 2},
		{args: []string{"nosuch"}, code: 2},
		{args: []string{"prefork", "-n", "0"}, code: 1},
		{args: []string{"restart", "-n", "3"}, code: 1},
		{args: []string{"noexit", "-exits"}, code: 1},
	} {
		assert.Equal(t, tc.code, ServerProbe(tc.args), "serverprobe %q", tc.args)
	}
}

func TestFinishedBy(t *testing.T) {
	assert.True(t, finishedBy("12 bye\n", 12))
	assert.False(t, finishedBy("12 bye\n", 13))
	assert.False(t, finishedBy("12 bye\n12 bye\n", 12))
	assert.False(t, finishedBy("", 12))
}
