package verdict_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/verdict"
)

const pkg = "github.com/forkport/forkport"

func loadClaims(t testing.TB) []*claims.Claim {
	t.Helper()
	cs, err := claims.Load(filepath.Join("testdata", "script"))
	require.NoError(t, err)
	require.Len(t, cs, 4)
	return cs
}

func claimByID(t *testing.T, cs []*claims.Claim, id string) *claims.Claim {
	t.Helper()
	for _, c := range cs {
		if c.ID == id {
			return c
		}
	}
	require.FailNow(t, "no claim "+id)
	return nil
}

func stream(t *testing.T, name string) *verdict.Stream {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "streams", name))
	require.NoError(t, err)
	defer f.Close()
	s, err := verdict.ParseStream(f)
	require.NoError(t, err)
	return s
}

func leg(t *testing.T, name string) verdict.LegInfo {
	t.Helper()
	l, err := verdict.ParseLeg(name)
	require.NoError(t, err)
	return l
}

func results(l *verdict.Leg) map[string]verdict.Result {
	m := map[string]verdict.Result{}
	for _, r := range l.Claims {
		m[r.ID] = r
	}
	return m
}

func TestDecide(t *testing.T) {
	cs := loadClaims(t)
	forkPID := claimByID(t, cs, "fork-pid")           // windows differs, no wine line
	execReplaces := claimByID(t, cs, "exec-replaces") // windows differs, wine deviates
	waitBlocks := claimByID(t, cs, "wait-blocks")     // holds everywhere
	tests := []struct {
		name   string
		claim  *claims.Claim
		leg    string
		status verdict.Status
		want   verdict.Verdict
	}{
		{"pass where it holds", forkPID, "linux/amd64", verdict.StatusPass, verdict.Holds},
		{"pass on darwin", forkPID, "darwin/arm64", verdict.StatusPass, verdict.Holds},
		{"pass where it differs", forkPID, "windows/amd64", verdict.StatusPass, verdict.DiffersAsExpected},
		{"pass under wine without a wine line", forkPID, "windows-wine", verdict.StatusPass, verdict.DiffersAsExpected},
		{"pass under wine, holds on windows", waitBlocks, "windows-wine", verdict.StatusPass, verdict.Holds},
		{"pass under wine with a wine line", execReplaces, "windows-wine", verdict.StatusPass, verdict.WineDeviation},
		{"wine line ignored on real windows", execReplaces, "windows", verdict.StatusPass, verdict.DiffersAsExpected},
		{"fail", forkPID, "linux", verdict.StatusFail, verdict.Broken},
		{"fail under wine with a wine line", execReplaces, "windows-wine", verdict.StatusFail, verdict.Broken},
		{"timed out", waitBlocks, "linux", verdict.StatusTimedOut, verdict.Broken},
		{"skipped", forkPID, "linux", verdict.StatusSkip, verdict.NotRun},
		{"absent", forkPID, "linux", verdict.StatusAbsent, verdict.NotRun},
		{"unfinished", forkPID, "linux", verdict.StatusUnfinished, verdict.NotRun},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, verdict.Decide(tt.claim, leg(t, tt.leg), tt.status))
		})
	}
}

