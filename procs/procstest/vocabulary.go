package procstest

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/forkport/forkport/procs"
	"github.com/rogpeppe/go-internal/testscript"
)

// vocabulary returns the commands Run adds to every script, by name.
func vocabulary() map[string]func(*testscript.TestScript, bool, []string) {
	return map[string]func(*testscript.TestScript, bool, []string){
		"setmatch":  cmdSetmatch,
		"eq":        cmdEq,
		"before":    cmdBefore,
		"which":     cmdWhich,
		"samelines": cmdSamelines,
	}
}

// readSource returns the text named by a builtin's first argument: the last
// command's stdout or stderr, or a file in the work directory.
func readSource(ts *testscript.TestScript, name string) string {
	return ts.ReadFile(name)
}

// cmdSetmatch: setmatch [-n N] stdout|stderr|FILE REGEXP
// sets an environment variable for each named group of the Nth match (1 by
// default) of REGEXP, so later lines can use $name. It fails if there are
// fewer than N matches.
func cmdSetmatch(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! setmatch")
	}
	n := 1
	if len(args) > 0 && args[0] == "-n" && len(args) > 1 {
		var err error
		n, err = strconv.Atoi(args[1])
		ts.Check(err)
		args = args[2:]
	}
	if len(args) != 2 {
		ts.Fatalf("usage: setmatch [-n N] stdout|stderr|FILE REGEXP")
	}
	re, err := regexp.Compile(`(?m)` + args[1])
	ts.Check(err)
	text := readSource(ts, args[0])
	matches := re.FindAllStringSubmatch(text, -1)
	if len(matches) < n {
		ts.Fatalf("%s has %d match(es) of %q, want at least %d", args[0], len(matches), args[1], n)
	}
	for i, name := range re.SubexpNames() {
		if name != "" {
			ts.Setenv(name, matches[n-1][i])
			ts.Logf("%s=%s", name, matches[n-1][i])
		}
	}
}

// cmdEq: eq A B succeeds when A and B are the same string; ! eq when not.
func cmdEq(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: eq A B")
	}
	if (args[0] == args[1]) == neg {
		if neg {
			ts.Fatalf("%q and %q are equal", args[0], args[1])
		}
		ts.Fatalf("%q and %q differ", args[0], args[1])
	}
}

// cmdBefore: before stdout|stderr|FILE A B succeeds when the first match of
// regexp A starts before the first match of regexp B; ! before when it
// starts after. Both must match.
func cmdBefore(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: before stdout|stderr|FILE REGEXP_A REGEXP_B")
	}
	text := readSource(ts, args[0])
	pos := make([]int, 2)
	for i, expr := range args[1:] {
		re, err := regexp.Compile(`(?m)` + expr)
		ts.Check(err)
		loc := re.FindStringIndex(text)
		if loc == nil {
			ts.Fatalf("no match of %q in %s", expr, args[0])
		}
		pos[i] = loc[0]
	}
	if (pos[0] < pos[1]) == neg {
		if neg {
			ts.Fatalf("%q comes before %q", args[1], args[2])
		}
		ts.Fatalf("%q does not come before %q", args[1], args[2])
	}
}

// cmdWhich: which PROG VAR sets VAR to the path procs.LookPath finds for
// PROG on the script's PATH, for the variants that take a path.
func cmdWhich(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: which PROG VAR")
	}
	path, err := procs.LookPath(args[0], []string{"PATH=" + ts.Getenv("PATH")})
	ts.Check(err)
	ts.Setenv(args[1], path)
}

// cmdSamelines: samelines REGEXP FILE... succeeds when the lines matching
// REGEXP are the same, in the same order, in every FILE.
func cmdSamelines(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: samelines REGEXP FILE FILE...")
	}
	re, err := regexp.Compile(args[0])
	ts.Check(err)
	pick := func(name string) string {
		var keep []string
		for _, line := range strings.Split(readSource(ts, name), "\n") {
			if re.MatchString(line) {
				keep = append(keep, line)
			}
		}
		return strings.Join(keep, "\n")
	}
	want := pick(args[1])
	if want == "" {
		ts.Fatalf("no line of %s matches %q", args[1], args[0])
	}
	for _, name := range args[2:] {
		if got := pick(name); got != want {
			ts.Fatalf("%s and %s differ in the lines matching %q:\n%s\n---\n%s", args[1], name, args[0], want, got)
		}
	}
}
