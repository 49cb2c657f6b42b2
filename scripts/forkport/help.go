package main

import (
	"fmt"
	"strings"
)

// usage is forkport -h: what it does, its flags and examples. The rest is
// in the help topics (forkport help TOPIC).
const usage = `usage: forkport [flags] [packages]     check the module's claims on this machine
       forkport merge [flags] FILE...  merge saved legs into one claims x OS matrix
       forkport page -o DIR FILE...    write the results page of saved legs (a static site)
       forkport readme [flags]         rewrite README.md's generated blocks
       forkport help [TOPIC]           TOPIC: claims, legs, verdicts, merge, page, readme, json, exit

forkport runs the portability claims of the Go module it is run in (the
testscript files of its tests that call procstest.Run with a constant
Params.Dir: forkport help claims), judges each against what its header
expects on this OS, and prints one row per claim with its verdict (forkport
help verdicts). packages: ".", "./dir" or "./dir/..." (default ./...).

Flags:
  -run REGEXP    check only the claims whose id matches REGEXP
                 (-run=REGEXP when it starts with "-")
  -leg NAME      this machine's leg (the default: linux/amd64, darwin/arm64,
                 windows/amd64, ...; "macos" is taken as darwin), windows-wine
                 or bsd-paths (forkport help legs)
  -subject S     procs (the default: the module's Go programs) or cpython
                 (their CPython twins: $FORKPORT_PYTHON, else python3 on PATH;
                 the leg is then named "linux/amd64 cpython3.11")
  -json FILE     also write the verdicts to FILE as JSON (forkport help json)
  -events FILE   also save the raw go test -json stream to FILE
  -from FILE     run nothing: judge a saved leg (a -json FILE, or a raw
                 go test -json stream, whose leg is -leg or its file name)
  -format F      standard output as text (the default), markdown or json
  -timeout D     go test -timeout for the run (default 10m; 0: none)
  -count N       run each claim N times in one test binary: runs that differ
                 are "flaky (K of N broken)", which fails like broken
  -install       windows-wine: install Wine and MinGW-w64 with apt-get
                 (needs root or passwordless sudo)

Examples:
  go run ./scripts/forkport                         # forkport's own claims, this machine
  go run github.com/forkport/forkport/scripts/forkport ./cmd/...  # in another module
  go run ./scripts/forkport -run '^fork-' -json out/linux.json
  go run ./scripts/forkport -leg windows-wine -install -json out/wine.json
  go run ./scripts/forkport -subject cpython -json out/linux-cpython.json
  go run ./scripts/forkport -count 5                # flaky or stable?
  go run ./scripts/forkport -leg bsd-paths -json out/bsd-paths.json
  go run ./scripts/forkport merge -format markdown out/*.json >> "$GITHUB_STEP_SUMMARY"

Exit status: 0 when no claim is broken or flaky, 1 when one is (or the run
failed outside any claim), 2 when forkport could not do its job (forkport
help exit).
`

