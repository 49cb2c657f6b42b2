package page

import (
	"fmt"

	"github.com/forkport/forkport/internal/verdict"
)

// verdictTally words a flaky claim's runs: "flaky (2 of 5 broken)".
//
// TODO(merge): a stand-in for verdict.Tally, which the stability branch
// adds (issue 18 item 1) so that the page and the text renderers word the
// tally alike. At the merge, replace every verdictTally( with
// verdict.Tally( and delete this file.
func verdictTally(runs []verdict.Run) string {
	broken := 0
	for _, r := range runs {
		if r.Status == verdict.StatusFail || r.Status == verdict.StatusTimedOut {
			broken++
		}
	}
	return fmt.Sprintf("%s (%d of %d broken)", verdict.Flaky, broken, len(runs))
}