func TestEvaluate(t *testing.T) {
	cs := loadClaims(t)
	type want struct {
		status  verdict.Status
		verdict verdict.Verdict
		detail  string // prefix
	}
	tests := []struct {
		name     string
		stream   string
		leg      string
		claims   map[string]want
		failed   bool
		problems []string // summaries, prefixes
		output   map[string][]string
	}{
		{
			name:   "passing linux leg, one claim skipped, one absent",
			stream: "linux-pass.json", leg: "linux/amd64",
			claims: map[string]want{
				"fork-pid":      {verdict.StatusPass, verdict.Holds, ""},
				"exec-replaces": {verdict.StatusPass, verdict.Holds, ""},
				"zombie":        {verdict.StatusSkip, verdict.NotRun, "skipped: needs the Windows leg to show the difference"},
				"wait-blocks":   {verdict.StatusAbsent, verdict.NotRun, "no result"},
			},
		},
		{
			name:   "the same stream judged as the wine leg",
			stream: "linux-pass.json", leg: "windows-wine",
			claims: map[string]want{
				"fork-pid":      {verdict.StatusPass, verdict.DiffersAsExpected, ""},
				"exec-replaces": {verdict.StatusPass, verdict.WineDeviation, ""},
			},
		},
		{
			name:   "broken claim with its failing line",
			stream: "linux-broken.json", leg: "linux",
			claims: map[string]want{
				"fork-pid":      {verdict.StatusPass, verdict.Holds, ""},
				"exec-replaces": {verdict.StatusFail, verdict.Broken, "testdata/script/exec-replaces.txtar:9: unexpected command failure"},
				"zombie":        {verdict.StatusSkip, verdict.NotRun, "skipped: "},
			},
			failed: true,
			output: map[string][]string{"exec-replaces": {
				"> exec printpid", "[stdout]", "pid=21404", "> stdout 'pid='", "> exec fail",
				"[stderr]", "boom", "[exit status 3]",
				"FAIL: testdata/script/exec-replaces.txtar:9: unexpected command failure",
			}},
		},
		{
			name:   "filtered run: the others are absent",
			stream: "linux-filtered.json", leg: "linux",
			claims: map[string]want{
				"fork-pid":      {verdict.StatusPass, verdict.Holds, ""},
				"exec-replaces": {verdict.StatusAbsent, verdict.NotRun, "no result"},
			},
		},
		{
			name:   "build failure",
			stream: "build-failed.json", leg: "linux",
			claims: map[string]want{
				"fork-pid": {verdict.StatusAbsent, verdict.NotRun, "no result: the build failed"},
			},
			failed:   true,
			problems: []string{"build failed: github.com/forkport/forkport [github.com/forkport/forkport.test]"},
			output:   map[string][]string{"problem": {"# github.com/forkport/forkport [github.com/forkport/forkport.test]", "./scripts_test.go:19:38: unknown field Bogus in struct literal of type testscript.Params"}},
		},
		{
			name:   "setup failure (missing go.sum entry)",
			stream: "setup-failed.json", leg: "linux",
			claims: map[string]want{
				"zombie": {verdict.StatusAbsent, verdict.NotRun, "no result: the build failed"},
			},
			failed:   true,
			problems: []string{"build failed: golang.org/x/tools/txtar"},
		},
		{
			name:   "no test files",
			stream: "no-test-files.json", leg: "linux",
			claims: map[string]want{
				"zombie": {verdict.StatusAbsent, verdict.NotRun, "no result: no test files"},
			},
			problems: []string{"github.com/forkport/forkport has no test files"},
		},
		{
			name:   "a panic kills the test binary",
			stream: "panic.json", leg: "linux",
			claims: map[string]want{
				"wait-blocks":   {verdict.StatusFail, verdict.Broken, "panic: procs: wait table corrupted"},
				"fork-pid":      {verdict.StatusUnfinished, verdict.NotRun, "did not finish: the test binary stopped (panic: procs: wait table corrupted"},
				"exec-replaces": {verdict.StatusUnfinished, verdict.NotRun, "did not finish"},
			},
			failed: true,
		},
		{
			name:   "test time-out panic names the hanging claim",
			stream: "timeout-panic.json", leg: "linux",
			claims: map[string]want{
				"wait-blocks":   {verdict.StatusTimedOut, verdict.Broken, "timed out: panic: test timed out after 2s"},
				"fork-pid":      {verdict.StatusPass, verdict.Holds, ""},
				"exec-replaces": {verdict.StatusPass, verdict.Holds, ""},
				"zombie":        {verdict.StatusSkip, verdict.NotRun, "skipped: "},
			},
			failed: true,
		},
		{
			name:   "CI stream of ./... picks the script package",
			stream: "results-ubuntu-latest-gostable.json", leg: "linux",
			claims: map[string]want{
				"fork-pid":      {verdict.StatusPass, verdict.Holds, ""},
				"exec-replaces": {verdict.StatusFail, verdict.Broken, "testdata/script/exec-replaces.txtar:9:"},
				"wait-blocks":   {verdict.StatusFail, verdict.Broken, "testdata/script/wait-blocks.txtar:7: unexpected command failure"},
			},
			failed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := verdict.Evaluate(cs, stream(t, tt.stream), leg(t, tt.leg), pkg)
			require.Len(t, l.Claims, len(cs), "one result per claim")
			assert.Equal(t, verdict.Format, l.Format)
			assert.Equal(t, pkg, l.Package)
			rs := results(l)
			for id, w := range tt.claims {
				r := rs[id]
				assert.Equal(t, w.status, r.Status, id)
				assert.Equal(t, w.verdict, r.Verdict, id)
				assert.True(t, strings.HasPrefix(r.Detail, w.detail), "%s: detail %q, want prefix %q", id, r.Detail, w.detail)
			}
			assert.Equal(t, tt.failed, l.Failed(), "failed")
			var summaries []string
			for _, p := range l.Problems {
				summaries = append(summaries, p.Summary)
			}
			require.Len(t, summaries, len(tt.problems), "problems: %q", summaries)
			for i, p := range tt.problems {
				assert.True(t, strings.HasPrefix(summaries[i], p), "problem %q, want prefix %q", summaries[i], p)
			}
			for id, out := range tt.output {
				if id == "problem" {
					assert.Equal(t, out, l.Problems[0].Output)
					continue
				}
				assert.Equal(t, out, rs[id].Output, id)
			}
		})
	}
}

