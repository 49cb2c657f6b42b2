package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// timeSuite times the test suite from a warm cache: go test ./... once to
// warm the build and test caches, then timed cached and with -count=1
// (build cache warm, every test run again); and go run ./scripts/wineleg,
// built once first, when that directory exists.
func timeSuite(w io.Writer, root string) error {
	fmt.Fprintln(w, "## Test suite (wall time, warm cache)")
	fmt.Fprintln(w)
	logf("suite: warming the caches with go test ./...")
	if _, status := timed(root, "go", "test", "./..."); status != "" {
		logf("suite: go test ./... (warm-up) %s", status)
	}
	for _, args := range [][]string{
		{"go", "test", "./..."},
		{"go", "test", "-count=1", "./..."},
	} {
		logf("suite: %s", strings.Join(args, " "))
		d, status := timed(root, args...)
		fmt.Fprintf(w, "  %-34s %8s  %s\n", strings.Join(args, " "), d.Round(10*time.Millisecond), status)
	}
	if _, err := os.Stat(filepath.Join(root, "scripts", "wineleg")); err != nil {
		fmt.Fprintf(w, "  %-34s %8s  (no scripts/wineleg)\n", "go run ./scripts/wineleg", "-")
		return nil
	}
	logf("suite: building scripts/wineleg")
	if _, status := timed(root, "go", "build", "-o", os.DevNull, "./scripts/wineleg"); status != "" {
		logf("suite: go build ./scripts/wineleg %s", status)
	}
	logf("suite: go run ./scripts/wineleg (this runs the tests under Wine)")
	d, status := timed(root, "go", "run", "./scripts/wineleg")
	fmt.Fprintf(w, "  %-34s %8s  %s\n", "go run ./scripts/wineleg", d.Round(10*time.Millisecond), status)
	return nil
}

// timed runs a command in dir and returns its wall time, and "" on success
// or what went wrong, in a few words and its last line of output.
func timed(dir string, args ...string) (time.Duration, string) {
	cmd := command(dir, args[0], args[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &out
	if args[1] == "test" {
		cmd.Stdout = &out // go test reports failures on stdout
	}
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return d, fmt.Sprintf("(failed: %v: %s)", err, lastLines(out.Bytes()))
	}
	return d, ""
}
