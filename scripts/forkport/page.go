package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/forkport/forkport/internal/page"
	"github.com/forkport/forkport/internal/verdict"
)

// page is `forkport page -o DIR [-history DIR] FILE...`: the results page
// of legs and merged documents (package page renders it).
func (a *app) page(ctx context.Context, args []string) error {
	var out, historyDir, claimDir, legName, run string
	fs := newFlags("page")
	fs.StringVar(&out, "o", "", "")
	fs.StringVar(&historyDir, "history", "", "")
	fs.StringVar(&claimDir, "claims", "", "")
	fs.StringVar(&legName, "leg", "", "")
	fs.StringVar(&run, "run", "", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case out == "":
		return usageError{"page needs -o DIR, the directory to write the site to"}
	case fs.NArg() == 0:
		return usageError{"page needs at least one FILE"}
	}
	filter, err := compileRun(run)
	if err != nil {
		return err
	}

	// Each FILE is read once: a merged document (of any version: ReadMatrix
	// says which it reads) is kept here, anything else goes to merge's
	// reading of legs.
	var docs []*verdict.Matrix
	read := func(file string) (verdict.Input, error) {
		f, err := a.openInput(file)
		if err != nil {
			return verdict.Input{}, err
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, verdict.MaxInput+1))
		if err != nil {
			return verdict.Input{}, fmt.Errorf("%s: %w", file, err)
		}
		if strings.HasPrefix(verdict.DocumentFormat(data), "forkport.matrix/") {
			m, err := verdict.ReadMatrix(bytes.NewReader(data))
			if err != nil {
				return verdict.Input{}, fmt.Errorf("%s: %w", file, err)
			}
			docs = append(docs, m)
			return verdict.Input{}, nil
		}
		in, err := verdict.ReadInput(bytes.NewReader(data))
		if err != nil {
			return in, fmt.Errorf("%s: %w", file, err)
		}
		return in, nil
	}
	cs, legs, files, err := a.readLegs(ctx, claimDir, legName, fs.Args(), read)
	if err != nil {
		return err
	}
	var history []*verdict.Matrix
	if historyDir != "" {
		if history, err = page.ReadHistory(a.abs(historyDir)); err != nil {
			return err
		}
	}
	m := verdict.MergeDocuments(cs, legs, files, docs)
	if filter != nil {
		m.Filter(filter)
		for _, h := range history {
			h.Filter(filter)
		}
	}
	site := &page.Site{Matrix: m, History: history}
	if err := site.WriteDir(a.abs(out)); err != nil {
		return err
	}
	var scores []string
	for _, l := range m.Legs {
		scores = append(scores, fmt.Sprintf("%s %d", l.Label, page.ScoreOf(m, l.Label).Points))
	}
	fmt.Fprintf(a.stdout, "wrote %s: %d claims × %d legs", filepath.Join(out, page.IndexFile), len(m.Claims), len(m.Legs))
	if len(history) > 0 {
		fmt.Fprintf(a.stdout, ", %d earlier runs", len(history))
	}
	fmt.Fprintln(a.stdout)
	if len(scores) > 0 {
		fmt.Fprintln(a.stdout, "scores (of 1000): "+verdict.Printable(strings.Join(scores, ", ")))
	}
	return nil
}
