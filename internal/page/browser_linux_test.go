//go:build linux

package page_test

// The browser tests open the page in headless Chromium, driven with
// chromedp, and check what a person sees. They skip, saying why, where no
// Chromium is installed, and fail instead when CI or FORKPORT_BROWSER=1
// is set (.ci/run installs Debian's chromium, so it cannot skip them).

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/page"
	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/internal/verdict"
)

// chromiumNames are the names Chromium goes by on PATH: Debian's package,
// other distributions', Google's build, the headless shell.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"}

// mustRunBrowser reports whether the browser tests must run: under CI, or
// when FORKPORT_BROWSER=1 asks for them.
func mustRunBrowser() bool {
	ci := os.Getenv("CI")
	return ci != "" && ci != "0" && ci != "false" || os.Getenv("FORKPORT_BROWSER") == "1"
}

// chromium finds Chromium, or skips the test (fails it, where the browser
// tests must run).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	why := fmt.Sprintf("no Chromium on PATH (looked for %s): apt-get install chromium", strings.Join(chromiumNames, ", "))
	if mustRunBrowser() {
		t.Fatalf("%s; CI or FORKPORT_BROWSER=1 is set, so the browser test must run", why)
	}
	t.Skip(why)
	return ""
}

// browser is one headless Chromium with one tab, and what the tab saw:
// console messages, uncaught exceptions and browser log entries (errors
// and warnings), and every request's URL.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	console  []string
	requests []string
}

// openBrowser starts Chromium for the test; the test's clean-up kills it,
// removes its profile, and fails the test if any of its processes is left.
func openBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // as root, Chromium refuses to start without it
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 800),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	// A guard against a browser that hangs, not a timed assertion.
	ctx, cancelTimeout := context.WithTimeout(tab, 3*time.Minute)
	b := &browser{ctx: ctx}
	var profile string
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc() // kills whatever is left of the browser, and waits for it
		if profile == "" {
			return
		}
		if left := processesWith(profile); len(left) > 0 {
			t.Errorf("Chromium processes left after the test: %v", left)
		}
	})
	require.NoError(t, chromedp.Listen(ctx, b.listen), "starting %s", path)
	if c := chromedp.FromContext(ctx); c != nil && c.Browser != nil && c.Browser.Process() != nil {
		profile = profileArg(c.Browser.Process().Pid)
	}
	require.NotEmpty(t, profile, "the browser's --user-data-dir")
	return b
}

// listen records what the tab reports. It runs in chromedp's event loop:
// it only appends.
func (b *browser) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value))
			}
			b.console = append(b.console, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
		}
	case *runtime.EventExceptionThrown:
		b.console = append(b.console, "exception: "+ev.ExceptionDetails.Text)
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Level == cdplog.EntryLevelWarning {
			b.console = append(b.console, fmt.Sprintf("log %s (%s): %s %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, ev.Request.URL)
	}
}

// seen returns what the tab reported so far.
func (b *browser) seen() (console, requests []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...), append([]string(nil), b.requests...)
}

// profileArg is the --user-data-dir argument of process pid, "" when it
// has none.
func profileArg(pid int) string {
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return ""
	}
	for _, arg := range bytes.Split(cmdline, []byte{0}) {
		if strings.HasPrefix(string(arg), "--user-data-dir=") {
			return string(arg)
		}
	}
	return ""
}

// processesWith lists the processes whose command line has arg.
func processesWith(arg string) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		args := bytes.Split(cmdline, []byte{0})
		for _, a := range args {
			if string(a) == arg {
				out = append(out, e.Name()+" "+string(args[0]))
				break
			}
		}
	}
	return out
}

// fileURL is the file:// URL of path.
func fileURL(path string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}

