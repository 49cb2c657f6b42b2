package page_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/page"
	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/internal/verdict"
)

// A site for one leg whose two claims hold and break: the page, its style
// sheet and its data, and the leg's score.
func ExampleSite_WriteDir() {
	holds := claims.Expectation{Outcome: claims.Holds}
	leg := &verdict.Leg{Format: verdict.Format, Leg: "linux/amd64", OS: "linux", Arch: "amd64", Claims: []verdict.Result{
		{ID: "fork-pid", Claim: "fork returns the child's PID.", Expect: holds, Status: verdict.StatusPass, Verdict: verdict.Holds},
		{ID: "zombie", Claim: "an exited child lingers until waited for.", Expect: holds, Status: verdict.StatusFail,
			Verdict: verdict.Broken, Detail: "testdata/script/zombie.txtar:9: no match"},
	}}
	m := verdict.Merge(nil, []*verdict.Leg{leg}, nil)

	dir, err := os.MkdirTemp("", "forkport-page-example-")
	if err != nil {
		panic(err)
	}
	defer testutil.RemoveAll(dir)
	site := filepath.Join(dir, "site")
	if err := (&page.Site{Matrix: m}).WriteDir(site); err != nil {
		panic(err)
	}
	entries, _ := os.ReadDir(site)
	for _, e := range entries {
		fmt.Println(e.Name())
	}
	s := page.ScoreOf(m, "linux/amd64")
	fmt.Printf("linux/amd64: %d / %d (%d of %d claims)\n", s.Points, page.MaxScore, s.Counted, s.Total)
	// Output:
	// index.html
	// matrix.json
	// style.css
	// linux/amd64: 500 / 1000 (1 of 2 claims)
}
