package procstest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/forkport/forkport/procs/procstest"
)

// forkMarkEnv is set by forkpooled just before it forks. A child from the
// pool ran package initialisation before that, without it; a fresh child
// starts with it.
const forkMarkEnv = "PROCSTEST_FORK_MARK"

// initMark is forkMarkEnv as package initialisation saw it.
var initMark = os.Getenv(forkMarkEnv)

func init() { procs.Register("procstest-pooled", pooledEntry) }

// pooledEntry prints whether the child was served by the pool: "pooled"
// when package initialisation ran before the fork, "fresh" otherwise.
func pooledEntry() {
	if initMark == os.Getenv(forkMarkEnv) {
		fmt.Println("fresh")
	} else {
		fmt.Println("pooled")
	}
	procs.Exit(0)
}

// forkpooled forks once and says (through the child) whether the fork
// went through a pre-started child.
func forkpooled() int {
	os.Setenv(forkMarkEnv, "set before the fork")
	p, err := procs.Fork("procstest-pooled")
	if err != nil {
		fmt.Fprintln(os.Stderr, "forkpooled:", err)
		return 1
	}
	st, err := p.Wait()
	if err != nil {
		fmt.Fprintln(os.Stderr, "forkpooled:", err)
		return 1
	}
	return st.ExitCode()
}

// With FORKPORT_PRESTART set for the test binary, the commands a script
// starts fork through the pool (Run passes the variable into the scripts,
// and Main starts the pool in each command); without it they fork afresh.
func TestPrestartReachesTheScripts(t *testing.T) {
	for _, tt := range []struct {
		prestart string // "" unsets FORKPORT_PRESTART
		want     string
	}{
		{"", "fresh"},
		{"1", "pooled"},
	} {
		t.Run("FORKPORT_PRESTART="+tt.prestart, func(t *testing.T) {
			t.Setenv(testutil.PrestartEnv, tt.prestart)
			if tt.prestart == "" {
				require.NoError(t, os.Unsetenv(testutil.PrestartEnv))
			}
			dir := testutil.TempDir(t)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "pool.txtar"), []byte(
				"# claim: a command's Fork goes through the pool exactly when FORKPORT_PRESTART is set.\n"+
					"# source: procstest's package documentation\n"+
					"# expect:\n#   linux: holds\n#   darwin: holds\n#   windows: holds\n\n"+
					"exec forkpooled\nstdout '^"+tt.want+"$'\n"), 0o666))
			procstest.Run(t, testscript.Params{Dir: dir})
		})
	}
}
