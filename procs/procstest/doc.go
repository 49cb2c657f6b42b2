// Package procstest checks a Go program's claims about the processes it
// starts, one testscript file per claim, on the OS the tests run on: it is
// to package procs what net/http/httptest is to net/http. forkport's own
// behaviour suite runs on it.
//
// A package whose tests check claims has a TestMain that calls Main with
// the programs the scripts run, and a test that calls Run with the claim
// directory:
//
//	package mytool_test
//
//	import (
//		"testing"
//
//		"example.com/mytool/internal/cli"
//		"github.com/forkport/forkport/procs/procstest"
//		"github.com/rogpeppe/go-internal/testscript"
//	)
//
//	func TestMain(m *testing.M) {
//		procstest.Main(m, map[string]func() int{"mytool": cli.Main})
//	}
//
//	func TestClaims(t *testing.T) {
//		procstest.Run(t, testscript.Params{Dir: "testdata/script"})
//	}
//
// Each command is a function that reads its arguments from os.Args[1:] and
// returns the exit status; the scripts run it by name (exec mytool ...).
// `go test` runs every claim as the subtest TestClaims/<id>, and
// `go run github.com/forkport/forkport/scripts/forkport` prints the module's
// claims with a verdict each: holds, differs as expected, broken or not run.
//
// Params.Dir must be a constant for the CLI: forkport finds a module's
// claims by reading its tests, not by running them, so it sees a Run call
// only when Dir is a string literal, or filepath.Join, path.Join or
// filepath.FromSlash of string literals, in the call or in a Params the
// test function declares. With a package-level variable or a computed path,
// go test still runs the claims, but forkport says "no test in ./... calls
// procstest.Run with a constant Params.Dir".
//
// # A claim
//
// A claim is a testscript file, <id>.txtar, in the claim directory. Its
// first lines are a header that says what the claim is, where it comes from,
// and what each OS does, then the script checks exactly that:
//
//	# claim: mytool's exit status is the status of the last child it ran.
//	# source: mytool's manual, "Exit status"
//	# expect:
//	#   linux: holds
//	#   darwin: holds
//	#   windows: differs — exit statuses are 32 bits: 256 stays 256
//	#   freebsd: holds
//	# wine: deviates — (optional) where Wine is not Windows, and why
//
//	exec run mytool -exit 256
//	[holds] stdout '^status=0$'
//	[differs] stdout '^status=256$'
//
// claim, source and expect are required; expect has one indented line for
// each of linux, darwin and windows, and may have more for other GOOS values.
// An expectation is "holds", or "differs — reason" (an em dash, or " - ");
// the script checks the different behaviour where a claim differs, on the
// lines marked [differs] (see "Header and script agree"). A header that is
// missing or malformed fails its file's subtest with the file and line
// (package internal/claims has the full grammar). An optional
// "expect cpython:" block, with the same three lines, states what the same
// script sees when its programs are CPython twins of the Go ones:
// forkport's own suite has that second subject (TestScriptsCPython, and
// forkport -subject cpython); a module without twins needs no such block.
// Run takes the subject from the test's name, as forkport's verdicts do: a
// top-level test whose name ends in CPython runs the claims against the
// "expect cpython:" block (a claim without one fails), any other against
// "expect:".
//
// # Header and script agree
//
// A claim's verdict takes its words from the header and its pass from the
// script, so the two must not be able to disagree: a header that says
// "linux: holds" over a script that checks the Linux difference must not
// give "holds". procstest makes the header decide what the script checks,
// and refuses a script that could escape it.
//
// The script asks the header, not the OS. [holds] is true where the
// header's word for the OS the script runs on (for the subject it runs
// against) is holds, [differs] where it is differs; [!holds] and [!differs]
// are their negations. The lines that check the claim as stated are
// unmarked, or marked [holds]; the lines that check the difference are
// marked [differs]:
//
//	exec run mytool -exit 300
//	[holds] stdout '^status=300$'
//	[differs] stdout '^status=44$'
//
// Relabel "linux: differs" to "linux: holds" and, on Linux, the [holds] line
// runs and fails: the verdict is broken, not holds.
//
// Before a claim's script runs, Run checks it against its header
// (claims.Claim.Agrees) and fails the subtest, naming the file and line, when
//
//   - a line that is not marked [differs] (or [!holds]) has a GOOS
//     condition ([linux], [!windows], [unix], [freebsd], ...) or a subject
//     condition ([cpython], [!cpython]). What holds is then checked by the
//     same lines on every OS and for every subject, so "holds" on one OS
//     means what it means on the others. A [differs] line may be narrowed
//     by them where OSes or subjects differ differently: [differs] [windows],
//     [cpython] [differs]. Setup that an OS needs is written for all: $exe
//     (".exe" on Windows), ${/} and ${:} give its file names and lists;
//   - an OS whose expectation says differs, for a subject, has no [differs]
//     line that can run there: nothing would check the difference;
//   - a [holds] or [differs] line can run nowhere: the header says the other
//     word on every OS it states (for the subjects the line can run for). A
//     [differs] line under a header that says holds everywhere is the mark
//     of a header changed without its script;
//   - [wine] or [!wine] appears without a "wine:" line, or a "wine:" line
//     without either;
//   - a condition is not written literally ($, quotes): what it tests would
//     be known only when the script runs.
//
// forkport's verdicts hold the same line: a passing result of a claim whose
// script does not follow its header is broken, and so is a pass that
// procstest logged as run against another expectation ("procstest: ran
// against linux: differs (procs)") than the header has when it is judged.
//
// What the check cannot see is what an assertion means: a difference
// written on a line marked [holds] is the script's error, and review is what
// catches it. Conditions of Params.Condition are the caller's: one that
// asks the OS escapes the check, so a module should not write one.
// Architecture conditions ([amd64]) are not checked. On an OS that a claim
// does not state (no freebsd: line), [holds] and [differs] fail the script
// rather than guess.
//
// # The vocabulary
//
// Scripts have testscript's commands (exec, stdout, cmp, env, ...; see
// testscript's documentation) and conditions ([linux], [windows], [exec:prog],
// ...), plus:
//
//   - run [-timeout D] [-mark-exit] [-print-pid] PROG ARGS...: the
//     supervisor, a command on PATH (exec run PROG ...), described below.
//   - setmatch [-n N] stdout|stderr|FILE REGEXP: sets a variable for each
//     named group ((?P<name>...)) of the Nth match (default 1) of REGEXP,
//     multi-line mode, so later lines can use $name. Fails with fewer than
//     N matches.
//   - eq A B: A and B are the same string; ! eq A B: they differ.
//   - before stdout|stderr|FILE A B: the first match of regexp A starts
//     before the first match of regexp B; ! before: after. Both must match.
//   - samelines REGEXP FILE FILE...: the lines matching REGEXP are the same,
//     in the same order, in every FILE (stdout and stderr name the last
//     command's output).
//   - which PROG VAR: sets VAR to the path procs.LookPath finds for PROG on
//     the script's PATH.
//   - [holds], [differs]: true where the header's word for this OS and the
//     subject is holds, or differs (see "Header and script agree").
//   - [cpython]: true when the claims run against the CPython subject (a
//     test whose name ends in CPython). Only on [differs] lines.
//   - [wine]: true when the Windows test binary runs under Wine rather than
//     Windows; claims use it only for assertions their "wine:" line
//     explains, and a claim with a "wine:" line uses it.
//
// Main puts every command on PATH; Run passes SYSTEMROOT, WINDIR, PATHEXT
// and COMSPEC from the host into every script (Windows programs need them).
//
// # What run guarantees
//
// run starts PROG (found on the script's PATH) as the root of a process
// tree, relays the tree's standard output and error, and exits with PROG's
// status (128+signal when a signal killed it) once every process of the tree
// has closed them: a script sees the output of orphans too, and nothing the
// script started is still running when the next line runs. If that takes
// longer than -timeout (2 minutes) or run is interrupted, it kills the whole
// tree and exits with 124 or 125. -mark-exit prints "[run] parent exited"
// when PROG itself exits; -print-pid prints "[run] pid=N" first.
//
//   - Linux: the tree is a process group; run is also a child subreaper, so
//     orphans are reparented to it, reaped by it, and their new parent PID
//     is run's (-print-pid). Not in a forkport_bsdpaths build (below),
//     where run is as on macOS.
//   - macOS and the other Unix systems: a process group; orphans are
//     reparented to launchd or init (PID 1), and run waits for them through
//     the output pipes they hold.
//   - Windows: a job object that kills its processes when closed; Windows
//     does not reparent, so an orphan's parent PID stays that of its exited
//     parent.
//
// At the end of the run Main fails the test binary when a process the tests
// started is still running or was never waited for: children of the test
// binary everywhere, and on Linux any process carrying the run's
// environment tag, wherever it was reparented.
//
// # macOS simulated on Linux
//
// Built with the tag forkport_bsdpaths on Linux (go test -tags
// forkport_bsdpaths, or forkport -leg bsd-paths), procs, run and the leak
// check take their macOS and BSD code paths wherever those use only calls
// Linux has (the README's "macOS simulated on Linux" lists them, and what
// stays out), and Run treats the scripts as macOS's: [holds] and [differs]
// follow each claim's darwin expectation, which procstest logs as the one
// the script ran against, and FORKPORT_BSDPATHS=1 in every script's
// environment sends programs without build tags (the Python probes) down
// their macOS paths. Main first takes process descriptors away from the
// test binary and all it starts (testutil.ImitateMacOS: macOS has none). A claim whose darwin and linux outcomes part (one
// holds, the other differs) is skipped, saying so: that difference is
// macOS's own behaviour, which Linux cannot show, so its verdict is "not
// run" rather than a pass or a failure that would say nothing about macOS.
// So is a claim whose script asks which OS runs it ([darwin], [!linux]):
// testscript's answer is linux.
//
// # Forks through a pool
//
// With FORKPORT_PRESTART=N in the environment (FORKPORT_PRESTART=2 go test
// ./...), Main calls procs.Prestart(N) in every command but run before the
// command starts, and Run passes the variable into every script: each Fork
// a command makes is then served by a pre-started child when one is
// waiting. A program's claims should hold either way; running them both
// ways shows that the pool changes nothing that a claim can see.
//
// # Wine
//
// The claims of the Windows test binary can be checked on Linux under Wine
// (forkport -leg windows-wine). Wine is not Windows: it adds WINE*
// variables, SystemDrive and SystemRoot to every process it starts, it
// replaces TEMP, TMP, PATH and the user profile variables, and Wine 8 does
// not implement the call Go's os.RemoveAll makes. procstest works around the
// last: Run makes the scripts' work directories (unless Params.WorkdirRoot
// is set) and Main the commands' directory, and both remove them entry by
// entry. Claims state where Wine differs with a "wine: deviates — reason"
// line and mark those assertions [wine]; the verdict is then "wine
// deviation".
package procstest
