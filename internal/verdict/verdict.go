package verdict

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/forkport/forkport/internal/claims"
)

// Verdict is the outcome for one claim on one leg.
type Verdict string

const (
	// Holds: the script passed and the claim is expected to hold there.
	Holds Verdict = "holds"
	// DiffersAsExpected: the script passed and the claim is expected to
	// differ there (the script checks the documented difference).
	DiffersAsExpected Verdict = "differs as expected"
	// WineDeviation: the script passed on the windows-wine leg, and the claim
	// documents that Wine is not Windows here.
	WineDeviation Verdict = "wine deviation"
	// Broken: the script failed, or it passed without checking what the
	// header says (its script does not follow the header, or it ran
	// against another header than the current one).
	Broken Verdict = "broken"
	// NotRun: the script was skipped, or the leg has no result for it.
	NotRun Verdict = "not run"
	// Flaky: the claim ran more than once in the leg (forkport -count N)
	// and its runs did not all end the same way. Like Broken it fails the
	// run: a rerun never turns a failure into a pass. Result.Runs holds
	// the tally; Detail and Output are one failing run's.
	Flaky Verdict = "flaky"
)

// Fails reports whether v fails a run: Broken and Flaky do.
func (v Verdict) Fails() bool { return v == Broken || v == Flaky }

// Run is one run of a claim's subtest in a leg run with -count N: its
// status and how long it took, in seconds.
type Run struct {
	Status  Status  `json:"status"`
	Elapsed float64 `json:"elapsed"`
}

// Status is the raw outcome of a claim's subtest in a leg's results.
type Status string

// The statuses a claim's subtest can end with.
const (
	StatusPass       Status = "pass"
	StatusFail       Status = "fail"
	StatusSkip       Status = "skip"
	StatusUnfinished Status = "unfinished" // started, never ended (the test binary died)
	StatusTimedOut   Status = "timeout"    // named by "panic: test timed out"
	StatusAbsent     Status = "absent"     // not in the results at all
)

// Decide gives the verdict for a claim whose subtest ended with status on
// leg. It needs nothing else, so merged legs can be judged again against the
// current claim files. A pass is broken when the claim's script does not
// follow its header (claims.Claim.Agrees): the pass says nothing about what
// the header states.
func Decide(c *claims.Claim, leg LegInfo, status Status) Verdict {
	switch status {
	case StatusPass:
		switch {
		case c.Agrees() != nil:
			return Broken
		case leg.Wine && c.Wine != "":
			return WineDeviation
		case leg.Expectation(c).Outcome == claims.Differs:
			return DiffersAsExpected
		default:
			return Holds
		}
	case StatusFail, StatusTimedOut:
		return Broken
	default:
		return NotRun
	}
}

// ScriptTest is the top-level test that runs forkport's behaviour suite,
// the default suite of Evaluate.
const ScriptTest = "TestScripts"

// TestName gives the subtest name go test reports for claim id in
// forkport's behaviour suite (ScriptTest).
func TestName(id string) string { return Suite{Test: ScriptTest}.TestName(id) }

// Suite is one test that runs claim files (procstest.Run): the package and
// top-level test whose subtests are the claims, and the claims.
type Suite struct {
	Package string          // import path
	Test    string          // top-level test name, such as TestScripts
	Claims  []*claims.Claim // the claim files it runs
}

// CPythonSuffix names the test that runs a suite's claims against the
// CPython subject: TestScriptsCPython runs TestScripts's claims. procstest
// picks the subject by the same name (claims.SubjectOfTest).
const CPythonSuffix = claims.CPythonTestSuffix

// ForSubject is the suite as the test that runs subject: itself for procs,
// <Test>CPython for cpython.
func (s Suite) ForSubject(subject string) Suite {
	if subject == claims.CPython && !strings.HasSuffix(s.Test, CPythonSuffix) {
		s.Test += CPythonSuffix
	}
	return s
}

// TestName gives the subtest name go test reports for claim id: testscript
// names each subtest after its file, and testing rewrites spaces to
// underscores.
func (s Suite) TestName(id string) string {
	return s.Test + "/" + strings.ReplaceAll(id, " ", "_")
}

