// Package claims reads the header of a behaviour-suite claim file.
//
// Each claim is one testscript file, testdata/script/<id>.txtar, whose first
// lines are a comment block (testscript ignores # lines) that is the single
// source of truth for what the claim says and what each OS should do:
//
//	# claim: fork returns the child's PID to the parent, and the child is a new process.
//	# source: chapter, "it returns a different value in each copy: zero in the child process, ..."
//	# expect:
//	#   linux: holds
//	#   darwin: holds
//	#   windows: differs — Windows has no fork; procs emulates it
//	# expect cpython:
//	#   linux: holds
//	#   darwin: holds
//	#   windows: differs — os.fork does not exist on Windows
//	# wine: deviates — Wine does not ... (optional: only where Wine is not Windows)
//
// A claim is checked against a subject: the programs the script starts.
// "expect:" is what the default subject, procs (the Go programs, built on
// package procs), does on each OS; "expect cpython:" is what the same script
// sees when the programs are their CPython twins (forkport's second
// subject). Other modules' claims need only "expect:".
//
// The rules:
//
//   - The header is the file's first lines, one after the other. It ends at
//     the first line that is not a comment, a bare "#", or a comment line
//     at the top level that is not a "key:" line (ordinary prose). A header
//     key (claim, source, expect, wine) anywhere below that is an error.
//   - claim, source and expect are required; "expect cpython:" and wine are
//     optional; each at most once. Any other "key:" in the header is an
//     error, and so is "expect <subject>:" for a subject not in Subjects.
//   - expect has no value on its own line; it is followed by one indented
//     line per OS: linux, darwin and windows, each exactly once, and any
//     other GOOS (freebsd, openbsd, ...) a module wants to state, at most once
//     each; a word that is not a GOOS is an error. The value is "holds", or "differs — <reason>" with a non-empty
//     reason. The separator may be an em dash (with or without spaces), an
//     en dash, or " - " / " -- " with spaces around.
//   - "expect cpython:" follows the same rules as expect: an entry for each
//     of linux, darwin and windows, at most once each. A run of the cpython
//     subject needs it in every claim (ExpectFor reports it missing).
//   - wine's value is "deviates — <reason>" with the same separators.
//   - A value goes on over the following lines that are indented deeper than
//     its key (for an expect entry: deeper than the entry); they are joined
//     with single spaces.
//
// The script below the header follows it: its lines for some OSes or one
// subject only are marked [differs], which reads the header (Agrees has the
// rules, procstest's manual the reasons).
//
// Parse reports the first problem of a file as an *Error naming the file and
// line; Load reports every malformed file. A well-formed header whose script
// does not follow it still parses: Agrees says where they disagree.
package claims

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// OSes are the operating systems every claim states an expectation for, in
// the order they are shown.
var OSes = []string{"linux", "darwin", "windows"}

// KnownOS reports whether os is one of OSes.
func KnownOS(os string) bool {
	for _, o := range OSes {
		if o == os {
			return true
		}
	}
	return false
}

// extraOSes are the GOOS values (go tool dist list) a claim may state besides
// OSes.
var extraOSes = map[string]bool{
	"aix": true, "android": true, "dragonfly": true, "freebsd": true, "illumos": true,
	"ios": true, "js": true, "netbsd": true, "openbsd": true, "plan9": true,
	"solaris": true, "wasip1": true,
}

// ValidOS reports whether os may be an expect entry: one of OSes, or another
// GOOS.
func ValidOS(os string) bool { return KnownOS(os) || extraOSes[os] }

// Outcome is what a claim is expected to do on one OS.
type Outcome string

const (
	// Holds: the chapter's statement is true there as written.
	Holds Outcome = "holds"
	// Differs: the OS behaves differently, for the stated reason, and the
	// script checks the different behaviour.
	Differs Outcome = "differs"
)

// Expectation is the expect entry for one OS.
type Expectation struct {
	Outcome Outcome `json:"outcome"`
	Reason  string  `json:"reason,omitempty"` // only for Differs
}

// String gives the expectation as written in a claim file:
// "holds" or "differs — reason".
func (e Expectation) String() string {
	if e.Outcome == Differs {
		return "differs — " + e.Reason
	}
	return string(e.Outcome)
}

// The subjects a claim may state expectations for.
const (
	// Procs is the default subject: the scripts' programs are Go programs
	// built on package procs. Its expectations are the "expect:" block.
	Procs = "procs"
	// CPython is forkport's second subject: the programs are CPython twins
	// of the Go ones. Its expectations are the "expect cpython:" block.
	CPython = "cpython"
)

// Subjects lists the subjects, the default first.
var Subjects = []string{Procs, CPython}

