package claims

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rogpeppe/go-internal/imports"
)

// Conditions the script of a claim uses to follow its header. procstest
// defines them; Parse checks their use.
const (
	// CondHolds is true where the header says holds: on the OS the script
	// runs on, for the subject it runs against.
	CondHolds = "holds"
	// CondDiffers is true where the header says differs.
	CondDiffers = "differs"
	// CondWine is true when the Windows test binary runs under Wine.
	CondWine = "wine"
)

// CPythonTestSuffix ends the name of a test that runs a suite's claims
// against the CPython subject: TestScriptsCPython runs TestScripts's claims
// with CPython twins for programs.
const CPythonTestSuffix = "CPython"

// SubjectOfTest is the subject the top-level test named test (or one of its
// subtests) runs: CPython for a name ending in CPythonTestSuffix, else
// Procs. procstest and the verdicts both go by it, so that the header block
// a script follows is the one its results are judged against.
func SubjectOfTest(test string) string {
	top, _, _ := strings.Cut(test, "/")
	if strings.HasSuffix(top, CPythonTestSuffix) {
		return CPython
	}
	return Procs
}

// ranPrefix starts the line procstest logs in each claim's subtest: what
// the header said for the OS and subject the script ran against.
const ranPrefix = "procstest: ran against "

// RanAgainst is the line procstest logs before a claim's script runs:
// "procstest: ran against linux: differs (procs)". A verdict reached later
// from the results compares it with the header as it is then.
func RanAgainst(subject, goos string, o Outcome) string {
	return fmt.Sprintf("%s%s: %s (%s)", ranPrefix, goos, o, subject)
}

// ParseRanAgainst finds a RanAgainst line in a subtest's output line.
func ParseRanAgainst(line string) (subject, goos string, o Outcome, ok bool) {
	_, rest, found := strings.Cut(line, ranPrefix)
	if !found {
		return "", "", "", false
	}
	goos, rest, found = strings.Cut(rest, ": ")
	if !found {
		return "", "", "", false
	}
	word, rest, found := strings.Cut(rest, " (")
	subject, found2 := strings.CutSuffix(strings.TrimSpace(rest), ")")
	if !found || !found2 || (word != string(Holds) && word != string(Differs)) || !KnownSubject(subject) {
		return "", "", "", false
	}
	return subject, goos, Outcome(word), true
}

// Agrees reports whether the claim's script follows its header: nil, or
// an *Error naming the file and line of the first place where it does not.
// The rules (procstest's manual explains them):
//
//   - A line that checks the claim as stated (one without [differs]) asks
//     neither the OS nor the subject: [linux], [!windows], [unix], every
//     other GOOS condition, [cpython] and [!cpython] are refused on it. So
//     the lines the header's "holds" runs are the same on every OS and for
//     every subject, and a header that says holds where the script checks
//     a difference runs the claim's own assertions there.
//   - A line for some OSes or one subject only is one where the claim
//     differs: it is marked [differs] (or [!holds]), which reads the
//     header's word for the OS and subject the script runs on, and GOOS
//     and subject conditions may narrow it further ([differs] [windows],
//     [cpython] [differs]) where they differ differently.
//   - Each OS whose expectation says differs, for each subject, has a
//     [differs] line that runs there: the assertions of the difference.
//   - A line marked [holds] or [differs] runs somewhere: for a subject
//     the header states ([cpython] and [!cpython] pick one), the header
//     says that word on some OS. A [differs] line under a header that says
//     holds everywhere is a header that was changed without its script.
//   - [wine] and [!wine] appear if and only if the header has a "wine:"
//     line.
//   - A condition is written literally: one with $, ' or " is refused,
//     since what it tests would be known only when the script runs.
//
// A claim that Parse gives but that does not agree still parses: procstest
// fails its subtest with this error, and the verdict of a passing result
// for it is broken.
func (c *Claim) Agrees() error { return c.disagrees }

// scriptLine is one script line's conditions, as far as the rules care.
type scriptLine struct {
	n        int
	subjects map[string]bool // the stated subjects it can run for
	outcome  Outcome         // "" when it runs whatever the header says
	dead     bool            // its conditions contradict each other
	cond     string          // the [holds]/[differs] condition as written
	wine     bool            // uses [wine] or [!wine]
	goos     []string        // its GOOS conditions, as written ("!windows")
	narrow   string          // its first GOOS or subject condition, as written
}

// admits reports whether the line's GOOS conditions let it run on os.
func (l scriptLine) admits(os string) bool {
	for _, g := range l.goos {
		name, neg := strings.CutPrefix(g, "!")
		match := name == os || name == "unix" && imports.UnixOS[os]
		if match == neg {
			return false
		}
	}
	return true
}

