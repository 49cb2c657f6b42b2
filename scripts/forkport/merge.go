package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/verdict"
)

func (a *app) merge(ctx context.Context, args []string) error {
	format := formatFlag("text")
	var claimDir, legName, run string
	var commit commitFlag
	fs := newFlags("merge")
	fs.Var(&format, "format", "")
	fs.StringVar(&claimDir, "claims", "", "")
	fs.StringVar(&legName, "leg", "", "")
	fs.StringVar(&run, "run", "", "")
	fs.Var(&commit, "commit", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"merge needs at least one FILE"}
	}
	filter, err := compileRun(run)
	if err != nil {
		return err
	}

	cs, legs, files, err := a.readLegs(ctx, claimDir, legName, fs.Args(), a.readInput)
	if err != nil {
		return err
	}

	m := verdict.Merge(cs, legs, files)
	if filter != nil {
		m.Filter(filter)
	}
	switch format {
	case "json":
		if !commit.set {
			commit.value = a.headCommit(ctx)
		}
		m.Commit, m.Time = commit.value, a.now().UTC().Format(time.RFC3339)
		err = verdict.WriteJSON(a.stdout, m)
	case "markdown":
		verdict.WriteMatrixMarkdown(a.stdout, m)
	default:
		verdict.WriteMatrixText(a.stdout, m, verdict.TextOptions{Color: a.color()})
	}
	if err != nil {
		return err
	}
	if m.Failed() {
		return errFailed
	}
	return nil
}

// commitRE is what -commit takes: a commit hash, tag or branch name.
var commitRE = regexp.MustCompile(`^[0-9A-Za-z._/-]{0,100}$`)

// commitFlag is merge -commit: the commit a merged document is of.
type commitFlag struct {
	value string
	set   bool
}

func (f *commitFlag) String() string { return f.value }

func (f *commitFlag) Set(s string) error {
	if !commitRE.MatchString(s) {
		return fmt.Errorf("want a commit hash, tag or branch name (letters, digits, . _ / -, at most 100)")
	}
	f.value, f.set = s, true
	return nil
}

// headCommit is the commit a merged document is of when -commit does not
// say: $GITHUB_SHA (the commit a GitHub Actions run checked out), else
// git rev-parse HEAD where the command runs, else "" (no git, no
// repository).
func (a *app) headCommit(ctx context.Context) string {
	if sha, ok := a.lookupEnv("GITHUB_SHA"); ok && sha != "" && commitRE.MatchString(sha) {
		return sha
	}
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "HEAD")
	cmd.Dir = a.dir
	out, err := cmd.Output()
	if sha := strings.TrimSpace(string(out)); err == nil && commitRE.MatchString(sha) {
		return sha
	}
	return ""
}

// openInput opens a saved leg or stream (merge's FILE, -from, readme's
// -linux ...) for reading: a regular file only. Opening a FIFO blocks
// until something writes to it, and a device may never end, so either is
// refused, before it is opened, with an error wrapping fs.ErrInvalid.
func (a *app) openInput(path string) (*os.File, error) {
	p := a.abs(path)
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, unwrapPath(err))
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("cannot read %s: not a regular file (%s): %w", path, verdict.FileKind(fi.Mode()), fs.ErrInvalid)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, unwrapPath(err))
	}
	return f, nil
}

// readLegs reads merge's (and page's) FILE arguments, args, into legs,
// with the file each came from: a leg document as it is, a raw go test
// -json stream judged against the claim files (cs: -claims DIR, else the
// module's suites, if there is a module with some) as the leg named by
// LEG=FILE, -leg (legName, one raw file only; checked first) or its file
// name. read reads one file; an Input it returns with neither a leg nor a
// stream (a merged document page keeps for itself) is left out.
func (a *app) readLegs(ctx context.Context, claimDir, legName string, args []string, read func(file string) (verdict.Input, error)) ([]*claims.Claim, []*verdict.Leg, []string, error) {
	if legName != "" {
		if _, err := verdict.ParseLeg(legName); err != nil {
			return nil, nil, nil, err
		}
	}
	// Claim files: -claims (forkport's TestScripts suite), else the
	// module's suites, if there is a module with some.
	var (
		cs     []*claims.Claim
		suites []verdict.Suite
	)
	if claimDir != "" {
		var err error
		if cs, err = a.loadClaims(a.abs(claimDir)); err != nil {
			return nil, nil, nil, err
		}
		suites = []verdict.Suite{{Test: verdict.ScriptTest, Claims: cs}}
	} else if m, err := a.findModule(ctx); err == nil {
		ss, err := a.findSuites(m, nil)
		switch {
		case err == nil:
			cs, suites = allClaims(ss), verdictSuites(ss)
		case !errors.Is(err, errNoSuites):
			return nil, nil, nil, err
		}
	}

	type rawInput struct {
		index int
		file  string
		leg   string
	}
	var (
		legs  []*verdict.Leg
		files []string
		raws  []rawInput
	)
	for _, arg := range args {
		file, name := arg, ""
		if pre, rest, ok := strings.Cut(arg, "="); ok {
			if _, err := os.Stat(a.abs(arg)); err != nil {
				if _, perr := verdict.ParseLeg(pre); perr != nil {
					return nil, nil, nil, fmt.Errorf("%s: %v", arg, perr)
				}
				file, name = rest, pre
			}
		}
		in, err := read(file)
		if err != nil {
			return nil, nil, nil, err
		}
		if in.Leg == nil && in.Stream == nil {
			continue
		}
		i := len(legs)
		legs, files = append(legs, nil), append(files, file)
		if in.Leg != nil {
			if err := checkLegName(file, in.Leg, name); err != nil {
				return nil, nil, nil, err
			}
			legs[i] = in.Leg
			continue
		}
		if cs == nil {
			return nil, nil, nil, fmt.Errorf("%s is raw go test -json output: its claims' expectations come from the claim files, and there are none here (run inside a module whose tests call procstest.Run, or pass -claims DIR)", file)
		}
		raws = append(raws, rawInput{i, file, name})
		if name == "" {
			name = legName
		}
		info, err := legOf(file, name)
		if err != nil {
			return nil, nil, nil, err
		}
		if claimDir != "" {
			legs[i] = verdict.Evaluate(cs, in.Stream, info, "")
		} else {
			legs[i] = verdict.EvaluateSuites(suites, in.Stream, info)
		}
	}
	if legName != "" {
		n := 0
		for _, r := range raws {
			if r.leg == "" {
				n++
			}
		}
		if n > 1 {
			return nil, nil, nil, usageError{"-leg names the leg of one raw go test -json file; name several as LEG=FILE"}
		}
	}
	return cs, legs, files, nil
}
