package verdict_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/verdict"
)

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// column returns the rune offset at which heading starts in the table's
// header line, and the lines of the table (up to the first blank line).
func table(t *testing.T, out, firstHeading string) []string {
	t.Helper()
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, firstHeading) {
			var tbl []string
			for _, l := range lines[i:] {
				if l == "" {
					break
				}
				tbl = append(tbl, l)
			}
			return tbl
		}
	}
	require.FailNow(t, "no table", out)
	return nil
}

func runeIndex(s, sub string) int {
	i := strings.Index(s, sub)
	if i < 0 {
		return -1
	}
	return utf8.RuneCountInString(s[:i])
}

func sampleLeg(t *testing.T) *verdict.Leg {
	cs := loadClaims(t)
	l := verdict.Evaluate(cs, stream(t, "linux-broken.json"), leg(t, "windows-wine"), pkg)
	l.Go, l.Forkport, l.Time = "go1.26.8", "v1.2.3", "2026-11-26T00:40:00Z"
	return l
}

func TestWriteLegTextAlignment(t *testing.T) {
	for _, color := range []bool{false, true} {
		var b bytes.Buffer
		verdict.WriteLegText(&b, sampleLeg(t), verdict.TextOptions{Color: color})
		out := b.String()
		assert.Equal(t, color, ansi.MatchString(out), "colour only when asked")
		plain := ansi.ReplaceAllString(out, "")
		tbl := table(t, plain, "ID ")
		head := tbl[0]
		claimCol, expectCol, verdictCol := runeIndex(head, "CLAIM"), runeIndex(head, "EXPECTED ON WINDOWS (WINE)"), runeIndex(head, "VERDICT")
		require.True(t, 0 < claimCol && claimCol < expectCol && expectCol < verdictCol, head)
		rows := 0
		verdictWords := regexp.MustCompile(`  (holds|differs as expected|wine deviation|broken|not run)$`)
		for _, l := range tbl[1:] {
			if !strings.HasPrefix(l, " ") {
				rows++
				id := strings.Fields(l)[0]
				rest := l[len(id):]
				assert.Equal(t, claimCol, len(id)+len(rest)-len(strings.TrimLeft(rest, " ")), "claim column of %q", l)
				assert.Regexp(t, verdictWords, l, "a row's first line ends with the verdict")
			}
		}
		assert.Equal(t, 4, rows, "one row per claim")
		// The differs reason (with an em dash), the verdicts and their
		// details (on the lines below) start in their columns.
		for _, want := range []string{"differs — Windows has no exec;", "— testdata/script/exec-replaces.txtar:9:", "differs as expected", "— skipped:"} {
			found := false
			for _, l := range tbl {
				if i := runeIndex(l, want); i >= 0 {
					found = true
					if strings.HasPrefix(want, "differs —") {
						assert.Equal(t, expectCol, i, want)
					} else {
						assert.Equal(t, verdictCol, i, want)
					}
				}
			}
			assert.True(t, found, "%q in %s", want, plain)
		}
		assert.Contains(t, plain, "4 claims: 1 differs as expected, 1 broken, 2 not run.")
		assert.Contains(t, plain, "exec-replaces: broken — testdata/script/exec-replaces.txtar:9: unexpected command failure\n    > exec printpid\n")
		assert.True(t, strings.HasPrefix(plain, "forkport windows-wine · go1.26.8 · v1.2.3 · 2026-11-26T00:40:00Z\n"))
	}
}

func TestWriteMatrixText(t *testing.T) {
	cs := loadClaims(t)
	a := verdict.Evaluate(cs, stream(t, "linux-pass.json"), leg(t, "linux/amd64"), pkg)
	b := verdict.Evaluate(cs, stream(t, "linux-pass.json"), leg(t, "windows-wine"), pkg)
	c := verdict.Evaluate(cs, stream(t, "build-failed.json"), leg(t, "darwin/arm64"), pkg)
	m := verdict.Merge(cs, []*verdict.Leg{a, b, c}, nil)
	for _, color := range []bool{false, true} {
		var buf bytes.Buffer
		verdict.WriteMatrixText(&buf, m, verdict.TextOptions{Color: color})
		assert.Equal(t, color, ansi.MatchString(buf.String()))
		plain := ansi.ReplaceAllString(buf.String(), "")
		tbl := table(t, plain, "ID ")
		cols := []int{runeIndex(tbl[0], "linux/amd64"), runeIndex(tbl[0], "darwin/arm64"), runeIndex(tbl[0], "windows-wine"), runeIndex(tbl[0], "CLAIM")}
		assert.True(t, cols[0] < cols[1] && cols[1] < cols[2] && cols[2] < cols[3], "legs ordered linux, darwin, windows-wine: %q", tbl[0])
		for _, l := range tbl[1:] {
			f := regexp.MustCompile(`\S+( \S+)*`).FindAllStringIndex(l, -1)
			require.GreaterOrEqual(t, len(f), 5, l)
			for i, col := range cols {
				assert.Equal(t, col, utf8.RuneCountInString(l[:f[i+1][0]]), "column %d of %q", i, l)
			}
		}
		assert.Contains(t, plain, "exec-replaces  holds        not run       wine deviation       exec replaces the calling program.\n")
		assert.Contains(t, plain, "darwin/arm64: every claim not run — no result: the build failed")
		assert.Contains(t, plain, "error: darwin/arm64: build failed: github.com/forkport/forkport [github.com/forkport/forkport.test]\n    # github.com/forkport/forkport")
		assert.Contains(t, plain, "zombie on linux/amd64: not run — skipped: needs the Windows leg to show the difference")
	}
}

func TestMarkdownEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a | b", `a \| b`},
		{`back\slash`, `back\\slash`},
		{"<reason> & more", "&lt;reason&gt; &amp; more"},
		{"two\nlines", "two lines"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, verdict.MarkdownEscape(tt.in), tt.in)
	}
}

// Pipes in claims, reasons and details never break a markdown table row.
func TestMarkdownTablesEscapePipes(t *testing.T) {
	c := &claims.Claim{ID: "pipe|id", Claim: "a | b", Source: "x|y",
		Expect: map[string]claims.Expectation{"linux": {Outcome: claims.Holds}, "darwin": {Outcome: claims.Holds},
			"windows": {Outcome: claims.Differs, Reason: "c | d"}}, Wine: "e | f"}
	l := &verdict.Leg{Format: verdict.Format, Leg: "windows-wine", OS: "windows", Wine: true, Claims: []verdict.Result{
		{ID: c.ID, Claim: c.Claim, Expect: c.Expect["windows"], Status: verdict.StatusFail, Verdict: verdict.Broken, Detail: "x.txtar:3: no match for `a|b`"},
	}}
	m := verdict.Merge([]*claims.Claim{c}, []*verdict.Leg{l}, nil)

	var b bytes.Buffer
	verdict.WriteClaimsMarkdown(&b, []*claims.Claim{c})
	b.WriteString("\n")
	verdict.WriteMatrixMarkdown(&b, m)
	b.WriteString("\n")
	verdict.WriteLegMarkdown(&b, l)
	unescaped := regexp.MustCompile(`(^|[^\\])\|`)
	want, tables := 0, 0
	for _, line := range strings.Split(b.String(), "\n") {
		if !strings.HasPrefix(line, "|") {
			want = 0
			continue
		}
		n := len(unescaped.FindAllString(line, -1))
		if want == 0 {
			want, tables = n, tables+1 // a table's header row
			continue
		}
		assert.Equal(t, want, n, "cells of %q", line)
	}
	assert.Equal(t, 3, tables)
	out := b.String()
	assert.Contains(t, out, "| `pipe\\|id` a \\| b<br>Source: x\\|y | holds | holds | differs — c \\| d<br>Wine: deviates — e \\| f |")
	assert.Contains(t, out, "| `pipe\\|id` a \\| b | ❌ broken |")
	assert.Contains(t, out, "❌ broken — x.txtar:3: no match for `a\\|b`")
}

func TestWriteMatrixMarkdown(t *testing.T) {
	cs := loadClaims(t)
	a := verdict.Evaluate(cs, stream(t, "linux-broken.json"), leg(t, "linux/amd64"), pkg)
	b := verdict.Evaluate(cs, stream(t, "linux-pass.json"), leg(t, "windows-wine"), pkg)
	var buf bytes.Buffer
	verdict.WriteMatrixMarkdown(&buf, verdict.Merge(cs, []*verdict.Leg{a, b}, nil))
	out := buf.String()
	assert.True(t, strings.HasPrefix(out, "| Claim | linux/amd64 | windows-wine |\n| --- | --- | --- |\n"), out)
	assert.Contains(t, out, "| `exec-replaces` exec replaces the calling program. | ❌ broken | 🍷 wine deviation |\n")
	assert.Contains(t, out, "| `fork-pid` fork returns the child's PID to the parent, and the child is a new process. | ✅ holds | ✅ differs as expected |\n")
	assert.Contains(t, out, "<details><summary><code>exec-replaces</code> on linux/amd64: ❌ broken — testdata/script/exec-replaces.txtar:9: unexpected command failure</summary>\n\n```text\n> exec printpid\n")
	assert.Contains(t, out, "- `zombie` on windows-wine: ⚪ not run — skipped: needs the Windows leg to show the difference\n")
	assert.NotContains(t, out, "\x1b[", "no colour in markdown")
}