// checkScript applies Agrees's rules to the script lines raw[from:] of
// file (raw[i] is line i+1), for claim c whose expect blocks start on the
// lines blockLine (by subject) and whose wine: line is wineLine (0: none).
func checkScript(c *Claim, file string, raw []string, from int, blockLine map[string]int, wineLine int) error {
	fail := func(n int, format string, args ...any) error {
		return &Error{File: file, Line: n, Msg: fmt.Sprintf(format, args...)}
	}
	stated := map[string]bool{}
	for _, s := range Subjects {
		if c.Expectations(s) != nil {
			stated[s] = true
		}
	}
	differsOn := map[string]map[string]bool{} // subject -> OS -> a [differs] line runs there
	for s := range stated {
		differsOn[s] = map[string]bool{}
	}
	firstWine := 0
	for i := from; i < len(raw); i++ {
		l, err := conditions(i+1, raw[i], stated)
		if err != "" {
			return fail(i+1, "%s", err)
		}
		if l.wine && firstWine == 0 {
			firstWine = l.n
		}
		if l.narrow != "" && (l.outcome != Differs || l.dead) {
			return fail(l.n, "%s on a line that checks the claim as stated, which must be the same on every OS and for every subject: mark it [differs] if it checks the difference ([differs] %s narrows it), or write it for all ($exe, ${/} and ${:} give the file names an OS needs)",
				l.narrow, l.narrow)
		}
		if l.outcome == "" || l.dead || len(l.subjects) == 0 {
			if l.dead && l.outcome != "" {
				return fail(l.n, "%s never runs: the line also asks for the other word", l.cond)
			}
			continue
		}
		live := false
		for s := range l.subjects {
			for _, e := range c.Expectations(s) {
				live = live || e.Outcome == l.outcome
			}
			if l.outcome == Differs {
				for os := range c.Expectations(s) {
					if l.admits(os) {
						differsOn[s][os] = true
					}
				}
			}
		}
		if !live {
			return fail(l.n, "%s never runs: %s says %s on every OS; the header was changed without its script, or the line is dead",
				l.cond, blockNames(l.subjects), other(l.outcome))
		}
	}
	for _, s := range Subjects {
		if !stated[s] {
			continue
		}
		var oses []string
		for os, e := range c.Expectations(s) {
			if e.Outcome == Differs && !differsOn[s][os] {
				oses = append(oses, os)
			}
		}
		if len(oses) > 0 {
			sort.Strings(oses)
			return fail(blockLine[s], "%s says differs on %s, but no [differs] line of the script runs there: mark the assertions of the difference [differs] (and those of the claim as stated [holds])",
				blockName(s), strings.Join(oses, ", "))
		}
	}
	switch {
	case firstWine != 0 && c.Wine == "":
		return fail(firstWine, "[wine] without a \"wine:\" line in the header: say there why Wine is not Windows here (wine: deviates — reason)")
	case firstWine == 0 && c.Wine != "":
		return fail(wineLine, "wine: deviates, but no line of the script is marked [wine] or [!wine]: mark the assertions where Wine is not Windows")
	}
	return nil
}

// conditions reads the leading conditions of one script line.
func conditions(n int, raw string, stated map[string]bool) (scriptLine, string) {
	l := scriptLine{n: n, subjects: map[string]bool{}}
	for s := range stated {
		l.subjects[s] = true
	}
	text := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
	if text == "" || text[0] == '#' {
		return l, ""
	}
	for _, word := range strings.Fields(text) {
		if len(word) < 2 || word[0] != '[' || word[len(word)-1] != ']' {
			break
		}
		name := strings.TrimSpace(word[1 : len(word)-1])
		neg := strings.HasPrefix(name, "!")
		name = strings.TrimSpace(strings.TrimPrefix(name, "!"))
		switch {
		case strings.ContainsAny(name, `$'"`):
			return l, fmt.Sprintf("condition %s is computed when the script runs: write it literally, so that it can be checked against the header", word)
		case name == "unix" || imports.KnownOS[name]:
			if neg {
				name = "!" + name
			}
			l.goos = append(l.goos, name)
			if l.narrow == "" {
				l.narrow = word
			}
		case name == CondWine:
			l.wine = true
		case name == CPython:
			if l.narrow == "" {
				l.narrow = word
			}
			for s := range l.subjects {
				if (s == CPython) == neg {
					delete(l.subjects, s)
				}
			}
		case name == CondHolds || name == CondDiffers:
			want := Outcome(name)
			if neg {
				want = other(want)
			}
			if l.outcome != "" && l.outcome != want {
				l.dead = true
			}
			l.outcome, l.cond = want, word
		}
	}
	return l, ""
}

// other is the outcome that is not o.
func other(o Outcome) Outcome {
	if o == Holds {
		return Differs
	}
	return Holds
}

func blockName(subject string) string {
	if subject == Procs {
		return "expect:"
	}
	return "expect " + subject + ":"
}

func blockNames(subjects map[string]bool) string {
	var names []string
	for _, s := range Subjects {
		if subjects[s] {
			names = append(names, blockName(s))
		}
	}
	return strings.Join(names, " and ")
}
