// Package winleg runs the module's tests as Windows programs under Wine: the
// "windows-wine" leg of forkport's harness, used by scripts/wineleg and by
// scripts/forkport -leg windows-wine.
//
// Wine is not Windows. The leg is a cheap, local approximation of a Windows
// run (CI runs the real one on windows-latest); where Wine's behaviour differs,
// the tests say so through package internal/wine. What the leg itself has to
// work around, on Wine 8:
//
//   - The Go runtime (Go 1.22 and later) loads bcryptprimitives.dll!ProcessPrng at
//     start-up, and Wine 8 has no bcryptprimitives.dll: every Go program dies
//     before main. Prepare builds a one-function replacement (shim/shim.c,
//     ProcessPrng over advapi32!SystemFunction036) with MinGW-w64 and installs
//     it in the prefix's system32, but only when a probe program shows that
//     the Wine in use needs it.
//   - os.RemoveAll fails under Wine ("Invalid function": Go deletes through
//     NtSetInformationFile(FileDispositionInformationEx), which Wine 8 answers
//     with STATUS_NOT_IMPLEMENTED), so tests leave files in the Windows
//     temporary directory. The leg removes, from the Linux side, whatever the
//     tests left there.
//   - Wine replaces TEMP, TMP, PATH and the user profile variables with the
//     prefix's own, and adds WINE* variables, SystemDrive and SystemRoot to
//     every process it starts.
//
// Typical use:
//
//	leg, err := winleg.Prepare(ctx, winleg.Config{Install: true, Log: os.Stderr})
//	if err != nil { ... }
//	defer leg.Close()
//	pkgs, err := winleg.Packages(ctx, "", ".", "./...")
//	for _, p := range pkgs {
//		err := leg.Test(ctx, p, []string{"-run", "TestFoo"}, jsonOut)
//		if errors.Is(err, winleg.ErrTestsFailed) { ... } else if err != nil { ... }
//	}
//
// The events Test writes are the same go test -json stream `go test -json`
// would print for the package on Windows (produced by `go tool test2json`),
// so anything that reads go test -json reads them.
package winleg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// ErrTestsFailed is wrapped by the error Test returns when the package's
// tests ran and failed, or its test binary did not build for windows/amd64
// (what makes `go test` exit 1). Any other error from Test is a failure of the
// leg itself (Wine, the go command, a cancelled context).
var ErrTestsFailed = errors.New("tests failed")

// DefaultTimeout is the default Config.Timeout, as for go test.
const DefaultTimeout = 10 * time.Minute

// Config says how to prepare the leg. The zero value is usable.
type Config struct {
	// Prefix is the Wine prefix (WINEPREFIX) the tests run in. It is created
	// if missing and reused otherwise. The default is
	// os.UserCacheDir()/forkport/wine-<version>, for example
	// ~/.cache/forkport/wine-8.0. One leg at a time uses a prefix: Prepare
	// waits for a lock (<Prefix>.lock) that Close releases.
	Prefix string
	// Install lets Prepare install missing packages (wine, wine64,
	// gcc-mingw-w64-x86-64) with apt-get update and apt-get install -y. It
	// needs root, or passwordless sudo (as on GitHub's runners); otherwise
	// Prepare fails and says what to install.
	Install bool
	// Log receives progress messages, one per line. nil means none.
	Log io.Writer
	// Dir is the directory the go command runs in (the main module's, or
	// one below it). The default is the current directory.
	Dir string
	// Timeout bounds each package's test binary: it is passed as
	// -test.timeout (unless the test arguments set one), and the binary and
	// its Wine processes are killed a minute after it, as go test does. The
	// default is DefaultTimeout.
	Timeout time.Duration
	// Go is the go command. The default is "go" from PATH, else
	// $GOROOT/bin/go of the running program.
	Go string
}

// Leg is a prepared Wine prefix in which Test runs test binaries. Its methods
// may be called from several goroutines, but test binaries run one at a time.
// Close must be called when done.
type Leg struct {
	cfg     Config
	goCmd   string
	version string // wine --version, e.g. "wine-8.0 (Debian 8.0~repack-4)"
	prefix  string
	env     []string // for every Wine command: os.Environ() + WINEPREFIX, ...
	tmp     string   // Linux temporary directory for built binaries
	shim    string   // how ProcessPrng is provided: "wine", "shim", "shim+override"
	winTemp string   // Linux path of the Windows temporary directory, "" if unknown
	before  map[string]bool
	lock    *os.File

	mu     sync.Mutex // serialises Test and Close
	closed bool
}

// Prefix returns the Wine prefix the leg runs in.
func (l *Leg) Prefix() string { return l.prefix }

// WineVersion returns the output of wine --version, such as
// "wine-8.0 (Debian 8.0~repack-4)".
func (l *Leg) WineVersion() string { return l.version }

// Shim says how Go's ProcessPrng is provided: "wine" (Wine has it), "shim"
// (the shim DLL in system32) or "shim+override" (the shim DLL, preferred to
// Wine's own through WINEDLLOVERRIDES).
func (l *Leg) Shim() string { return l.shim }

