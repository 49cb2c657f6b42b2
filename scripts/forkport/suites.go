package main

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/verdict"
)

// procstestPath is the import path of the package whose Run a claims test
// calls.
const procstestPath = "github.com/forkport/forkport/procs/procstest"

// suite is one test of the module that calls procstest.Run.
type suite struct {
	verdict.Suite
	pkgDir   string // the package's directory
	claimDir string // Params.Dir, resolved against pkgDir
	pos      string // file:line of the Run call, for messages
	// cpython is the test that runs the same claims against the CPython
	// subject: <Test>CPython in the same package, when there is one.
	cpython string
}

// hasCPythonRun reports whether any suite has a CPython run.
func hasCPythonRun(ss []suite) bool {
	for _, s := range ss {
		if s.cpython != "" {
			return true
		}
	}
	return false
}

// forSubject returns the suites that run subject, as that subject's tests:
// every suite for procs; for cpython, the suites that have a <Test>CPython
// test, under that name. It is an error when none does.
func forSubject(ss []suite, subject string) ([]suite, error) {
	if subject == claims.Procs || subject == "" {
		return ss, nil
	}
	var out []suite
	for _, s := range ss {
		if s.cpython != "" {
			s.Suite = s.ForSubject(subject)
			out = append(out, s)
		}
	}
	if !hasCPythonRun(ss) {
		return nil, fmt.Errorf("%w: no suite has a CPython run (a test named <Test>%s next to the test that calls procstest.Run, as forkport's TestScriptsCPython)", errNoSuites, verdict.CPythonSuffix)
	}
	var missing []string
	for _, s := range out {
		for _, c := range s.Claims {
			if c.Expectations(subject) == nil {
				missing = append(missing, c.ID)
			}
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%d claim(s) state no expectation for the %s subject (%s): add an \"expect %s:\" block to each", len(missing), subject, strings.Join(missing, ", "), subject)
	}
	return out, nil
}

// errNoSuites is the error of a module whose tests do not call procstest.Run.
var errNoSuites = errors.New("no claims to check")

// findSuites finds the tests of the packages patterns name (relative to the
// module root: ".", "./dir", "./dir/..."; default "./...") that call
// procstest.Run with a testscript.Params literal (or a variable the test
// sets to one) whose Dir is a constant (a string literal, or filepath.Join,
// path.Join or filepath.FromSlash of string literals), by reading the
// packages' _test.go files. It loads
// every suite's claim files.
func (a *app) findSuites(m *module, patterns []string) ([]suite, error) {
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	dirs, err := packageDirs(m.root, patterns)
	if err != nil {
		return nil, err
	}
	var out []suite
	for _, dir := range dirs {
		found, err := suitesIn(dir)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(m.root, dir)
		pkg := m.path
		if rel != "." {
			pkg = path.Join(m.path, filepath.ToSlash(rel))
		}
		for _, s := range found {
			s.Package = pkg
			if fi, err := os.Stat(s.claimDir); err != nil || !fi.IsDir() {
				return nil, fmt.Errorf("claim directory %s (Params.Dir of %s): %w", a.displayPath(s.claimDir), s.Test, fs.ErrNotExist)
			}
			cs, err := a.loadClaims(s.claimDir)
			if err != nil {
				return nil, err
			}
			s.Claims = cs
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no test in %s calls procstest.Run with a constant Params.Dir (see go doc %s)", errNoSuites, strings.Join(patterns, " "), procstestPath)
	}
	seen := map[string]suite{}
	for _, s := range out {
		for _, c := range s.Claims {
			if prev, dup := seen[c.ID]; dup {
				return nil, fmt.Errorf("claim %q is in both %s and %s: claim ids must be unique in a module", c.ID, a.displayPath(prev.claimDir), a.displayPath(s.claimDir))
			}
			seen[c.ID] = s
		}
	}
	return out, nil
}

// verdictSuites returns the suites as package verdict takes them.
func verdictSuites(ss []suite) []verdict.Suite {
	out := make([]verdict.Suite, len(ss))
	for i, s := range ss {
		out[i] = s.Suite
	}
	return out
}

// allClaims is every suite's claims, sorted by ID.
func allClaims(ss []suite) []*claims.Claim {
	var cs []*claims.Claim
	for _, s := range ss {
		cs = append(cs, s.Claims...)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	return cs
}

// packageDirs lists the directories patterns name below root, sorted.
// Like the go command, "..." skips testdata, vendor, directories whose
// names begin with "." or "_", and nested modules.
func packageDirs(root string, patterns []string) ([]string, error) {
	set := map[string]bool{}
	for _, p := range patterns {
		rec := false
		base := p
		if p == "..." || strings.HasSuffix(p, "/...") {
			rec, base = true, strings.TrimSuffix(strings.TrimSuffix(p, "..."), "/")
			if base == "" {
				base = "."
			}
		}
		if filepath.IsAbs(base) || !(base == "." || strings.HasPrefix(base, "./")) || strings.Contains(base, "..") {
			return nil, fmt.Errorf("package pattern %q: want a directory of the module, as \".\", \"./dir\" or \"./dir/...\": %w", p, fs.ErrInvalid)
		}
		dir := filepath.Join(root, filepath.FromSlash(base))
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("package pattern %q: no such directory in the module: %w", p, fs.ErrNotExist)
		}
		if !rec {
			set[dir] = true
			continue
		}
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				return nil
			}
			name := d.Name()
			if p != dir {
				if name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
					return filepath.SkipDir
				}
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir
				}
			}
			set[p] = true
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	dirs := make([]string, 0, len(set))
	for d := range set {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	return dirs, nil
}

