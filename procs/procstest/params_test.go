package procstest

import (
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/testutil"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParamsErrors: each bad Params is an error wrapping the standard
// sentinel, before anything runs.
func TestParamsErrors(t *testing.T) {
	noop := func(*testscript.TestScript, bool, []string) {}
	tests := []struct {
		name string
		p    testscript.Params
		want error
	}{
		{"no Dir", testscript.Params{}, fs.ErrInvalid},
		{"Files", testscript.Params{Files: []string{"a.txtar"}}, fs.ErrInvalid},
		{"missing Dir", testscript.Params{Dir: filepath.Join("testdata", "nope")}, fs.ErrNotExist},
		{"Dir is a file", testscript.Params{Dir: filepath.Join("testdata", "script", "vocabulary.txtar")}, fs.ErrInvalid},
		{"empty Dir", testscript.Params{Dir: testutil.TempDir(t)}, fs.ErrNotExist},
		{"command clash", testscript.Params{Dir: filepath.Join("testdata", "script"),
			Cmds: map[string]func(*testscript.TestScript, bool, []string){"which": noop}}, fs.ErrExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := params(tt.p, claims.Procs)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

// TestParamsKeepsCallers: the caller's commands stay beside the vocabulary.
func TestParamsKeepsCallers(t *testing.T) {
	runs, err := params(testscript.Params{Dir: filepath.Join("testdata", "script"),
		Cmds: map[string]func(*testscript.TestScript, bool, []string){"mine": func(*testscript.TestScript, bool, []string) {}}}, claims.Procs)
	require.NoError(t, err)
	require.NotEmpty(t, runs)
	for _, p := range runs {
		require.Len(t, p.Files, 1, "one claim file per run")
		assert.Empty(t, p.Dir)
		for _, name := range []string{"mine", "setmatch", "eq", "before", "samelines", "which"} {
			assert.Contains(t, p.Cmds, name)
		}
		ok, err := p.Condition("nosuch")
		assert.False(t, ok)
		assert.ErrorContains(t, err, `unknown condition "nosuch"`)
	}
}

func TestWithSupervisor(t *testing.T) {
	f := func() int { return 0 }
	tests := []struct {
		name string
		cmds map[string]func() int
		want error
	}{
		{"supervisor clash", map[string]func() int{Supervisor: f}, fs.ErrExist},
		{"empty name", map[string]func() int{"": f}, fs.ErrInvalid},
		{"path separator", map[string]func() int{"bin/x": f}, fs.ErrInvalid},
		{"backslash", map[string]func() int{`bin\x`: f}, fs.ErrInvalid},
		{"nil function", map[string]func() int{"x": nil}, fs.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := withSupervisor(tt.cmds)
			assert.ErrorIs(t, err, tt.want)
		})
	}
	cmds, err := withSupervisor(map[string]func() int{"greet": f})
	require.NoError(t, err)
	assert.Len(t, cmds, 2)
	assert.Contains(t, cmds, Supervisor)
}