func TestEvaluateInfersThePackage(t *testing.T) {
	cs := loadClaims(t)
	l := verdict.Evaluate(cs, stream(t, "results-ubuntu-latest-gostable.json"), leg(t, "linux"), "")
	assert.Equal(t, pkg, l.Package)
	assert.Equal(t, verdict.Holds, results(l)["fork-pid"].Verdict)
}

func TestEvaluateWrongPackage(t *testing.T) {
	cs := loadClaims(t)
	l := verdict.Evaluate(cs, stream(t, "linux-pass.json"), leg(t, "linux"), "example.com/other")
	for _, r := range l.Claims {
		assert.Equal(t, verdict.NotRun, r.Verdict, "a leg that ran none of a claim shows not run, never holds")
	}
	require.Len(t, l.Problems, 1)
	assert.Equal(t, "no results for package example.com/other", l.Problems[0].Summary)
}

// A subtest that fails outside any claim fails the run.
func TestEvaluateOrphanFailure(t *testing.T) {
	cs := loadClaims(t)
	var kept []*claims.Claim
	for _, c := range cs {
		if c.ID != "exec-replaces" {
			kept = append(kept, c)
		}
	}
	l := verdict.Evaluate(kept, stream(t, "linux-broken.json"), leg(t, "linux"), pkg)
	assert.True(t, l.Failed())
	var summaries []string
	for _, p := range l.Problems {
		summaries = append(summaries, p.Summary)
	}
	assert.Contains(t, summaries, "TestScripts/exec-replaces failed outside any claim")
}

func TestTestName(t *testing.T) {
	assert.Equal(t, "TestScripts/fork-pid", verdict.TestName("fork-pid"))
	assert.Equal(t, "TestScripts/with_space", verdict.TestName("with space"))
}

// A recorded windows-wine leg: a Windows test binary's output under Wine,
// converted by test2json, with CRLF output and Windows paths.
func TestEvaluateRecordedWine(t *testing.T) {
	cs, err := claims.Load(filepath.Join("testdata", "wine", "script"))
	require.NoError(t, err)
	read := func(name string) *verdict.Stream {
		f, err := os.Open(filepath.Join("testdata", "wine", name))
		require.NoError(t, err)
		defer f.Close()
		s, err := verdict.ParseStream(f)
		require.NoError(t, err)
		return s
	}
	wine := leg(t, "windows-wine")

	l := verdict.Evaluate(cs, read("windows-wine-pass.json"), wine, pkg)
	rs := results(l)
	assert.Equal(t, verdict.WineDeviation, rs["exec-e-passes-exact-env"].Verdict)
	assert.NotEmpty(t, rs["exec-e-passes-exact-env"].Wine)
	assert.Equal(t, verdict.DiffersAsExpected, rs["zombie-until-waited"].Verdict)
	assert.Equal(t, verdict.Holds, rs["fork-returns-child-pid"].Verdict)
	assert.Empty(t, l.Problems)
	assert.False(t, l.Failed())

	// The same stream judged as real Windows: no Wine deviation there.
	assert.Equal(t, verdict.Holds, results(verdict.Evaluate(cs, read("windows-wine-pass.json"), leg(t, "windows"), pkg))["exec-e-passes-exact-env"].Verdict)

	l = verdict.Evaluate(cs, read("windows-wine-broken.json"), wine, pkg)
	r := results(l)["fork-returns-child-pid"]
	assert.Equal(t, verdict.Broken, r.Verdict)
	assert.Equal(t, `testdata\script\fork-returns-child-pid.txtar:16: have 1 matches for `+"`^Hello from parent `"+`, want 2`, r.Detail)
	require.NotEmpty(t, r.Output)
	assert.Equal(t, "> stdin input", r.Output[0])
	for _, line := range r.Output {
		assert.NotContains(t, line, "\r")
	}
	assert.True(t, l.Failed())
	assert.Empty(t, l.Problems, "the failure is the broken claim's")
}