// helpTopics are forkport help TOPIC's texts; merge -h, page -h and
// readme -h print theirs.
var helpTopics = []struct{ name, text string }{
	{"claims", `Claims (go doc github.com/forkport/forkport/procs/procstest is the manual)

A claim is a testscript file <id>.txtar whose header says what the claim is,
where it comes from and what linux, darwin and windows (and optionally other
GOOS values) do: holds, or differs — reason; optionally "wine: deviates —
reason", and an "expect cpython:" block for the CPython subject. The
script follows its header: the lines that check a difference are marked
[differs], those that hold only where the header says so [holds] (true when
the header says so for the OS, and subject, it runs against), and an OS
condition may only narrow a [differs] line. A claim that breaks this is
refused with its file and line, and a pass that does not speak for the
header as it is now is broken, never holds.

A module's claims are the claim directories of its tests that call
procstest.Run with a constant Params.Dir: a string literal, or
filepath.Join, path.Join or filepath.FromSlash of string literals, relative
to the package's directory. forkport reads it from the test's source without
running the test: a directory computed at run time is not found. Each claim
is the subtest <Test>/<id> of such a test; claim ids are unique in a module.
forkport's own claims are TestScripts/<id> of its root package, in
testdata/script (and procstest's own, in procs/procstest/testdata/script).

forkport runs, from the module root (go env GOMOD),
  go test -json -count=N -run '^(<Tests>)$[/<claims>]' <packages>
N being -count (1 by default),
or with -leg windows-wine the packages' Windows test binaries under Wine
(package internal/winleg; go run ./scripts/wineleg is the same leg without
verdicts: every test, raw go test -json), or with -leg bsd-paths the same
go test with -tags forkport_bsdpaths, TMPDIR behind a symlink, an sh that is
bash and macOS's limits of open files and argument size (the README's
"macOS simulated on Linux"). packages are directories of the
module; ./..., like the go command, skips testdata and vendor directories and
nested modules.
`},
	{"legs", `Legs

A leg is one column of the claims x OS matrix: where the claims ran, and
whose expectations judge them.
  linux, darwin, windows[/GOARCH]
                 this machine, judged by its OS's expectations (the default;
                 "macos" is taken as darwin)
  windows-wine   on Linux: the packages' Windows test binaries under Wine,
                 judged by windows's expectations and the claims' "wine:"
                 lines (go run ./scripts/wineleg: the same run, raw)
  bsd-paths      on Linux: go test -tags forkport_bsdpaths (the macOS/BSD code
                 paths wherever they use calls Linux has), TMPDIR behind a
                 symlink, an sh that is bash, macOS's limits (256 open files,
                 ARG_MAX 1 MiB), no process descriptors, judged by darwin's
                 expectations; a claim Linux cannot imitate is not run, with
                 the reason (README: "macOS simulated on Linux")
-subject cpython runs the claims' CPython twins on any of them.
`},
	{"verdicts", `Verdicts

  holds                the script passed; the claim holds here as written
  differs as expected  the script passed; the header says this OS differs
  wine deviation       windows-wine only: passed, and the claim documents
                       where Wine is not Windows
  broken               the script failed: the failing line is shown
                       (testdata/script/<id>.txtar:N: ...), then the
                       commands it ran and the output of the last ones
  not run              skipped (with the skip reason), or no result (the
                       build failed, the test binary died, -run left it out)
  flaky                -count N: the runs did not all end the same way (a
                       pass beside a failure, a skip or a run with no
                       result, or a failure beside a run that did not
                       run); shown as "flaky (2 of 5 broken)" or
                       "flaky (1 of 5 not run)", then one failing run's
                       line and log. It fails the run like broken: a
                       rerun never turns a failure into a pass

A leg that ran none of a claim says "not run", never "holds". Runs that all
end the same way give the verdict one run would. A claim whose slowest run
took more than 80% of its time-out is marked slow in its detail (a warning,
not a failure); the time-out of a claim's run is the leg's go test -timeout
(-timeout), which bounds the whole test binary, all N runs of every claim:
procstest's run -timeout (2m) bounds one command of a script, not the
script.

While the suite runs, progress goes to standard error: one line redrawn in
place on a terminal, else a line every 10 s; with -count N it counts claim
runs.
`},
	{"merge", `usage: forkport merge [-format F] [-claims DIR] [-leg NAME] [-run RE] [-commit C] FILE...

merge reads several legs, each a forkport -json file or a raw go test -json
stream (CI's results-<os>-....json; gotestsum --jsonfile), and prints one
matrix: claims as rows, legs as columns, then what is broken or not run, and
each leg's problems. A raw stream's leg is named by writing the argument as
LEG=FILE, by -leg (one raw file only), or by its file name (ubuntu/linux,
macos/darwin, windows, wine, bsd: bsd-paths). Claim headers come from the module's claim
directories (or -claims DIR, run by TestScripts), so every leg is judged
against the current expectations; a leg missing a claim shows "not run".

Flags:
  -format F      text (default; aligned, coloured only on a terminal and
                 never when NO_COLOR is set), markdown (GitHub-flavoured,
                 for $GITHUB_STEP_SUMMARY and the README) or json
  -claims DIR    claim files (default: the module's: forkport help claims)
  -leg NAME      leg of the one raw go test -json input
  -run REGEXP    only the claims whose id matches REGEXP
  -commit C      -format json: the commit the legs ran, for history (default
                 $GITHUB_SHA, else git rev-parse HEAD, else none); the
                 document's "time" is when merge ran

Legs run with -count merge as they are: a flaky cell stays flaky, with its
tally.

Examples:
  go run ./scripts/forkport merge -format markdown out/*.json >> "$GITHUB_STEP_SUMMARY"
  go run ./scripts/forkport merge windows-wine=out/wine-raw.json results-ubuntu-latest.json
  go run ./scripts/forkport merge -format json out/*.json > history/$(date -u +%Y%m%dT%H%M%SZ)-$GITHUB_SHA.json
`},
	{"page", `usage: forkport page -o DIR [-history DIR] [-claims DIR] [-leg NAME] [-run RE] FILE...

page writes the results page of saved legs to DIR: index.html, the
style.css it links to, and matrix.json, the matrix it shows (as merge
-format json writes it). It loads nothing else (no script, font or CDN),
so it works from file:// and offline. Each FILE is a leg as merge reads
it (a forkport -json file, or a raw go test -json stream, named as for
merge) or a merged document (merge -format json); all are merged as merge
does, against the module's claim files when there are some.

The page has a row per claim (its id, text, source and every OS's
expectation, CPython's and Wine's too) and a column per leg (OS, arch,
subject and its version, Go, Wine), each cell coloured by its verdict and
saying it in words; a broken, flaky or not-run cell opens on a click to
its failing line and log. Each leg has a score, web-platform-tests' rule:
each claim that holds, differs as expected or is a wine deviation in every
run counts 1000 / the number of claims, so a leg missing claims scores
lower, never higher.

With -history DIR, a directory of earlier runs' merge -format json files
(every *.json in it, one per run, each with its run's time and commit),
each cell also lists how its verdict changed over the runs ("holds →
broken at abc1234, 2026-12-03") and each leg has a chart of its score per
run. A history run with the same commit and time as the page's own matrix
is that matrix and counts once: when DIR already holds this run's merge
-format json file, give that file as FILE rather than its legs (whose
merge has no commit or time). A history file that is not a regular file, is
malformed or lacks its time is an error (exit 2); at most 1000 files, 1 GiB
in all, are read.

The exit status is 0 when the page is written, whatever the verdicts
(merge's is 1 when a claim is broken), 2 when it cannot be.

Flags:
  -o DIR         the directory to write the site to (made if need be)
  -history DIR   earlier runs' merged documents, one file per run
  -claims DIR    claim files (default: the module's: forkport help claims)
  -leg NAME      leg of the one raw go test -json input
  -run REGEXP    only the claims whose id matches REGEXP

Examples:
  go run ./scripts/forkport page -o out/site out/linux.json out/linux-cpython.json out/windows-wine-verdicts.json
  go run ./scripts/forkport merge -format json out/*.json > history/$(date -u +%Y%m%dT%H%M%SZ).json
  go run ./scripts/forkport page -o out/site -history history out/*.json
`},
	{"readme", `usage: forkport readme [-w] [-claims-only] [-linux FILE] [-cpython FILE] [-wine FILE]

readme rewrites the generated blocks of the module's README.md, each between
<!-- forkport:NAME --> and <!-- /forkport:NAME --> lines, from the claims of
the module's root package (or of every package, when the root package has
none):
  claims   the claim list, from the claim files (both subjects'
           expectations when the claims state cpython)
  linux    this command's text output on Linux (run now, or -linux FILE),
           then, when the suite has a CPython run, -subject cpython's
           (run now, or -cpython FILE)
  matrix   those legs and windows-wine merged, in markdown (each run now,
           or read from -linux, -cpython and -wine FILE)
Blocks without markers are left alone. go generate ./scripts/forkport runs
"readme -w -claims-only"; a test fails when the claims block is stale.

Flags:
  -w             write README.md (default: print the result)
  -claims-only   rewrite only the claims block (runs nothing)
  -linux FILE    the Linux leg (forkport -json FILE or go test -json)
  -cpython FILE  the Linux CPython leg (forkport -subject cpython -json FILE)
  -wine FILE     the windows-wine leg (forkport -json FILE or wineleg -json)
  -install       as for forkport, for running the windows-wine leg

Example:
  go run ./scripts/forkport readme -w -linux out/linux.json -wine out/wine.json
`},
	{"json", `JSON (package internal/verdict documents both formats in full)

-json FILE and -format json write "forkport.leg/v2" (merge and -from also
read v1, which has no "count", "timeout", "runs" or "slow"):
  {"format": "forkport.leg/v2", "leg": "linux/amd64" (or windows-wine),
   "os": "linux", "arch": "amd64", "wine": false, "wine_version": "...",
   "subject": "cpython" and "subject_version": "3.11.7" (CPython legs only),
   "go": "go1.26.8", "forkport": module version, git describe --always
   --dirty, or "devel", "time": RFC 3339 UTC, "package": import path,
   "count": N of -count (omitted for 1), "timeout": -timeout in seconds,
   "problems": [{"summary", "output": [lines], "fatal": bool}],
   "claims": [{"id", "claim", "source",
               "expect": {"outcome": "holds"|"differs", "reason"},
               "wine": deviation reason (windows-wine leg),
               "status": pass|fail|skip|timeout|unfinished|absent,
               "verdict": holds|differs as expected|wine deviation|broken|
                          not run|flaky,
               "detail": failing line, skip reason or why no result; for
                         flaky "flaky (2 of 5 broken); run 2 of 5: " and
                         that run's; "slow: ..." appended when slow,
               "output": [script log lines, broken and flaky only],
               "elapsed": seconds,
               "runs": [{"status", "elapsed"}, ...] (-count N > 1: every
                       run, in order; status/detail/output are then the
                       first failing run's, else the last's),
               "slow": true when a run took over 80% of the timeout}]}
merge -format json writes "forkport.matrix/v2": {"format", "commit" (merge
-commit), "time" (RFC 3339 UTC), "legs": [leg headers with "label" and
"file"], "claims": [{"id", "claim", "source", "expect": {os: {...}},
"expect_cpython": {os: {...}}, "wine", "results": {label: {"status",
"verdict", "detail", "output", "runs", "slow"}}}], "notes": [...]}.
`},
	{"exit", `Exit status

  0  every selected claim holds, differs as expected, is a wine deviation or
     was not run (slow claims included: slow is a warning)
  1  a claim is broken or flaky (-count), or the run failed outside any
     claim (a build failure: its output is shown)
  2  forkport could not do its job: bad flags, no Go toolchain, a module
     without procstest tests, a missing claim directory, unreadable input,
     an unknown leg, a malformed claim header, a leg document that is
     malformed, too large or of an unknown format, a Wine leg that cannot be
     prepared; each one line on standard error

go run reports any non-zero status as 1: build the command (go build -o) to
tell 1 from 2.
`},
}

// helpText is help TOPIC's text.
func helpText(topic string) (string, error) {
	var names []string
	for _, t := range helpTopics {
		if t.name == topic {
			return t.text, nil
		}
		names = append(names, t.name)
	}
	return "", usageError{fmt.Sprintf("no help topic %q (topics: %s)", topic, strings.Join(names, ", "))}
}
