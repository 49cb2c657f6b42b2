package claims_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/claims"
)

// claimFile is a claim with the expect block procs (linux, darwin,
// windows), an optional CPython block and wine line, and script.
func claimFile(procs, cpython []string, wine, script string) []byte {
	b := "# claim: c\n# source: s\n# expect:\n"
	for i, os := range []string{"linux", "darwin", "windows"} {
		b += "#   " + os + ": " + procs[i] + "\n"
	}
	if cpython != nil {
		b += "# expect cpython:\n"
		for i, os := range []string{"linux", "darwin", "windows"} {
			b += "#   " + os + ": " + cpython[i] + "\n"
		}
	}
	if wine != "" {
		b += "# wine: deviates — " + wine + "\n"
	}
	return []byte(b + "\n" + script)
}

const d = "differs — r"

var (
	allHold     = []string{"holds", "holds", "holds"}
	windowsDiff = []string{"holds", "holds", d}
	unixDiff    = []string{d, d, "holds"}
	allDiffer   = []string{d, d, d}
)

// TestAgrees: each rule of Claim.Agrees, with the line it names.
func TestAgrees(t *testing.T) {
	tests := []struct {
		name    string
		procs   []string
		cpython []string
		wine    string
		script  string
		line    int    // 0: the claim agrees
		want    string // in the message
	}{
		{name: "holds everywhere, no conditions", procs: allHold, script: "exec x\nstdout y\n"},
		{name: "differs and holds branches", procs: unixDiff, script: "exec x\n[differs] stdout 44\n[holds] stdout 300\n"},
		{name: "[!holds] is [differs]", procs: unixDiff, script: "exec x\n[!holds] stdout 44\n"},
		{name: "GOOS narrows a [differs] line", procs: allDiffer, script: "[differs] [unix] stdout a\n[differs] [windows] stdout b\n"},
		{name: "subject narrows a [differs] line", procs: windowsDiff, cpython: allDiffer, script: "[cpython] [differs] stdout a\n[!cpython] [differs] stdout b\n"},
		{name: "wine line and [wine]", procs: allHold, wine: "w", script: "[!wine] stdout a\n[wine] stdout b\n"},
		{name: "comments and blank lines", procs: allHold, script: "# [windows] in a comment\n\n  # [linux]\nexec x\n"},
		{name: "a condition after the command is an argument", procs: allHold, script: "stdout '[windows]'\n"},

		{name: "the issue: GOOS on a line that checks the claim", procs: []string{"holds", d, "holds"},
			script: "! exec runall exitwith 300\n[!windows] stdout 44\n[windows] stdout 300\n", line: 9, want: "[!windows] on a line that checks the claim as stated"},
		{name: "[unix] with [holds]", procs: windowsDiff, script: "[holds] [unix] stdout a\n[differs] stdout b\n", line: 8, want: "[unix] on a line that checks the claim as stated"},
		{name: "GOOS on a setup line", procs: allHold, script: "[windows] cp a b.exe\n", line: 8, want: "[windows] on a line"},
		{name: "[cpython] outside [differs]", procs: allHold, cpython: allHold, script: "[cpython] stdout a\n", line: 12, want: "[cpython] on a line that checks the claim as stated"},
		{name: "[!cpython] outside [differs]", procs: allHold, cpython: allHold, script: "[!cpython] stdout a\n", line: 12, want: "[!cpython] on a line"},
		{name: "differs without a [differs] line", procs: windowsDiff, script: "exec x\nstdout a\n", line: 3, want: "expect: says differs on windows, but no [differs] line of the script runs there"},
		{name: "[differs] narrowed away from a differing OS", procs: allDiffer, script: "[differs] [unix] stdout a\n", line: 3, want: "expect: says differs on windows"},
		{name: "CPython differs without a line for it", procs: windowsDiff, cpython: allDiffer, script: "[!cpython] [differs] stdout a\n", line: 7, want: "expect cpython: says differs on darwin, linux, windows"},
		{name: "relabelled: [differs] under holds everywhere", procs: allHold, script: "[differs] stdout 44\n[holds] stdout 300\n", line: 8, want: "[differs] never runs: expect: says holds on every OS"},
		{name: "relabelled: [holds] under differs everywhere", procs: allDiffer, script: "[differs] stdout 44\n[holds] stdout 300\n", line: 9, want: "[holds] never runs: expect: says differs on every OS"},
		{name: "[holds] and [differs] together", procs: windowsDiff, script: "[holds] [differs] stdout a\n[differs] stdout b\n", line: 8, want: "never runs: the line also asks for the other word"},
		{name: "[wine] without a wine line", procs: allHold, script: "exec x\n[wine] stdout a\n", line: 9, want: "[wine] without a \"wine:\" line"},
		{name: "wine line without [wine]", procs: allHold, wine: "w", script: "exec x\n", line: 7, want: "no line of the script is marked [wine] or [!wine]"},
		{name: "condition computed at run time", procs: allHold, script: "[$OS] stdout a\n", line: 8, want: "condition [$OS] is computed when the script runs"},
		{name: "quoted condition", procs: allHold, script: "['windows'] stdout a\n", line: 8, want: "is computed when the script runs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := claims.Parse("x.txtar", claimFile(tt.procs, tt.cpython, tt.wine, tt.script))
			require.NoError(t, err, "the header is well formed")
			err = c.Agrees()
			if tt.line == 0 {
				assert.NoError(t, err)
				return
			}
			var ce *claims.Error
			require.True(t, errors.As(err, &ce), "want a *claims.Error, got %v", err)
			assert.Equal(t, "x.txtar", ce.File)
			assert.Equal(t, tt.line, ce.Line, "%v", err)
			assert.Contains(t, ce.Msg, tt.want)
		})
	}
}

// Every claim of forkport's suite and of the example module follows its
// header.
func TestSuiteClaimsAgree(t *testing.T) {
	for _, dir := range []string{"../../testdata/script", "../../testdata/example/testdata/script"} {
		cs, err := claims.Load(dir)
		require.NoError(t, err)
		for _, c := range cs {
			assert.NoError(t, c.Agrees(), c.ID)
		}
	}
}

func TestRanAgainst(t *testing.T) {
	line := "    procstest.go:277: " + claims.RanAgainst(claims.CPython, "linux", claims.Differs)
	subject, goos, o, ok := claims.ParseRanAgainst(line)
	require.True(t, ok)
	assert.Equal(t, []string{claims.CPython, "linux", string(claims.Differs)}, []string{subject, goos, string(o)})
	for _, bad := range []string{"", "procstest: ran against linux", "procstest: ran against linux: maybe (procs)", "procstest: ran against linux: holds (pypy)", "procstest: ran against linux: holds procs"} {
		_, _, _, ok := claims.ParseRanAgainst(bad)
		assert.False(t, ok, bad)
	}
	assert.Equal(t, claims.CPython, claims.SubjectOfTest("TestScriptsCPython/fork-pid"))
	assert.Equal(t, claims.Procs, claims.SubjectOfTest("TestScripts/CPython"))
	assert.Equal(t, claims.Procs, claims.SubjectOfTest("TestClaims"))
}
