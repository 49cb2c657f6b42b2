// Command forkport checks a Go module's portability claims: those of
// forkport itself (the "Forking Processes" chapter's, in testdata/script)
// or of any module whose tests run claim files with package procstest
// (github.com/forkport/forkport/procs/procstest). It runs the claims on
// this machine or under Wine, judges every claim against what its header
// expects on that OS, and prints one row per claim; it also merges several
// legs' results into one matrix and keeps the README's generated blocks up
// to date. Run `go run github.com/forkport/forkport/scripts/forkport -h`
// for the usage (the text of usage in help.go), and `forkport help TOPIC`
// for the rest: claims, legs, verdicts, merge, page, readme, json, exit.
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
	help := usage // what -h prints
	switch {
	case len(args) > 0 && args[0] == "help":
		err = flag.ErrHelp
		switch {
		case len(args) > 2:
			err = usageError{"help takes one topic"}
		case len(args) == 2:
			if help, err = helpText(args[1]); err == nil {
				err = flag.ErrHelp
			}
		}
	case len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help"):
		err = flag.ErrHelp
	case len(args) > 0 && args[0] == "merge":
		help, _ = helpText("merge")
		err = a.merge(ctx, args[1:])
	case len(args) > 0 && args[0] == "page":
		help, _ = helpText("page")
		err = a.page(ctx, args[1:])
	case len(args) > 0 && args[0] == "readme":
		help, _ = helpText("readme")
		err = a.readme(ctx, args[1:])
	default:
		err = a.check(ctx, args)
	}
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(a.stdout, help)
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
