package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/forkport/forkport/internal/winleg"
)

// wineRun is one run of the suite under Wine.
type wineRun struct {
	root    string // module root
	goCmd   string
	pattern string   // go test -run pattern
	pkgs    []string // the packages to test (import paths)
	timeout time.Duration
	count   int // runs of each test (go test -count)
	install bool
	log     io.Writer // winleg's progress messages
	events  io.Writer // the go test -json stream
}

// wineRunner runs the suite's package under Wine and returns wine
// --version. Failing tests are not an error: the stream says so.
type wineRunner func(ctx context.Context, r wineRun) (string, error)

// runWineLeg is the wineRunner: internal/winleg builds each package's test
// binary for windows/amd64 and runs it under Wine.
func runWineLeg(ctx context.Context, r wineRun) (string, error) {
	leg, err := winleg.Prepare(ctx, winleg.Config{Install: r.install, Log: r.log, Dir: r.root, Timeout: r.timeout, Go: r.goCmd})
	if err != nil {
		return "", err
	}
	defer func() {
		if err := leg.Close(); err != nil {
			fmt.Fprintf(r.log, "forkport: closing the Wine leg: %v\n", err)
		}
	}()
	for _, pkg := range r.pkgs {
		err = leg.Test(ctx, pkg, []string{"-run", r.pattern, "-count", strconv.Itoa(max(r.count, 1))}, r.events)
		if err != nil && !errors.Is(err, winleg.ErrTestsFailed) {
			return leg.WineVersion(), err
		}
	}
	return leg.WineVersion(), nil
}
