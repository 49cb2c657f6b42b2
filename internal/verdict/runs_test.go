package verdict_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/verdict"
)

// runsOf builds runs from their statuses, 1 s each.
func runsOf(statuses ...verdict.Status) []verdict.Run {
	runs := make([]verdict.Run, len(statuses))
	for i, s := range statuses {
		runs[i] = verdict.Run{Status: s, Elapsed: 1}
	}
	return runs
}

func TestTally(t *testing.T) {
	const (
		pass    = verdict.StatusPass
		fail    = verdict.StatusFail
		skip    = verdict.StatusSkip
		timeout = verdict.StatusTimedOut
		gone    = verdict.StatusUnfinished
		absent  = verdict.StatusAbsent
	)
	tests := []struct {
		name     string
		runs     []verdict.Run
		unstable bool
		tally    string
	}{
		{"no run", nil, false, ""},
		{"one run", runsOf(fail), false, ""},
		{"all pass", runsOf(pass, pass, pass, pass, pass), false, ""},
		{"all fail", runsOf(fail, fail, fail), false, ""},
		{"fail and time-out are both broken", runsOf(fail, timeout, fail), false, ""},
		{"all skipped", runsOf(skip, skip), false, ""},
		{"unfinished and absent are both not run", runsOf(gone, absent), false, ""},
		{"skipped and absent are both not run", runsOf(skip, absent, skip), false, ""},
		{"one failure in five", runsOf(pass, pass, fail, pass, pass), true, "flaky (1 of 5 broken)"},
		{"failures first", runsOf(fail, fail, pass, pass, pass), true, "flaky (2 of 5 broken)"},
		{"a time-out counts as broken", runsOf(pass, timeout), true, "flaky (1 of 2 broken)"},
		{"skip and pass", runsOf(pass, skip, pass), true, "flaky (1 of 3 not run)"},
		{"a missing run", runsOf(pass, pass, pass, gone, absent), true, "flaky (2 of 5 not run)"},
		{"broken and missing", runsOf(fail, pass, fail, pass, absent), true, "flaky (2 of 5 broken, 1 not run)"},
		{"skip and fail", runsOf(skip, fail), true, "flaky (1 of 2 broken, 1 not run)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.unstable, verdict.Unstable(tt.runs))
			assert.Equal(t, tt.tally, verdict.Tally(tt.runs))
		})
	}
}

func TestEvaluateRuns(t *testing.T) {
	cs := loadClaims(t)
	s, err := verdict.ParseStream(strings.NewReader(countStream()))
	require.NoError(t, err)
	suites := []verdict.Suite{{Package: pkg, Test: verdict.ScriptTest, Claims: cs}}
	statuses := func(r verdict.Result) []verdict.Status {
		var out []verdict.Status
		for _, run := range r.Runs {
			out = append(out, run.Status)
		}
		return out
	}
	const (
		pass   = verdict.StatusPass
		fail   = verdict.StatusFail
		gone   = verdict.StatusUnfinished
		absent = verdict.StatusAbsent
	)

	t.Run("count read from the stream", func(t *testing.T) {
		l := verdict.EvaluateRuns(suites, s, leg(t, "linux/amd64"), verdict.RunOptions{})
		rs := results(l)
		fork := rs["fork-pid"]
		assert.Equal(t, verdict.Flaky, fork.Verdict, "a failure in one of three runs is flaky, never holds")
		assert.Equal(t, []verdict.Status{pass, fail, pass}, statuses(fork))
		assert.Equal(t, fail, fork.Status, "the status is the failing run's")
		assert.Equal(t, "flaky (1 of 3 broken); run 2 of 3: testdata/script/fork-pid.txtar:3: unexpected command failure", fork.Detail)
		assert.Contains(t, fork.Output, "FAIL: testdata/script/fork-pid.txtar:3: unexpected command failure")
		assert.Equal(t, []string{"> exec flip run2", "FAIL: testdata/script/fork-pid.txtar:3: unexpected command failure"}, fork.Output, "the output is the failing run's only")
		assert.InDelta(t, 0.2, fork.Elapsed, 1e-9)
		assert.InDeltaSlice(t, []float64{0.1, 0.2, 0.3}, []float64{fork.Runs[0].Elapsed, fork.Runs[1].Elapsed, fork.Runs[2].Elapsed}, 1e-9)
		assert.False(t, fork.Slow)

		wait := rs["wait-blocks"]
		assert.Equal(t, verdict.Flaky, wait.Verdict, "a run that never finished beside passes is flaky")
		assert.Equal(t, []verdict.Status{pass, pass, gone}, statuses(wait))
		assert.Equal(t, "flaky (1 of 3 not run); run 3 of 3: did not finish: the test binary stopped (panic: boom)", wait.Detail)

		for _, id := range []string{"exec-replaces", "zombie"} {
			assert.Equal(t, verdict.NotRun, rs[id].Verdict, id)
			assert.Equal(t, []verdict.Status{absent, absent, absent}, statuses(rs[id]), id)
		}
		assert.True(t, l.Failed(), "a flaky claim fails the leg")
		assert.Zero(t, l.PerClaim, "the count was not given")
	})

	t.Run("a run missing from the stream", func(t *testing.T) {
		l := verdict.EvaluateRuns(suites, s, leg(t, "linux/amd64"), verdict.RunOptions{Count: 5})
		fork := results(l)["fork-pid"]
		assert.Equal(t, verdict.Flaky, fork.Verdict)
		assert.Equal(t, []verdict.Status{pass, fail, pass, absent, absent}, statuses(fork))
		assert.True(t, strings.HasPrefix(fork.Detail, "flaky (1 of 5 broken, 2 not run); run 2 of 5: "), fork.Detail)
		assert.Equal(t, 5, l.PerClaim)
	})

	t.Run("slow", func(t *testing.T) {
		// fork-pid's slowest run took 0.3 s: more than 80% of 0.35 s,
		// not of 0.4 s.
		l := verdict.EvaluateRuns(suites, s, leg(t, "linux/amd64"), verdict.RunOptions{Timeout: 350 * time.Millisecond})
		fork := results(l)["fork-pid"]
		assert.True(t, fork.Slow)
		assert.True(t, strings.HasSuffix(fork.Detail, "; slow: a run took 300ms of its 350ms time-out"), fork.Detail)
		assert.InDelta(t, 0.35, l.Timeout, 1e-9)
		l = verdict.EvaluateRuns(suites, s, leg(t, "linux/amd64"), verdict.RunOptions{Timeout: 400 * time.Millisecond})
		fork = results(l)["fork-pid"]
		assert.False(t, fork.Slow)
		assert.NotContains(t, fork.Detail, "slow")
	})

	t.Run("one run keeps the v1 shape", func(t *testing.T) {
		l := verdict.Evaluate(cs, stream(t, "linux-broken.json"), leg(t, "linux/amd64"), pkg)
		for _, r := range l.Claims {
			assert.Nil(t, r.Runs, r.ID)
		}
	})

	t.Run("merge judges the runs again", func(t *testing.T) {
		l := verdict.EvaluateRuns(suites, s, leg(t, "linux/amd64"), verdict.RunOptions{})
		m := verdict.Merge(cs, []*verdict.Leg{l}, nil)
		require.Len(t, m.Legs, 1)
		for _, row := range m.Claims {
			c := row.Results[m.Legs[0].Label]
			assert.Equal(t, results(l)[row.ID].Verdict, c.Verdict, row.ID)
			assert.Equal(t, results(l)[row.ID].Runs, c.Runs, row.ID)
		}
		assert.True(t, m.Failed(), "a flaky cell fails the matrix")
	})
}

