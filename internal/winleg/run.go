package winleg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// windowsEnv makes the go command build for the leg's target.
var windowsEnv = []string{"GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0"}

// Packages returns the import paths of the packages matching patterns
// (default "./...") that have test files when built for windows/amd64, as
// the go command sees them from dir ("" for the current directory). goCmd
// is the go command ("" for the default, see Config.Go).
func Packages(ctx context.Context, goCmd, dir string, patterns ...string) ([]string, error) {
	goCmd, err := findGo(goCmd)
	if err != nil {
		return nil, err
	}
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	for _, p := range patterns {
		if strings.HasPrefix(p, "-") {
			return nil, fmt.Errorf("winleg: %q is not a package pattern", p)
		}
	}
	args := append([]string{"list", "-f", "{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}"}, patterns...)
	c := exec.CommandContext(ctx, goCmd, args...)
	c.Dir = dir
	c.Env = append(os.Environ(), windowsEnv...)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		return nil, fmt.Errorf("winleg: go %s: %w\n%s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	var pkgs []string
	for _, line := range strings.Split(stdout.String(), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			pkgs = append(pkgs, line)
		}
	}
	return pkgs, nil
}

// shortFlags are the go test flags that the test binary takes as -test.<name>;
// testArgs may use either spelling.
var shortFlags = []string{
	"bench", "benchmem", "benchtime", "blockprofile", "blockprofilerate", "count",
	"coverprofile", "cpu", "cpuprofile", "failfast", "fullpath", "fuzz", "fuzzminimizetime",
	"fuzztime", "list", "memprofile", "memprofilerate", "mutexprofile",
	"mutexprofilefraction", "outputdir", "parallel", "run", "short", "shuffle", "skip",
	"timeout", "trace", "v",
}

// binaryArgs returns the test binary's arguments: -test.v=test2json,
// -test.paniconexit0 and -test.timeout (as go test passes them), then
// testArgs, with go test spellings (-run X, --count=2) rewritten as test
// binary flags (-test.run X). A -v in testArgs is dropped (the leg always runs
// verbosely, for test2json), and so is -timeout when it is given, as the
// timeout is the one returned.
func binaryArgs(testArgs []string, timeout time.Duration) (args []string, effective time.Duration) {
	var rest []string
	effective = timeout
	for i := 0; i < len(testArgs); i++ {
		a := testArgs[i]
		if a == "--" {
			// The rest are the tests' own arguments.
			rest = append(rest, testArgs[i:]...)
			break
		}
		name, value, hasValue := "", "", false
		if strings.HasPrefix(a, "-") && a != "-" {
			name, value, hasValue = strings.Cut(strings.TrimLeft(a, "-"), "=")
			name = strings.TrimPrefix(name, "test.")
		}
		if !slices.Contains(shortFlags, name) {
			rest = append(rest, a)
			continue
		}
		isBool := name == "v" || name == "short" || name == "failfast" || name == "benchmem" || name == "fullpath"
		if !hasValue && !isBool && i+1 < len(testArgs) {
			i++
			value, hasValue = testArgs[i], true
		}
		switch name {
		case "v":
			continue
		case "timeout":
			if d, err := time.ParseDuration(value); err == nil {
				effective = d
				continue
			}
		}
		if hasValue {
			rest = append(rest, "-test."+name+"="+value)
		} else {
			rest = append(rest, "-test."+name)
		}
	}
	args = []string{"-test.v=test2json", "-test.paniconexit0", "-test.timeout=" + effective.String()}
	return append(args, rest...), effective
}

// Test builds the tests of one package (an import path or a relative path
// such as ./procs, resolved from Config.Dir) for windows/amd64 with
// go test -c, runs the test binary under Wine in the package's directory with
// testArgs (test binary flags; go test spellings such as -run X are accepted),
// and writes the go test -json events for the package to events, converted by
// go tool test2json -t, as `go test -json` would print them on Windows.
//
// The error wraps ErrTestsFailed when tests failed, when the test binary
// crashed or timed out, and when it did not build. A package without test
// files writes a "skip" event and returns nil. Any other error is the leg's
// own failure: the package could not be resolved, Wine could not start the
// binary, or ctx was cancelled (then every Wine process is killed).
//
// A run that failed where Wine could not start a process (a test printing
// "fork/exec ...: Internal error.", Wine's loader failing) is run once more,
// and only the second run's events are written, after an output event that
// names the tests the first run failed (see runOnce).
//
// Files the tests leave in the Windows temporary directory (Go's os.RemoveAll
// fails under Wine) are removed afterwards.
func (l *Leg) Test(ctx context.Context, pkg string, testArgs []string, events io.Writer) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.New("winleg: Test on a closed Leg")
	}
	importPath, dir, err := l.resolve(ctx, pkg)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp(l.tmp, "pkg-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	exe := filepath.Join(work, path.Base(importPath)+".test.exe")
	built, err := l.build(ctx, importPath, exe, &eventSink{w: events, pkg: importPath})
	if err != nil || !built {
		return err
	}
	err = l.runOnce(ctx, importPath, dir, exe, testArgs, events)
	if removed, cerr := l.cleanTemp(); cerr != nil {
		l.cfg.logf("%s: cleaning the Windows temporary directory: %v", importPath, cerr)
	} else if len(removed) > 0 {
		l.cfg.logf("%s: removed what the tests left in the Windows temporary directory (under Wine, os.RemoveAll fails): %s", importPath, names(removed))
	}
	return err
}

