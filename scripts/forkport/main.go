// Command forkport checks a Go module's portability claims: those of
// forkport itself (the "Forking Processes" chapter's, in testdata/script)
// or of any module whose tests run claim files with package procstest
// (github.com/forkport/forkport/procs/procstest). It runs the claims on
// this machine or under Wine, judges every claim against what its header
// expects on that OS, and prints one row per claim; it also merges several
// legs' results into one matrix and keeps the README's generated blocks up
// to date. Run `go run github.com/forkport/forkport/scripts/forkport -h`
// for the usage, which is the text of usage below.
package main

//go:generate go run . readme -w -claims-only

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"
)

const usage = `usage: forkport [flags] [packages]
       forkport merge [-format F] [-claims DIR] [-leg NAME] [-run RE] FILE...
       forkport readme [-w] [-claims-only] [-linux FILE] [-cpython FILE] [-wine FILE]
(forkport is go run github.com/forkport/forkport/scripts/forkport, or
go run ./scripts/forkport in forkport's repository)

forkport checks the portability claims of the Go module it runs in. A claim
is a testscript file <id>.txtar whose header says what the claim is and
what linux, darwin and windows (and optionally other GOOS values) should do
(holds, or differs — reason; optionally "wine: deviates — reason"). A
module's claims are the claim directories of its tests that call
procstest.Run with a constant Params.Dir (go doc
github.com/forkport/forkport/procs/procstest); each claim is the subtest
<Test>/<id> of such a test. forkport's own are TestScripts/<id> of its root
package, claims in testdata/script. Claim ids are unique in a module.

With no subcommand, forkport runs those tests on this machine,
  go test -json -count=1 -run '^(<Tests>)$[/<claims>]' <packages>
from the module root (found with go env GOMOD), or with -leg windows-wine
their Windows test binaries under Wine (package internal/winleg), and prints
one row per claim: its id, the claim, what is expected on this OS, and the
verdict:

  holds                the script passed; the claim holds here as written
  differs as expected  the script passed; the header says this OS differs
  wine deviation       windows-wine only: passed, and the claim documents
                       where Wine is not Windows
  broken               the script failed: the failing line is shown
                       (testdata/script/<id>.txtar:N: ...), then the
                       commands it ran and the output of the last ones
  not run              skipped (with the skip reason), or no result (the
                       build failed, the test binary died, -run left it out)

A leg that ran none of a claim says "not run", never "holds". Progress goes
to standard error when it is a terminal. packages are directories of the
module, as ".", "./dir" or "./dir/..." (default "./...", which like the go
command skips testdata and vendor directories and nested modules).

Flags:
  -leg NAME      the leg to run: this machine's (the default; linux/amd64,
                 darwin/arm64, windows/amd64, ...) or windows-wine
  -subject S     what the scripts' programs are: procs (the default: the
                 module's Go programs) or cpython (their CPython twins, for
                 the suites with a <Test>CPython test, as forkport's
                 TestScriptsCPython: each claim is then judged by its
                 "expect cpython:" block). The interpreter is
                 $FORKPORT_PYTHON when set, else python3 on PATH ("py -3"
                 or python on Windows); the leg is named with its version,
                 "linux/amd64 cpython3.11". Not with windows-wine.
  -run REGEXP    check only the claims whose id matches REGEXP
  -json FILE     also write the verdicts to FILE as JSON (format below)
  -events FILE   also save the raw go test -json stream to FILE
  -from FILE     do not run: read a saved leg (a -json FILE, or a raw
                 go test -json stream, whose leg is -leg or its file name)
  -format F      standard output as text (default), markdown or json
  -timeout D     go test -timeout for the run (default 10m)
  -install       windows-wine: let winleg install Wine and MinGW-w64 with
                 apt-get (needs root or passwordless sudo)

merge FILE... reads several legs, each a forkport -json file or a raw
go test -json stream (CI's results-<os>-....json; gotestsum --jsonfile),
and prints one matrix: claims as rows, legs as columns, then what is broken
or not run, and each leg's problems. A raw stream's leg is named by writing
the argument as LEG=FILE, by -leg (one raw file only), or by its file name
(ubuntu/linux, macos/darwin, windows, wine). Claim headers come from the
module's claim directories (or -claims DIR, run by TestScripts), so every
leg is judged against the current expectations; a leg missing a claim shows
"not run".
  -format F      text (default; aligned, coloured only on a terminal and
                 never when NO_COLOR is set), markdown (GitHub-flavoured,
                 for $GITHUB_STEP_SUMMARY and the README) or json
  -claims DIR    claim files (default: the module's, found as above)
  -leg NAME      leg of the one raw go test -json input
  -run REGEXP    only the claims whose id matches REGEXP

readme rewrites the generated blocks of the module's README.md, each
between <!-- forkport:NAME --> and <!-- /forkport:NAME --> lines, from the
claims of the module's root package (or of every package, when the root
package has none):
  claims   the claim list, from the claim files (both subjects'
           expectations when the claims state cpython)
  linux    this command's text output on Linux (run now, or -linux FILE),
           then, when the suite has a CPython run, -subject cpython's
           (run now, or -cpython FILE)
  matrix   those legs and windows-wine merged, in markdown (each run
           now, or read from -linux, -cpython and -wine FILE)
Blocks without markers are left alone. go generate ./scripts/forkport runs
"readme -w -claims-only"; a test fails when the claims block is stale.
  -w             write README.md (default: print the result)
  -claims-only   rewrite only the claims block (runs nothing)
  -linux FILE    the Linux leg (forkport -json FILE or go test -json)
  -cpython FILE  the Linux CPython leg (forkport -subject cpython -json FILE)
  -wine FILE     the windows-wine leg (forkport -json FILE or wineleg -json)
  -install       as above, for running the windows-wine leg

Exit status: 0 when every selected claim holds, differs as expected, is a
wine deviation or was not run; 1 when a claim is broken or the run failed
outside any claim (a build failure: its output is shown); 2 for errors (bad
flags, no Go toolchain, a module without procstest tests, a missing claim
directory, unreadable input, unknown leg, malformed claim header, a Wine
leg that cannot be prepared), each one line on stderr. go run reports any
non-zero status as 1: build the command (go build -o) to tell 1 from 2.

JSON (-json FILE), format "forkport.leg/v1":
  {"format": "forkport.leg/v1", "leg": "linux/amd64" (or windows-wine),
   "os": "linux", "arch": "amd64", "wine": false, "wine_version": "...",
   "subject": "cpython" and "subject_version": "3.11.7" (CPython legs only),
   "go": "go1.26.8", "forkport": module version, git describe --always
   --dirty, or "devel", "time": RFC 3339 UTC, "package": import path,
   "problems": [{"summary", "output": [lines], "fatal": bool}],
   "claims": [{"id", "claim", "source",
               "expect": {"outcome": "holds"|"differs", "reason"},
               "wine": deviation reason (windows-wine leg),
               "status": pass|fail|skip|timeout|unfinished|absent,
               "verdict": holds|differs as expected|wine deviation|broken|not run,
               "detail": failing line, skip reason or why no result,
               "output": [script log lines, broken only],
               "elapsed": seconds}]}
merge -format json writes "forkport.matrix/v1": {"format", "legs": [leg
headers with "label" and "file"], "claims": [{"id", "claim", "source",
"expect": {os: {...}}, "expect_cpython": {os: {...}}, "wine",
"results": {label: {"status", "verdict",
"detail", "output"}}}], "notes": [...]}. Package internal/verdict documents
both in full.

Examples:
  go run ./scripts/forkport                         # this machine
  go run github.com/forkport/forkport/scripts/forkport ./cmd/...  # another module's
  go run ./scripts/forkport -run fork -json out/linux.json
  go run ./scripts/forkport -leg windows-wine -json out/wine.json
  go run ./scripts/forkport -subject cpython -json out/linux-cpython.json
  FORKPORT_PYTHON=/opt/py3.13/bin/python3 go run ./scripts/forkport -subject cpython
  go run ./scripts/forkport merge -format markdown out/*.json >> "$GITHUB_STEP_SUMMARY"
  go run ./scripts/forkport merge windows-wine=out/wine-raw.json results-ubuntu-latest.json
  go run ./scripts/forkport readme -w -linux out/linux.json -wine out/wine.json
`

