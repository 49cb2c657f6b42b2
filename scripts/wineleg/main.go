// Command wineleg runs the module's tests as Windows programs under Wine: the
// "windows-wine" leg of forkport's harness, on a Linux machine.
//
// wineleg and `forkport -leg windows-wine` share one mechanism, package
// internal/winleg. forkport runs a module's claims only and judges them (a
// verdict per claim); wineleg runs every test of the packages, unit tests
// included, and prints the raw go test -json stream without judging it
// (forkport -from FILE -leg windows-wine, or forkport merge
// windows-wine=FILE, judges a saved stream).
//
// Usage:
//
//	go run ./scripts/wineleg [-json FILE] [-run REGEXP] [-install] [flags] [packages]
//
// It prepares a Wine prefix (see package internal/winleg: Wine 8 needs a
// ProcessPrng shim before a Go program can start, which wineleg builds with
// MinGW-w64 and installs when needed), then, for each package, builds the
// test binary with GOOS=windows GOARCH=amd64 go test -c, runs it under Wine
// in the package's directory, and converts its output with go tool test2json.
// Packages are patterns as for go test; the default is every package of the
// module that has test files for windows/amd64 (./...).
//
// While it runs, a readable account goes to standard error: progress of the
// preparation, every failed test with its output, one line per package and a
// final summary. The combined go test -json stream of all packages (what
// `go test -json` would print on Windows) goes to the -json file.
//
// The exit status is 0 when every package passed, 1 when tests failed (or a
// test binary did not build), and 2 when the leg itself failed (Wine could not
// be installed or started, bad flags or patterns, interrupted).
//
// Flags:
//
//	-json FILE     write the go test -json stream to FILE ("-" for standard
//	               output; directories are created). Default: standard output
//	               if it is not a terminal, else no stream.
//	-run REGEXP    run only the tests matching REGEXP (go test -run)
//	-skip REGEXP   skip the tests matching REGEXP (go test -skip)
//	-short         go test -short
//	-timeout D     per-package test timeout (go test -timeout; default 10m)
//	-install       install missing Wine and MinGW-w64 packages with apt-get
//	               (needs root or passwordless sudo)
//	-prefix DIR    Wine prefix to use (default: the user cache directory's
//	               forkport/wine-<version>, created once and reused)
//	-v             also list every passing and skipped test
//
// Examples:
//
//	go run ./scripts/wineleg                      # all packages, summary only
//	go run ./scripts/wineleg -json out/windows-wine.json ./procs
//	go run ./scripts/wineleg -install -run 'TestFork' -v ./procs
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/forkport/forkport/internal/winleg"
)

func main() { os.Exit(run()) }

func usage() {
	fmt.Fprintf(os.Stderr, `usage: go run ./scripts/wineleg [-json FILE] [-run REGEXP] [-skip REGEXP] [-short]
                             [-timeout D] [-install] [-prefix DIR] [-v] [packages]

Runs the tests of packages (default ./..., those with tests for windows/amd64)
as windows/amd64 test binaries under Wine. A readable account goes to standard
error, the combined go test -json stream to -json. Exit status: 0 all passed,
1 tests failed or did not build, 2 the leg itself failed.

Flags:
`)
	flag.PrintDefaults()
}

