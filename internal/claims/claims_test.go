package claims_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/testutil"
)

// header builds a claim file from lines, each prefixed with "#".
func header(lines ...string) []byte {
	var b strings.Builder
	for _, l := range lines {
		if l == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("#" + l + "\n")
	}
	return []byte(b.String())
}

var okExpect = []string{" expect:", "   linux: holds", "   darwin: holds", "   windows: holds"}

var okCPython = []string{" expect cpython:", "   linux: holds", "   darwin: holds", "   windows: differs — no os.fork"}

func lines(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			out = append(out, p)
		case []string:
			out = append(out, p...)
		}
	}
	return out
}

func TestParseValid(t *testing.T) {
	holds := claims.Expectation{Outcome: claims.Holds}
	tests := []struct {
		name   string
		data   []byte
		claim  string
		source string
		expect map[string]claims.Expectation
		py     map[string]claims.Expectation // expect cpython:
		wine   string
	}{
		{
			name:  "procs and cpython",
			data:  header(lines(" claim: c", " source: s", okExpect, okCPython, " wine: deviates — w")...),
			claim: "c", source: "s", wine: "w",
			expect: map[string]claims.Expectation{"linux": holds, "darwin": holds, "windows": holds},
			py: map[string]claims.Expectation{"linux": holds, "darwin": holds,
				"windows": {Outcome: claims.Differs, Reason: "no os.fork"}},
		},
		{
			name:  "cpython first, with a continuation line",
			data:  header(lines(" claim: c", " source: s", " expect cpython:", "   linux: holds", "   darwin: holds", "   windows: differs — no", "     fork", okExpect)...),
			claim: "c", source: "s",
			expect: map[string]claims.Expectation{"linux": holds, "darwin": holds, "windows": holds},
			py: map[string]claims.Expectation{"linux": holds, "darwin": holds,
				"windows": {Outcome: claims.Differs, Reason: "no fork"}},
		},
		{
			name:   "all hold",
			data:   header(lines(" claim: fork copies the program.", " source: chapter, \"copying programs\"", okExpect)...),
			claim:  "fork copies the program.",
			source: "chapter, \"copying programs\"",
			expect: map[string]claims.Expectation{"linux": holds, "darwin": holds, "windows": holds},
		},
		{
			name: "em dash, spaced",
			data: header(" claim: c", " source: s", " expect:", "   linux: holds", "   darwin: holds",
				"   windows: differs — Windows has no fork"),
			claim: "c", source: "s",
			expect: map[string]claims.Expectation{"linux": holds, "darwin": holds,
				"windows": {Outcome: claims.Differs, Reason: "Windows has no fork"}},
		},
		{
			name: "em dash, unspaced; en dash; double hyphen; hyphen",
			data: header(" claim: c", " source: s", " expect:",
				"  linux: differs—no spaces",
				"  darwin: differs – en dash",
				"  windows: differs -- two hyphens"),
			claim: "c", source: "s",
			expect: map[string]claims.Expectation{
				"linux":   {Outcome: claims.Differs, Reason: "no spaces"},
				"darwin":  {Outcome: claims.Differs, Reason: "en dash"},
				"windows": {Outcome: claims.Differs, Reason: "two hyphens"},
			},
		},
		{
			name: "single hyphen keeps hyphens inside the reason",
			data: header(" claim: c", " source: s", " expect:", "   linux: holds", "   darwin: holds",
				"   windows: differs - CreateProcess-based emulation"),
			claim: "c", source: "s",
			expect: map[string]claims.Expectation{"linux": holds, "darwin": holds,
				"windows": {Outcome: claims.Differs, Reason: "CreateProcess-based emulation"}},
		},
		{
			name: "continuation lines and wine",
			data: header(" claim: a claim that goes on", "   over two lines.", " source: chapter,",
				"   \"quoted\"", " expect:", "   linux: holds", "   darwin: holds",
				"   windows: differs — a reason", "       that wraps", " wine: deviates — Wine is", "   not Windows"),
			claim: "a claim that goes on over two lines.", source: "chapter, \"quoted\"",
			expect: map[string]claims.Expectation{"linux": holds, "darwin": holds,
				"windows": {Outcome: claims.Differs, Reason: "a reason that wraps"}},
			wine: "Wine is not Windows",
		},
		{
			name:   "CRLF line endings",
			data:   []byte(strings.ReplaceAll(string(header(lines(" claim: c", " source: s", okExpect)...)), "\n", "\r\n")),
			claim:  "c",
			source: "s",
			expect: map[string]claims.Expectation{"linux": holds, "darwin": holds, "windows": holds},
		},
		{
			name: "header ended by prose, commands and file sections follow",
			data: append(header(lines(" claim: c", " source: s", okExpect, " Prose after the header: fine.")...),
				"exec fork1\n# a later comment: fine too\n-- f --\n# claim: data\n"...),
			claim: "c", source: "s",
			expect: map[string]claims.Expectation{"linux": holds, "darwin": holds, "windows": holds},
		},
		{
			name:  "further GOOS keys",
			data:  header(lines(" claim: c", " source: s", okExpect, "   freebsd: differs — no /proc", "   openbsd: holds")...),
			claim: "c", source: "s",
			expect: map[string]claims.Expectation{"linux": holds, "darwin": holds, "windows": holds,
				"freebsd": {Outcome: claims.Differs, Reason: "no /proc"}, "openbsd": holds},
		},
		{
			name:   "tab-indented entries",
			data:   header(" claim: c", " source: s", " expect:", "\tlinux: holds", "\tdarwin: holds", "\twindows: holds"),
			claim:  "c",
			source: "s",
			expect: map[string]claims.Expectation{"linux": holds, "darwin": holds, "windows": holds},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := claims.Parse("testdata/script/some-claim.txtar", tt.data)
			require.NoError(t, err)
			assert.Equal(t, "some-claim", c.ID)
			assert.Equal(t, tt.claim, c.Claim)
			assert.Equal(t, tt.source, c.Source)
			assert.Equal(t, tt.expect, c.Expect)
			assert.Equal(t, tt.expect, c.Expectations(claims.Procs))
			assert.Equal(t, tt.py, c.Expectations(claims.CPython))
			_, stated := c.ExpectFor(claims.CPython, "linux")
			assert.Equal(t, tt.py != nil, stated)
			assert.Equal(t, tt.wine, c.Wine)
		})
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		line int
		msg  string // a substring of the message
	}{
		{"empty file", nil, 1, "no claim header"},
		{"no header at all", []byte("exec fork1\n"), 1, "no claim header"},
		{"header not at the top", append([]byte("exec fork1\n"), header(lines(" claim: c", " source: s", okExpect)...)...), 2, "header not at the top: \"claim:\""},
		{"prose before the header", header(lines(" Some prose.", " claim: c", " source: s", okExpect)...), 2, "header not at the top"},
		{"header split by a blank comment", header(lines(" claim: c", "", " source: s", okExpect)...), 3, "\"source:\" is below the end of the header"},
		{"key later in the script", append(header(lines(" claim: c", " source: s", okExpect)...), "exec x\n# wine: deviates — late\n"...), 8, "header not at the top: \"wine:\""},
		{"missing claim", header(lines(" source: s", okExpect)...), 1, "missing \"claim:\" in the claim header (lines 1-5)"},
		{"missing source", header(lines(" claim: c", okExpect)...), 1, "missing \"source:\""},
		{"missing expect", header(" claim: c", " source: s"), 1, "missing \"expect:\""},
		{"empty claim", header(lines(" claim:", " source: s", okExpect)...), 1, "empty claim"},
		{"empty source", header(lines(" claim: c", " source:", okExpect)...), 2, "empty source"},
		{"unknown key", header(lines(" claim: c", " sauce: s", okExpect)...), 2, "unknown header key \"sauce\""},
		{"duplicate key", header(lines(" claim: c", " source: s", " claim: d", okExpect)...), 3, "duplicate \"claim:\" (first on line 1)"},
		{"expect with a value", header(" claim: c", " source: s", " expect: holds"), 3, "expect: takes no value"},
		{"unknown OS", header(lines(" claim: c", " source: s", okExpect, "   beos: holds")...), 7, "unknown OS \"beos\""},
		{"duplicate extra OS", header(lines(" claim: c", " source: s", okExpect, "   freebsd: holds", "   freebsd: holds")...), 8, "duplicate expect entry \"freebsd\" (first on line 7)"},
		{"bad extra OS outcome", header(lines(" claim: c", " source: s", okExpect, "   freebsd: differs")...), 7, "freebsd: differs needs a reason"},
		{"duplicate OS", header(lines(" claim: c", " source: s", okExpect, "   linux: holds")...), 7, "duplicate expect entry \"linux\" (first on line 4)"},
		{"missing OS", header(" claim: c", " source: s", " expect:", "   linux: holds", "   darwin: holds"), 3, "expect: missing windows"},
		{"entry without OS", header(" claim: c", " source: s", " expect:", "   it holds everywhere"), 4, "expect entry must be"},
		{"entry less indented", header(" claim: c", " source: s", " expect:", "    linux: holds", "   darwin: holds"), 5, "indented less"},
		{"differs without reason", header(" claim: c", " source: s", " expect:", "   linux: holds", "   darwin: holds", "   windows: differs"), 6, "windows: differs needs a reason"},
		{"differs with empty reason", header(" claim: c", " source: s", " expect:", "   linux: holds", "   darwin: holds", "   windows: differs — "), 6, "windows: differs needs a reason"},
		{"differs without separator", header(" claim: c", " source: s", " expect:", "   linux: holds", "   darwin: holds", "   windows: differs because"), 6, "separate the reason"},
		{"hyphen without spaces", header(" claim: c", " source: s", " expect:", "   linux: holds", "   darwin: holds", "   windows: differs -x"), 6, "separate the reason"},
		{"holds with a reason", header(" claim: c", " source: s", " expect:", "   linux: holds — always", "   darwin: holds", "   windows: holds"), 4, "linux: \"holds\" takes no reason"},
		{"unknown outcome", header(" claim: c", " source: s", " expect:", "   linux: works", "   darwin: holds", "   windows: holds"), 4, "want holds or differs"},
		{"empty outcome", header(" claim: c", " source: s", " expect:", "   linux:", "   darwin: holds", "   windows: holds"), 4, "empty expectation"},
		{"wine without deviates", header(lines(" claim: c", " source: s", okExpect, " wine: differs — x")...), 7, "wine: want \"deviates"},
		{"wine without reason", header(lines(" claim: c", " source: s", okExpect, " wine: deviates")...), 7, "wine: deviates needs a reason"},
		{"indented line first", header("   claim: c"), 1, "no claim header"},
		{"unknown subject", header(lines(" claim: c", " source: s", okExpect, " expect python:", "   linux: holds")...), 7, "unknown subject \"python\""},
		{"procs spelled out", header(lines(" claim: c", " source: s", okExpect, " expect procs:", "   linux: holds")...), 7, "unknown subject \"procs\""},
		{"cpython without expect", header(lines(" claim: c", " source: s", okCPython)...), 1, "missing \"expect:\""},
		{"cpython missing an OS", header(lines(" claim: c", " source: s", okExpect, " expect cpython:", "   linux: holds", "   windows: holds")...), 7, "expect cpython: missing darwin"},
		{"duplicate cpython", header(lines(" claim: c", " source: s", okExpect, okCPython, okCPython)...), 11, "duplicate \"expect cpython:\" (first on line 7)"},
		{"cpython with a value", header(lines(" claim: c", " source: s", okExpect, " expect cpython: holds")...), 7, "expect cpython: takes no value"},
		{"cpython bad outcome", header(lines(" claim: c", " source: s", okExpect, " expect cpython:", "   linux: holds", "   darwin: holds", "   windows: differs")...), 10, "windows: differs needs a reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := claims.Parse("testdata/script/bad.txtar", tt.data)
			require.Error(t, err)
			var ce *claims.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "testdata/script/bad.txtar", ce.File)
			assert.Equal(t, tt.line, ce.Line, "line of %q", err)
			assert.Contains(t, ce.Msg, tt.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "testdata/script/bad.txtar:"), "error %q names the file and line", err)
		})
	}
}

