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
	Name string // "linux/amd64", "windows", "windows-wine", ...
	OS   string // linux, darwin or windows: whose expectations apply
	Arch string // GOARCH, when known
	Wine bool   // the Windows test binary ran under Wine on Linux
}

// WineLeg is the name of the leg that runs the Windows test binaries under
// Wine.
const WineLeg = "windows-wine"

// LegNames lists the leg names ParseLeg accepts, without the optional /ARCH.
var LegNames = []string{"linux", "darwin", "windows", WineLeg}

var archRE = regexp.MustCompile(`^[a-z0-9]+$`)

// ParseLeg parses a leg name: linux, darwin, windows or windows-wine, or
// another GOOS that claims may state (freebsd, ...), optionally followed by
// /GOARCH ("linux/amd64"); "macos" is taken for darwin.
func ParseLeg(name string) (LegInfo, error) {
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
	default:
		if claims.ValidOS(base) {
			break
		}
		return LegInfo{}, fmt.Errorf("unknown leg %q (want linux, darwin, windows, windows-wine or another GOOS, optionally with /GOARCH)", name)
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
	}
	archTokens = map[string]string{"amd64": "amd64", "x64": "amd64", "arm64": "arm64", "386": "386"}
)

// LegFromFileName infers the leg of a raw `go test -json` file from its
// name, like CI's artifacts: results-windows-latest-gostable.json is
// windows, results-ubuntu-latest.json linux, results-macos-14-arm64.json
// darwin/arm64, anything naming wine windows-wine.
func LegFromFileName(path string) (LegInfo, error) {
	base := strings.ToLower(filepath.Base(path))
	var found, arch string
	for _, tok := range fileTokens.FindAllString(base, -1) {
		if a, ok := archTokens[tok]; ok {
			arch = a
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
	return ParseLeg(found)
}

// Expectation returns what claim c expects on this leg's OS.
func (l LegInfo) Expectation(c *claims.Claim) claims.Expectation {
	return c.Expect[l.OS]
}
