// Package flaky_test is a module with a claim made flaky on purpose, for
// forkport -count's end-to-end test (TestFlakyModule in
// scripts/forkport/example_test.go): its script fails on every other run,
// counted in the file $FLIP_COUNTER that the test provides. No timing: the
// runs of go test -count follow each other, and the counter decides.
package flaky_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/forkport/forkport/procs/procstest"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	procstest.Main(m, map[string]func() int{"flip": flip})
}

// flip FILE adds one to the number in FILE (none: 0) and fails when the
// sum is even: the first run passes, the second fails, and so on. flip
// -ok passes.
func flip() int {
	if len(os.Args) != 2 || os.Args[1] == "" {
		fmt.Fprintln(os.Stderr, "usage: flip FILE|-ok (is $FLIP_COUNTER set?)")
		return 2
	}
	if os.Args[1] == "-ok" {
		fmt.Println("ok")
		return 0
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil && !os.IsNotExist(err) {
		fmt.Fprintln(os.Stderr, "flip:", err)
		return 2
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	n++
	if err := os.WriteFile(os.Args[1], []byte(strconv.Itoa(n)), 0o666); err != nil {
		fmt.Fprintln(os.Stderr, "flip:", err)
		return 2
	}
	fmt.Printf("run %d\n", n)
	if n%2 == 0 {
		fmt.Fprintf(os.Stderr, "flip: run %d fails\n", n)
		return 1
	}
	return 0
}

// TestClaims runs the claims, passing $FLIP_COUNTER on to the scripts.
func TestClaims(t *testing.T) {
	procstest.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("FLIP_COUNTER", os.Getenv("FLIP_COUNTER"))
			return nil
		},
	})
}
