package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/verdict"
)

// module is what forkport needs to know about the module and the toolchain.
type module struct {
	root      string // directory of go.mod
	path      string // module path: the import path of the root package
	goCmd     string
	goos      string
	goarch    string
	goversion string
}

// goCommand finds the go command.
func (a *app) goCommand() (string, error) {
	if a.goCmd != "" {
		return a.goCmd, nil
	}
	p, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("no Go toolchain: the go command is not on PATH")
	}
	return p, nil
}

// findModule asks the go command where the module is and what it targets.
func (a *app) findModule(ctx context.Context) (*module, error) {
	goCmd, err := a.goCommand()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, goCmd, "env", "-json", "GOMOD", "GOOS", "GOARCH", "GOVERSION")
	cmd.Dir = a.dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("go env failed: %s", firstLine(msg))
	}
	var env struct{ GOMOD, GOOS, GOARCH, GOVERSION string }
	if err := json.Unmarshal(out, &env); err != nil {
		return nil, fmt.Errorf("go env -json: %v", err)
	}
	if env.GOMOD == "" || env.GOMOD == os.DevNull {
		return nil, errors.New("not inside a Go module (go env GOMOD is empty): run forkport in the root of a module whose tests call procstest.Run")
	}
	m := &module{root: filepath.Dir(env.GOMOD), goCmd: goCmd, goos: env.GOOS, goarch: env.GOARCH, goversion: env.GOVERSION}
	data, err := os.ReadFile(env.GOMOD)
	if err != nil {
		return nil, err
	}
	if mm := moduleLine.FindSubmatch(data); mm != nil {
		m.path = string(mm[1])
	}
	return m, nil
}

var moduleLine = regexp.MustCompile(`(?m)^module\s+"?([^\s"]+)"?\s*$`)

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// loadClaims loads the claim files of dir, naming files relative to the
// current directory in errors.
func (a *app) loadClaims(dir string) ([]*claims.Claim, error) {
	cs, err := claims.Load(dir)
	if err != nil {
		var lines []string
		for _, e := range unjoin(err) {
			var ce *claims.Error
			if errors.As(e, &ce) {
				ce.File = a.displayPath(ce.File)
				lines = append(lines, "malformed claim header: "+ce.Error())
				continue
			}
			lines = append(lines, e.Error())
		}
		return nil, errors.New(strings.Join(lines, "\n"))
	}
	return cs, nil
}

// selectClaims keeps the claims whose ID matches filter (all if nil); dir
// names where they came from in the error when none does.
func (a *app) selectClaims(cs []*claims.Claim, filter *regexp.Regexp, dir string) ([]*claims.Claim, error) {
	if filter == nil {
		return cs, nil
	}
	var keep []*claims.Claim
	for _, c := range cs {
		if filter.MatchString(c.ID) {
			keep = append(keep, c)
		}
	}
	if len(keep) == 0 {
		return nil, fmt.Errorf("-run %q matches no claim in %s", filter, a.displayPath(dir))
	}
	return keep, nil
}

// keepResults keeps a leg's results for the selected claims only.
func keepResults(leg *verdict.Leg, selected []*claims.Claim) {
	ids := map[string]bool{}
	for _, c := range selected {
		ids[c.ID] = true
	}
	var keep []verdict.Result
	for _, r := range leg.Claims {
		if ids[r.ID] {
			keep = append(keep, r)
		}
	}
	leg.Claims = keep
}

// abs resolves a path from the command line against the app's directory.
func (a *app) abs(p string) string {
	if a.dir == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(a.dir, p)
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// displayPath shows p relative to the working directory when it is below it.
func (a *app) displayPath(p string) string {
	wd := a.dir
	if wd == "" {
		var err error
		if wd, err = os.Getwd(); err != nil {
			return p
		}
	}
	if !filepath.IsAbs(p) {
		return p
	}
	rel, err := filepath.Rel(wd, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return p
	}
	return rel
}

// version is forkport's version: the module version the binary was built
// at, else git describe --always --dirty of the module, else "devel".
func (m *module) version(ctx context.Context) string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	cmd := exec.CommandContext(ctx, "git", "describe", "--always", "--dirty")
	cmd.Dir = m.root
	if out, err := cmd.Output(); err == nil {
		if v := strings.TrimSpace(string(out)); v != "" {
			return v
		}
	}
	return "devel"
}

// compileRun compiles a -run flag's regexp.
func compileRun(expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, usageError{fmt.Sprintf("bad -run regexp: %v", err)}
	}
	return re, nil
}
