package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/cpython"
	"github.com/forkport/forkport/internal/verdict"
)

// checkOptions are the main command's flags.
type checkOptions struct {
	leg     string
	run     string
	json    string
	events  string
	from    string
	format  formatFlag
	timeout time.Duration
	count   int // runs of each claim (go test -count)
	install bool
	subject string   // claims.Procs or claims.CPython
	pkgs    []string // package patterns ("./..." when empty)
}

func (a *app) check(ctx context.Context, args []string) error {
	o := checkOptions{format: "text", subject: claims.Procs}
	fs := newFlags("forkport")
	fs.StringVar(&o.subject, "subject", claims.Procs, "")
	fs.StringVar(&o.leg, "leg", "", "")
	fs.StringVar(&o.run, "run", "", "")
	fs.StringVar(&o.json, "json", "", "")
	fs.StringVar(&o.events, "events", "", "")
	fs.StringVar(&o.from, "from", "", "")
	fs.Var(&o.format, "format", "")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "")
	fs.IntVar(&o.count, "count", 1, "")
	fs.BoolVar(&o.install, "install", false, "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for _, arg := range fs.Args() {
		if arg != "." && arg != "..." && !strings.HasPrefix(arg, "./") {
			return usageError{fmt.Sprintf("unexpected argument %q (subcommands: merge, readme; packages: ., ./dir, ./dir/...)", arg)}
		}
	}
	o.pkgs = fs.Args()
	if o.count < 1 || o.count > verdict.MaxRuns {
		return usageError{fmt.Sprintf("-count %d: want 1 to %d runs of each claim", o.count, verdict.MaxRuns)}
	}
	if o.count > 1 && o.from != "" {
		return usageError{"-count runs the claims: it does not go with -from, which runs nothing"}
	}
	if o.timeout < 0 {
		return usageError{fmt.Sprintf("-timeout %s: want a duration of 0 (none, as for go test) or more", o.timeout)}
	}
	if !claims.KnownSubject(o.subject) {
		return usageError{fmt.Sprintf("unknown -subject %q (want %s)", o.subject, strings.Join(claims.Subjects, " or "))}
	}
	filter, err := compileRun(o.run)
	if err != nil {
		return err
	}
	leg, err := a.runLeg(ctx, o, filter)
	if err != nil {
		return err
	}
	if o.json != "" {
		if err := writeFile(a.abs(o.json), func(w io.Writer) error { return verdict.WriteLeg(w, leg) }); err != nil {
			return err
		}
	}
	switch o.format {
	case "json":
		err = verdict.WriteJSON(a.stdout, leg)
	case "markdown":
		verdict.WriteLegMarkdown(a.stdout, leg)
	default:
		verdict.WriteLegText(a.stdout, leg, verdict.TextOptions{Color: a.color()})
	}
	if err != nil {
		return err
	}
	if leg.Failed() {
		return errFailed
	}
	return nil
}

