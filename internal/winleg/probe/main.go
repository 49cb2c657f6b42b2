// Command probe is the Wine leg's sanity check: package winleg builds it for
// windows/amd64 (from the copy embedded in the package) and runs it under Wine
// before any test. It passes when
//
//   - a Go program starts at all (the Go runtime loads
//     bcryptprimitives.dll!ProcessPrng before main; Wine 8 needs the shim),
//   - crypto/rand returns bytes,
//   - it can start itself as a child process and get back, unchanged, a list
//     of arguments that need quoting on Windows (spaces, quotes, backslashes,
//     an empty argument, non-ASCII),
//
// and then prints one JSON object on stdout: GOOS, GOARCH and os.TempDir(),
// which winleg uses to find (and clean up) the Windows temporary directory in
// the Wine prefix. On failure it prints why on stderr and exits with status 1.
//
// It is portable Go, so it is compiled and vetted with the rest of the module
// on every OS, and `go run ./internal/winleg/probe` works natively too.
package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
)

// Report is what the probe prints on success.
type Report struct {
	GOOS, GOARCH string
	TempDir      string
}

// quoting holds arguments that Windows command-line quoting must preserve.
var quoting = []string{"plain", "with space", `"quoted"`, `back\slash`, `trailing\`, `a\"b`, "", "tab\tin", "ünïcode"}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "child" {
		if err := json.NewEncoder(os.Stdout).Encode(os.Args[2:]); err != nil {
			fail("child: %v", err)
		}
		return
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		fail("crypto/rand: %v", err)
	}
	exe, err := os.Executable()
	if err != nil {
		fail("os.Executable: %v", err)
	}
	out, err := exec.Command(exe, append([]string{"child"}, quoting...)...).Output()
	if err != nil {
		fail("starting a child: %v", err)
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil {
		fail("reading the child's arguments %q: %v", out, err)
	}
	if !slices.Equal(got, quoting) {
		fail("arguments changed on the way to a child:\n got %q\nwant %q", got, quoting)
	}
	r := Report{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, TempDir: os.TempDir()}
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "probe: "+format+"\n", args...)
	os.Exit(1)
}
