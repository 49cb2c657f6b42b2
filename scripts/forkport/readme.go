package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/verdict"
)

// README blocks: <!-- forkport:NAME --> ... <!-- /forkport:NAME -->.
const (
	blockClaims = "claims"
	blockLinux  = "linux"
	blockMatrix = "matrix"
)

func startMarker(name string) string { return "<!-- forkport:" + name + " -->" }
func endMarker(name string) string   { return "<!-- /forkport:" + name + " -->" }

// errNoBlock is returned by replaceBlock when doc has no such block.
var errNoBlock = errors.New("no such block")

// replaceBlock replaces the lines between name's start and end marker lines
// in doc with content (which ends in a newline, or is empty).
func replaceBlock(doc, name, content string) (string, error) {
	start, end := startMarker(name), endMarker(name)
	i := markerLine(doc, start, 0)
	if i < 0 {
		if markerLine(doc, end, 0) >= 0 {
			return "", fmt.Errorf("%s without %s before it", end, start)
		}
		return doc, errNoBlock
	}
	bodyStart := i + len(start)
	if nl := strings.IndexByte(doc[bodyStart:], '\n'); nl >= 0 {
		bodyStart += nl + 1
	} else {
		return "", fmt.Errorf("%s has no %s after it", start, end)
	}
	j := markerLine(doc, end, bodyStart)
	if j < 0 {
		return "", fmt.Errorf("%s has no %s after it", start, end)
	}
	if k := markerLine(doc, start, bodyStart); k >= 0 && k < j {
		return "", fmt.Errorf("%s appears twice before %s", start, end)
	}
	if content != "" && !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	return doc[:bodyStart] + content + doc[strings.LastIndexByte(doc[:j], '\n')+1:], nil
}

// markerLine finds marker alone on a line (surrounding spaces allowed) at or
// after from; -1 if none.
func markerLine(doc, marker string, from int) int {
	for from <= len(doc) {
		k := strings.Index(doc[from:], marker)
		if k < 0 {
			return -1
		}
		k += from
		lineStart := strings.LastIndexByte(doc[:k], '\n') + 1
		lineEnd := strings.IndexByte(doc[k:], '\n')
		if lineEnd < 0 {
			lineEnd = len(doc)
		} else {
			lineEnd += k
		}
		if strings.TrimSpace(doc[lineStart:k]) == "" && strings.TrimSpace(doc[k+len(marker):lineEnd]) == "" {
			return k
		}
		from = k + len(marker)
	}
	return -1
}

// claimsBlock is the claims block's content.
func claimsBlock(cs []*claims.Claim) string {
	var b bytes.Buffer
	verdict.WriteClaimsMarkdown(&b, cs)
	return b.String()
}

// linuxBlock is the linux block's content: for each leg (procs, then
// CPython when the module's suite has a CPython run), the command (with the
// package patterns it was given) and its text output.
func linuxBlock(legs []*verdict.Leg, pkgs []string) string {
	var b bytes.Buffer
	for i, leg := range legs {
		if i > 0 {
			b.WriteString("\n")
		}
		cmd := []string{"go run ./scripts/forkport"}
		if leg.Subject != "" {
			cmd = append(cmd, "-subject", leg.Subject)
		}
		b.WriteString("```text\n$ " + strings.Join(append(cmd, pkgs...), " ") + "\n")
		verdict.WriteLegText(&b, leg, verdict.TextOptions{})
		b.WriteString("```\n")
	}
	return b.String()
}

// matrixBlock is the matrix block's content.
func matrixBlock(cs []*claims.Claim, legs []*verdict.Leg) string {
	var b bytes.Buffer
	verdict.WriteMatrixMarkdown(&b, verdict.Merge(cs, legs, nil))
	return b.String()
}

// hasBlock reports whether doc has name's start marker.
func hasBlock(doc, name string) bool { return markerLine(doc, startMarker(name), 0) >= 0 }