// runLeg produces one leg's verdicts: by running the suite here or under
// Wine, or by reading -from.
func (a *app) runLeg(ctx context.Context, o checkOptions, filter *regexp.Regexp) (*verdict.Leg, error) {
	o.count = max(o.count, 1) // readme's legs run once
	m, err := a.findModule(ctx)
	if err != nil {
		return nil, err
	}
	suites, err := a.findSuites(m, o.pkgs)
	if err != nil {
		return nil, err
	}
	if suites, err = forSubject(suites, o.subject); err != nil {
		return nil, err
	}
	all := allClaims(suites)
	cs, err := a.selectClaims(all, filter, suiteDirs(a, suites))
	if err != nil {
		return nil, err
	}
	if o.from != "" {
		leg, err := a.readLeg(o.from, o.leg, o.subject, all, suites)
		if err != nil {
			return nil, err
		}
		keepResults(leg, cs)
		return leg, nil
	}
	info, err := a.hostLeg(m, o.leg, cs)
	if err != nil {
		return nil, err
	}
	if o.subject == claims.CPython {
		if info.Wine {
			return nil, fmt.Errorf("-subject cpython: the windows-wine leg runs the procs subject only: no Windows CPython runs under Wine here")
		}
		py, err := cpython.Find()
		if _, set := os.LookupEnv(cpython.PythonEnv); !set && errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("-subject cpython needs a Python 3 interpreter: none is on PATH, and $%s is unset: install Python 3, or set %s to an interpreter", cpython.PythonEnv, cpython.PythonEnv)
		}
		if err != nil {
			return nil, fmt.Errorf("-subject cpython: %w", err)
		}
		info.Name += " " + py.Subject()
		info.Subject, info.SubjectVersion = claims.CPython, py.Version
	}
	var sinks []io.Writer
	if o.events != "" {
		f, err := createFile(a.abs(o.events))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		sinks = append(sinks, f)
	}
	p := verdict.NewParser()
	prog := a.progress(suites, cs, info.Name, o.count)
	p.OnEvent = prog.event
	sinks = append(sinks, p)
	out := io.MultiWriter(sinks...)

	var extra []verdict.Problem
	wineVersion := ""
	pattern := runPattern(suites, cs, filter)
	pkgs := suitePackages(suites)
	if info.Wine {
		wineVersion, err = a.runWine(ctx, wineRun{root: m.root, goCmd: m.goCmd, pattern: pattern, pkgs: pkgs,
			timeout: o.timeout, count: o.count, install: o.install, log: prog, events: out})
		prog.done()
		if err != nil {
			return nil, fmt.Errorf("the windows-wine leg failed: %v", err)
		}
	} else {
		var t goTestRun
		if info.BSDPaths() {
			b, err := newBSDPaths(os.Environ())
			if err != nil {
				prog.done()
				return nil, err
			}
			defer func() {
				if err := b.close(); err != nil {
					fmt.Fprintf(a.stderr, "forkport: cleaning up the bsd-paths leg: %v\n", err)
				}
			}()
			t = goTestRun{tags: bsdPathsTag, env: b.env, limits: macOSLimits}
		}
		prob, err := a.goTest(ctx, m, pkgs, pattern, o.timeout, o.count, t, out)
		prog.done()
		if err != nil {
			return nil, err
		}
		if prob != nil {
			extra = append(extra, *prob)
		}
	}
	s := p.Finish()
	if s.Events == 0 && len(extra) == 0 {
		extra = append(extra, verdict.Problem{Summary: "the test run printed no go test -json events", Output: s.Stray, Fatal: true})
	}
	// Judged against every claim, so that the results of claims -run left
	// out are not taken for scripts without a claim file, then narrowed.
	leg := verdict.EvaluateRuns(verdictSuites(suites), s, info, verdict.RunOptions{Count: o.count, Timeout: o.timeout})
	keepResults(leg, cs)
	if len(extra) > 0 && !leg.Failed() {
		leg.Problems = append(leg.Problems, extra...)
	}
	leg.Go = m.goversion
	leg.Forkport = m.version(ctx)
	leg.Time = a.now().UTC().Format(time.RFC3339)
	leg.WineVersion = wineVersion
	return leg, nil
}