// Env returns the environment (os.Environ plus WINEPREFIX, WINEDEBUG and
// WINEDLLOVERRIDES) in which the leg runs Wine commands.
func (l *Leg) Env() []string { return append([]string(nil), l.env...) }

func (c *Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, "winleg: "+format+"\n", args...)
	}
}

// Prepare makes sure Wine and (when the shim must be built) MinGW-w64 are
// installed, installing them if cfg.Install allows it; creates or reuses the
// Wine prefix; builds and runs a probe Go program under Wine, installing the
// ProcessPrng shim if the probe needs it; and records the Windows temporary
// directory so that Test and Close can remove what tests leave there. A
// reused prefix in which the probe cannot run is recreated once.
func Prepare(ctx context.Context, cfg Config) (_ *Leg, err error) {
	if err := hostSupported(); err != nil {
		return nil, err
	}
	start := time.Now()
	if cfg.Dir == "" {
		cfg.Dir = "."
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	goCmd, err := findGo(cfg.Go)
	if err != nil {
		return nil, err
	}
	if err := ensureTools(ctx, &cfg); err != nil {
		return nil, err
	}
	l := &Leg{cfg: cfg, goCmd: goCmd}
	defer func() {
		if err != nil {
			l.release()
		}
	}()
	out, err := l.output(ctx, exec.CommandContext(ctx, "wine", "--version"), withEnv("WINEDEBUG=-all"))
	if err != nil {
		return nil, fmt.Errorf("winleg: wine --version: %w", err)
	}
	l.version = strings.TrimSpace(out)
	l.prefix = cfg.Prefix
	if l.prefix == "" {
		if l.prefix, err = DefaultPrefix(l.version); err != nil {
			return nil, err
		}
	}
	if l.prefix, err = filepath.Abs(l.prefix); err != nil {
		return nil, err
	}
	cfg.logf("%s, prefix %s", l.version, l.prefix)
	if l.lock, err = lockPrefix(ctx, l.prefix, func() { cfg.logf("waiting for another leg to release %s.lock", l.prefix) }); err != nil {
		return nil, err
	}
	if l.tmp, err = os.MkdirTemp("", "winleg-"); err != nil {
		return nil, err
	}
	l.setEnv(false)
	var report probeReport
	for attempt := 0; ; attempt++ {
		reused, err := l.ensurePrefix(ctx)
		if err != nil {
			return nil, err
		}
		report, err = l.probe(ctx)
		if err == nil {
			break
		}
		if !reused || attempt > 0 || ctx.Err() != nil {
			return nil, err
		}
		cfg.logf("the reused prefix does not work (%v); recreating it", err)
		if err := os.RemoveAll(l.prefix); err != nil {
			return nil, err
		}
	}
	l.winTemp = l.linuxPath(report.TempDir)
	if l.before, err = listDir(l.winTemp); err != nil {
		return nil, err
	}
	cfg.logf("ready in %.1fs (ProcessPrng from %s; Windows temp %s)", time.Since(start).Seconds(), l.shim, report.TempDir)
	return l, nil
}

// DefaultPrefix is the prefix Prepare uses when Config.Prefix is empty, for
// the given `wine --version` output: os.UserCacheDir()/forkport/wine-<n>,
// where <n> is the version number ("8.0" for "wine-8.0 (Debian 8.0~repack-4)").
func DefaultPrefix(wineVersion string) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("winleg: no default Wine prefix: %w", err)
	}
	return filepath.Join(cache, "forkport", "wine-"+versionNumber(wineVersion)), nil
}

// versionNumber turns "wine-8.0 (Debian 8.0~repack-4)" into "8.0", keeping
// only characters safe in a file name.
func versionNumber(v string) string {
	f := strings.Fields(v)
	if len(f) == 0 {
		return "unknown"
	}
	n := strings.TrimPrefix(f[0], "wine-")
	n = strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, n)
	if n == "" || strings.Trim(n, ".") == "" {
		return "unknown"
	}
	return n
}

// setEnv sets the environment of Wine commands; override makes Wine load
// the shim in preference to a bcryptprimitives.dll of its own.
func (l *Leg) setEnv(override bool) {
	dlls := "mscoree,mshtml=" // no Mono or Gecko installer prompts
	if override {
		dlls += ";bcryptprimitives=n,b"
	}
	debug := os.Getenv("WINEDEBUG")
	if debug == "" {
		// Wine's fixme/err lines would land in the tests' output.
		debug = "-all"
	}
	l.env = append(os.Environ(), "WINEPREFIX="+l.prefix, "WINEDLLOVERRIDES="+dlls, "WINEDEBUG="+debug)
}

