package verdict

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/forkport/forkport/internal/claims"
)

// TextOptions control the text renderers.
type TextOptions struct {
	// Color adds ANSI colours to verdicts. The caller decides: only for a
	// terminal, never with NO_COLOR set.
	Color bool
}

// Printable returns s with every character a terminal would act on rather
// than show escaped as Go writes it in a quoted string: control characters
// (ESC, CR, BS, newline and tab, DEL, the C1 controls), other characters
// that do not print (format characters such as bidirectional overrides,
// U+2028), and bytes that are not UTF-8 become \x1b, \r, \u202e, \xff, ...
// A leg's text (claim ids, claims, details, script output) comes from
// outside the program: the renderers pass every such string through
// Printable (or printableLine), so a leg cannot move the cursor, rewrite
// lines or change the terminal's state. A backslash stays as it is (Windows
// paths), so the escaping is for display, not reversible.
func Printable(s string) string { return printable(s, false) }

// printableLine is Printable for a line of a program's output shown as a
// block of its own, where a tab (as in a Go panic's traceback) keeps its
// meaning.
func printableLine(s string) string { return printable(s, true) }

func printable(s string, keepTab bool) string {
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		c := s[i]
		clean = c >= ' ' && c < 0x7f || c == '\t' && keepTab
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t' && keepTab, r == ' ', strconv.IsPrint(r):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRuneToASCII(r) // '\x1b', '\u202e', '\n'
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

// printableLines is printableLine of each line.
func printableLines(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = printableLine(l)
	}
	return out
}

// OSTitle is how an OS is named in headings.
func OSTitle(os string) string {
	switch os {
	case "linux":
		return "Linux"
	case "darwin":
		return "macOS"
	case "windows":
		return "Windows"
	}
	return os
}

// Cell text: the verdict, then its detail.
func verdictText[S ~string](v S, detail string) string {
	if detail == "" {
		return string(v)
	}
	return string(v) + " — " + detail
}

// Shown is how every renderer shows a verdict and its detail: a flaky one
// as its Tally ("flaky (2 of 5 broken)"), with the detail after the tally
// that a flaky detail begins with ("run 2 of 5: testdata/script/..."); any
// other as it is.
func Shown(v Verdict, runs []Run, detail string) (label, rest string) {
	t := Tally(runs)
	if v != Flaky || t == "" {
		return string(v), detail
	}
	return t, strings.TrimPrefix(strings.TrimPrefix(detail, t), "; ")
}

// resultDetail is the verdict as shown and the detail below it.
func resultDetail(r Result) (string, string) {
	label, detail := Shown(r.Verdict, r.Runs, r.Detail)
	if r.Verdict == WineDeviation {
		detail = joinDetail(r.Wine, detail)
	}
	return label, detail
}

// listed reports whether a cell's detail is listed under a table: it is
// broken, flaky or not run, or slow.
func listed(v Verdict, slow bool) bool {
	return v.Fails() || v == NotRun || slow
}

var colors = map[Verdict]string{
	Holds:             "32",
	DiffersAsExpected: "32",
	WineDeviation:     "36",
	Broken:            "1;31",
	Flaky:             "1;35",
	NotRun:            "33",
}

func paint(on bool, v Verdict, s string) string {
	if !on || colors[v] == "" {
		return s
	}
	return "\x1b[" + colors[v] + "m" + s + "\x1b[0m"
}

// cell is one text table cell: its text and the verdict that colours it.
type cell struct {
	text string
	v    Verdict
	// more goes on the lines below text, wrapped: a verdict's detail, so
	// that the row's first line ends with the verdict itself.
	more string
}

// column is a text table column: its heading and the width at which its
// cells wrap (0: never).
type column struct {
	head string
	wrap int
}

