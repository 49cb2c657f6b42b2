package verdict

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/forkport/forkport/internal/claims"
)

// LegInfo names one leg of the matrix: an OS (and arch) the suite ran on.
type LegInfo struct {
	Name string // "linux/amd64", "windows", "windows-wine", "linux/amd64 cpython3.11", ...
	OS   string // linux, darwin or windows: whose expectations apply
	Arch string // GOARCH, when known
	Wine bool   // the Windows test binary ran under Wine on Linux
	// Subject is what the scripts' programs were: claims.Procs (also when
	// empty) or claims.CPython. It picks the claim's expectations.
	Subject string
	// SubjectVersion is the subject's version when it has its own:
	// CPython's, such as "3.11.7".
	SubjectVersion string
}

// BSDPaths reports whether l is the bsd-paths leg (with any subject): macOS
// simulated on Linux.
func (l LegInfo) BSDPaths() bool {
	base, _, _ := strings.Cut(l.Name, " ")
	base, _, _ = strings.Cut(base, "/")
	return base == BSDPathsLeg
}

// subject is l.Subject, claims.Procs when empty.
func (l LegInfo) subject() string {
	if l.Subject == "" {
		return claims.Procs
	}
	return l.Subject
}

// subjectRE matches a leg name's subject part: "cpython", "cpython3.11",
// "procs".
var subjectRE = regexp.MustCompile(`^(procs|cpython)([0-9]+(?:\.[0-9]+)*)?$`)

// WineLeg is the name of the leg that runs the Windows test binaries under
// Wine.
const WineLeg = "windows-wine"

// BSDPathsLeg is the name of the leg that runs the claims on Linux built
// with the forkport_bsdpaths tag (the macOS and BSD code paths) and with
// what else of macOS Linux can imitate: judged by the darwin expectations.
const BSDPathsLeg = "bsd-paths"

// LegNames lists the leg names ParseLeg accepts, without the optional /ARCH.
var LegNames = []string{"linux", "darwin", "windows", WineLeg, BSDPathsLeg}

var archRE = regexp.MustCompile(`^[a-z0-9]+$`)

// ParseLeg parses a leg name: linux, darwin, windows, windows-wine or
// bsd-paths (whose OS is darwin), or
// another GOOS that claims may state (freebsd, ...), optionally followed by
// /GOARCH ("linux/amd64"); "macos" is taken for darwin. A subject may
// follow after a space: "linux/amd64 cpython3.11" is the CPython subject
// (with or without its version); without one the subject is procs, which
// the name does not show.
func ParseLeg(name string) (LegInfo, error) {
	base, subj, hasSubj := strings.Cut(name, " ")
	var subject, version string
	if m := subjectRE.FindStringSubmatch(subj); hasSubj && m != nil {
		name = base
		if m[1] == claims.CPython {
			subject, version = m[1], m[2]
		}
	}
	leg, err := parseLeg(name)
	if err != nil {
		return leg, err
	}
	if subject != "" {
		if leg.Wine {
			return LegInfo{}, fmt.Errorf("leg %q: the windows-wine leg runs the procs subject only (no Windows CPython runs under Wine here)", name+" "+subj)
		}
		leg.Subject, leg.SubjectVersion = subject, version
		leg.Name += " " + subj
	}
	return leg, nil
}

func parseLeg(name string) (LegInfo, error) {
	base, arch, hasArch := strings.Cut(name, "/")
	if hasArch && !archRE.MatchString(arch) {
		return LegInfo{}, fmt.Errorf("unknown leg %q: bad GOARCH %q", name, arch)
	}
	if base == "macos" {
		base = "darwin"
	}
	leg := LegInfo{Name: base, OS: base, Arch: arch}
	switch base {
	case "linux", "darwin", "windows":
	case WineLeg:
		leg.OS, leg.Wine = "windows", true
	case BSDPathsLeg:
		leg.OS = "darwin"
	default:
		if claims.ValidOS(base) {
			break
		}
		return LegInfo{}, fmt.Errorf("unknown leg %q (want linux, darwin, windows, windows-wine, bsd-paths or another GOOS, optionally with /GOARCH)", name)
	}
	if hasArch {
		leg.Name += "/" + arch
	}
	return leg, nil
}

var (
	fileTokens = regexp.MustCompile(`[a-z0-9]+`)
	osTokens   = map[string]string{
		"linux": "linux", "ubuntu": "linux", "debian": "linux",
		"darwin": "darwin", "macos": "darwin", "mac": "darwin", "osx": "darwin",
		"windows": "windows", "win": "windows",
		"wine": WineLeg,
		"bsd":  BSDPathsLeg,
	}
	archTokens = map[string]string{"amd64": "amd64", "x64": "amd64", "arm64": "arm64", "386": "386"}
)

// LegFromFileName infers the leg of a raw `go test -json` file from its
// name, like CI's artifacts: results-windows-latest-gostable.json is
// windows, results-ubuntu-latest.json linux, results-macos-14-arm64.json
// darwin/arm64, anything naming wine windows-wine, bsd-paths.json (any name
// with the word bsd, as against freebsd) bsd-paths.
func LegFromFileName(path string) (LegInfo, error) {
	base := strings.ToLower(filepath.Base(path))
	var found, arch, subject string
	for _, tok := range fileTokens.FindAllString(base, -1) {
		if a, ok := archTokens[tok]; ok {
			arch = a
		}
		if strings.HasPrefix(tok, claims.CPython) {
			subject = " " + claims.CPython
		}
		os, ok := osTokens[tok]
		if !ok {
			continue
		}
		switch {
		case found == "" || found == os:
			found = os
		case os == WineLeg && found == "windows", os == "windows" && found == WineLeg:
			found = WineLeg
		default:
			return LegInfo{}, fmt.Errorf("cannot tell the leg of %s: its name says both %s and %s", path, found, os)
		}
	}
	if found == "" {
		return LegInfo{}, fmt.Errorf("cannot tell the leg of %s from its name: give it as LEG=%s (LEG one of %s)", path, path, strings.Join(LegNames, ", "))
	}
	if arch != "" {
		found += "/" + arch
	}
	return ParseLeg(found + subject)
}

// Expectation returns what claim c expects of the leg's subject on its OS
// (the zero Expectation when the claim states none).
func (l LegInfo) Expectation(c *claims.Claim) claims.Expectation {
	e, _ := c.ExpectFor(l.subject(), l.OS)
	return e
}