// exit statuses
const (
	exitOK     = 0
	exitFailed = 1 // a claim is broken, or the run failed outside any claim
	exitError  = 2 // the command itself could not do its job
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(newApp().run(ctx, os.Args[1:]))
}

// app is the command with everything it touches from outside, so tests can
// replace it.
type app struct {
	stdout, stderr       io.Writer
	stdoutTTY, stderrTTY bool
	lookupEnv            func(string) (string, bool)
	goCmd                string // the go command; "" means "go" from PATH
	dir                  string // where the command runs ("" = current directory)
	now                  func() time.Time
	runWine              wineRunner
	tick                 ticker // progress ticks when stderr is no terminal; nil: none
}

func newApp() *app {
	return &app{
		stdout: os.Stdout, stderr: os.Stderr,
		stdoutTTY: isTerminal(os.Stdout), stderrTTY: isTerminal(os.Stderr),
		lookupEnv: os.LookupEnv,
		now:       time.Now,
		runWine:   runWineLeg,
		tick:      realTicker,
	}
}

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// color reports whether text output to stdout may be coloured: only on a
// terminal, never with NO_COLOR set (to anything) or TERM=dumb.
func (a *app) color() bool {
	if !a.stdoutTTY {
		return false
	}
	if _, set := a.lookupEnv("NO_COLOR"); set {
		return false
	}
	term, _ := a.lookupEnv("TERM")
	return term != "dumb"
}