func run() int {
	jsonPath := flag.String("json", "", "write the go test -json stream to `FILE` (\"-\" for standard output; default: standard output if it is not a terminal, else none)")
	runRE := flag.String("run", "", "run only tests matching `REGEXP` (as go test -run)")
	skipRE := flag.String("skip", "", "skip tests matching `REGEXP` (as go test -skip)")
	short := flag.Bool("short", false, "as go test -short")
	timeout := flag.Duration("timeout", winleg.DefaultTimeout, "per-package test timeout `D` (as go test -timeout)")
	install := flag.Bool("install", false, "install missing Wine and MinGW-w64 packages with apt-get (needs root or passwordless sudo)")
	prefix := flag.String("prefix", "", "Wine prefix `DIR` (default: <user cache dir>/forkport/wine-<version>)")
	verbose := flag.Bool("v", false, "list every passing and skipped test too")
	flag.Usage = usage
	if err := valuesGiven(flag.CommandLine, os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "wineleg: %v (run wineleg -h for help)\n", err)
		return 2
	}
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()

	events, closeEvents, err := openEvents(*jsonPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wineleg:", err)
		return 2
	}
	defer closeEvents()

	pkgs, err := winleg.Packages(ctx, "", "", flag.Args()...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wineleg:", err)
		return 2
	}
	if len(pkgs) == 0 {
		fmt.Fprintln(os.Stderr, "wineleg: no package with tests for windows/amd64 matches", flag.Args())
		return 2
	}

	leg, err := winleg.Prepare(ctx, winleg.Config{Prefix: *prefix, Install: *install, Log: os.Stderr, Timeout: *timeout})
	if err != nil {
		fmt.Fprintln(os.Stderr, "wineleg:", err)
		return 2
	}
	defer leg.Close()

	var testArgs []string
	if *runRE != "" {
		testArgs = append(testArgs, "-test.run="+*runRE)
	}
	if *skipRE != "" {
		testArgs = append(testArgs, "-test.skip="+*skipRE)
	}
	if *short {
		testArgs = append(testArgs, "-test.short")
	}

	rep := winleg.NewReporter(os.Stderr, *verbose)
	out := io.MultiWriter(events, rep)
	var legErrs []error
	for _, p := range pkgs {
		fmt.Fprintf(os.Stderr, "=== %s (windows/amd64 under Wine)\n", p)
		err := leg.Test(ctx, p, testArgs, out)
		if err != nil && !errors.Is(err, winleg.ErrTestsFailed) {
			fmt.Fprintln(os.Stderr, "wineleg:", err)
			legErrs = append(legErrs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	if err := leg.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "wineleg:", err)
		legErrs = append(legErrs, err)
	}
	if err := closeEvents(); err != nil {
		fmt.Fprintln(os.Stderr, "wineleg:", err)
		legErrs = append(legErrs, err)
	}
	ok := rep.Summary(fmt.Sprintf("windows-wine leg (%s) in %.1fs", leg.WineVersion(), time.Since(start).Seconds()))
	switch {
	case len(legErrs) > 0 || ctx.Err() != nil:
		fmt.Fprintf(os.Stderr, "wineleg: the leg itself failed (%d errors above)\n", len(legErrs))
		return 2
	case !ok:
		return 1
	}
	return 0
}

// valuesGiven checks that every flag of fs that takes a value is given one
// in args, as the flag package does not: "-json -run x" would write the
// stream to a file named "-run". A value that starts with "-" is written
// -flag=value; "-json -" (standard output) stays a value.
func valuesGiven(fs *flag.FlagSet, args []string) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || len(a) < 2 || a[0] != '-' {
			return nil // the flags end here, as for flag.Parse
		}
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue // flag.Parse reports it
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 >= len(args) {
			return fmt.Errorf("flag -%s needs a value", name)
		}
		if v := args[i+1]; len(v) > 1 && v[0] == '-' {
			return fmt.Errorf("flag -%s needs a value before %s (write -%s=VALUE for a value that starts with \"-\")", name, v, name)
		}
		i++
	}
	return nil
}

// openEvents opens where the go test -json stream goes, and returns a
// function closing it (safe to call twice).
func openEvents(path string) (io.Writer, func() error, error) {
	nop := func() error { return nil }
	switch path {
	case "":
		if fi, err := os.Stdout.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return io.Discard, nop, nil
		}
		return os.Stdout, nop, nil
	case "-":
		return os.Stdout, nop, nil
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, err
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	closed := false
	return f, func() error {
		if closed {
			return nil
		}
		closed = true
		return f.Close()
	}, nil
}