// Problem is something wrong with a leg's run that no claim explains (a
// build failure, a failing test outside the suite) or, when not Fatal, worth
// a note (no test files).
type Problem struct {
	Summary string   `json:"summary"`
	Output  []string `json:"output,omitempty"`
	Fatal   bool     `json:"fatal"`
}

// Leg is one leg's verdicts: the document `forkport -json FILE` writes (see
// the package documentation for the format).
type Leg struct {
	Format string `json:"format"`
	Leg    string `json:"leg"`
	OS     string `json:"os"`
	Arch   string `json:"arch,omitempty"`
	Wine   bool   `json:"wine"`
	// WineVersion is wine --version, on the windows-wine leg.
	WineVersion string `json:"wine_version,omitempty"`
	// Subject is "cpython" for the CPython subject, empty for procs;
	// SubjectVersion its version ("3.11.7").
	Subject        string `json:"subject,omitempty"`
	SubjectVersion string `json:"subject_version,omitempty"`
	Go             string `json:"go,omitempty"`
	Forkport       string `json:"forkport,omitempty"`
	Time           string `json:"time,omitempty"`
	Package        string `json:"package,omitempty"`
	// PerClaim is how many times each claim was run (forkport -count N),
	// when more than once; Timeout the go test -timeout of the run, in
	// seconds (format v2).
	PerClaim int       `json:"count,omitempty"`
	Timeout  float64   `json:"timeout,omitempty"`
	Problems []Problem `json:"problems,omitempty"`
	Claims   []Result  `json:"claims"`
}

// Result is one claim's verdict on a leg.
type Result struct {
	ID      string             `json:"id"`
	Claim   string             `json:"claim"`
	Source  string             `json:"source,omitempty"`
	Expect  claims.Expectation `json:"expect"`
	Wine    string             `json:"wine,omitempty"` // the claim's Wine deviation, on the windows-wine leg
	Status  Status             `json:"status"`
	Verdict Verdict            `json:"verdict"`
	Detail  string             `json:"detail,omitempty"`
	Output  []string           `json:"output,omitempty"`
	Elapsed float64            `json:"elapsed,omitempty"`
	// Runs is every run's status and time, in the order they ran, when the
	// leg ran its claims more than once (format v2; a v1 document has one
	// run, Status and Elapsed). Status, Elapsed, Detail and Output are
	// then those of the run the verdict rests on: the first failing one,
	// else (when the runs differ) the first that did not pass, else the
	// last.
	Runs []Run `json:"runs,omitempty"`
	// Slow is set when the slowest run used more than SlowFraction (80%)
	// of the claim's time-out (the leg's Timeout): a warning, not a
	// failure; the detail then says so.
	Slow bool `json:"slow,omitempty"`
}

// Info returns the leg's identity.
func (l *Leg) Info() LegInfo {
	return LegInfo{Name: l.Leg, OS: l.OS, Arch: l.Arch, Wine: l.Wine, Subject: l.Subject, SubjectVersion: l.SubjectVersion}
}

// Failed reports whether the leg has a broken or flaky claim or a fatal
// problem.
func (l *Leg) Failed() bool {
	for _, p := range l.Problems {
		if p.Fatal {
			return true
		}
	}
	for _, r := range l.Claims {
		if r.Verdict.Fails() {
			return true
		}
	}
	return false
}

// Count returns how many claims have each verdict.
func (l *Leg) Count() map[Verdict]int {
	n := map[Verdict]int{}
	for _, r := range l.Claims {
		n[r.Verdict]++
	}
	return n
}

// Evaluate judges each claim against the results in s for the leg. pkg is
// the import path of the package whose TestScripts runs the suite; when
// empty, it is the package of the stream that has TestScripts results.
func Evaluate(cs []*claims.Claim, s *Stream, leg LegInfo, pkg string) *Leg {
	if pkg == "" {
		pkg = scriptPackage(s)
	}
	return EvaluateSuites([]Suite{{Package: pkg, Test: ScriptTest, Claims: cs}}, s, leg)
}

