package page_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/internal/verdict"
)

// The fixture's claims and what the page must show for them.
const (
	// evilClaim is a claim text that is markup: the page shows it as text,
	// and the script never runs.
	evilClaim = `</td><script>window.pwned = 1</script> a claim whose text is <b>markup</b>`
	// evilLog is a log line that is markup.
	evilLog = `<script>window.pwned = 2</script> from the log`
	// brokenDetail is the broken cell's failing line.
	brokenDetail = "testdata/script/exec-replaces.txtar:9: unexpected command failure"
	// brokenLog is a line of the broken cell's log.
	brokenLog = "> exec fork1 -noexit"
	// flakyTally is the flaky cell's tally: 2 of its 5 runs failed.
	flakyTally = "flaky (2 of 5 broken)"
)

// The fixture legs' scores, by hand: the matrix has 4 claims, so each
// counts 1000/4 = 250. linux/amd64: fork-pid holds, exec-replaces broken,
// zombie flaky, evil holds: 2 count, 500. windows-wine: fork-pid differs
// as expected, exec-replaces is a wine deviation, zombie holds, and evil
// it never ran (the leg lacks the claim): 3 count, 750.
var fixtureScores = map[string]int{"linux/amd64": 500, "windows-wine": 750}

// fixtureLegs writes two leg documents into dir, as forkport -json writes
// them, and returns their paths: linux/amd64 with a broken claim, a flaky
// one (with its runs) and one whose text and log are markup; windows-wine
// without the last.
func fixtureLegs(t *testing.T, dir string) []string {
	t.Helper()
	holds := claims.Expectation{Outcome: claims.Holds}
	differs := claims.Expectation{Outcome: claims.Differs, Reason: "Windows has no fork"}
	linux := &verdict.Leg{Format: verdict.Format, Leg: "linux/amd64", OS: "linux", Arch: "amd64", Go: "go1.26.8",
		Forkport: "v0.0.0-test", Time: "2026-12-03T10:00:00Z",
		Claims: []verdict.Result{
			{ID: "exec-replaces", Claim: "exec replaces the calling program.", Source: "chapter, \"exec replaces\"", Expect: holds,
				Status: verdict.StatusFail, Verdict: verdict.Broken, Detail: brokenDetail,
				Output: []string{brokenLog, "[stdout]", "child 42", "FAIL: " + brokenDetail}},
			{ID: "fork-pid", Claim: "fork returns the child's PID to the parent.", Source: "chapter", Expect: holds,
				Status: verdict.StatusPass, Verdict: verdict.Holds},
			{ID: "markup", Claim: evilClaim, Source: "<i>a source</i>", Expect: holds,
				Status: verdict.StatusPass, Verdict: verdict.Holds},
			{ID: "zombie", Claim: "a child lingers as a zombie until waited for.", Source: "chapter", Expect: holds,
				Status: verdict.StatusFail, Verdict: verdict.Flaky, Detail: flakyTally + "; run 2 of 5: testdata/script/zombie.txtar:12: no match for `Z`", // as forkport -count writes it
				Output: []string{"> exec zombie", evilLog, "FAIL: testdata/script/zombie.txtar:12: no match for `Z`"},
				Runs: []verdict.Run{{Status: verdict.StatusPass, Elapsed: 0.2}, {Status: verdict.StatusFail, Elapsed: 0.3},
					{Status: verdict.StatusPass, Elapsed: 0.2}, {Status: verdict.StatusFail, Elapsed: 0.4}, {Status: verdict.StatusPass, Elapsed: 0.2}}},
		}}
	wine := &verdict.Leg{Format: verdict.Format, Leg: "windows-wine", OS: "windows", Wine: true, WineVersion: "wine-8.0 (Debian 8.0~repack-4)",
		Go: "go1.26.8", Time: "2026-12-03T10:05:00Z",
		Claims: []verdict.Result{
			{ID: "exec-replaces", Claim: "exec replaces the calling program.", Source: "chapter, \"exec replaces\"", Expect: holds,
				Wine: "Wine starts a new process", Status: verdict.StatusPass, Verdict: verdict.WineDeviation},
			{ID: "fork-pid", Claim: "fork returns the child's PID to the parent.", Source: "chapter", Expect: differs,
				Status: verdict.StatusPass, Verdict: verdict.DiffersAsExpected},
			{ID: "zombie", Claim: "a child lingers as a zombie until waited for.", Source: "chapter", Expect: holds,
				Status: verdict.StatusPass, Verdict: verdict.Holds,
				Runs: []verdict.Run{{Status: verdict.StatusPass, Elapsed: 0.2}, {Status: verdict.StatusPass, Elapsed: 0.2}}},
		}}
	var paths []string
	for name, l := range map[string]*verdict.Leg{"linux.json": linux, "windows-wine.json": wine} {
		var b bytes.Buffer
		require.NoError(t, verdict.WriteLeg(&b, l))
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b.Bytes(), 0o666))
		paths = append(paths, p)
	}
	return paths
}

// fixtureMatrix reads the fixture legs back, as forkport page does, and
// merges them (without claim files: the verdicts are the documents').
func fixtureMatrix(t *testing.T) *verdict.Matrix {
	t.Helper()
	paths := fixtureLegs(t, testutil.TempDir(t))
	var legs []*verdict.Leg
	for _, p := range paths {
		f, err := os.Open(p)
		require.NoError(t, err)
		in, err := verdict.ReadInput(f)
		f.Close()
		require.NoError(t, err)
		require.NotNil(t, in.Leg)
		legs = append(legs, in.Leg)
	}
	return verdict.Merge(nil, legs, paths)
}

// fixtureHistory is three earlier runs of the fixture's legs: zombie held
// on linux/amd64 and then broke; exec-replaces was broken, held, and broke
// again in this run.
func fixtureHistory(t *testing.T) []*verdict.Matrix {
	t.Helper()
	var runs []*verdict.Matrix
	for i, v := range []struct {
		commit, time        string
		zombie, execVerdict verdict.Verdict
	}{
		{"1111111aaaa", "2026-12-01T10:00:00Z", verdict.Holds, verdict.Broken},
		{"2222222bbbb", "2026-12-02T10:00:00Z", verdict.Broken, verdict.Holds},
		{"3333333cccc", "2026-12-02T20:00:00Z", verdict.Broken, verdict.Holds},
	} {
		m := fixtureMatrix(t)
		m.Commit, m.Time = v.commit, v.time
		for j := range m.Claims {
			r := &m.Claims[j]
			c := r.Results["linux/amd64"]
			switch r.ID {
			case "zombie":
				c = verdict.Cell{Status: "pass", Verdict: v.zombie}
			case "exec-replaces":
				c = verdict.Cell{Status: "pass", Verdict: v.execVerdict}
			}
			r.Results["linux/amd64"] = c
		}
		if i == 0 {
			// The first run had no windows-wine leg.
			m.Legs = m.Legs[:1]
			for j := range m.Claims {
				delete(m.Claims[j].Results, "windows-wine")
			}
		}
		runs = append(runs, m)
	}
	return runs
}