// loaderFailure matches what a test prints when Wine could not start a
// process: CreateProcess fails with ERROR_INTERNAL_ERROR ("Internal
// error."), Wine's answer when the new process died in its loader before
// running any of the program (NtCreateUserProcess reports
// STATUS_INTERNAL_ERROR for a process that ended without an exit code). It
// happens now and then, more often the busier the machine.
var loaderFailure = regexp.MustCompile(`fork/exec [^\n]*: Internal error\.`)

// runOnce runs the test binary and passes its events on to events, except
// when it failed where Wine could not start a process (see loaderFailure):
// then it runs the binary once more and passes on the second run's events
// instead, after an output event naming the tests that failed the first
// time; the second run's result is the package's, whatever it is. Wine is
// not Windows: a failure of Wine's loader says nothing of the tests.
func (l *Leg) runOnce(ctx context.Context, importPath, dir, exe string, testArgs []string, events io.Writer) error {
	var first lines
	sink := &eventSink{w: &first, pkg: importPath}
	err := l.runBinary(ctx, importPath, dir, exe, testArgs, sink)
	if !errors.Is(err, ErrTestsFailed) || !sink.loaderFailed {
		return first.writeTo(events, err)
	}
	failed := strings.Join(sink.failed, ", ")
	if failed == "" {
		failed = "the test binary"
	}
	l.cfg.logf("%s: Wine could not start a process (CreateProcess: Internal error.), which failed %s: running the tests again", importPath, failed)
	var second lines
	again := &eventSink{w: &second, pkg: importPath}
	again.emit(Event{Action: "output", Output: fmt.Sprintf(
		"winleg: a first run failed where Wine could not start a process (CreateProcess: Internal error.): %s; these are the events of a second run\n", failed)}, 0)
	err = l.runBinary(ctx, importPath, dir, exe, testArgs, again)
	return second.writeTo(events, err)
}

// lines keeps go test -json lines for a Writer that takes one per Write.
type lines [][]byte

func (ls *lines) Write(p []byte) (int, error) {
	*ls = append(*ls, bytes.Clone(p))
	return len(p), nil
}

// writeTo writes the lines to w, one per Write, and returns err, or the
// write's error if err is not already one of the leg's own.
func (ls lines) writeTo(w io.Writer, err error) error {
	for _, b := range ls {
		if _, werr := w.Write(b); werr != nil {
			if err == nil || errors.Is(err, ErrTestsFailed) {
				return fmt.Errorf("winleg: writing events: %w", werr)
			}
			return err
		}
	}
	return err
}