// EvaluateSuites judges the claims of every suite against the results in s
// for the leg: one leg, the claims in the order of the suites. The leg's
// Package is the suites' packages, comma-separated. It is EvaluateRuns with
// the run count read from the stream and no time-out.
func EvaluateSuites(suites []Suite, s *Stream, leg LegInfo) *Leg {
	return EvaluateRuns(suites, s, leg, RunOptions{})
}

// RunOptions say how the stream a leg is judged from was run.
type RunOptions struct {
	// Count is the go test -count the suite ran with: each claim should
	// have that many runs, and one with fewer (the test binary died) is
	// flaky. 0: as many as the suite's top-level test has in the stream.
	Count int
	// Timeout is the go test -timeout the suite ran with, the time-out of
	// each claim's run: a claim whose slowest run took more than
	// SlowFraction of it is Slow. 0: unknown, no claim is slow.
	Timeout time.Duration
}

// SlowFraction is the share of its time-out a claim's slowest run may use
// before the claim is marked slow (web-platform-tests' 80%).
const SlowFraction = 0.8

// EvaluateRuns is EvaluateSuites for a stream run as opt says. A claim that
// ran more than once is judged over all its runs (Result.Runs): the same
// outcome every time gives the verdict one run would; outcomes that differ
// (Unstable) give Flaky, whose Detail is the Tally and the first failing
// (else first not passing) run's detail, and whose Output is that run's.
func EvaluateRuns(suites []Suite, s *Stream, leg LegInfo, opt RunOptions) *Leg {
	out := &Leg{Format: Format, Leg: leg.Name, OS: leg.OS, Arch: leg.Arch, Wine: leg.Wine}
	if leg.subject() != claims.Procs {
		out.Subject, out.SubjectVersion = leg.Subject, leg.SubjectVersion
	}
	if opt.Count > 1 {
		out.PerClaim = opt.Count
	}
	out.Timeout = opt.Timeout.Seconds()
	var pkgs []string
	byPkg := map[string][]Suite{}
	for _, su := range suites {
		if _, seen := byPkg[su.Package]; !seen {
			pkgs = append(pkgs, su.Package)
		}
		byPkg[su.Package] = append(byPkg[su.Package], su)
	}
	out.Package = strings.Join(pkgs, ", ")
	for _, pkg := range pkgs {
		run := examine(s, pkg)
		known := map[string]bool{}
		tests := map[string]bool{}
		n := opt.Count
		if n <= 0 {
			for _, su := range byPkg[pkg] {
				if t := s.Test(pkg, su.ForSubject(leg.subject()).Test); t != nil {
					n = max(n, len(t.Runs))
				}
			}
		}
		var results []Result
		for _, su := range byPkg[pkg] {
			su = su.ForSubject(leg.subject())
			tests[su.Test] = true
			for _, c := range su.Claims {
				name := su.TestName(c.ID)
				known[name] = true
				r := Result{ID: c.ID, Claim: c.Claim, Source: c.Source, Expect: leg.Expectation(c)}
				if leg.Wine {
					r.Wine = c.Wine
				}
				run.judge(&r, c, leg, s.Test(pkg, name), n, opt.Timeout)
				results = append(results, r)
			}
		}
		out.Claims = append(out.Claims, results...)
		out.Problems = append(out.Problems, run.problems(s, pkg, tests, known, results)...)
	}
	return out
}