func TestWriteJSON(t *testing.T) {
	cs := loadClaims(t)
	m := verdict.Merge(cs, []*verdict.Leg{sampleLeg(t)}, []string{"wine.json"})
	var buf bytes.Buffer
	require.NoError(t, verdict.WriteJSON(&buf, m))
	var back verdict.Matrix
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, *m, back)
	assert.Contains(t, buf.String(), `"format": "forkport.matrix/v2"`)
}

func TestExcerpt(t *testing.T) {
	log := []string{"> exec a", "[stdout]", "one", "> exec b", "[stdout]", "two", "> stdout three", "FAIL: x.txtar:4: no match for `three` found in stdout"}
	assert.Equal(t, []string{"> exec a", "> exec b", "[stdout]", "two", "> stdout three", "FAIL: x.txtar:4: no match for `three` found in stdout"}, verdict.Excerpt(log))

	// The evidence is the last output, even several commands back.
	log = []string{"> exec run fork1", "[stdout]", "Hello from parent 1 2", "> setmatch stdout x", "parent=1", "> ! eq 1 2", "> stdout -count=2 '^Hello'", "FAIL: x.txtar:16: have 1 matches for `^Hello`, want 2"}
	assert.Equal(t, []string{"> exec run fork1", "[stdout]", "Hello from parent 1 2", "> setmatch stdout x", "> ! eq 1 2", "> stdout -count=2 '^Hello'", "FAIL: x.txtar:16: have 1 matches for `^Hello`, want 2"}, verdict.Excerpt(log))
	log = []string{"> setmatch stdout x", "parent=1", "> eq 1 2", "FAIL: x.txtar:2: \"1\" and \"2\" differ"}
	assert.Equal(t, log, verdict.Excerpt(log), "no program output: the last block")
	log = []string{"> exec a", "[stdout]", "old", "> exec b", "[stdout]", "new", "> eq 1 2", "> eq 3 4", "FAIL: x.txtar:5: \"3\" and \"4\" differ"}
	assert.Equal(t, []string{"> exec a", "> exec b", "[stdout]", "new", "> eq 1 2", "> eq 3 4", "FAIL: x.txtar:5: \"3\" and \"4\" differ"}, verdict.Excerpt(log))

	long := []string{"> exec a", "[stdout]"}
	for i := 0; i < 30; i++ {
		long = append(long, "line")
	}
	long = append(long, "FAIL: x.txtar:1: boom")
	ex := verdict.Excerpt(long)
	assert.Equal(t, "> exec a", ex[0])
	assert.Equal(t, "… (12 lines)", ex[1])
	assert.Equal(t, "FAIL: x.txtar:1: boom", ex[len(ex)-1])
	assert.Len(t, ex, 22)

	assert.Equal(t, []string{"FAIL: x.txtar:2: unknown command \"frob\""}, verdict.Excerpt([]string{"FAIL: x.txtar:2: unknown command \"frob\""}))
}

// When claims state the CPython subject, the claim list gives both
// subjects' expectations in each OS's cell; a CPython leg's table says whose
// expectations it shows.
func TestClaimsMarkdownBothSubjects(t *testing.T) {
	holds := claims.Expectation{Outcome: claims.Holds}
	both := &claims.Claim{ID: "fork-pid", Claim: "fork returns the PID.", Source: "chapter",
		Expect: map[string]claims.Expectation{"linux": holds, "darwin": holds, "windows": holds},
		Subjects: map[string]map[string]claims.Expectation{claims.CPython: {"linux": holds, "darwin": holds,
			"windows": {Outcome: claims.Differs, Reason: "no os.fork"}}},
		Wine: "w"}
	procsOnly := &claims.Claim{ID: "other", Claim: "c.", Source: "s",
		Expect: map[string]claims.Expectation{"linux": holds, "darwin": holds, "windows": holds}}
	var b bytes.Buffer
	verdict.WriteClaimsMarkdown(&b, []*claims.Claim{both, procsOnly})
	assert.Contains(t, b.String(), "| `fork-pid` fork returns the PID.<br>Source: chapter | **procs:** holds<br>**CPython:** holds | **procs:** holds<br>**CPython:** holds | **procs:** holds<br>Wine: deviates — w<br>**CPython:** differs — no os.fork |\n")
	assert.Contains(t, b.String(), "| `other` c.<br>Source: s | **procs:** holds<br>**CPython:** not stated |")

	b.Reset()
	verdict.WriteClaimsMarkdown(&b, []*claims.Claim{procsOnly})
	assert.Contains(t, b.String(), "| `other` c.<br>Source: s | holds | holds | holds |\n", "procs only: as before")

	b.Reset()
	l := &verdict.Leg{Format: verdict.Format, Leg: "linux/amd64 cpython3.11", OS: "linux", Subject: "cpython", SubjectVersion: "3.11.7"}
	verdict.WriteLegText(&b, l, verdict.TextOptions{})
	assert.Contains(t, b.String(), "forkport linux/amd64 cpython3.11 · CPython 3.11.7\n")
	assert.Contains(t, b.String(), "EXPECTED OF CPYTHON ON LINUX")
}

