package runall_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"example.com/runall"
	"github.com/forkport/forkport/procs"
	"github.com/forkport/forkport/procs/procstest"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain makes runall and three helpers commands the claim scripts can
// run.
func TestMain(m *testing.M) {
	procstest.Main(m, map[string]func() int{
		"runall":   runall.Main,
		"exitwith": runall.ExitWith,
		"printenv": runall.PrintEnv,
		"status":   status,
	})
}

// status CMD ARG... runs CMD and prints "status=N", its exit status, so a
// script can check an exact status.
func status() int {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: status CMD [ARG...]")
		return 2
	}
	code, err := procs.Spawnvp(procs.PWait, os.Args[1], os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "status:", err)
		return 1
	}
	fmt.Printf("status=%d\n", code)
	return 0
}

// TestClaims checks runall's claims, one subtest per file of testdata/script.
func TestClaims(t *testing.T) {
	procstest.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
	})
}