// judge fills r's status, verdict, detail, output, time and runs from t,
// the results of claim c's subtest (nil: none), expected to have run n
// times, each within timeout.
func (ri *runInfo) judge(r *Result, c *claims.Claim, leg LegInfo, t *TestResult, n int, timeout time.Duration) {
	// views are the runs, each as a result of its own; nil for a run the
	// stream does not have.
	var views []*TestResult
	switch {
	case t != nil && n <= 1 && len(t.Runs) <= 1:
		views = []*TestResult{t}
	case t != nil:
		views = make([]*TestResult, max(n, len(t.Runs)))
		for i, tr := range t.Runs {
			views[i] = &TestResult{Package: t.Package, Name: t.Name, Action: tr.Action, Elapsed: tr.Elapsed, Output: tr.Output, Attrs: t.Attrs}
		}
	default:
		views = make([]*TestResult, max(n, 1))
	}
	runs := make([]Run, len(views))
	for i, v := range views {
		runs[i].Status = ri.status(v)
		if v != nil {
			runs[i].Elapsed = v.Elapsed
		}
	}
	// The run the verdict rests on: the first broken one, else (when the
	// runs differ) the first that did not pass, else the last.
	k := -1
	for i, run := range runs {
		if outcomeOf(run.Status) == outcomeBroken {
			k = i
			break
		}
	}
	unstable := Unstable(runs)
	for i := 0; k < 0 && unstable && i < len(runs); i++ {
		if runs[i].Status != StatusPass {
			k = i
		}
	}
	if k < 0 {
		k = len(runs) - 1
	}
	r.Status, r.Elapsed = runs[k].Status, runs[k].Elapsed
	r.Verdict = DecideRuns(c, leg, r.Status, runs)
	if views[k] == nil && t != nil {
		r.Detail = fmt.Sprintf("no result: the results have %d of its %d runs", len(t.Runs), len(views))
		if ri.panicLine != "" {
			r.Detail += " (" + ri.panicLine + ")"
		}
	} else {
		r.Detail, r.Output = ri.detail(views[k], r.Status)
	}
	if r.Status == StatusPass {
		if why := disagreement(c, leg, t); why != "" {
			r.Verdict, r.Detail = Broken, why
		}
	}
	if r.Verdict == Flaky {
		r.Detail = flakyDetail(runs, k, r.Detail)
	}
	if len(runs) > 1 {
		r.Runs = runs
	}
	if timeout > 0 {
		slowest := 0.0
		for _, run := range runs {
			slowest = max(slowest, run.Elapsed)
		}
		if slowest > SlowFraction*timeout.Seconds() {
			r.Slow = true
			r.Detail = joinDetail(r.Detail, fmt.Sprintf("slow: a run took %s of its %s time-out", seconds(slowest), timeout))
		}
	}
}

// flakyDetail is a flaky claim's detail: the tally, then which run the
// rest is about and that run's detail.
func flakyDetail(runs []Run, k int, detail string) string {
	d := fmt.Sprintf("%s; run %d of %d", Tally(runs), k+1, len(runs))
	if detail != "" {
		d += ": " + detail
	}
	return d
}

// joinDetail adds more to a detail, after a semicolon.
func joinDetail(detail, more string) string {
	if detail == "" {
		return more
	}
	return detail + "; " + more
}

// seconds formats a time in seconds as a duration, to the millisecond.
func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond)
}

// DecideRuns is Decide for a claim that ran once or more, status being the
// run the verdict rests on: Flaky when the runs are Unstable and the
// claim's script follows its header (when it does not, no pass counts and
// the claim is broken), else Decide.
func DecideRuns(c *claims.Claim, leg LegInfo, status Status, runs []Run) Verdict {
	if Unstable(runs) && c.Agrees() == nil {
		return Flaky
	}
	return Decide(c, leg, status)
}

// disagreement says why a passing result does not speak for claim c's
// header on leg: the script does not follow the header, or procstest's
// log (claims.RanAgainst) shows that it ran against another expectation
// than the header's now. "" when it does.
func disagreement(c *claims.Claim, leg LegInfo, t *TestResult) string {
	if err := c.Agrees(); err != nil {
		return "the script does not follow the header: " + err.Error()
	}
	want := leg.Expectation(c).Outcome
	for _, l := range t.Output {
		subject, goos, ran, ok := claims.ParseRanAgainst(l)
		if !ok || subject != leg.subject() || goos != leg.OS || want == "" {
			continue
		}
		if ran != want {
			return fmt.Sprintf("the script ran against %s: %s; the header now says %s: run it again", goos, ran, want)
		}
	}
	return ""
}

// scriptPackage finds the package of the stream that ran TestScripts, or
// the only package of the stream.
func scriptPackage(s *Stream) string {
	seen := map[string]bool{}
	for _, t := range s.Tests {
		if t.Name == ScriptTest || strings.HasPrefix(t.Name, ScriptTest+"/") {
			seen[t.Package] = true
		}
	}
	if len(seen) == 0 {
		for p := range s.Packages {
			seen[p] = true
		}
	}
	if len(seen) != 1 {
		return ""
	}
	for p := range seen {
		return p
	}
	return ""
}

