package verdict

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

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
	Subject        string    `json:"subject,omitempty"`
	SubjectVersion string    `json:"subject_version,omitempty"`
	Go             string    `json:"go,omitempty"`
	Forkport       string    `json:"forkport,omitempty"`
	Time           string    `json:"time,omitempty"`
	Package        string    `json:"package,omitempty"`
	Problems       []Problem `json:"problems,omitempty"`
	Claims         []Result  `json:"claims"`
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
	// run, Status and Elapsed). Status is then the run the verdict rests
	// on: the first failing one, or the last.
	Runs []Run `json:"runs,omitempty"`
	// Slow is set when the slowest run used more than 80% of the claim's
	// time-out: a warning, not a failure.
	Slow bool `json:"slow,omitempty"`
}

// Info returns the leg's identity.
func (l *Leg) Info() LegInfo {
	return LegInfo{Name: l.Leg, OS: l.OS, Arch: l.Arch, Wine: l.Wine, Subject: l.Subject, SubjectVersion: l.SubjectVersion}
}

// Failed reports whether the leg has a broken claim or a fatal problem.
func (l *Leg) Failed() bool {
	for _, p := range l.Problems {
		if p.Fatal {
			return true
		}
	}
	for _, r := range l.Claims {
		if r.Verdict == Broken {
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
// Package is the suites' packages, comma-separated.
func EvaluateSuites(suites []Suite, s *Stream, leg LegInfo) *Leg {
	out := &Leg{Format: Format, Leg: leg.Name, OS: leg.OS, Arch: leg.Arch, Wine: leg.Wine}
	if leg.subject() != claims.Procs {
		out.Subject, out.SubjectVersion = leg.Subject, leg.SubjectVersion
	}
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
				t := s.Test(pkg, name)
				r.Status = run.status(t)
				r.Verdict = Decide(c, leg, r.Status)
				r.Detail, r.Output = run.detail(t, r.Status)
				if r.Status == StatusPass {
					if why := disagreement(c, leg, t); why != "" {
						r.Verdict, r.Detail = Broken, why
					}
				}
				if t != nil {
					r.Elapsed = t.Elapsed
				}
				results = append(results, r)
			}
		}
		out.Claims = append(out.Claims, results...)
		out.Problems = append(out.Problems, run.problems(s, pkg, tests, known, results)...)
	}
	return out
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
		broken = broken || c.Verdict == Broken
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