// open loads the site's index.html in the tab, forgetting what the tab
// saw before.
func (b *browser) open(t *testing.T, site string) {
	t.Helper()
	b.mu.Lock()
	b.console, b.requests = nil, nil
	b.mu.Unlock()
	require.NoError(t, chromedp.Do(b.ctx, chromedp.Navigate(fileURL(filepath.Join(site, page.IndexFile)))))
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, "evaluating %s", expr)
	return v
}

// click clicks the element sel selects, as a mouse does: at its centre.
func (b *browser) click(t *testing.T, sel string) {
	t.Helper()
	// Click waits for its element to appear: without one, fail now.
	require.True(t, eval[bool](t, b, fmt.Sprintf("document.querySelector(%s) !== null", strconv.Quote(sel))), "no element %s to click", sel)
	require.NoError(t, chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(sel))), "clicking %s", sel)
}

// checkQuiet asserts that the page said nothing on its console and that
// every request it made was for a file of the site.
func (b *browser) checkQuiet(t *testing.T, site string) {
	t.Helper()
	// A last round trip: every event sent before it has been seen.
	_ = eval[int](t, b, "1")
	console, requests := b.seen()
	assert.Empty(t, console, "console errors and warnings")
	prefix := fileURL(site) + "/"
	assert.Contains(t, requests, prefix+page.IndexFile, "the page itself is a request seen")
	assert.Contains(t, requests, prefix+page.StyleFile, "and so is its style sheet")
	for _, u := range requests {
		assert.True(t, strings.HasPrefix(u, prefix), "a request that leaves the site: %s", u)
	}
}

// screenshot saves the viewport (or, full, the whole page) as PNG in the
// module's out/ directory.
func (b *browser) screenshot(t *testing.T, name string, full bool) {
	t.Helper()
	action := chromedp.CaptureScreenshot()
	if full {
		action = chromedp.FullScreenshot(100) // 100: PNG
	}
	png, err := chromedp.Run(b.ctx, action)
	require.NoError(t, err)
	out := filepath.Join("..", "..", "out")
	require.NoError(t, os.MkdirAll(out, 0o777))
	p := filepath.Join(out, name)
	require.NoError(t, os.WriteFile(p, png, 0o666))
	abs, _ := filepath.Abs(p)
	t.Logf("screenshot: %s", abs)
}

// cellJS is a JavaScript expression for the cell of claim id on leg.
func cellJS(id, leg string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("#matrix tr.claim")].find(r => r.dataset.claim === %s).querySelector(%s)`,
		strconv.Quote(id), strconv.Quote(`td[data-leg="`+leg+`"]`))
}

// cellSel is a CSS selector for the cell of claim id on leg (ids and
// labels of the fixture need no escaping).
func cellSel(id, leg string) string {
	return fmt.Sprintf(`#matrix tr[data-claim=%q] td[data-leg=%q]`, id, leg)
}

// visibleJS says whether an element is rendered, as a person would see
// it: not under display: none, nor in a closed <details> element (whose
// content Chromium hides with content-visibility).
const visibleJS = `(e => !!e && e.checkVisibility())`

