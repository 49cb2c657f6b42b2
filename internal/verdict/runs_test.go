package verdict_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

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
		{"unfinished and absent are both missing", runsOf(gone, absent), false, ""},
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