// usageError is a bad command line: reported with a hint to -h.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// errFailed is the exit status 1 outcome: the report has been printed.
var errFailed = errors.New("failed")

func (a *app) run(ctx context.Context, args []string) int {
	var err error
	switch {
	case len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help"):
		fmt.Fprint(a.stdout, usage)
		return exitOK
	case len(args) > 0 && args[0] == "merge":
		err = a.merge(ctx, args[1:])
	case len(args) > 0 && args[0] == "readme":
		err = a.readme(ctx, args[1:])
	default:
		err = a.check(ctx, args)
	}
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(a.stdout, usage)
		return exitOK
	case errors.Is(err, errFailed):
		return exitFailed
	case errors.As(err, &ue):
		fmt.Fprintf(a.stderr, "forkport: %s (run forkport -h for help)\n", ue.msg)
		return exitError
	}
	for _, line := range strings.Split(strings.TrimSpace(err.Error()), "\n") {
		fmt.Fprintln(a.stderr, "forkport: "+line)
	}
	return exitError
}

// newFlags returns a flag set that reports errors as usageError and prints
// nothing itself.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args, allowing flags after the arguments too
// ("merge a.json b.json -format markdown"); "--" ends the flags. The
// arguments are then fs.Args(). A flag that takes a value must be given
// one: "-json" at the end, or followed by another word starting with "-"
// ("-json -run x", "-run --"), is a usage error rather than a value; a
// value that starts with "-" is written -flag=value ("-run=-wine").
func parseFlags(fs *flag.FlagSet, args []string) error {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue // Parse reports it
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 >= len(args) {
			return usageError{fmt.Sprintf("flag -%s needs a value", name)}
		}
		if v := args[i+1]; len(v) > 1 && v[0] == '-' {
			return usageError{fmt.Sprintf("flag -%s needs a value before %s (write -%s=VALUE for a value that starts with \"-\")", name, v, name)}
		}
		i++
		flags = append(flags, args[i])
	}
	if err := fs.Parse(append(append(flags, "--"), positional...)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}

// formatFlag is -format: text, markdown or json.
type formatFlag string

func (f *formatFlag) String() string { return string(*f) }

func (f *formatFlag) Set(s string) error {
	switch s {
	case "text", "markdown", "md", "json":
		if s == "md" {
			s = "markdown"
		}
		*f = formatFlag(s)
		return nil
	}
	return fmt.Errorf("want text, markdown or json")
}