// hostLeg is the leg this machine runs: its own (GOOS/GOARCH of the go
// command), or windows-wine.
func (a *app) hostLeg(m *module, name string, cs []*claims.Claim) (verdict.LegInfo, error) {
	host := m.goos + "/" + m.goarch
	if name == "" {
		name = host
	}
	info, err := verdict.ParseLeg(name)
	if err != nil {
		if name == host {
			return info, fmt.Errorf("unknown leg %s: claims state expectations for linux, darwin, windows and other GOOS values only", host)
		}
		return info, err
	}
	if !claims.KnownOS(info.OS) {
		var missing []string
		for _, c := range cs {
			if _, ok := c.Expect[info.OS]; !ok {
				missing = append(missing, c.ID)
			}
		}
		if len(missing) > 0 {
			return info, fmt.Errorf("%d claim(s) state no expectation for %s (%s): add \"%s: holds\" or \"%s: differs — reason\" to their expect: lines to check them there", len(missing), info.OS, strings.Join(missing, ", "), info.OS, info.OS)
		}
	}
	switch {
	case info.Wine:
		info.Arch = "amd64" // winleg builds windows/amd64 test binaries
		return info, nil
	case info.BSDPaths():
		if m.goos != "linux" {
			return info, fmt.Errorf("the %s leg runs on Linux only (it simulates macOS there), not on %s", verdict.BSDPathsLeg, host)
		}
		if info.Arch != "" && info.Arch != m.goarch {
			return info, fmt.Errorf("cannot run leg %s on this machine (%s)", name, host)
		}
		info.Arch = m.goarch
		return info, nil
	case info.OS != m.goos || (info.Arch != "" && info.Arch != m.goarch):
		if info.Name != name { // macos
			name = fmt.Sprintf("%s (-leg %s)", info.Name, name)
		}
		return info, fmt.Errorf("cannot run leg %s on this machine (%s): run it there and merge, or use -from FILE", name, host)
	}
	info.Name, info.Arch = host, m.goarch
	return info, nil
}

// runPattern is the go test -run pattern for the selected claims: the
// suites' tests whole when nothing is filtered (so scripts without a claim
// file show up too), else exactly the selected subtests.
func runPattern(suites []suite, cs []*claims.Claim, filter *regexp.Regexp) string {
	var tests []string
	seen := map[string]bool{}
	for _, s := range suites {
		if !seen[s.Test] {
			seen[s.Test] = true
			tests = append(tests, regexp.QuoteMeta(s.Test))
		}
	}
	top := "^" + tests[0] + "$"
	if len(tests) > 1 {
		top = "^(" + strings.Join(tests, "|") + ")$"
	}
	if filter == nil {
		return top
	}
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = regexp.QuoteMeta(strings.ReplaceAll(c.ID, " ", "_"))
	}
	return top + "/^(" + strings.Join(names, "|") + ")$"
}

// suitePackages lists the suites' packages, once each, in order.
func suitePackages(suites []suite) []string {
	var pkgs []string
	seen := map[string]bool{}
	for _, s := range suites {
		if !seen[s.Package] {
			seen[s.Package] = true
			pkgs = append(pkgs, s.Package)
		}
	}
	return pkgs
}

// suiteDirs names the suites' claim directories, for messages.
func suiteDirs(a *app, suites []suite) string {
	var dirs []string
	for _, s := range suites {
		dirs = append(dirs, a.displayPath(s.claimDir))
	}
	return strings.Join(dirs, ", ")
}

// goTestRun is how goTest runs the suite beyond the defaults: build tags,
// an environment (nil: this process's) and soft limits (none: this
// process's).
type goTestRun struct {
	tags   string
	env    []string
	limits []softLimit
}

// goTest runs the suite with go test -json in the module root, each test
// count times in one test binary, writing the stream to out. A run that ends in failure with nothing in the stream to
// say why (the go command itself failed) comes back as a fatal problem
// with its standard error.
func (a *app) goTest(ctx context.Context, m *module, pkgs []string, pattern string, timeout time.Duration, count int, t goTestRun, out io.Writer) (*verdict.Problem, error) {
	args := []string{"test", "-json", "-count=" + strconv.Itoa(count), "-run", pattern, "-timeout", timeout.String()}
	if t.tags != "" {
		args = append(args, "-tags", t.tags)
	}
	cmd := exec.CommandContext(ctx, m.goCmd, append(args, pkgs...)...)
	cmd.Dir = m.root
	cmd.Env = t.env
	// Interrupted: let go test stop its test binary, then insist.
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = 10 * time.Second
	cmd.Stdout = out
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := withLimits(t.limits, cmd.Start)
	if err == nil {
		err = cmd.Wait()
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil, nil
	case ctx.Err() != nil:
		return nil, fmt.Errorf("interrupted: %v", ctx.Err())
	case errors.As(err, &exit):
		lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
		if stderr.Len() == 0 {
			lines = nil
		}
		return &verdict.Problem{Summary: fmt.Sprintf("go test exited with status %d", exit.ExitCode()), Output: lines, Fatal: true}, nil
	}
	return nil, fmt.Errorf("running go test: %v", err)
}

