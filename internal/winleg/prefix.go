package winleg

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

var (
	//go:embed shim/shim.c
	shimC []byte
	//go:embed shim/shim.def
	shimDef []byte
	//go:embed probe/main.go
	probeMain []byte
)

// shimFlags are the compiler flags the shim is built with (besides the
// sources and the output).
var shimFlags = []string{"-O2", "-s", "-shared"}

const (
	prefixMarker = ".forkport-prefix" // in the prefix: wineboot completed
	shimStamp    = ".forkport-shim"   // in the prefix: the installed shim's hash, and "override"
)

// shimHash identifies the shim's source and build flags.
func shimHash() string {
	h := sha256.New()
	for _, b := range [][]byte{shimC, shimDef, []byte(strings.Join(shimFlags, " "))} {
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ensurePrefix creates the prefix with wineboot unless it was completed
// before, and reports whether it was reused.
func (l *Leg) ensurePrefix(ctx context.Context) (reused bool, err error) {
	if _, err := os.Stat(filepath.Join(l.prefix, prefixMarker)); err == nil {
		return true, nil
	}
	start := time.Now()
	l.cfg.logf("creating the Wine prefix (wineboot -i)")
	// A prefix without the marker is a half-made one: start again.
	if err := os.RemoveAll(l.prefix); err != nil {
		return false, err
	}
	bootCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := l.run(bootCtx, exec.CommandContext(bootCtx, "wineboot", "-i")); err != nil {
		l.killWine()
		return false, fmt.Errorf("winleg: creating the Wine prefix: %w", err)
	}
	// The registry is written when the wineserver exits.
	if err := l.waitWine(time.Minute); err != nil {
		return false, err
	}
	stamp := fmt.Sprintf("created by forkport's internal/winleg with %s on %s\n", l.version, time.Now().UTC().Format(time.RFC3339))
	if err := os.WriteFile(filepath.Join(l.prefix, prefixMarker), []byte(stamp), 0o644); err != nil {
		return false, err
	}
	l.cfg.logf("prefix created in %.1fs", time.Since(start).Seconds())
	return false, nil
}

// probeReport is what the probe program prints (see probe/main.go).
type probeReport struct {
	GOOS, GOARCH string
	TempDir      string
}

// probe runs the probe program under Wine, installing the ProcessPrng shim
// (and then preferring it to Wine's own DLL) as long as the probe fails.
func (l *Leg) probe(ctx context.Context) (probeReport, error) {
	exe, err := l.buildProbe(ctx)
	if err != nil {
		return probeReport{}, err
	}
	installed, override, current := l.readShimStamp()
	l.shim = "wine"
	if installed {
		l.shim = "shim"
		if !current {
			l.cfg.logf("the shim's source changed: rebuilding it")
			if err := l.installShim(ctx, override); err != nil {
				return probeReport{}, err
			}
		}
	}
	if override {
		l.shim = "shim+override"
	}
	l.setEnv(override)
	var failures []string
	for {
		r, err := l.runProbe(ctx, exe)
		if err == nil {
			return r, nil
		}
		if ctx.Err() != nil {
			return probeReport{}, err
		}
		failures = append(failures, fmt.Sprintf("with ProcessPrng from %s: %v", l.shim, err))
		switch l.shim {
		case "wine":
			l.cfg.logf("a Go program does not run under this Wine as it is: installing the ProcessPrng shim")
			if err := l.installShim(ctx, false); err != nil {
				return probeReport{}, err
			}
			l.shim = "shim"
		case "shim":
			l.cfg.logf("the shim alone is not enough: preferring it to Wine's bcryptprimitives.dll")
			if err := l.writeShimStamp(true); err != nil {
				return probeReport{}, err
			}
			l.shim = "shim+override"
			l.setEnv(true)
		default:
			return probeReport{}, fmt.Errorf("winleg: a Go program does not run under Wine in %s:\n%s", l.prefix, strings.Join(failures, "\n"))
		}
	}
}

// buildProbe builds the embedded probe program for windows/amd64, in a
// module of its own in the leg's temporary directory.
func (l *Leg) buildProbe(ctx context.Context) (string, error) {
	dir := filepath.Join(l.tmp, "probe")
	exe := filepath.Join(l.tmp, "probe.exe")
	if _, err := os.Stat(exe); err == nil {
		return exe, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), probeMain, 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module winlegprobe\n\ngo 1.22\n"), 0o644); err != nil {
		return "", err
	}
	err := l.run(ctx, exec.CommandContext(ctx, l.goCmd, "build", "-o", exe, "."), inDir(dir),
		withEnv("GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS="))
	if err != nil {
		return "", fmt.Errorf("winleg: building the probe program: %w", err)
	}
	return exe, nil
}

// runProbe runs the probe under Wine and checks its report.
func (l *Leg) runProbe(ctx context.Context, exe string) (probeReport, error) {
	pctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	c := exec.CommandContext(pctx, "wine", exe)
	l.prepare(c, inDir(l.tmp))
	c.Cancel = func() error {
		err := killGroup(c)
		l.killWine()
		return err
	}
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	err := c.Run()
	var r probeReport
	if err == nil {
		err = json.Unmarshal(bytes.TrimSpace(lastLine(stdout.Bytes())), &r)
	}
	if err == nil && (r.GOOS != "windows" || r.TempDir == "") {
		err = fmt.Errorf("unexpected report %+v", r)
	}
	if err != nil {
		if pctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", pctx.Err(), err)
		}
		out := strings.TrimSpace(stderr.String() + stdout.String())
		if out != "" {
			err = fmt.Errorf("%w: %s", err, tail(out, 20))
		}
		return r, err
	}
	return r, nil
}