// KnownSubject reports whether s is one of Subjects.
func KnownSubject(s string) bool { return s == Procs || s == CPython }

// Claim is one claim file's header.
type Claim struct {
	ID     string                 // file name without .txtar: the subtest is TestScripts/<ID>
	File   string                 // path the claim was read from
	Claim  string                 // the claim sentence
	Source string                 // where the chapter says it
	Expect map[string]Expectation // procs: by GOOS: linux, darwin, windows, and any other the file states
	// Subjects holds the other subjects' expectations, by subject and then
	// GOOS: the "expect cpython:" block. A subject the file does not state
	// is absent.
	Subjects map[string]map[string]Expectation
	Wine     string // why Wine differs from Windows; "" when it does not

	disagrees error // Agrees's answer, from Parse
}

// Expectations returns what the claim expects of subject on each OS, or
// nil when the file states nothing for that subject.
func (c *Claim) Expectations(subject string) map[string]Expectation {
	if subject == Procs || subject == "" {
		return c.Expect
	}
	return c.Subjects[subject]
}

// ExpectFor returns what the claim expects of subject on goos, and whether
// the file states it.
func (c *Claim) ExpectFor(subject, goos string) (Expectation, bool) {
	e, ok := c.Expectations(subject)[goos]
	return e, ok
}

// MissingSubject is the error for a claim that states nothing for a
// subject being run: "<file>: no "expect cpython:" block ...". It wraps
// fs.ErrNotExist.
func (c *Claim) MissingSubject(subject string) error {
	return fmt.Errorf("%s: claim %s states no expectation for the %s subject: add an \"expect %s:\" block with linux, darwin and windows: %w",
		c.File, c.ID, subject, subject, fs.ErrNotExist)
}

// Error is a malformed claim header.
type Error struct {
	File string
	Line int
	Msg  string
}

// Error returns "file:line: message".
func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Ext is the claim files' extension.
const Ext = ".txtar"

// ID gives the claim ID (the testscript subtest name) of a claim file path.
func ID(path string) string { return strings.TrimSuffix(filepath.Base(path), Ext) }

// MaxSize bounds a claim file: ParseFile refuses a larger one.
const MaxSize = 1 << 20

// ParseFile reads and parses one claim file.
func ParseFile(path string) (*Claim, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, &Error{File: path, Line: 1, Msg: fmt.Sprintf("larger than %d bytes: not a claim file", MaxSize)}
	}
	return Parse(path, data)
}

// comment is the txtar archive's comment: the lines before the first file
// marker ("-- name --"). It is txtar.Parse's Comment, computed here because
// go-internal's txtar.Parse (v1.16) panics on the line "-- --".
func comment(data []byte) string {
	s := string(data)
	for start := 0; start < len(s); {
		end := strings.IndexByte(s[start:], '\n')
		line := s[start:]
		if end >= 0 {
			line = s[start : start+end]
		}
		line = strings.TrimSuffix(line, "\r")
		if isMarker(line) {
			return s[:start]
		}
		if end < 0 {
			break
		}
		start += end + 1
	}
	return s
}

// isMarker reports whether line is a txtar file marker: "-- name --" with
// a non-empty name.
func isMarker(line string) bool {
	if len(line) < 7 || !strings.HasPrefix(line, "-- ") || !strings.HasSuffix(line, " --") {
		return false
	}
	return strings.TrimSpace(line[3:len(line)-3]) != ""
}

