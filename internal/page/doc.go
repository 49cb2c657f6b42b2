// Package page writes forkport's results page: a static site that shows a
// merged matrix of verdicts (package verdict) to a person, as a grid of
// claims × legs with a score per leg, and, given earlier runs, how each
// cell and each score changed over time. `forkport page` is its command:
//
//	go run ./scripts/forkport page -o out/site out/linux.json out/linux-cpython.json out/windows-wine-verdicts.json
//	go run ./scripts/forkport page -o out/site -history history out/*.json
//
// In Go:
//
//	site := &page.Site{Matrix: m}            // m from verdict.Merge or verdict.ReadMatrix
//	site.History, err = page.ReadHistory(dir) // optional: earlier runs
//	err = site.WriteDir("out/site")
//
// # The site
//
// WriteDir writes three files: index.html, the style.css it links to, and
// matrix.json (the matrix, as `forkport merge -format json` writes it, for
// whoever wants the data). The page loads nothing else: no script, font or
// image, nothing from a CDN or the network, so it works from file:// and
// offline; a Content-Security-Policy meta tag forbids scripts and any
// other source outright. The one interactive part, the filter that keeps
// only the rows with a broken, flaky or not-run cell, is a check box and
// a CSS :has() rule.
//
// # What it shows
//
//   - A row per claim: its id, its text, its source, and every expectation
//     the claim states: procs' by OS, CPython's by OS, the Wine deviation.
//   - A column per leg: its label, OS and arch, subject (procs, or CPython
//     and its version), Go version, Wine version, forkport's version and
//     the time of the run; a link to the leg's problems, when it has some,
//     listed under the table with their output.
//   - A cell per claim and leg, coloured by its verdict and saying it in
//     words (the colour is never the only sign): holds, differs as
//     expected, wine deviation, broken, flaky with its tally ("flaky (2 of
//     5 broken)", as verdict.Tally words it), not run. A broken, flaky or
//     not-run cell is a <details> element: a click opens its failing line
//     (Cell.Detail) and its log (Cell.Output). A slow claim (Cell.Slow) says
//     "slow".
//   - A score per leg (Score): web-platform-tests' rule. Each claim that
//     holds, differs as expected or is the expected Wine deviation in every
//     run of the leg counts 1000 / the number of claims of the matrix, its
//     rows: a leg that lacks claims scores lower, never higher, and a
//     broken, flaky or not-run cell counts 0. The sum is rounded down.
//
// # History
//
// Site.History is earlier runs, each a merged document with its run's
// commit and time (Matrix.Commit, Matrix.Time), oldest first. With it the
// page adds, in each cell, the transitions of its verdict over the runs
// and this one, only where it changed ("holds → broken at abc1234,
// 2026-12-03"; the latest 4, and how many came before), and under each
// leg's score a small inline SVG chart of its score per run. Legs are
// matched by label and claims by id; a run without the leg or the claim
// is passed over. A history run with the matrix's own commit and time is
// the matrix itself and counts once, so a history that already holds this
// run may be given as it is, with that run's merged document as the
// matrix (a matrix merged from legs has no commit or time to match).
//
// ReadHistory reads a history directory: every entry whose name ends in
// .json, each a regular file (a link, a directory, a named pipe or a device
// is refused without being opened) that verdict.ReadMatrix reads and that
// has its time. At most MaxHistoryRuns files and MaxHistoryBytes in all are
// read. Any other entry (a README, .git) is left alone.
//
// # Input from outside
//
// Every string of the matrix comes from a leg or a document someone else
// wrote. The page is rendered with html/template, which escapes each one
// for where it stands (a claim or a log line holding <script> shows as
// that text), and each is first made verdict.Printable, as the text
// renderers do, so that control characters and bidirectional overrides
// show as \x1b or \u202e instead of reordering what is around them. Tests
// check both in Go and, in headless Chromium, in a real browser
// (browser_linux_test.go: it skips where no Chromium is installed, and
// fails instead with CI or FORKPORT_BROWSER=1 set).
package page