func (a *app) readme(ctx context.Context, args []string) error {
	var write, claimsOnly, install bool
	var linuxFile, wineFile, cpythonFile string
	fs := newFlags("readme")
	fs.BoolVar(&write, "w", false, "")
	fs.BoolVar(&claimsOnly, "claims-only", false, "")
	fs.StringVar(&linuxFile, "linux", "", "")
	fs.StringVar(&cpythonFile, "cpython", "", "")
	fs.StringVar(&wineFile, "wine", "", "")
	fs.BoolVar(&install, "install", false, "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("readme takes no arguments (got %q)", fs.Arg(0))}
	}
	m, err := a.findModule(ctx)
	if err != nil {
		return err
	}
	path := filepath.Join(m.root, "README.md")
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return fmt.Errorf("no README.md at the module root (%s)", a.displayPath(m.root))
	}
	if err != nil {
		return err
	}
	doc := string(data)
	if !hasBlock(doc, blockClaims) && !hasBlock(doc, blockLinux) && !hasBlock(doc, blockMatrix) {
		return fmt.Errorf("%s has no forkport blocks: add %s and %s lines (or linux, matrix)", a.displayPath(path), startMarker(blockClaims), endMarker(blockClaims))
	}
	// The README is about the module's own claims: those of its root
	// package when it has some, else every package's.
	pkgs := []string{"."}
	suites, err := a.findSuites(m, pkgs)
	if errors.Is(err, errNoSuites) {
		pkgs = nil
		suites, err = a.findSuites(m, pkgs)
	}
	if err != nil {
		return err
	}
	cs := allClaims(suites)
	blocks := map[string]string{blockClaims: claimsBlock(cs)}

	if !claimsOnly && (hasBlock(doc, blockLinux) || hasBlock(doc, blockMatrix)) {
		linux, err := a.readmeLeg(ctx, m, pkgs, linuxFile, "linux", install)
		if err != nil {
			return err
		}
		legs := []*verdict.Leg{linux}
		if hasCPythonRun(suites) {
			py, err := a.readmeLeg(ctx, m, pkgs, cpythonFile, "linux "+claims.CPython, install)
			if err != nil {
				return err
			}
			legs = append(legs, py)
		}
		blocks[blockLinux] = linuxBlock(legs, pkgs)
		if hasBlock(doc, blockMatrix) {
			wine, err := a.readmeLeg(ctx, m, pkgs, wineFile, verdict.WineLeg, install)
			if err != nil {
				return err
			}
			blocks[blockMatrix] = matrixBlock(cs, append(legs, wine))
		}
	}

	out := doc
	for _, name := range []string{blockClaims, blockLinux, blockMatrix} {
		content, ok := blocks[name]
		if !ok {
			continue
		}
		next, err := replaceBlock(out, name, content)
		if errors.Is(err, errNoBlock) {
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %v", a.displayPath(path), err)
		}
		out = next
	}
	if !write {
		_, err := fmt.Fprint(a.stdout, out)
		return err
	}
	if out == doc {
		fmt.Fprintf(a.stderr, "forkport: %s is up to date\n", a.displayPath(path))
		return nil
	}
	if err := os.WriteFile(path, []byte(out), 0o666); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "forkport: rewrote %s\n", a.displayPath(path))
	return nil
}

// readmeLeg reads a leg for the README from file, or runs it: the Linux leg
// only on Linux, the windows-wine leg under Wine.
func (a *app) readmeLeg(ctx context.Context, m *module, pkgs []string, file, leg string, install bool) (*verdict.Leg, error) {
	base, subject, _ := strings.Cut(leg, " ")
	if subject == "" {
		subject = claims.Procs
	}
	if file != "" {
		l, err := a.runLeg(ctx, checkOptions{from: file, leg: legIfRaw(file, leg), pkgs: pkgs, subject: subject}, nil)
		if err != nil {
			return nil, err
		}
		got := l.Subject
		if got == "" {
			got = claims.Procs
		}
		if l.OS != "linux" && base == "linux" || !l.Wine && base == verdict.WineLeg || got != subject {
			return nil, fmt.Errorf("%s is the %s leg, not %s", file, l.Leg, leg)
		}
		return l, nil
	}
	if base == "linux" && m.goos != "linux" {
		flag := "-linux"
		if subject == claims.CPython {
			flag = "-cpython"
		}
		return nil, fmt.Errorf("the README's Linux output must come from Linux: run readme on Linux, or pass %s FILE", flag)
	}
	name := ""
	if base == verdict.WineLeg {
		name = base
	}
	fmt.Fprintf(a.stderr, "forkport: running the %s leg for the README\n", leg)
	return a.runLeg(ctx, checkOptions{leg: name, timeout: 10 * time.Minute, install: install, pkgs: pkgs, subject: subject}, nil)
}

// legIfRaw names a raw stream's leg when its file name does not.
func legIfRaw(file, leg string) string {
	if _, err := verdict.LegFromFileName(file); err == nil {
		return ""
	}
	return leg
}