// linuxPath maps a Windows path in the prefix (C:\users\me\Temp) to the
// Linux path it stands for, through the prefix's dosdevices links; "" if it
// cannot.
func (l *Leg) linuxPath(win string) string {
	if len(win) < 3 || win[1] != ':' || win[2] != '\\' {
		return ""
	}
	drive := strings.ToLower(win[:2])
	if drive[0] < 'a' || drive[0] > 'z' {
		return ""
	}
	// A Unix path, built with package path: the leg runs on Unix only.
	parts := append([]string{filepath.ToSlash(l.prefix), "dosdevices", drive}, strings.Split(win[3:], `\`)...)
	return path.Join(parts...)
}

// Close waits for every Wine process of the leg to end (killing them after a
// minute), removes what the tests left in the Windows temporary directory and
// the leg's own temporary files, and releases the prefix. It is safe to call
// more than once.
func (l *Leg) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	errs := []error{l.waitWine(time.Minute)}
	if removed, err := l.cleanTemp(); err != nil {
		errs = append(errs, err)
	} else if len(removed) > 0 {
		l.cfg.logf("removed what Windows programs left in the Windows temporary directory: %s", names(removed))
	}
	errs = append(errs, l.release())
	return errors.Join(errs...)
}

// release removes the leg's temporary directory and unlocks the prefix.
func (l *Leg) release() error {
	var errs []error
	if l.tmp != "" {
		errs = append(errs, os.RemoveAll(l.tmp))
		l.tmp = ""
	}
	if l.lock != nil {
		errs = append(errs, l.lock.Close())
		l.lock = nil
	}
	return errors.Join(errs...)
}

// waitWine waits up to limit for the prefix's wineserver to exit (it does
// once no Windows program runs), then kills what is left.
func (l *Leg) waitWine(limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	err := l.run(ctx, exec.CommandContext(ctx, "wineserver", "-w"))
	if err == nil {
		return nil
	}
	l.cfg.logf("Wine processes still running %v after the last test (a leak?): killing them", limit)
	l.killWine()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel2()
	if err := l.run(ctx2, exec.CommandContext(ctx2, "wineserver", "-w")); err != nil {
		return fmt.Errorf("winleg: wineserver -w: %w", err)
	}
	return nil
}

// killWine kills every process of the prefix's wineserver, and the server.
func (l *Leg) killWine() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = l.run(ctx, exec.CommandContext(ctx, "wineserver", "-k"))
}

// cleanTemp removes the entries of the Windows temporary directory that were
// not there when the leg was prepared, and returns their names.
func (l *Leg) cleanTemp() ([]string, error) {
	if l.winTemp == "" {
		return nil, nil
	}
	now, err := listDir(l.winTemp)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for name := range now {
		if l.before[name] {
			continue
		}
		if err := os.RemoveAll(filepath.Join(l.winTemp, name)); err != nil {
			errs = append(errs, err)
		}
		removed = append(removed, name)
	}
	slices.Sort(removed)
	return removed, errors.Join(errs...)
}

// names shortens a list of names for a log line.
func names(list []string) string {
	if len(list) > 5 {
		return strings.Join(list[:5], ", ") + fmt.Sprintf(" and %d more", len(list)-5)
	}
	return strings.Join(list, ", ")
}

func listDir(dir string) (map[string]bool, error) {
	names := map[string]bool{}
	if dir == "" {
		return names, nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return names, nil
	}
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names, err
}

// findGo returns the go command to use.
func findGo(goCmd string) (string, error) {
	if goCmd != "" {
		return goCmd, nil
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	return "", errors.New("winleg: the go command is not on PATH")
}

// cmdOption adjusts a command before it runs.
type cmdOption func(*exec.Cmd)

func withEnv(kv ...string) cmdOption {
	return func(c *exec.Cmd) { c.Env = append(c.Env, kv...) }
}

func inDir(dir string) cmdOption { return func(c *exec.Cmd) { c.Dir = dir } }

// prepare sets up a command of the leg: the leg's environment, no stdin, a
// process group of its own (so it can be killed with all its children), and
// a bounded wait for output after it exits.
func (l *Leg) prepare(c *exec.Cmd, opts ...cmdOption) {
	c.Env = append([]string(nil), l.env...)
	if c.Env == nil {
		c.Env = os.Environ()
	}
	setGroup(c)
	c.Cancel = func() error { return killGroup(c) }
	c.WaitDelay = 10 * time.Second
	for _, o := range opts {
		o(c)
	}
}

// run runs a command, returning an error with its output if it fails.
func (l *Leg) run(ctx context.Context, c *exec.Cmd, opts ...cmdOption) error {
	_, err := l.output(ctx, c, opts...)
	return err
}

// output runs a command and returns its standard output; on failure the
// error includes its standard error.
func (l *Leg) output(ctx context.Context, c *exec.Cmd, opts ...cmdOption) (string, error) {
	l.prepare(c, opts...)
	var stdout, stderr strings.Builder
	c.Stdout, c.Stderr = &stdout, &stderr
	err := c.Run()
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		if msg != "" {
			err = fmt.Errorf("%s: %w\n%s", strings.Join(c.Args, " "), err, msg)
		} else {
			err = fmt.Errorf("%s: %w", strings.Join(c.Args, " "), err)
		}
	}
	return stdout.String(), err
}