var (
	failLine     = regexp.MustCompile(`^\s*FAIL: (.*)$`)
	logLine      = regexp.MustCompile(`^    \S+\.go:\d+: (.*)$`)
	panicLine    = regexp.MustCompile(`^panic: (.*)$`)
	timeoutPanic = regexp.MustCompile(`^panic: test timed out after `)
	runningTest  = regexp.MustCompile(`^\t\t(\S+) \(`)
	marker       = regexp.MustCompile(`^(=== (RUN|PAUSE|CONT|NAME)|--- (PASS|FAIL|SKIP):)`)
)

// runInfo is what the whole stream says about the script package's run.
type runInfo struct {
	pkg        *PackageResult
	panicLine  string          // the first "panic: ..." line of the run
	timedOut   map[string]bool // tests named by a timeout panic
	buildError string          // FailedBuild, or the first build-fail
}

func examine(s *Stream, pkg string) *runInfo {
	r := &runInfo{pkg: s.Packages[pkg], timedOut: map[string]bool{}}
	var all [][]string
	if r.pkg != nil {
		all = append(all, r.pkg.Output)
		r.buildError = r.pkg.FailedBuild
	}
	for _, t := range s.TestsOf(pkg) {
		all = append(all, t.Output)
	}
	for _, lines := range all {
		for i, l := range lines {
			if r.panicLine == "" && panicLine.MatchString(l) {
				r.panicLine = l
			}
			if timeoutPanic.MatchString(l) {
				for _, next := range lines[i+1:] {
					if strings.TrimSpace(next) == "running tests:" {
						continue
					}
					m := runningTest.FindStringSubmatch(next)
					if m == nil {
						break
					}
					r.timedOut[m[1]] = true
				}
			}
		}
	}
	return r
}

func (r *runInfo) status(t *TestResult) Status {
	switch {
	case t == nil:
		return StatusAbsent
	case t.Action == "pass":
		return StatusPass
	case t.Action == "fail":
		return StatusFail
	case t.Action == "skip":
		return StatusSkip
	case r.timedOut[t.Name]:
		return StatusTimedOut
	default:
		return StatusUnfinished
	}
}

// maxOutput bounds the output kept for one claim: the head and the tail.
const maxHead, maxTail = 40, 160

func (r *runInfo) detail(t *TestResult, st Status) (string, []string) {
	switch st {
	case StatusAbsent:
		switch {
		case r.buildError != "":
			return "no result: the build failed", nil
		case r.pkg != nil && r.pkg.Action == "skip":
			return "no result: no test files", nil
		case r.pkg == nil:
			return "no result: the package did not run", nil
		}
		return "no result", nil
	case StatusSkip:
		return "skipped: " + skipReason(t.Output), nil
	case StatusUnfinished:
		why := "the test binary stopped"
		if r.panicLine != "" {
			why += " (" + r.panicLine + ")"
		}
		return "did not finish: " + why, nil
	case StatusTimedOut:
		return "timed out: " + r.panicLine, scriptLog(t.Output)
	case StatusFail:
		log := scriptLog(t.Output)
		for _, l := range t.Output {
			if m := failLine.FindStringSubmatch(l); m != nil {
				return m[1], log
			}
		}
		if r.panicLine != "" {
			return r.panicLine, log
		}
		for _, l := range t.Output {
			if m := logLine.FindStringSubmatch(l); m != nil && !strings.HasPrefix(m[1], "WORK=") {
				return m[1], log
			}
		}
		return "failed (no failing line in its output)", log
	}
	return "", nil
}

// skipReason finds why a subtest was skipped: the message of t.Skip (as
// testscript's skip command logs it), else the skip command itself.
func skipReason(out []string) string {
	for _, l := range out {
		if m := logLine.FindStringSubmatch(l); m != nil && !strings.HasPrefix(m[1], "WORK=") {
			return m[1]
		}
	}
	for _, l := range out {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "> ") && strings.Contains(t, "skip") {
			return t
		}
	}
	return "no reason given"
}