// resolve returns the import path and directory of a single package.
func (l *Leg) resolve(ctx context.Context, pkg string) (importPath, dir string, err error) {
	if strings.HasPrefix(pkg, "-") || pkg == "" {
		return "", "", fmt.Errorf("winleg: %q is not a package", pkg)
	}
	if strings.Contains(pkg, "...") {
		return "", "", fmt.Errorf("winleg: Test takes one package, not the pattern %q (see Packages)", pkg)
	}
	out, err := l.output(ctx, exec.CommandContext(ctx, l.goCmd, "list", "-f", "{{.ImportPath}}\t{{.Dir}}", pkg),
		inDir(l.cfg.Dir), withEnv(windowsEnv...))
	if err != nil {
		return "", "", fmt.Errorf("winleg: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 {
		return "", "", fmt.Errorf("winleg: %q is %d packages, want one", pkg, len(lines))
	}
	importPath, dir, ok := strings.Cut(lines[0], "\t")
	if !ok || importPath == "" || dir == "" {
		return "", "", fmt.Errorf("winleg: go list %s: unexpected output %q", pkg, lines[0])
	}
	return importPath, dir, nil
}

// build runs go test -c -json for windows/amd64. Its events (build output,
// or the skip of a package without test files) go to the sink. built is false
// when there is nothing to run.
func (l *Leg) build(ctx context.Context, importPath, exe string, sink *eventSink) (built bool, err error) {
	start := time.Now()
	c := exec.CommandContext(ctx, l.goCmd, "test", "-c", "-json", "-o", exe, importPath)
	l.prepare(c, inDir(l.cfg.Dir), withEnv(windowsEnv...))
	var stderr bytes.Buffer
	c.Stdout, c.Stderr = sink, &stderr
	runErr := c.Run()
	sink.flush()
	if ctx.Err() != nil {
		return false, fmt.Errorf("winleg: %s: %w", importPath, ctx.Err())
	}
	if runErr != nil {
		if sink.buildFailed == "" {
			return false, fmt.Errorf("winleg: go test -c %s: %w\n%s", importPath, runErr, strings.TrimSpace(stderr.String()))
		}
		// Report the failure as go test -json does.
		sink.emit(Event{Action: "start"}, 0)
		sink.emit(Event{Action: "output", Output: fmt.Sprintf("FAIL\t%s [build failed]\n", importPath)}, 0)
		sink.emit(Event{Action: "fail", FailedBuild: sink.buildFailed}, time.Since(start))
		return false, fmt.Errorf("%s: build for windows/amd64 failed: %w", importPath, ErrTestsFailed)
	}
	if _, err := os.Stat(exe); err != nil {
		if sink.final == "skip" {
			return false, nil // no test files
		}
		return false, fmt.Errorf("winleg: go test -c %s wrote no test binary: %w", importPath, err)
	}
	return true, nil
}

// runBinary runs the test binary under Wine, its output converted by
// go tool test2json.
func (l *Leg) runBinary(ctx context.Context, importPath, dir, exe string, testArgs []string, sink *eventSink) error {
	args, timeout := binaryArgs(testArgs, l.cfg.Timeout)
	if deadline, ok := ctx.Deadline(); ok {
		// Let the binary time out (and print its goroutines) before ctx
		// ends the run.
		if left := time.Until(deadline) * 9 / 10; left > 0 && left < timeout {
			timeout = max(left.Round(time.Second), time.Second) // 0 would mean none
			args[2] = "-test.timeout=" + timeout.String()
		}
	}
	// As go test: kill the binary a minute after its own timeout.
	runCtx, cancel := context.WithTimeout(ctx, timeout+time.Minute)
	defer cancel()

	// Not bound to ctx: the converter ends when its input does, after the
	// test binary, and must pass on everything the binary wrote.
	conv := exec.CommandContext(context.WithoutCancel(ctx), l.goCmd, "tool", "test2json", "-t", "-p", importPath)
	l.prepare(conv)
	convIn, err := conv.StdinPipe()
	if err != nil {
		return err
	}
	conv.Stdout = sink
	var convErr bytes.Buffer
	conv.Stderr = &convErr
	if err := conv.Start(); err != nil {
		return fmt.Errorf("winleg: go tool test2json: %w", err)
	}
	in := &countWriter{w: convIn}

	test := exec.CommandContext(runCtx, "wine", append([]string{exe}, args...)...)
	l.prepare(test, inDir(dir))
	test.Cancel = func() error {
		err := killGroup(test)
		l.killWine() // the Windows processes the tests started
		return err
	}
	test.Stdout, test.Stderr = in, in
	start := time.Now()
	runErr := test.Run()
	elapsed := time.Since(start)

	// What go test prints after the binary exits (cmd/go/internal/test).
	t := fmt.Sprintf("%.3fs", elapsed.Seconds())
	if runErr == nil {
		in.ensureNewline()
		fmt.Fprintf(in, "ok  \t%s\t%s\n", importPath, t)
	} else {
		switch {
		case ctx.Err() != nil:
		case runCtx.Err() != nil:
			fmt.Fprintf(in, "*** Test killed: ran too long (%v).\n", timeout+time.Minute)
		}
		var ee *exec.ExitError
		if !errors.As(runErr, &ee) || !ee.Exited() || in.n == 0 {
			fmt.Fprintf(in, "%s\n", runErr)
		} else {
			in.ensureNewline()
		}
		fmt.Fprintf(in, "\x16FAIL\t%s\t%s\n", importPath, t)
	}
	convIn.Close()
	convWaitErr := conv.Wait()
	if ctx.Err() != nil {
		return fmt.Errorf("winleg: %s: %w", importPath, ctx.Err())
	}
	if convWaitErr != nil {
		return fmt.Errorf("winleg: go tool test2json: %w\n%s", convWaitErr, strings.TrimSpace(convErr.String()))
	}
	sink.flush()
	if sink.final == "" {
		// test2json saw no final PASS or FAIL (a binary that exits 0
		// without one): decide as go test does, from the exit status.
		action := "pass"
		if runErr != nil {
			action = "fail"
		}
		sink.emit(Event{Action: action}, elapsed)
	}

	if err := sink.writeErr(); err != nil {
		return fmt.Errorf("winleg: %s: writing events: %w", importPath, err)
	}
	var exitErr *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exitErr) {
		return fmt.Errorf("winleg: %s: running the test binary under Wine: %w", importPath, runErr)
	}
	if runErr != nil && !sink.sawTest && wineFailed(sink.output.String()) {
		return fmt.Errorf("winleg: %s: Wine could not run the test binary: %w\n%s", importPath, runErr, tail(sink.output.String(), 20))
	}
	if sink.final == "fail" || runErr != nil {
		return fmt.Errorf("%s: %w", importPath, ErrTestsFailed)
	}
	return nil
}