func TestLoad(t *testing.T) {
	cs, err := claims.Load(filepath.Join("testdata", "valid"))
	require.NoError(t, err)
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	assert.Equal(t, []string{"exec-replaces", "fork-pid", "zombie"}, ids, "sorted by ID")
	assert.Equal(t, "Windows has no exec; procs starts the new program, waits for it and exits with its status",
		cs[0].Expect["windows"].Reason)
	assert.Equal(t, "Wine reports the exit status of a killed child as 0 rather than 1", cs[0].Wine)
	assert.Equal(t, "differs — Windows has no zombies", cs[2].Expect["windows"].String())
	assert.Equal(t, "holds", cs[2].Expect["linux"].String())
}

func TestLoadReportsEveryMalformedFile(t *testing.T) {
	_, err := claims.Load(filepath.Join("testdata", "malformed"))
	require.Error(t, err)
	var joined interface{ Unwrap() []error }
	require.True(t, errors.As(err, &joined))
	errs := joined.Unwrap()
	require.Len(t, errs, 2)
	assert.Contains(t, errs[0].Error(), filepath.Join("testdata", "malformed", "bad-os.txtar")+":7: unknown OS \"beos\"")
	assert.Contains(t, errs[1].Error(), filepath.Join("testdata", "malformed", "no-source.txtar")+":1: missing \"source:\"")
}