// TestEvaluateSuites: two suites in one package and one in another are
// judged each under its own test; a broken claim of one suite is not a
// failure "outside any claim" for the other, and a script without a claim
// file is noted under its suite.
func TestEvaluateSuites(t *testing.T) {
	claim := func(id string, windows claims.Expectation) *claims.Claim {
		return &claims.Claim{ID: id, Claim: id + " holds", Source: "s", Expect: map[string]claims.Expectation{
			"linux": {Outcome: claims.Holds}, "darwin": {Outcome: claims.Holds}, "windows": windows}}
	}
	holds := claims.Expectation{Outcome: claims.Holds}
	ev := func(action, pkg, test string) string {
		return fmt.Sprintf(`{"Action":%q,"Package":%q,"Test":%q}`, action, pkg, test)
	}
	out := func(pkg, test, text string) string {
		return fmt.Sprintf(`{"Action":"output","Package":%q,"Test":%q,"Output":%q}`, pkg, test, text)
	}
	lines := []string{
		ev("run", "m/a", "TestA"), ev("run", "m/a", "TestA/x"), ev("pass", "m/a", "TestA/x"), ev("run", "m/a", "TestA/extra"), ev("pass", "m/a", "TestA/extra"), ev("pass", "m/a", "TestA"),
		ev("run", "m/a", "TestB"), ev("run", "m/a", "TestB/y"),
		out("m/a", "TestB/y", "        FAIL: testdata/b/y.txtar:3: no match\n"), ev("fail", "m/a", "TestB/y"), ev("fail", "m/a", "TestB"),
		`{"Action":"fail","Package":"m/a"}`,
		ev("run", "m/b", "TestScripts"), ev("run", "m/b", "TestScripts/z"), ev("pass", "m/b", "TestScripts/z"), ev("pass", "m/b", "TestScripts"),
		`{"Action":"pass","Package":"m/b"}`,
	}
	s, err := verdict.ParseStream(strings.NewReader(strings.Join(lines, "\n") + "\n"))
	require.NoError(t, err)
	suites := []verdict.Suite{
		{Package: "m/a", Test: "TestA", Claims: []*claims.Claim{claim("x", holds)}},
		{Package: "m/a", Test: "TestB", Claims: []*claims.Claim{claim("y", holds)}},
		{Package: "m/b", Test: "TestScripts", Claims: []*claims.Claim{claim("z", claims.Expectation{Outcome: claims.Differs, Reason: "r"})}},
	}
	l := verdict.EvaluateSuites(suites, s, verdict.LegInfo{Name: "windows", OS: "windows"})
	assert.Equal(t, "m/a, m/b", l.Package)
	got := map[string]verdict.Verdict{}
	for _, r := range l.Claims {
		got[r.ID] = r.Verdict
	}
	assert.Equal(t, map[string]verdict.Verdict{"x": verdict.Holds, "y": verdict.Broken, "z": verdict.DiffersAsExpected}, got)
	require.Len(t, l.Problems, 1, "%+v", l.Problems)
	assert.Equal(t, "results for scripts with no claim file: extra", l.Problems[0].Summary)
	assert.False(t, l.Problems[0].Fatal)
}

// wideStatus is the claim, with expect lines exp and script.
func wideStatus(t *testing.T, exp, script string) *claims.Claim {
	t.Helper()
	c, err := claims.Parse("testdata/script/wide-status.txtar", []byte("# claim: 300 is seen as 300.\n# source: s\n# expect:\n"+exp+"\n"+script))
	require.NoError(t, err)
	return c
}