// TestBrowser opens the page of the fixture legs (a broken claim, a flaky
// one with its runs, a claim whose text and log are markup), without and
// with history, and checks what a person sees there.
func TestBrowser(t *testing.T) {
	b := openBrowser(t)
	for _, withHistory := range []bool{false, true} {
		name := "without history"
		if withHistory {
			name = "with history"
		}
		t.Run(name, func(t *testing.T) {
			site := filepath.Join(testutil.TempDir(t), "site")
			s := &page.Site{Matrix: fixtureMatrix(t)}
			if withHistory {
				dir := testutil.TempDir(t)
				writeHistory(t, dir, fixtureHistory(t))
				var err error
				s.History, err = page.ReadHistory(dir)
				require.NoError(t, err)
			}
			require.NoError(t, s.WriteDir(site))
			b.open(t, site)

			// The grid: a row per claim, a column per leg (after the claims'),
			// the legs' labels and scores as the fixture works them out.
			assert.Equal(t, 4, eval[int](t, b, `document.querySelectorAll("#matrix tbody tr.claim").length`), "rows")
			assert.Equal(t, 3, eval[int](t, b, `document.querySelectorAll("#matrix thead tr.legs th").length`), "columns")
			assert.Equal(t, []string{"linux/amd64", "windows-wine"}, eval[[]string](t, b, `[...document.querySelectorAll("#matrix th.leg .label")].map(e => e.innerText)`))
			assert.Equal(t, []string{
				fmt.Sprintf("%d / 1000\n2 of 4 claims", fixtureScores["linux/amd64"]),
				fmt.Sprintf("%d / 1000\n3 of 4 claims", fixtureScores["windows-wine"]),
			}, eval[[]string](t, b, `[...document.querySelectorAll("#matrix td.score")].map(e => e.innerText.trim())`), "the score figures")

			// Each verdict in words, and in a colour of its own.
			broken, flaky := cellJS("exec-replaces", "linux/amd64"), cellJS("zombie", "linux/amd64")
			holds := cellJS("fork-pid", "linux/amd64")
			assert.Equal(t, "broken", eval[string](t, b, broken+`.innerText.split("\n")[0]`))
			assert.NotContains(t, eval[string](t, b, broken+`.innerText`), brokenDetail, "a closed broken cell does not show its failing line")
			assert.Equal(t, "holds", eval[string](t, b, holds+`.innerText.trim()`))
			colours := eval[[]string](t, b, `[`+holds+`, `+broken+`, `+flaky+`].map(e => getComputedStyle(e).backgroundColor)`)
			assert.Len(t, uniq(colours), 3, "holds, broken and flaky cells have colours of their own: %v", colours)

			// A broken cell's failing line and log, a click away.
			assert.False(t, eval[bool](t, b, visibleJS+`(`+broken+`.querySelector(".detail"))`), "the failing line is hidden before the click")
			b.click(t, cellSel("exec-replaces", "linux/amd64")+" summary")
			assert.True(t, eval[bool](t, b, visibleJS+`(`+broken+`.querySelector(".detail"))`), "the failing line shows after the click")
			assert.Equal(t, brokenDetail, eval[string](t, b, broken+`.querySelector(".detail").innerText`))
			assert.Contains(t, eval[string](t, b, broken+`.querySelector("pre.log").innerText`), brokenLog+"\n[stdout]\nchild 42")

			// A flaky cell's tally; its log, markup in it shown as text.
			assert.Equal(t, flakyTally, eval[string](t, b, flaky+`.querySelector("summary").innerText.trim()`))
			b.click(t, cellSel("zombie", "linux/amd64")+" summary")
			assert.Contains(t, eval[string](t, b, flaky+`.querySelector("pre.log").innerText`), evilLog)

			// A claim whose text is markup shows that text, and nothing of
			// it runs or becomes an element.
			assert.Equal(t, evilClaim, eval[string](t, b, `document.querySelector('#matrix tr[data-claim="markup"] .text').innerText`))
			assert.Equal(t, "undefined", eval[string](t, b, `typeof window.pwned`), "no script of the data ran")
			assert.Equal(t, 0, eval[int](t, b, `document.scripts.length + document.querySelectorAll("b, i, img").length`), "no element from the data")

			if withHistory {
				assert.Contains(t, eval[string](t, b, broken+`.innerText`), "broken → holds at 2222222, 2026-12-02\nholds → broken at this run")
				assert.Contains(t, eval[string](t, b, flaky+`.innerText`), "holds → broken at 2222222, 2026-12-02\nbroken → flaky at this run")
				assert.Equal(t, []int{4, 3}, eval[[]int](t, b, `[...document.querySelectorAll("#matrix svg.chart")].map(s => s.querySelectorAll("circle").length)`), "a dot per run of each leg")
				assert.Equal(t, []int{150, 150}, eval[[]int](t, b, `[...document.querySelectorAll("#matrix svg.chart")].map(s => Math.round(s.getBoundingClientRect().width))`), "the charts are drawn")
			} else {
				assert.Equal(t, 0, eval[int](t, b, `document.querySelectorAll("svg.chart, ul.changes").length`))
			}

			// The filter keeps the rows with a broken, flaky or not-run cell.
			rows := `[...document.querySelectorAll("#matrix tbody tr.claim")].filter(` + visibleJS + `).map(r => r.dataset.claim)`
			assert.Equal(t, []string{"exec-replaces", "fork-pid", "markup", "zombie"}, eval[[]string](t, b, rows))
			b.click(t, "#only-problems")
			assert.Equal(t, []string{"exec-replaces", "markup", "zombie"}, eval[[]string](t, b, rows), "fork-pid holds everywhere")
			b.click(t, "#only-problems")

			b.checkQuiet(t, site)
			shot := "page-browser-test.png"
			if withHistory {
				shot = "page-browser-test-history.png"
			}
			b.screenshot(t, shot, true)
		})
	}
}