func TestLoadEmpty(t *testing.T) {
	dir := testutil.TempDir(t)
	_, err := claims.Load(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no claim files")

	_, err = claims.Load(filepath.Join(dir, "missing"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no claim files")
}

// TestSuite parses the real behaviour suite, when there is one.
func TestSuite(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "script")
	paths, _ := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if len(paths) == 0 {
		t.Skip("no behaviour suite in testdata/script yet")
	}
	_, err := claims.Load(dir)
	assert.NoError(t, err)
}

// FuzzParse: a claim file is input from outside the program; Parse must
// return a claim or an *Error, never panic, and a claim it returns states
// linux, darwin and windows.
func FuzzParse(f *testing.F) {
	f.Add(header(lines(" claim: c", " source: s", okExpect)...))
	f.Add(header(lines(" claim: c", " source: s", okExpect, "   freebsd: differs — x", " wine: deviates — y")...))
	f.Add([]byte("# claim:\n#   linux: holds\n"))
	f.Add([]byte("-- f --\n# claim: x\n"))
	f.Add(header(lines(" claim: c", " source: s", okExpect, okCPython, " wine: deviates — y")...))
	f.Add(header(lines(" claim: c", " source: s", okExpect, " expect cpython:", "   linux: holds")...))
	f.Add(append(header(lines(" claim: c", " source: s", okExpect, okCPython, " wine: deviates — y")...),
		"\n[cpython] [differs] [windows] stdout a\n[!holds] [!unix] eq a b\n[wine] [holds] x\n[$X] y\n['z'] w\n[]\n[!] q\n"...))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := claims.Parse("f.txtar", data)
		if err != nil {
			var ce *claims.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *claims.Error", err)
			}
			return
		}
		for _, os := range claims.OSes {
			if _, ok := c.Expect[os]; !ok {
				t.Fatalf("claim without %s: %+v", os, c)
			}
			// A stated subject states every OS.
			if py := c.Expectations(claims.CPython); py != nil {
				if _, ok := py[os]; !ok {
					t.Fatalf("cpython block without %s: %+v", os, c)
				}
			}
		}
		for subject := range c.Subjects {
			if !claims.KnownSubject(subject) || subject == claims.Procs {
				t.Fatalf("subject %q: %+v", subject, c)
			}
		}
		if c.Claim == "" || c.Source == "" {
			t.Fatalf("empty claim or source: %+v", c)
		}
		// Agrees names a line of the file, or nothing.
		if err := c.Agrees(); err != nil {
			var ce *claims.Error
			if !errors.As(err, &ce) || ce.File != "f.txtar" || ce.Line < 1 || ce.Line > strings.Count(string(data), "\n")+1 {
				t.Fatalf("Agrees: %v is not a *claims.Error naming a line of the file", err)
			}
		}
	})
}