// Load parses every *.txtar file in dir and returns the claims sorted by ID.
// It reports all malformed files together (errors.Join of *Error), and an
// error when dir holds no claim file.
func Load(dir string) ([]*Claim, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*"+Ext))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("no claim files: %w", err)
		}
		return nil, fmt.Errorf("no claim files: %s has no *%s file", dir, Ext)
	}
	sort.Strings(paths)
	var (
		out  []*Claim
		errs []error
	)
	for _, p := range paths {
		c, err := ParseFile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// keyLine matches a top-level "key:" line's text: a lower-case word, a
// colon, then nothing or a space.
// "expect <subject>:" is a key too.
var keyLine = regexp.MustCompile(`^(expect [a-z][a-z0-9_-]*|[a-z][a-z0-9_-]*):(?:\s+(.*))?$`)

var headerKeys = map[string]bool{"claim": true, "source": true, "expect": true, "expect " + CPython: true, "wine": true}

// expectSubject returns the subject of an expect key: "" for a key that is
// not one, Procs for "expect".
func expectSubject(key string) string {
	if key == "expect" {
		return Procs
	}
	s, _ := strings.CutPrefix(key, "expect ")
	if s == key {
		return ""
	}
	return s
}

// block is one expect block being collected.
type block struct {
	line    int
	entries map[string]*field
	order   []string // entry OSes in file order
}

type line struct {
	n      int    // 1-based line number
	indent int    // whitespace after '#'
	text   string // the rest, trimmed
	key    string // for a key-like text: the key
	value  string // for a key-like text: the value
}

type kind int

const (
	notComment kind = iota // not a comment, or a bare "#"
	topKey                 // "# key: value"
	indented               // "#   anything"
	prose                  // "# some comment" at the top level
)

func classify(n int, raw string) (line, kind) {
	raw = strings.TrimSuffix(raw, "\r")
	l := line{n: n}
	if !strings.HasPrefix(raw, "#") {
		return l, notComment
	}
	body := raw[1:]
	l.text = strings.TrimSpace(body)
	if l.text == "" {
		return l, notComment
	}
	for _, r := range body {
		if r == ' ' {
			l.indent++
		} else if r == '\t' {
			l.indent += 4
		} else {
			break
		}
	}
	if m := keyLine.FindStringSubmatch(l.text); m != nil {
		l.key, l.value = m[1], strings.TrimSpace(m[2])
	}
	switch {
	case l.indent >= 2:
		return l, indented
	case l.key != "":
		return l, topKey
	default:
		return l, prose
	}
}

// field is one header value being collected, with its continuation lines.
type field struct {
	line  int
	parts []string
}

func (f *field) value() string { return strings.Join(f.parts, " ") }

// Parse parses the header of the claim file named file with contents data.
func Parse(file string, data []byte) (*Claim, error) {
	fail := func(n int, format string, args ...any) error {
		return &Error{File: file, Line: n, Msg: fmt.Sprintf(format, args...)}
	}
	raw := strings.Split(comment(data), "\n")

	var (
		fields  = map[string]*field{}
		blocks  = map[string]*block{} // by subject
		current *field                // the value continuation lines extend
		inExp   *block                // after "expect:", in its entries
		entInd  int                   // indentation of the expect entries
		end     = len(raw)
	)
	for i, r := range raw {
		l, k := classify(i+1, r)
		if i == 0 && k != topKey {
			for j := 1; j < len(raw); j++ {
				if l2, k2 := classify(j+1, raw[j]); k2 == topKey && headerKeys[l2.key] {
					return nil, fail(l2.n, "header not at the top: %q must be in the claim header, which starts on line 1 with \"# claim:\"", l2.key+":")
				}
			}
			return nil, fail(1, "no claim header: the file must begin with \"# claim:\", \"# source:\" and \"# expect:\" lines")
		}
		if k == notComment || k == prose {
			end = i
			break
		}
		if k == topKey {
			subject := expectSubject(l.key)
			if subject != "" && !KnownSubject(subject) || subject == Procs && l.key != "expect" {
				return nil, fail(l.n, "unknown subject %q in %q (want \"expect:\" for procs, or \"expect cpython:\")", subject, l.key+":")
			}
			if !headerKeys[l.key] {
				return nil, fail(l.n, "unknown header key %q (want claim, source, expect, expect cpython or wine)", l.key)
			}
			if prev := fields[l.key]; prev != nil {
				return nil, fail(l.n, "duplicate %q (first on line %d)", l.key+":", prev.line)
			}
			f := &field{line: l.n}
			fields[l.key] = f
			inExp = nil
			current = nil
			if subject != "" {
				if l.value != "" {
					return nil, fail(l.n, "%s: takes no value on its own line; give each OS on an indented line below it, like \"#   linux: holds\"", l.key)
				}
				inExp = &block{line: l.n, entries: map[string]*field{}}
				blocks[subject] = inExp
				entInd = 0
				continue
			}
			if l.value != "" {
				f.parts = append(f.parts, l.value)
			}
			current = f
			continue
		}
		// An indented line: an expect entry or a continuation.
		if inExp != nil && (entInd == 0 || l.indent == entInd) {
			if l.key == "" {
				return nil, fail(l.n, "expect entry must be \"OS: holds\" or \"OS: differs — reason\", got %q", l.text)
			}
			if !ValidOS(l.key) {
				return nil, fail(l.n, "unknown OS %q in expect (want linux, darwin and windows, and optionally other GOOS values such as freebsd)", l.key)
			}
			if prev := inExp.entries[l.key]; prev != nil {
				return nil, fail(l.n, "duplicate expect entry %q (first on line %d)", l.key, prev.line)
			}
			entInd = l.indent
			f := &field{line: l.n}
			if l.value != "" {
				f.parts = append(f.parts, l.value)
			}
			inExp.entries[l.key] = f
			inExp.order = append(inExp.order, l.key)
			current = f
			continue
		}
		if inExp != nil && l.indent < entInd {
			return nil, fail(l.n, "expect entry indented less than the ones above it (%d spaces, want %d)", l.indent, entInd)
		}
		if current == nil {
			return nil, fail(l.n, "indented line %q continues nothing", l.text)
		}
		current.parts = append(current.parts, l.text)
	}

	// Header keys below the header.
	for i := end; i < len(raw); i++ {
		l, k := classify(i+1, raw[i])
		if k == topKey && headerKeys[l.key] {
			return nil, fail(l.n, "header not at the top: %q is below the end of the header on line %d; keep the header lines together at the top of the file", l.key+":", end)
		}
	}

	c := &Claim{ID: ID(file), File: file, Expect: map[string]Expectation{}}
	for _, key := range []string{"claim", "source", "expect"} {
		if fields[key] == nil {
			return nil, fail(1, "missing %q in the claim header (lines 1-%d)", key+":", end)
		}
	}
	c.Claim = fields["claim"].value()
	if c.Claim == "" {
		return nil, fail(fields["claim"].line, "empty claim:")
	}
	c.Source = fields["source"].value()
	if c.Source == "" {
		return nil, fail(fields["source"].line, "empty source:")
	}
	for _, subject := range Subjects {
		b := blocks[subject]
		if b == nil {
			continue
		}
		key, exp := "expect", c.Expect
		if subject != Procs {
			key, exp = "expect "+subject, map[string]Expectation{}
			if c.Subjects == nil {
				c.Subjects = map[string]map[string]Expectation{}
			}
			c.Subjects[subject] = exp
		}
		for _, os := range b.order {
			f := b.entries[os]
			e, err := parseExpectation(f.value())
			if err != "" {
				return nil, fail(f.line, "%s: %s", os, err)
			}
			exp[os] = e
		}
		for _, os := range OSes {
			if _, ok := exp[os]; !ok {
				return nil, fail(b.line, "%s: missing %s (every claim states linux, darwin and windows)", key, os)
			}
		}
	}
	if f := fields["wine"]; f != nil {
		word, reason, err := splitReason(f.value())
		switch {
		case err != "":
			return nil, fail(f.line, "wine: %s", err)
		case word != "deviates":
			return nil, fail(f.line, "wine: want \"deviates — <reason>\", got %q", f.value())
		case reason == "":
			return nil, fail(f.line, "wine: deviates needs a reason: \"deviates — <why Wine is not Windows here>\"")
		}
		c.Wine = reason
	}
	blockLine := map[string]int{}
	for s, b := range blocks {
		blockLine[s] = b.line
	}
	wineLine := 0
	if f := fields["wine"]; f != nil {
		wineLine = f.line
	}
	c.disagrees = checkScript(c, file, raw, end, blockLine, wineLine)
	return c, nil
}

func parseExpectation(v string) (Expectation, string) {
	word, reason, err := splitReason(v)
	if err != "" {
		return Expectation{}, err
	}
	switch word {
	case "holds":
		if reason != "" {
			return Expectation{}, "\"holds\" takes no reason (write \"differs — <reason>\" if the OS differs)"
		}
		return Expectation{Outcome: Holds}, ""
	case "differs":
		if reason == "" {
			return Expectation{}, "differs needs a reason: \"differs — <why>\""
		}
		return Expectation{Outcome: Differs, Reason: reason}, ""
	case "":
		return Expectation{}, "empty expectation (want holds or differs — <reason>)"
	}
	return Expectation{}, fmt.Sprintf("want holds or differs — <reason>, got %q", v)
}

// splitReason splits "word — reason" (or "word" alone) at the first
// separator: an em or en dash, or " - " / " -- ". err is set when text
// follows the word without a separator.
func splitReason(v string) (word, reason, err string) {
	v = strings.TrimSpace(v)
	i := strings.IndexFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == '—' || r == '–' })
	if i < 0 {
		return v, "", ""
	}
	word, rest := v[:i], v[i:]
	trimmed := strings.TrimLeft(rest, " \t")
	spaced := len(trimmed) < len(rest)
	for _, sep := range []string{"—", "–", "--", "-"} {
		after, ok := strings.CutPrefix(trimmed, sep)
		if !ok {
			continue
		}
		if (sep == "--" || sep == "-") && (!spaced || !strings.HasPrefix(after, " ") && !strings.HasPrefix(after, "\t")) {
			break
		}
		return word, strings.TrimSpace(after), ""
	}
	return word, "", fmt.Sprintf("separate the reason from %q with an em dash, \" - \" or \" -- \" (got %q)", word, v)
}