func uniq(ss []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range ss {
		m[s] = true
	}
	return m
}

// TestBrowserSite opens a site forkport page wrote from real legs
// (FORKPORT_SITE: .ci/run sets it to out/site, built from its own Linux,
// CPython and Wine legs) and checks it against the matrix.json beside
// it: its rows and columns, each leg's score, every broken or flaky
// cell's failing line after a click, a quiet console and no request that
// leaves the site. It saves the viewport as out/results-page.png.
func TestBrowserSite(t *testing.T) {
	site := os.Getenv("FORKPORT_SITE")
	if site == "" {
		t.Skip("FORKPORT_SITE names no site written by forkport page (.ci/run sets it)")
	}
	site, err := filepath.Abs(site)
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(site, page.MatrixFile))
	require.NoError(t, err)
	m, err := verdict.ReadMatrix(bytes.NewReader(data))
	require.NoError(t, err)
	require.NotEmpty(t, m.Claims)

	b := openBrowser(t)
	b.open(t, site)
	assert.Equal(t, len(m.Claims), eval[int](t, b, `document.querySelectorAll("#matrix tbody tr.claim").length`), "rows")
	var labels, scores []string
	for _, l := range m.Legs {
		labels = append(labels, l.Label)
		scores = append(scores, strconv.Itoa(page.ScoreOf(m, l.Label).Points))
	}
	assert.Equal(t, labels, eval[[]string](t, b, `[...document.querySelectorAll("#matrix th.leg .label")].map(e => e.innerText)`), "columns")
	assert.Equal(t, scores, eval[[]string](t, b, `[...document.querySelectorAll("#matrix td.score .points")].map(e => e.innerText)`), "scores")

	b.screenshot(t, "results-page.png", false) // before any cell is opened
	opened := 0
	for _, r := range m.Claims {
		for _, l := range m.Legs {
			c := r.Results[l.Label]
			if c.Verdict != verdict.Broken && c.Verdict != verdict.Flaky || c.Detail == "" {
				continue
			}
			cell := cellJS(r.ID, l.Label)
			require.True(t, eval[bool](t, b, cell+`.querySelector("summary") !== null`), "%s on %s: no summary to click", r.ID, l.Label)
			require.NoError(t, chromedp.Do(b.ctx, chromedp.Click(chromedp.JSPath(cell+`.querySelector("summary")`))))
			assert.Equal(t, verdict.Printable(c.Detail), eval[string](t, b, cell+`.querySelector(".detail").innerText`), "%s on %s", r.ID, l.Label)
			opened++
		}
	}
	t.Logf("%d claims × %d legs; scores %v; %d broken or flaky cells opened", len(m.Claims), len(m.Legs), scores, opened)
	b.checkQuiet(t, site)
}