// scriptLog extracts a testscript log from a subtest's output: from the
// first command ("> ...") on, without the environment dump and the claim
// header before it, unindented. It keeps at most maxHead+maxTail lines.
func scriptLog(out []string) []string {
	var log []string
	started := false
	for _, l := range out {
		if marker.MatchString(l) {
			continue
		}
		text := strings.TrimPrefix(l, "        ")
		if m := logLine.FindStringSubmatch(l); m != nil {
			text = m[1]
		}
		if !started {
			if !strings.HasPrefix(text, "> ") && !failLine.MatchString(text) {
				continue
			}
			started = true
		}
		log = append(log, text)
	}
	for len(log) > 0 && strings.TrimSpace(log[len(log)-1]) == "" {
		log = log[:len(log)-1]
	}
	if len(log) > maxHead+maxTail {
		cut := len(log) - maxHead - maxTail
		log = append(append(log[:maxHead:maxHead], fmt.Sprintf("… (%d lines cut) …", cut)), log[len(log)-maxTail:]...)
	}
	return log
}

// problems lists what is wrong with the run beyond the claims' verdicts.
func (r *runInfo) problems(s *Stream, pkg string, suiteTests, known map[string]bool, results []Result) []Problem {
	var ps []Problem
	if pkg == "" {
		return []Problem{{Summary: "cannot tell which package ran " + ScriptTest + ": the results have several packages and none ran it"}}
	}
	if r.pkg == nil {
		var out []string
		for _, ip := range s.BuildErr {
			if ip == pkg || strings.HasPrefix(ip, pkg+" [") {
				out = append(out, s.Build[ip]...)
			}
		}
		if len(out) > 0 {
			return []Problem{{Summary: "build failed: " + pkg, Output: out, Fatal: true}}
		}
		return []Problem{{Summary: "no results for package " + pkg}}
	}
	if r.buildError != "" {
		out := s.Build[r.buildError]
		if len(out) == 0 {
			for _, ip := range s.BuildErr {
				out = append(out, s.Build[ip]...)
			}
		}
		return []Problem{{Summary: "build failed: " + r.buildError, Output: out, Fatal: true}}
	}
	if r.pkg.Action == "skip" {
		ps = append(ps, Problem{Summary: pkg + " has no test files", Output: r.pkg.Output})
	}
	broken := false
	for _, c := range results {
		broken = broken || c.Verdict.Fails()
	}
	var orphans []string
	for _, t := range s.TestsOf(pkg) {
		top, sub, isSub := strings.Cut(t.Name, "/")
		switch {
		case known[t.Name]:
		case suiteTests[t.Name]:
			if own := ownOutput(t.Output); t.Action == "fail" && len(own) > 0 && !(broken && onlyPanic(own)) {
				ps = append(ps, Problem{Summary: t.Name + " failed: " + own[0], Output: own, Fatal: true})
			}
		case t.Action == "fail":
			ps = append(ps, Problem{Summary: t.Name + " failed outside any claim", Output: t.Output, Fatal: true})
		case isSub && suiteTests[top] && !strings.Contains(sub, "/"):
			orphans = append(orphans, sub)
		}
	}
	if len(orphans) > 0 {
		sort.Strings(orphans)
		ps = append(ps, Problem{Summary: "results for scripts with no claim file: " + strings.Join(orphans, ", ")})
	}
	fatal := false
	for _, p := range ps {
		fatal = fatal || p.Fatal
	}
	if r.pkg.Action != "pass" && r.pkg.Action != "skip" && !broken && !fatal {
		summary := "the test run failed outside any claim"
		if r.pkg.Action == "" {
			summary = "the test run did not finish"
		}
		if r.panicLine != "" {
			summary += ": " + r.panicLine
		}
		ps = append(ps, Problem{Summary: summary, Output: r.pkg.Output, Fatal: true})
	}
	return ps
}

// ownOutput is a test's output without the framing lines.
func ownOutput(out []string) []string {
	var own []string
	for _, l := range out {
		if !marker.MatchString(l) && strings.TrimSpace(l) != "" {
			own = append(own, strings.TrimPrefix(l, "    "))
		}
	}
	return own
}

// onlyPanic reports whether out is a panic report (which a broken claim's
// subtest caused and which go test prints under its parent).
func onlyPanic(out []string) bool {
	return len(out) > 0 && panicLine.MatchString(out[0])
}
