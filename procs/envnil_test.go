package procs_test

import (
	"testing"

	"github.com/forkport/forkport/internal/wine"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEVariantsNilEnvIsEmpty: an e variant given a nil environment gives
// the program no environment at all, as documented ("nil means none"), not
// the caller's (which is what the variants without e pass).
func TestEVariantsNilEnvIsEmpty(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, out string)
	}{
		{"spawnve", func(t *testing.T, out string) {
			code, err := procs.Spawnve(procs.PWait, exe(t), []string{helperArgv0("echo", out)}, nil)
			require.NoError(t, err)
			require.Zero(t, code)
		}},
		{"spawnle", func(t *testing.T, out string) {
			code, err := procs.Spawnle(procs.PWait, exe(t), nil, helperArgv0("echo", out))
			require.NoError(t, err)
			require.Zero(t, code)
		}},
		{"execve", func(t *testing.T, out string) {
			_, code := forkExec(t, "execve", exe(t), []string{helperArgv0("echo", out)}, nil, out)
			require.NoFileExists(t, out+".returned", "a successful exec never returns")
			require.Zero(t, code)
		}},
		{"execle", func(t *testing.T, out string) {
			_, code := forkExec(t, "execle", exe(t), []string{helperArgv0("echo", out)}, nil, out)
			require.NoFileExists(t, out+".returned", "a successful exec never returns")
			require.Zero(t, code)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := newReport(t)
			tc.run(t, out)
			assert.Empty(t, wine.StripInjectedEnv(readReport(t, out).Env), "nil is no environment at all")
		})
	}
}