// hostileLeg is a leg document whose every string carries what a terminal
// acts on: ESC sequences (clear screen, set the title, colour), CR, BS,
// a C1 CSI, a bidirectional override, DEL, a byte that is not UTF-8.
const hostileLeg = `{"format":"forkport.leg/v1","leg":"linux","os":"linux","go":"go1\u001b[2J",
 "problems":[{"summary":"boom\u001b]0;pwned\u0007","output":["\tat x\u001b[31m","\r\u009b1A"],"fatal":false}],
 "claims":[
  {"id":"evil\u001b[2Jid","claim":"claims\rover\bwrite\u202e","expect":{"outcome":"holds"},
   "status":"fail","verdict":"broken","detail":"line\u001b[1A\u007f","output":["> exec x","[stdout]","\u001b[31mred\ttab"]},
  {"id":"ok","claim":"fine","expect":{"outcome":"holds"},"status":"skip","verdict":"not run","detail":"skip \u001b[K"}]}`

// Text and markdown output escape every control character a leg carries:
// what is left is the renderer's own newlines (and colours, when asked
// for), and tabs in output blocks.
func TestRenderersEscapeControlCharacters(t *testing.T) {
	in, err := verdict.ReadInput(strings.NewReader(hostileLeg))
	require.NoError(t, err)
	require.NotNil(t, in.Leg)
	m := verdict.Merge(nil, []*verdict.Leg{in.Leg}, nil)
	for _, tt := range []struct {
		name  string
		write func(*bytes.Buffer)
	}{
		{"leg text", func(b *bytes.Buffer) { verdict.WriteLegText(b, in.Leg, verdict.TextOptions{}) }},
		{"leg text in colour", func(b *bytes.Buffer) { verdict.WriteLegText(b, in.Leg, verdict.TextOptions{Color: true}) }},
		{"matrix text", func(b *bytes.Buffer) { verdict.WriteMatrixText(b, m, verdict.TextOptions{}) }},
		{"matrix text in colour", func(b *bytes.Buffer) { verdict.WriteMatrixText(b, m, verdict.TextOptions{Color: true}) }},
		{"leg markdown", func(b *bytes.Buffer) { verdict.WriteLegMarkdown(b, in.Leg) }},
		{"matrix markdown", func(b *bytes.Buffer) { verdict.WriteMatrixMarkdown(b, m) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			tt.write(&b)
			out := ansi.ReplaceAllString(b.String(), "") // the renderer's own colours
			assert.Equal(t, "", controls(out), "control characters in:\n%s", out)
			assert.Contains(t, out, `evil\x1b[2Jid`)
			assert.Contains(t, out, `\x7f`)
			if !strings.Contains(tt.name, "matrix text") { // the matrix shows no output blocks
				assert.Contains(t, out, `\x1b[31mred`+"\ttab")
			}
		})
	}
	assert.Equal(t, `a\x1b[2Jb\r\n\t\u009b\u202e\xff—\ok`, verdict.Printable("a\x1b[2Jb\r\n\t\u009b\u202e\xff—\\ok"))
	assert.Equal(t, "plain — text", verdict.Printable("plain — text"))
}

// controls lists the characters of s that a terminal acts on, other than
// newline and tab: C0, DEL, C1, format characters, bytes that are not
// UTF-8.
func controls(s string) string {
	var bad []string
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"),
			r < ' ' && r != '\n' && r != '\t', r == 0x7f, r >= 0x80 && r < 0xa0, r == 0x202e:
			bad = append(bad, fmt.Sprintf("%U at %d", r, i))
		}
	}
	return strings.Join(bad, ", ")
}