const (
	wideTrue       = "#   linux: differs — a byte: 44\n#   darwin: differs — a byte: 44\n#   windows: holds\n"
	wideRelabelled = "#   linux: holds\n#   darwin: differs — a byte: 44\n#   windows: holds\n"
	wideFollows    = "exec status exitwith 300\n[differs] stdout '^status=44$'\n[holds] stdout '^status=300$'\n"
	wideAsksTheOS  = "exec status exitwith 300\n[!windows] stdout '^status=44$'\n[windows] stdout '^status=300$'\n"
)

// A pass is no verdict for a header its script does not follow: the
// issue's claim relabelled "linux: holds" over a script that asks the OS
// is broken on Linux, not holds, also when legs are judged again.
func TestDecideRefusesAScriptThatDoesNotFollowItsHeader(t *testing.T) {
	linux := leg(t, "linux/amd64")
	assert.Equal(t, verdict.Broken, verdict.Decide(wideStatus(t, wideRelabelled, wideAsksTheOS), linux, verdict.StatusPass))
	assert.Equal(t, verdict.Broken, verdict.Decide(wideStatus(t, wideTrue, wideAsksTheOS), linux, verdict.StatusPass))
	assert.Equal(t, verdict.DiffersAsExpected, verdict.Decide(wideStatus(t, wideTrue, wideFollows), linux, verdict.StatusPass))
	assert.Equal(t, verdict.Holds, verdict.Decide(wideStatus(t, wideTrue, wideFollows), leg(t, "windows"), verdict.StatusPass))
	assert.Equal(t, verdict.Broken, verdict.Decide(wideStatus(t, wideTrue, wideFollows), linux, verdict.StatusFail))
}

// passStream is a go test -json stream in which TestScripts/wide-status
// passed after procstest logged line.
func passStream(t *testing.T, line string) *verdict.Stream {
	t.Helper()
	test := verdict.TestName("wide-status")
	var b strings.Builder
	for _, e := range []string{
		`{"Action":"run","Package":"` + pkg + `","Test":"` + test + `"}`,
		`{"Action":"output","Package":"` + pkg + `","Test":"` + test + `","Output":"    procstest.go:277: ` + line + `\n"}`,
		`{"Action":"pass","Package":"` + pkg + `","Test":"` + test + `","Elapsed":0.1}`,
		`{"Action":"pass","Package":"` + pkg + `","Test":"` + verdict.ScriptTest + `","Elapsed":0.1}`,
		`{"Action":"pass","Package":"` + pkg + `","Elapsed":0.2}`,
	} {
		b.WriteString(e + "\n")
	}
	s, err := verdict.ParseStream(strings.NewReader(b.String()))
	require.NoError(t, err)
	return s
}

// A pass recorded against one header is not a verdict for another: the
// stream says the script ran against "linux: differs"; judged against the
// header relabelled "linux: holds", it is broken, and says why.
func TestEvaluateRefusesAPassAgainstAnotherHeader(t *testing.T) {
	linux := leg(t, "linux/amd64")
	ran := claims.RanAgainst(claims.Procs, "linux", claims.Differs)
	tests := []struct {
		name   string
		c      *claims.Claim
		line   string
		want   verdict.Verdict
		detail string
	}{
		{"the header it ran against", wideStatus(t, wideTrue, wideFollows), ran, verdict.DiffersAsExpected, ""},
		{"relabelled since", wideStatus(t, wideRelabelled, wideFollows), ran, verdict.Broken, "the script ran against linux: differs; the header now says holds: run it again"},
		{"another subject's line", wideStatus(t, wideRelabelled, wideFollows), claims.RanAgainst(claims.CPython, "linux", claims.Differs), verdict.Holds, ""},
		{"no procstest line", wideStatus(t, wideRelabelled, wideFollows), "WORK=/tmp/x", verdict.Holds, ""},
		{"a script that does not follow its header", wideStatus(t, wideRelabelled, wideAsksTheOS), ran, verdict.Broken, "the script does not follow the header: testdata/script/wide-status.txtar:9: [!windows] on a line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := verdict.Evaluate([]*claims.Claim{tt.c}, passStream(t, tt.line), linux, pkg)
			require.Len(t, l.Claims, 1)
			r := l.Claims[0]
			assert.Equal(t, verdict.StatusPass, r.Status)
			assert.Equal(t, tt.want, r.Verdict)
			if tt.detail == "" {
				assert.Empty(t, r.Detail)
			} else {
				assert.Contains(t, r.Detail, tt.detail)
			}
			assert.Equal(t, tt.want == verdict.Broken, l.Failed())
		})
	}
}