// readLeg reads a saved leg of subject: a leg document, which must be of
// that subject, or a raw stream judged here (its leg from legName or the
// file name; a name that states no subject is taken for subject's).
func (a *app) readLeg(path, legName, subject string, cs []*claims.Claim, suites []suite) (*verdict.Leg, error) {
	in, err := a.readInput(path)
	if err != nil {
		return nil, err
	}
	if in.Leg != nil {
		if err := checkLegName(path, in.Leg, legName); err != nil {
			return nil, err
		}
		if got := subjectOf(in.Leg.Subject); got != subject {
			return nil, fmt.Errorf("%s is the %s leg, not %s", path, in.Leg.Leg, subjectLegOf(in.Leg.Info(), subject))
		}
		m := verdict.Merge(cs, []*verdict.Leg{in.Leg}, nil)
		return rejudged(in.Leg, m), nil
	}
	info, err := legOf(path, legName)
	if err != nil {
		return nil, err
	}
	if info.Subject == "" && subject != claims.Procs && !strings.Contains(legName, " ") {
		info.Subject, info.Name = subject, info.Name+" "+subject
	}
	if got := subjectOf(info.Subject); got != subject {
		return nil, fmt.Errorf("%s is named as the %s leg, not %s", path, info.Name, subjectLegOf(info, subject))
	}
	return verdict.EvaluateSuites(verdictSuites(suites), in.Stream, info), nil
}

// subjectOf is a leg's subject, claims.Procs when it names none.
func subjectOf(s string) string {
	if s == "" {
		return claims.Procs
	}
	return s
}

// subjectLegOf names, for messages, the leg of info's OS that subject
// wants: "linux cpython", "linux procs".
func subjectLegOf(info verdict.LegInfo, subject string) string {
	base := info.OS
	if info.Wine {
		base = verdict.WineLeg
	}
	return base + " " + subject
}

// rejudged is leg with its claims replaced by the merged matrix's single
// column: the current claim files' rows, judged again.
func rejudged(leg *verdict.Leg, m *verdict.Matrix) *verdict.Leg {
	out := *leg
	out.Claims = nil
	label := m.Legs[0].Label
	old := map[string]verdict.Result{}
	for _, r := range leg.Claims {
		old[r.ID] = r
	}
	for _, row := range m.Claims {
		c := row.Results[label]
		exp := row.Expect
		if leg.Subject == claims.CPython {
			exp = row.ExpectCPython
		}
		r := verdict.Result{ID: row.ID, Claim: row.Claim, Source: row.Source, Expect: exp[leg.OS],
			Status: c.Status, Verdict: c.Verdict, Detail: c.Detail, Output: c.Output, Elapsed: old[row.ID].Elapsed,
			Runs: c.Runs, Slow: c.Slow}
		if leg.Wine {
			r.Wine = row.Wine
		}
		out.Claims = append(out.Claims, r)
	}
	return &out
}

// checkLegName checks that a leg document is the leg the command line
// names, if it names one: the same OS, Wine or not, bsd-paths or not, and
// arch if both give one.
func checkLegName(path string, l *verdict.Leg, name string) error {
	if name == "" {
		return nil
	}
	want, err := verdict.ParseLeg(name)
	if err != nil {
		return err
	}
	if want.OS != l.OS || want.Wine != l.Wine || want.BSDPaths() != l.Info().BSDPaths() || want.Arch != "" && l.Arch != "" && want.Arch != l.Arch ||
		want.Subject != "" && want.Subject != l.Subject {
		return fmt.Errorf("%s is the %s leg, not %s", path, l.Leg, name)
	}
	return nil
}