// wineFailed reports whether output (of a test binary that ran no test)
// shows that Wine itself failed, rather than the binary: Wine's loader
// reports with lines starting "wine: ".
func wineFailed(output string) bool {
	for _, line := range strings.Split(output, "\n") {
		if strings.HasPrefix(line, "wine: ") || strings.HasPrefix(line, "wineserver: ") {
			return true
		}
	}
	return false
}

// countWriter counts what goes to the converter and remembers whether it
// ended with a newline. Both standard files of the binary write to it (one
// pipe, as exec.Cmd does when Stdout == Stderr).
type countWriter struct {
	mu   sync.Mutex
	w    io.Writer
	n    int64
	last byte
}

func (c *countWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.w.Write(p)
	c.n += int64(n)
	if n > 0 {
		c.last = p[n-1]
	}
	return n, err
}

func (c *countWriter) ensureNewline() {
	c.mu.Lock()
	need := c.n > 0 && c.last != '\n'
	c.mu.Unlock()
	if need {
		c.Write([]byte("\n"))
	}
}

// Event is one go test -json event (see go doc test2json). Build events
// (Action "build-output", "build-fail") have ImportPath instead of Package.
type Event struct {
	Time        *time.Time `json:",omitempty"`
	Action      string
	Package     string   `json:",omitempty"`
	ImportPath  string   `json:",omitempty"`
	Test        string   `json:",omitempty"`
	Elapsed     *float64 `json:",omitempty"`
	Output      string   `json:",omitempty"`
	FailedBuild string   `json:",omitempty"`
}

// eventSink passes go test -json lines through to w unchanged, one Write per
// line, noting what Test needs: the package's final action, whether a test
// ran, the build failure, and the package-level output.
type eventSink struct {
	w   io.Writer
	pkg string

	mu          sync.Mutex
	buf         []byte
	err         error
	final       string // "pass", "fail" or "skip" once the package ended
	sawTest     bool
	buildFailed string // ImportPath of a build-fail event
	output      strings.Builder
	// What runOnce needs: a test's output showed a failure of Wine's
	// loader, and the tests that failed.
	loaderFailed bool
	failed       []string
}

func (s *eventSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(s.buf, p...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			break
		}
		s.line(s.buf[:i+1])
		s.buf = s.buf[i+1:]
	}
	return len(p), nil
}

// flush passes on an unterminated last line.
func (s *eventSink) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.buf) > 0 {
		s.line(append(s.buf, '\n'))
		s.buf = nil
	}
}

func (s *eventSink) line(b []byte) {
	var e Event
	if json.Unmarshal(b, &e) == nil {
		if e.Action == "output" && !s.loaderFailed && loaderFailure.MatchString(e.Output) {
			s.loaderFailed = true
		}
		if e.Action == "fail" && e.Test != "" && len(s.failed) < 100 {
			s.failed = append(s.failed, e.Test)
		}
		switch {
		case e.Action == "build-fail":
			s.buildFailed = e.ImportPath
		case e.Test != "":
			s.sawTest = true
		case e.Action == "pass" || e.Action == "fail" || e.Action == "skip":
			s.final = e.Action
		case e.Action == "output" && s.output.Len() < 1<<20:
			s.output.WriteString(e.Output)
		}
	}
	if s.err == nil {
		_, s.err = s.w.Write(b)
	}
}

func (s *eventSink) writeErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// emit writes an event of the sink's package made here (not by go test or
// test2json), timestamped now.
func (s *eventSink) emit(e Event, elapsed time.Duration) {
	now := time.Now()
	e.Time = &now
	e.Package = s.pkg
	if e.Action == "pass" || e.Action == "fail" || e.Action == "skip" {
		secs := float64(elapsed.Round(time.Millisecond)) / float64(time.Second)
		e.Elapsed = &secs
	}
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	s.Write(append(b, '\n'))
}
