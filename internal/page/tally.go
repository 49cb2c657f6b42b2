package page

import (
	"fmt"
	"strings"

	"github.com/forkport/forkport/internal/verdict"
)

// verdictTally words a flaky claim's runs as verdict.Tally does on the
// stability branch: "flaky (2 of 5 broken)", "flaky (1 of 5 not run)",
// "flaky (2 of 5 broken, 1 not run)"; "" when the runs all ended alike.
//
// TODO(merge): a stand-in for verdict.Tally (stability branch, commit
// "verdict: Tally and Unstable ..."), so that the page and the text
// renderers word the tally alike. At the merge, replace verdictTally(
// with verdict.Tally( in page.go and delete this file.
func verdictTally(runs []verdict.Run) string {
	broken, notRun := 0, 0
	for _, r := range runs {
		switch r.Status {
		case verdict.StatusPass:
		case verdict.StatusFail, verdict.StatusTimedOut:
			broken++
		default:
			notRun++
		}
	}
	if n := len(runs); n < 2 || broken == n || notRun == n || broken+notRun == 0 {
		return ""
	}
	var parts []string
	if broken > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d broken", broken, len(runs)))
	}
	switch {
	case notRun > 0 && broken > 0:
		parts = append(parts, fmt.Sprintf("%d not run", notRun))
	case notRun > 0:
		parts = append(parts, fmt.Sprintf("%d of %d not run", notRun, len(runs)))
	}
	return fmt.Sprintf("%s (%s)", verdict.Flaky, strings.Join(parts, ", "))
}
