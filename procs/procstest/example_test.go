package procstest_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/forkport/forkport/procs/procstest"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain calls Main with the programs the scripts run, each a function
// that reads os.Args[1:] and returns an exit status. (Main needs the
// *testing.M of a real TestMain, so this example is compiled, not run; this
// package's own TestMain is the same call.)
func ExampleMain() {
	testMain := func(m *testing.M) {
		procstest.Main(m, map[string]func() int{"greet": greet})
	}
	_ = testMain
}

// A test calls Run with the claim directory, and whatever else testscript
// takes: here a command of its own beside procstest's vocabulary. (Run
// needs the *testing.T of a real test, so this example is compiled, not
// run; TestRun in this package is the same call.)
func ExampleRun() {
	testClaims := func(t *testing.T) {
		procstest.Run(t, testscript.Params{
			Dir:                 filepath.Join("testdata", "script"),
			RequireExplicitExec: true,
			Cmds: map[string]func(*testscript.TestScript, bool, []string){
				"shout": func(ts *testscript.TestScript, neg bool, args []string) {
					fmt.Fprintln(ts.Stdout(), args)
				},
			},
		})
	}
	_ = testClaims
}

// Main puts every command, and the supervisor run, on the PATH of the tests
// and so of the scripts: a script's "exec run greet -n 2 example" runs
// this, and prints the tree's output once every process of it is done.
func Example_supervisor() {
	out, err := exec.Command("run", "greet", "-n", "2", "example").CombinedOutput()
	if err != nil {
		fmt.Println("run failed:", err)
	}
	fmt.Print(string(out))
	// Output:
	// hello example 1
	// hello example 2
}