// suitesIn finds the claims tests of the package in dir.
func suitesIn(dir string) ([]suite, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []suite
	tests := map[string]bool{}
	fset := token.NewFileSet()
	for _, file := range files {
		f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("reading the tests: %w", err)
		}
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && isTestName(fn.Name.Name) {
				tests[fn.Name.Name] = true
			}
		}
		name := importName(f, procstestPath)
		if name == "" {
			continue
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || fn.Body == nil || !isTestName(fn.Name.Name) {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) != 2 || !isSelector(call.Fun, name, "Run") {
					return true
				}
				lit := paramsLiteral(fn.Body, call.Args[1])
				if lit == nil {
					return true
				}
				for _, el := range lit.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					if k, ok := kv.Key.(*ast.Ident); !ok || k.Name != "Dir" {
						continue
					}
					if d, ok := constString(kv.Value); ok {
						pos := fset.Position(call.Pos())
						out = append(out, suite{
							Suite:    verdict.Suite{Test: fn.Name.Name},
							pkgDir:   dir,
							claimDir: filepath.Join(dir, filepath.FromSlash(d)),
							pos:      fmt.Sprintf("%s:%d", pos.Filename, pos.Line),
						})
					}
				}
				return true
			})
		}
	}
	// A suite's CPython run is not a suite of its own.
	var keep []suite
	for _, s := range out {
		if base, ok := strings.CutSuffix(s.Test, verdict.CPythonSuffix); ok && tests[base] {
			continue
		}
		if tests[s.Test+verdict.CPythonSuffix] {
			s.cpython = s.Test + verdict.CPythonSuffix
		}
		keep = append(keep, s)
	}
	return keep, nil
}

// paramsLiteral is the testscript.Params literal e is: e itself, &e, or a
// variable of body defined with := or var from one.
func paramsLiteral(body *ast.BlockStmt, e ast.Expr) *ast.CompositeLit {
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = u.X
	}
	switch e := e.(type) {
	case *ast.CompositeLit:
		return e
	case *ast.Ident:
		var lit *ast.CompositeLit
		ast.Inspect(body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name == e.Name && i < len(n.Rhs) {
						if c, ok := n.Rhs[i].(*ast.CompositeLit); ok {
							lit = c
						}
					}
				}
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if id.Name == e.Name && i < len(n.Values) {
						if c, ok := n.Values[i].(*ast.CompositeLit); ok {
							lit = c
						}
					}
				}
			}
			return lit == nil
		})
		return lit
	}
	return nil
}

// importName is the name f imports path as, or "".
func importName(f *ast.File, path string) string {
	for _, imp := range f.Imports {
		if p, err := strconv.Unquote(imp.Path.Value); err != nil || p != path {
			continue
		}
		if imp.Name != nil {
			if imp.Name.Name == "_" || imp.Name.Name == "." {
				return ""
			}
			return imp.Name.Name
		}
		return "procstest"
	}
	return ""
}

// isTestName reports whether name is a test function's name: Test, or Test
// followed by a character that is not a lower-case letter.
func isTestName(name string) bool {
	rest, ok := strings.CutPrefix(name, "Test")
	return ok && rest != "Main" && (rest == "" || !('a' <= rest[0] && rest[0] <= 'z'))
}

func isSelector(e ast.Expr, x, sel string) bool {
	s, ok := e.(*ast.SelectorExpr)
	if !ok || s.Sel.Name != sel {
		return false
	}
	id, ok := s.X.(*ast.Ident)
	return ok && id.Name == x
}

// constString evaluates a string literal, or filepath.Join, path.Join or
// filepath.FromSlash of constant strings.
func constString(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.ParenExpr:
		return constString(e.X)
	case *ast.CallExpr:
		var args []string
		for _, a := range e.Args {
			s, ok := constString(a)
			if !ok {
				return "", false
			}
			args = append(args, s)
		}
		switch {
		case isSelector(e.Fun, "filepath", "Join"), isSelector(e.Fun, "path", "Join"):
			return path.Join(args...), true
		case isSelector(e.Fun, "filepath", "FromSlash") && len(args) == 1:
			return args[0], true
		}
	}
	return "", false
}