// unwrapPath drops the operation and path of a *fs.PathError, which the
// message already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func legOf(path, name string) (verdict.LegInfo, error) {
	if name != "" {
		return verdict.ParseLeg(name)
	}
	return verdict.LegFromFileName(path)
}

func (a *app) readInput(path string) (verdict.Input, error) {
	f, err := a.openInput(path)
	if err != nil {
		return verdict.Input{}, err
	}
	defer f.Close()
	in, err := verdict.ReadInput(f)
	if err != nil {
		return in, fmt.Errorf("%s: %w", path, err)
	}
	return in, nil
}

// createFile creates path, and its directory.
func createFile(path string) (*os.File, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return nil, err
		}
	}
	return os.Create(path)
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := createFile(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// progress shows how many of the selected claims are done on standard
// error while the suite runs: on a terminal as one line rewritten in place,
// else (a CI log, a pipe) as a plain line every tick (progressEvery), so
// that a log shows the run is alive during the minute it takes.
type progress struct {
	mu     sync.Mutex
	a      *app
	total  int
	ids    map[string]bool
	seen   map[string]int // runs ended, by test
	runs   int            // runs ended in all
	count  int            // runs of each claim
	what   string         // what is counted: "claims", "claim runs"
	leg    string
	active bool // the terminal line is shown
	start  time.Time
	stop   chan struct{} // closed by done: the ticking goroutine ends
	ended  sync.WaitGroup
}

// progressEvery is how often a run whose standard error is not a terminal
// says how far it is.
const progressEvery = 10 * time.Second

// ticker is a source of ticks every d and the function that stops it:
// time.NewTicker's, or a test's.
type ticker func(d time.Duration) (<-chan time.Time, func())

func realTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

func (a *app) progress(suites []suite, cs []*claims.Claim, leg string, count int) *progress {
	p := &progress{a: a, total: len(cs) * count, ids: map[string]bool{}, seen: map[string]int{}, leg: leg,
		active: a.stderrTTY, start: a.now(), stop: make(chan struct{}), count: count, what: "claims"}
	if count > 1 {
		p.what = "claim runs"
	}
	selected := map[string]bool{}
	for _, c := range cs {
		selected[c.ID] = true
	}
	for _, s := range suites {
		for _, c := range s.Claims {
			if selected[c.ID] {
				p.ids[s.Package+" "+s.TestName(c.ID)] = true
			}
		}
	}
	p.show()
	if !a.stderrTTY && a.tick != nil {
		ticks, stop := a.tick(progressEvery)
		p.ended.Add(1)
		go func() {
			defer p.ended.Done()
			defer stop()
			for {
				select {
				case now := <-ticks:
					p.line(now)
				case <-p.stop:
					return
				}
			}
		}()
	}
	return p
}

// line prints the progress at now as a line of its own.
func (p *progress) line(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	elapsed := now.Sub(p.start).Round(time.Second)
	fmt.Fprintf(p.a.stderr, "forkport: %s: %d of %d %s done (%d s)\n", p.leg, p.runs, p.total, p.what, int(elapsed.Seconds()))
}

// Write passes log lines through to standard error, keeping the progress
// line below them.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active {
		fmt.Fprint(p.a.stderr, "\r\x1b[K")
	}
	n, err := p.a.stderr.Write(b)
	p.show()
	return n, err
}

func (p *progress) event(e *verdict.Event, _ *verdict.Stream) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.Test == "" || !p.ids[e.Package+" "+e.Test] {
		return
	}
	switch e.Action {
	case "pass", "fail", "skip":
		if k := e.Package + " " + e.Test; p.seen[k] < p.count {
			p.seen[k]++
			p.runs++
			p.show()
		}
	}
}

func (p *progress) show() {
	if p.active {
		fmt.Fprintf(p.a.stderr, "\rforkport: %s: %d/%d %s done\x1b[K", p.leg, p.runs, p.total, p.what)
	}
}

func (p *progress) done() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	p.ended.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active {
		fmt.Fprint(p.a.stderr, "\r\x1b[K")
		p.active = false
	}
}
