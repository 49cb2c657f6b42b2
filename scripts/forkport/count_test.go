package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/verdict"
)

// -count N reaches go test, and the claims are judged over N runs: a
// stream with one run of each claim, read as three, has runs missing, and a
// claim that passed once and has no result twice is flaky.
func TestCheckCount(t *testing.T) {
	h := newHarness(t, testModule(t, ""), "linux-pass.json", 0)
	require.Equal(t, exitFailed, h.run("-count", "3", "-format", "json"))
	_, args := h.goTestArgs()
	assert.Contains(t, args, "-count=3")
	var leg verdict.Leg
	require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &leg))
	assert.Equal(t, 3, leg.PerClaim)
	assert.Equal(t, 600.0, leg.Timeout, "the default -timeout, 10m")
	byID := map[string]verdict.Result{}
	for _, r := range leg.Claims {
		byID[r.ID] = r
	}
	fork := byID["fork-pid"]
	assert.Equal(t, verdict.Flaky, fork.Verdict)
	assert.Equal(t, "flaky (2 of 3 not run)", verdict.Tally(fork.Runs))
	assert.Equal(t, verdict.NotRun, byID["wait-blocks"].Verdict, "no run at all is not run, not flaky")

	require.Equal(t, exitOK, h.run())
	_, args = h.goTestArgs()
	assert.Contains(t, args, "-count=1", "one run by default")
}

// merge -format json says which commit and when: -commit, else
// $GITHUB_SHA, else git rev-parse HEAD where it runs, else nothing.
func TestMergeCommit(t *testing.T) {
	root := testModule(t, "")
	h := newHarness(t, root, "linux-pass.json", 0)
	legFile := filepath.Join(root, "linux.json")
	require.Equal(t, exitOK, h.run("-json", legFile))
	matrix := func(args ...string) verdict.Matrix {
		t.Helper()
		require.Equal(t, exitOK, h.run(append([]string{"merge", "-format", "json"}, args...)...), h.stderr.String())
		var m verdict.Matrix
		require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &m))
		assert.Equal(t, verdict.MatrixFormat, m.Format)
		assert.Equal(t, "2026-11-26T00:40:00Z", m.Time)
		return m
	}

	assert.Empty(t, matrix(legFile).Commit, "no $GITHUB_SHA, no repository")
	h.env["GITHUB_SHA"] = "feedc0de"
	assert.Equal(t, "feedc0de", matrix(legFile).Commit)
	assert.Equal(t, "v1.2", matrix("-commit", "v1.2", legFile).Commit, "-commit wins")
	assert.Empty(t, matrix("-commit", "", legFile).Commit, "-commit '' says none")
	delete(h.env, "GITHUB_SHA")

	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git rev-parse HEAD: no git on PATH")
	}
	for _, args := range [][]string{
		{"init", "-q"},
		{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "x"},
	} {
		out, errOut, code := run(t, root, git, args...)
		require.Equal(t, 0, code, "git %v:\n%s%s", args, out, errOut)
	}
	head, _, code := run(t, root, git, "rev-parse", "HEAD")
	require.Equal(t, 0, code)
	require.Len(t, head, 41)
	assert.Equal(t, head[:40], matrix(legFile).Commit)
}

// The windows-wine leg runs each test binary with the count asked for.
func TestCheckWineLegCount(t *testing.T) {
	h := newHarness(t, testModule(t, ""), "", 0)
	var got wineRun
	h.app.runWine = func(_ context.Context, r wineRun) (string, error) {
		got = r
		return "wine-8.0", nil
	}
	h.run("-leg", "windows-wine", "-count", "4")
	assert.Equal(t, 4, got.count)
}

// With -count N the progress counts claim runs: N for each claim, a run
// past N (a test run again outside the count) not at all.
func TestProgressCountsRuns(t *testing.T) {
	h := newHarness(t, testModule(t, ""), "", 0)
	suites, err := h.app.findSuites(mustModule(t, h), nil)
	require.NoError(t, err)
	p := h.app.progress(suites, allClaims(suites), "linux/amd64", 2)
	for _, id := range []string{"fork-pid", "fork-pid", "fork-pid", "zombie"} {
		p.event(&verdict.Event{Action: "pass", Package: suites[0].Package, Test: suites[0].TestName(id)}, nil)
	}
	p.line(h.app.now())
	p.done()
	assert.Equal(t, "forkport: linux/amd64: 3 of 8 claim runs done (0 s)\n", h.stderr.String())
}