func lastLine(b []byte) []byte {
	b = bytes.TrimRight(b, "\r\n")
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// readShimStamp reports whether the shim was installed in the prefix,
// whether Wine must be told to prefer it, and whether it was built from the
// current source.
func (l *Leg) readShimStamp() (installed, override, current bool) {
	b, err := os.ReadFile(filepath.Join(l.prefix, shimStamp))
	if err != nil {
		return false, false, false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return false, false, false
	}
	if _, err := os.Stat(l.systemDLL()); err != nil {
		// The stamp is there but the DLL is not: reinstall it.
		return true, len(f) > 1 && f[1] == "override", false
	}
	return true, len(f) > 1 && f[1] == "override", f[0] == shimHash()
}

func (l *Leg) writeShimStamp(override bool) error {
	s := shimHash()
	if override {
		s += " override"
	}
	return os.WriteFile(filepath.Join(l.prefix, shimStamp), []byte(s+"\n"), 0o644)
}

func (l *Leg) systemDLL() string {
	return filepath.Join(l.prefix, "drive_c", "windows", "system32", "bcryptprimitives.dll")
}

// installShim builds the shim DLL from the embedded source with MinGW-w64
// and copies it to the prefix's system32.
func (l *Leg) installShim(ctx context.Context, override bool) error {
	gcc, err := exec.LookPath(mingwGCC)
	if err != nil {
		return fmt.Errorf("winleg: the ProcessPrng shim must be built, but %w", errNoCompiler)
	}
	start := time.Now()
	dir := filepath.Join(l.tmp, "shim")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, b := range map[string][]byte{"shim.c": shimC, "shim.def": shimDef} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	dll := filepath.Join(dir, "bcryptprimitives.dll")
	args := append(append([]string(nil), shimFlags...), "-o", dll, "shim.c", "shim.def", "-ladvapi32")
	if err := l.run(ctx, exec.CommandContext(ctx, gcc, args...), inDir(dir)); err != nil {
		return fmt.Errorf("winleg: building the ProcessPrng shim: %w", err)
	}
	b, err := os.ReadFile(dll)
	if err != nil {
		return err
	}
	dst := l.systemDLL()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	// Replace, not overwrite in place: the old file may be a Wine fake DLL
	// or a symbolic link into Wine's installation.
	if err := os.Remove(dst); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		return err
	}
	if err := l.writeShimStamp(override); err != nil {
		return err
	}
	l.cfg.logf("shim built and installed in %.1fs: %s", time.Since(start).Seconds(), dst)
	return nil
}
