package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/internal/verdict"
)

// flakyDir is a test-only module whose claim "flips" fails on every other
// run, counted in the file $FLIP_COUNTER, and whose claim "steady" always
// passes.
var flakyDir = filepath.Join("testdata", "flaky")

// TestFlakyModule drives forkport -count end to end on a module with a
// claim made flaky on purpose: five runs in one test binary, the second and
// fourth failing, are "flaky (2 of 5 broken)" and exit status 1, where one
// run holds; the leg document keeps every run, and merge keeps the verdict.
func TestFlakyModule(t *testing.T) {
	goCmd := secondModuleGo(t)
	tmp := testutil.TempDir(t)
	bin := buildCLI(t, goCmd, flakyDir, tmp)
	counter := func(name string) []string { return []string{"FLIP_COUNTER=" + filepath.Join(tmp, name)} }

	t.Run("one run holds", func(t *testing.T) {
		out, errOut, code := runEnv(t, flakyDir, counter("once"), bin)
		assert.Equal(t, exitOK, code, "stderr:\n%s", errOut)
		assert.Regexp(t, regexp.MustCompile(`(?m)^flips .*  holds$`), out)
	})

	legFile := filepath.Join(tmp, "leg.json")
	t.Run("five runs are flaky", func(t *testing.T) {
		out, errOut, code := runEnv(t, flakyDir, counter("five"), bin, "-count", "5", "-json", legFile)
		assert.Equal(t, exitFailed, code, "stderr:\n%s\nstdout:\n%s", errOut, out)
		assert.Regexp(t, regexp.MustCompile(`(?m)^flips .*  flaky \(2 of 5 broken\)$`), out)
		assert.Regexp(t, regexp.MustCompile(`(?m)^steady .*  holds$`), out)
		assert.Contains(t, out, "flips: flaky (2 of 5 broken) — run 2 of 5: testdata/script/flips.txtar:8: unexpected command failure\n")
		assert.Contains(t, out, "    flip: run 2 fails\n", "the failing run's log")
		assert.Contains(t, out, "2 claims: 1 holds, 1 flaky; each claim run 5 times.")
		data, err := os.ReadFile(filepath.Join(tmp, "five"))
		require.NoError(t, err)
		assert.Equal(t, "5", string(data), "the script ran five times")

		leg := readLegFile(t, legFile)
		assert.Equal(t, verdict.Format, leg.Format)
		assert.Equal(t, 5, leg.PerClaim)
		assert.Positive(t, leg.Timeout)
		byID := map[string]verdict.Result{}
		for _, r := range leg.Claims {
			byID[r.ID] = r
		}
		var statuses []verdict.Status
		for _, r := range byID["flips"].Runs {
			statuses = append(statuses, r.Status)
		}
		assert.Equal(t, []verdict.Status{"pass", "fail", "pass", "fail", "pass"}, statuses)
		assert.Equal(t, verdict.Flaky, byID["flips"].Verdict)
		assert.Len(t, byID["steady"].Runs, 5)
		assert.Equal(t, verdict.Holds, byID["steady"].Verdict)
	})

	t.Run("merge keeps the runs", func(t *testing.T) {
		out, errOut, code := runEnv(t, flakyDir, nil, bin, "merge", legFile)
		assert.Equal(t, exitFailed, code, "stderr:\n%s", errOut)
		assert.Regexp(t, regexp.MustCompile(`(?m)^flips +flaky \(2 of 5 broken\)  `), out)

		out, errOut, code = runEnv(t, flakyDir, []string{"GITHUB_SHA="}, bin, "merge", "-format", "json", "-commit", "0123abc", legFile)
		assert.Equal(t, exitFailed, code, "stderr:\n%s", errOut)
		var m verdict.Matrix
		require.NoError(t, json.Unmarshal([]byte(out), &m))
		assert.Equal(t, verdict.MatrixFormat, m.Format)
		assert.Equal(t, "0123abc", m.Commit)
		require.Len(t, m.Claims, 2)
		cell := m.Claims[0].Results[m.Legs[0].Label]
		assert.Equal(t, verdict.Flaky, cell.Verdict)
		assert.Equal(t, "flaky (2 of 5 broken)", verdict.Tally(cell.Runs))
	})
}