// wrapText breaks s into lines of at most width runes at spaces. A word
// too long for the line goes on the next one, unless the line holds only a
// short lead-in ("broken —"), which it then stays with.
func wrapText(s string, width int) []string {
	if width <= 0 || utf8.RuneCountInString(s) <= width {
		return []string{s}
	}
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		n := utf8.RuneCountInString(line)
		switch {
		case line == "":
			line = word
		case n+1+utf8.RuneCountInString(word) <= width || n < width/4:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	return append(lines, line)
}

// writeTable writes rows aligned in columns two spaces apart, wrapping
// long cells onto continuation lines (the first column stays empty there).
// Headings and cells are written Printable.
// Widths count runes, so em dashes align; colour is applied after padding.
func writeTable(w io.Writer, color bool, cols []column, rows [][]cell) {
	widths := make([]int, len(cols))
	heads := make([]string, len(cols))
	for i, c := range cols {
		heads[i] = Printable(c.head)
		widths[i] = utf8.RuneCountInString(heads[i])
	}
	wrapped := make([][][]string, len(rows))
	for r, row := range rows {
		wrapped[r] = make([][]string, len(row))
		for i, c := range row {
			wrapped[r][i] = wrapText(Printable(c.text), cols[i].wrap)
			if c.more != "" {
				wrapped[r][i] = append(wrapped[r][i], wrapText(Printable(c.more), cols[i].wrap)...)
			}
			for _, l := range wrapped[r][i] {
				widths[i] = max(widths[i], utf8.RuneCountInString(l))
			}
		}
	}
	line := func(texts []string, verdicts []Verdict) {
		var b strings.Builder
		for i, text := range texts {
			if i < len(texts)-1 {
				text += strings.Repeat(" ", widths[i]-utf8.RuneCountInString(text)+2)
			}
			if verdicts != nil && strings.TrimSpace(text) != "" {
				text = paint(color, verdicts[i], text)
			}
			b.WriteString(text)
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(heads, nil)
	for r, row := range rows {
		verdicts := make([]Verdict, len(row))
		height := 0
		for i, c := range row {
			verdicts[i] = c.v
			height = max(height, len(wrapped[r][i]))
		}
		for k := 0; k < height; k++ {
			texts := make([]string, len(row))
			for i := range row {
				if k < len(wrapped[r][i]) {
					texts[i] = wrapped[r][i][k]
				}
			}
			line(texts, verdicts)
		}
	}
}

// Wrap widths of the text tables' long columns.
const (
	wrapClaim   = 48
	wrapExpect  = 40
	wrapVerdict = 48
)

// LegHeading is the one-line description of a leg.
func LegHeading(l *Leg) string {
	parts := []string{"forkport " + l.Leg}
	if l.Subject == claims.CPython && l.SubjectVersion != "" {
		parts = append(parts, "CPython "+l.SubjectVersion)
	}
	for _, p := range []string{l.Go, l.Forkport, l.Time} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " · ")
}

// Summary counts the verdicts in words: "12 claims: 9 hold, 2 differ as
// expected, 1 broken".
func Summary(l *Leg) string {
	n := l.Count()
	parts := []string{}
	add := func(v Verdict, one, many string) {
		if k := n[v]; k > 0 {
			word := many
			if k == 1 {
				word = one
			}
			parts = append(parts, fmt.Sprintf("%d %s", k, word))
		}
	}
	add(Holds, "holds", "hold")
	add(DiffersAsExpected, "differs as expected", "differ as expected")
	add(WineDeviation, "wine deviation", "wine deviations")
	add(Broken, "broken", "broken")
	add(Flaky, "flaky", "flaky")
	add(NotRun, "not run", "not run")
	s := fmt.Sprintf("%d claims", len(l.Claims))
	if len(l.Claims) == 1 {
		s = "1 claim"
	}
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	slow := 0
	for _, r := range l.Claims {
		if r.Slow {
			slow++
		}
	}
	if slow > 0 {
		s += fmt.Sprintf("; %d slow", slow)
	}
	if l.PerClaim > 1 {
		s += fmt.Sprintf("; each claim run %d times", l.PerClaim)
	}
	return s
}

// WriteLegText writes one leg as an aligned table: ID, claim, what is
// expected on the leg's OS, and the verdict (each row's first line ends with
// it) with its failing line or skip reason on the lines below; then each broken claim's commands and failing output, and the
// run's problems.
func WriteLegText(w io.Writer, l *Leg, opt TextOptions) {
	fmt.Fprintln(w, Printable(LegHeading(l)))
	fmt.Fprintln(w)
	expect := "EXPECTED ON " + strings.ToUpper(OSTitle(l.OS))
	if l.Subject == claims.CPython {
		expect = "EXPECTED OF CPYTHON ON " + strings.ToUpper(OSTitle(l.OS))
	}
	if l.Wine {
		expect += " (WINE)"
	}
	var rows [][]cell
	for _, r := range l.Claims {
		label, d := resultDetail(r)
		v := cell{text: label, v: r.Verdict}
		if d != "" {
			v.more = "— " + d
		}
		rows = append(rows, []cell{{text: r.ID}, {text: r.Claim}, {text: r.Expect.String()}, v})
	}
	cols := []column{{head: "ID"}, {head: "CLAIM", wrap: wrapClaim}, {head: expect, wrap: wrapExpect}, {head: "VERDICT", wrap: wrapVerdict}}
	writeTable(w, opt.Color, cols, rows)
	fmt.Fprintln(w)
	fmt.Fprintln(w, Summary(l)+".")
	for _, r := range l.Claims {
		if !r.Verdict.Fails() {
			continue
		}
		label, d := Shown(r.Verdict, r.Runs, r.Detail)
		fmt.Fprintln(w)
		fmt.Fprintf(w, "%s: %s\n", Printable(r.ID), paint(opt.Color, r.Verdict, Printable(verdictText(label, d))))
		for _, line := range Excerpt(r.Output) {
			fmt.Fprintln(w, "    "+printableLine(line))
		}
	}
	writeProblems(w, opt, "", l.Problems)
}

func writeProblems(w io.Writer, opt TextOptions, prefix string, ps []Problem) {
	for _, p := range ps {
		fmt.Fprintln(w)
		word := "note"
		if p.Fatal {
			word = paint(opt.Color, Broken, "error")
		}
		fmt.Fprintf(w, "%s: %s%s\n", word, Printable(prefix), Printable(p.Summary))
		for _, line := range p.Output {
			fmt.Fprintln(w, "    "+printableLine(line))
		}
	}
}

// maxExcerpt bounds the output lines shown for one command.
const maxExcerpt = 20

// Excerpt picks from a script log what a reader needs: every command run
// ("> ..." lines), the output after the last command (the failing line),
// and the last program output before it (the evidence a failing check
// looked at, such as the [stdout] of the exec before a stdout check), each
// at most maxExcerpt lines.
func Excerpt(log []string) []string {
	// blocks[i] is the output after command i; block -1 precedes them all.
	var cmds []int
	for i, l := range log {
		if strings.HasPrefix(l, "> ") {
			cmds = append(cmds, i)
		}
	}
	blockOf := func(k int) (int, int) { // lines [from, to) after command k
		from := 0
		if k >= 0 {
			from = cmds[k] + 1
		}
		to := len(log)
		if k+1 < len(cmds) {
			to = cmds[k+1]
		}
		return from, to
	}
	// The evidence: the last earlier block with a program's output in it
	// ([stdout], [stderr]), else the last earlier non-empty block.
	show := map[int]bool{len(cmds) - 1: true}
	evidence, fallback := -2, -2
	for k := len(cmds) - 2; k >= -1 && evidence == -2; k-- {
		from, to := blockOf(k)
		if to > from && fallback == -2 {
			fallback = k
		}
		for _, l := range log[from:to] {
			if l == "[stdout]" || l == "[stderr]" {
				evidence = k
				break
			}
		}
	}
	if evidence == -2 {
		evidence = fallback
	}
	show[evidence] = true
	var out []string
	emit := func(k int) {
		if !show[k] {
			return
		}
		from, to := blockOf(k)
		block := log[from:to]
		if len(block) > maxExcerpt {
			out = append(out, fmt.Sprintf("… (%d lines)", len(block)-maxExcerpt))
			block = block[len(block)-maxExcerpt:]
		}
		out = append(out, block...)
	}
	emit(-1)
	for k, i := range cmds {
		out = append(out, log[i])
		emit(k)
	}
	return out
}

// WriteMatrixText writes a merged matrix as an aligned table, claims as rows
// and legs as columns, the claim sentence last; then the detail of every
// cell that is broken or not run, and each leg's problems.
func WriteMatrixText(w io.Writer, m *Matrix, opt TextOptions) {
	cols := []column{{head: "ID"}}
	for _, l := range m.Legs {
		cols = append(cols, column{head: l.Label})
	}
	cols = append(cols, column{head: "CLAIM", wrap: 2 * wrapClaim})
	var rows [][]cell
	for _, r := range m.Claims {
		row := []cell{{text: r.ID}}
		for _, l := range m.Legs {
			c := r.Results[l.Label]
			label, _ := Shown(c.Verdict, c.Runs, c.Detail)
			row = append(row, cell{text: label, v: c.Verdict})
		}
		rows = append(rows, append(row, cell{text: r.Claim}))
	}
	writeTable(w, opt.Color, cols, rows)
	first := true
	gap := func() {
		if first {
			fmt.Fprintln(w)
			first = false
		}
	}
	uniform := m.uniformNotRun()
	for _, l := range m.Legs {
		if d, ok := uniform[l.Label]; ok {
			gap()
			fmt.Fprintf(w, "%s: every claim %s\n", Printable(l.Label), paint(opt.Color, NotRun, verdictText(NotRun, Printable(d))))
		}
	}
	for _, r := range m.Claims {
		for _, l := range m.Legs {
			c := r.Results[l.Label]
			if _, ok := uniform[l.Label]; ok || !listed(c.Verdict, c.Slow) {
				continue
			}
			gap()
			label, d := Shown(c.Verdict, c.Runs, c.Detail)
			fmt.Fprintf(w, "%s on %s: %s\n", Printable(r.ID), Printable(l.Label), paint(opt.Color, c.Verdict, Printable(verdictText(label, d))))
		}
	}
	for _, l := range m.Legs {
		writeProblems(w, opt, l.Label+": ", l.Problems)
	}
	for _, n := range m.Notes {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "note: "+Printable(n))
	}
}

// uniformNotRun finds the legs (of more than one claim) where every claim
// was not run for the same reason: their details are said once. It maps
// leg label to the reason.
func (m *Matrix) uniformNotRun() map[string]string {
	out := map[string]string{}
	if len(m.Claims) < 2 {
		return out
	}
	for _, l := range m.Legs {
		d := m.Claims[0].Results[l.Label].Detail
		same := true
		for _, r := range m.Claims {
			c := r.Results[l.Label]
			same = same && c.Verdict == NotRun && c.Detail == d
		}
		if same {
			out[l.Label] = d
		}
	}
	return out
}

var badges = map[Verdict]string{
	Holds:             "✅",
	DiffersAsExpected: "✅",
	WineDeviation:     "🍷",
	Broken:            "❌",
	Flaky:             "⚠️",
	NotRun:            "⚪",
}

// MarkdownEscape makes s safe in a GitHub-flavoured markdown table cell:
// it joins lines, escapes what does not print (Printable), then pipes and
// backslashes, and HTML.
func MarkdownEscape(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ").Replace(s)
	s = strings.NewReplacer(`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "&", "&amp;").Replace(Printable(s))
	return s
}

func mdCode(s string) string {
	s = strings.ReplaceAll(Printable(s), "|", `\|`)
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

func mdVerdict(v Verdict) string { return mdLabel(v, string(v)) }

// mdLabel is verdict v shown as label (its Tally, for a flaky one).
func mdLabel(v Verdict, label string) string { return badges[v] + " " + Printable(label) }

// WriteMatrixMarkdown writes a merged matrix as a GitHub-flavoured markdown
// table (for $GITHUB_STEP_SUMMARY and the README), then the details of what
// is broken or not run, each broken claim's output folded.
func WriteMatrixMarkdown(w io.Writer, m *Matrix) {
	fmt.Fprint(w, "| Claim |")
	for _, l := range m.Legs {
		fmt.Fprintf(w, " %s |", MarkdownEscape(l.Label))
	}
	fmt.Fprint(w, "\n| --- |")
	for range m.Legs {
		fmt.Fprint(w, " --- |")
	}
	fmt.Fprintln(w)
	for _, r := range m.Claims {
		fmt.Fprintf(w, "| %s %s |", mdCode(r.ID), MarkdownEscape(r.Claim))
		for _, l := range m.Legs {
			c := r.Results[l.Label]
			label, _ := Shown(c.Verdict, c.Runs, c.Detail)
			fmt.Fprintf(w, " %s |", mdLabel(c.Verdict, label))
		}
		fmt.Fprintln(w)
	}
	var details []string
	uniform := m.uniformNotRun()
	for _, l := range m.Legs {
		if d, ok := uniform[l.Label]; ok {
			details = append(details, fmt.Sprintf("- %s: every claim %s — %s\n", MarkdownEscape(l.Label), mdVerdict(NotRun), MarkdownEscape(d)))
		}
	}
	for _, r := range m.Claims {
		for _, l := range m.Legs {
			c := r.Results[l.Label]
			if _, ok := uniform[l.Label]; ok || !listed(c.Verdict, c.Slow) {
				continue
			}
			details = append(details, mdDetail(r.ID, l.Label, c.Verdict, c.Runs, c.Detail, c.Output))
		}
	}
	if len(details) > 0 {
		fmt.Fprintln(w)
		fmt.Fprint(w, strings.Join(details, ""))
	}
	for _, l := range m.Legs {
		mdProblems(w, l.Label+": ", l.Problems)
	}
	if len(m.Notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range m.Notes {
			fmt.Fprintf(w, "- Note: %s\n", MarkdownEscape(n))
		}
	}
}

func mdDetail(id, leg string, v Verdict, runs []Run, detail string, output []string) string {
	label, detail := Shown(v, runs, detail)
	text := fmt.Sprintf("%s on %s: %s", mdCode(id), MarkdownEscape(leg), mdLabel(v, label))
	if detail != "" {
		text += " — " + MarkdownEscape(detail)
	}
	ex := Excerpt(output)
	if len(ex) == 0 {
		return "- " + text + "\n"
	}
	summary := fmt.Sprintf("<code>%s</code> on %s: %s", html.EscapeString(Printable(id)), html.EscapeString(Printable(leg)), html.EscapeString(mdLabel(v, label)))
	if detail != "" {
		summary += " — " + html.EscapeString(Printable(detail))
	}
	return fmt.Sprintf("<details><summary>%s</summary>\n\n```text\n%s\n```\n\n</details>\n\n", summary, strings.Join(printableLines(ex), "\n"))
}

func mdProblems(w io.Writer, prefix string, ps []Problem) {
	for _, p := range ps {
		word := "Note"
		if p.Fatal {
			word = "❌ Error"
		}
		fmt.Fprintf(w, "\n**%s** %s%s\n", word, MarkdownEscape(prefix), MarkdownEscape(p.Summary))
		if len(p.Output) > 0 {
			fmt.Fprintf(w, "\n```text\n%s\n```\n", strings.Join(printableLines(p.Output), "\n"))
		}
	}
}

// WriteLegMarkdown writes one leg as a markdown table.
func WriteLegMarkdown(w io.Writer, l *Leg) {
	fmt.Fprintf(w, "**%s** — %s\n\n", MarkdownEscape(LegHeading(l)), MarkdownEscape(Summary(l)))
	fmt.Fprintf(w, "| Claim | Expected on %s | Verdict |\n| --- | --- | --- |\n", MarkdownEscape(l.Leg))
	for _, r := range l.Claims {
		label, d := resultDetail(r)
		v := mdLabel(r.Verdict, label)
		if d != "" {
			v += " — " + MarkdownEscape(d)
		}
		fmt.Fprintf(w, "| %s %s | %s | %s |\n", mdCode(r.ID), MarkdownEscape(r.Claim), MarkdownEscape(r.Expect.String()), v)
	}
	first := true
	for _, r := range l.Claims {
		if r.Verdict.Fails() {
			if first {
				fmt.Fprintln(w)
				first = false
			}
			fmt.Fprint(w, mdDetail(r.ID, l.Leg, r.Verdict, r.Runs, r.Detail, r.Output))
		}
	}
	mdProblems(w, "", l.Problems)
}

// WriteJSON writes v (a *Leg or *Matrix) as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteClaimsMarkdown writes the claim list as a markdown table: each
// claim, its source, and what each OS is expected to do (with the Wine
// deviation under Windows). When claims state the CPython subject, each
// cell gives both subjects' expectations, procs first.
func WriteClaimsMarkdown(w io.Writer, cs []*claims.Claim) {
	both := false
	for _, c := range cs {
		both = both || c.Expectations(claims.CPython) != nil
	}
	fmt.Fprint(w, "| Claim |")
	for _, os := range claims.OSes {
		fmt.Fprintf(w, " %s |", OSTitle(os))
	}
	fmt.Fprint(w, "\n| --- |")
	for range claims.OSes {
		fmt.Fprint(w, " --- |")
	}
	fmt.Fprintln(w)
	for _, c := range cs {
		fmt.Fprintf(w, "| %s %s<br>Source: %s |", mdCode(c.ID), MarkdownEscape(c.Claim), MarkdownEscape(c.Source))
		for _, os := range claims.OSes {
			text := MarkdownEscape(c.Expect[os].String())
			if both {
				text = "**procs:** " + text
			}
			if os == "windows" && c.Wine != "" {
				text += "<br>Wine: deviates — " + MarkdownEscape(c.Wine)
			}
			if both {
				py := "not stated"
				if e, ok := c.ExpectFor(claims.CPython, os); ok {
					py = MarkdownEscape(e.String())
				}
				text += "<br>**CPython:** " + py
			}
			fmt.Fprintf(w, " %s |", text)
		}
		fmt.Fprintln(w)
	}
}
