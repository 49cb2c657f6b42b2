package verdict

import (
	"fmt"
	"strings"
)

// outcome is what a run's status counts as when runs are compared, as
// Decide maps it: a pass; broken (the run failed or timed out); or not run
// (skipped, never finished, or no result at all). Two runs with different
// outcomes make the claim flaky.
type outcome int

const (
	outcomePass outcome = iota
	outcomeBroken
	outcomeNotRun
)

func outcomeOf(s Status) outcome {
	switch s {
	case StatusPass:
		return outcomePass
	case StatusFail, StatusTimedOut:
		return outcomeBroken
	default:
		return outcomeNotRun
	}
}

// Unstable reports whether runs did not all end the same way: a pass beside
// a failure, beside a skip, or beside a run with no result (the test binary
// died before it ran, or while it ran), or a failure beside a run that did
// not run. It is web-platform-tests' rule for an unstable test. Fewer than
// two runs are never unstable. A failure and a time-out are the same
// outcome (broken), and so are a skip, a run that did not finish and one
// that is absent (not run: none of them checked anything).
func Unstable(runs []Run) bool {
	for _, r := range runs[min(1, len(runs)):] {
		if outcomeOf(r.Status) != outcomeOf(runs[0].Status) {
			return true
		}
	}
	return false
}

// Tally words how unstable runs ended, as every renderer shows a flaky
// verdict: "flaky (2 of 5 broken)", and for runs that were skipped or left
// no result "flaky (1 of 5 not run)" or "flaky (2 of 5 broken, 1 not run)".
// It is "" when the runs are not Unstable.
func Tally(runs []Run) string {
	if !Unstable(runs) {
		return ""
	}
	broken, notRun := 0, 0
	for _, r := range runs {
		switch outcomeOf(r.Status) {
		case outcomeBroken:
			broken++
		case outcomeNotRun:
			notRun++
		}
	}
	var parts []string
	if broken > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d broken", broken, len(runs)))
	}
	if notRun > 0 {
		if broken > 0 {
			parts = append(parts, fmt.Sprintf("%d not run", notRun))
		} else {
			parts = append(parts, fmt.Sprintf("%d of %d not run", notRun, len(runs)))
		}
	}
	return fmt.Sprintf("%s (%s)", Flaky, strings.Join(parts, ", "))
}
