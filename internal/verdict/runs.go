package verdict

import (
	"fmt"
	"strings"
)

// outcome is what a run's status counts as when runs are compared: runs
// that fail or time out are all "broken", runs that never finished or left
// no result are all "missing". Two runs with different outcomes make the
// claim flaky.
type outcome int

const (
	outcomePass outcome = iota
	outcomeBroken
	outcomeSkip
	outcomeMissing
)

func outcomeOf(s Status) outcome {
	switch s {
	case StatusPass:
		return outcomePass
	case StatusFail, StatusTimedOut:
		return outcomeBroken
	case StatusSkip:
		return outcomeSkip
	default:
		return outcomeMissing
	}
}

// Unstable reports whether runs did not all end the same way: a pass and a
// failure, a pass and a skip, or a run with no result (the test binary died
// before it ran, or while it ran) beside one that has one. It is
// web-platform-tests' rule for an unstable test. Fewer than two runs are
// never unstable. A failure and a time-out are the same outcome (broken),
// and so are a run that did not finish and one that is absent.
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
		case outcomeSkip, outcomeMissing:
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