// TestRenderFlaky: wherever a verdict is shown, a flaky one is shown with
// its tally, once, and its detail is the failing run's; a slow one says so.
func TestRenderFlaky(t *testing.T) {
	cs := loadClaims(t)
	s, err := verdict.ParseStream(strings.NewReader(countStream()))
	require.NoError(t, err)
	suites := []verdict.Suite{{Package: pkg, Test: verdict.ScriptTest, Claims: cs}}
	l := verdict.EvaluateRuns(suites, s, leg(t, "linux/amd64"), verdict.RunOptions{Count: 3, Timeout: 350 * time.Millisecond})
	m := verdict.Merge(cs, []*verdict.Leg{l}, nil)
	const tally = "flaky (1 of 3 broken)"
	const failing = "run 2 of 3: testdata/script/fork-pid.txtar:3: unexpected command failure"

	var text bytes.Buffer
	verdict.WriteLegText(&text, l, verdict.TextOptions{})
	assert.Regexp(t, `(?m)^fork-pid .*  `+regexp.QuoteMeta(tally)+`$`, text.String())
	assert.Contains(t, text.String(), "fork-pid: "+tally+" — "+failing+"; slow: a run took 300ms of its 350ms time-out\n")
	assert.Contains(t, text.String(), "4 claims: 2 flaky, 2 not run; 1 slow; each claim run 3 times.")
	assert.NotContains(t, text.String(), "flaky — flaky", "the tally is shown once")

	var mtext bytes.Buffer
	verdict.WriteMatrixText(&mtext, m, verdict.TextOptions{})
	assert.Regexp(t, `(?m)^fork-pid +`+regexp.QuoteMeta(tally)+`  `, mtext.String())
	assert.Contains(t, mtext.String(), "fork-pid on linux/amd64: "+tally+" — "+failing)
	assert.Contains(t, mtext.String(), "wait-blocks on linux/amd64: flaky (1 of 3 not run) — run 3 of 3: did not finish")

	var md bytes.Buffer
	verdict.WriteMatrixMarkdown(&md, m)
	assert.Contains(t, md.String(), "| ⚠️ "+tally+" |")
	assert.Contains(t, md.String(), "on linux/amd64: ⚠️ "+tally+" — "+failing)
	md.Reset()
	verdict.WriteLegMarkdown(&md, l)
	assert.Contains(t, md.String(), "| ⚠️ "+tally+" — "+failing)

	var js bytes.Buffer
	require.NoError(t, verdict.WriteJSON(&js, m))
	var back verdict.Matrix
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	cell := back.Claims[1].Results["linux/amd64"]
	require.Equal(t, "fork-pid", back.Claims[1].ID)
	assert.Equal(t, verdict.Flaky, cell.Verdict)
	assert.True(t, strings.HasPrefix(cell.Detail, tally+"; "+failing), "the JSON detail carries the tally: %s", cell.Detail)
	assert.True(t, cell.Slow)
	assert.Len(t, cell.Runs, 3)

	label, rest := verdict.Shown(cell.Verdict, cell.Runs, cell.Detail)
	assert.Equal(t, tally, label)
	assert.True(t, strings.HasPrefix(rest, failing), rest)
}
