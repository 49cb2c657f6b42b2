package winleg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// mingwGCC is the MinGW-w64 compiler that builds the shim.
const mingwGCC = "x86_64-w64-mingw32-gcc"

// AptPackages are the Debian/Ubuntu packages the leg needs: Wine (64-bit
// only: the tests are windows/amd64) and the MinGW-w64 C compiler for the
// shim.
var AptPackages = []string{"wine", "wine64", "gcc-mingw-w64-x86-64"}

// tools maps each program the leg runs to the packages that provide it.
var tools = []struct {
	name string
	pkgs []string
}{
	{"wine", []string{"wine", "wine64"}},
	{"wineserver", []string{"wine", "wine64"}},
	{"wineboot", []string{"wine", "wine64"}},
	{mingwGCC, []string{"gcc-mingw-w64-x86-64"}},
}

// missingTools returns the programs not on PATH and the packages providing
// them.
func missingTools() (names, pkgs []string) {
	for _, t := range tools {
		if _, err := exec.LookPath(t.name); err != nil {
			names = append(names, t.name)
			for _, p := range t.pkgs {
				if !slices.Contains(pkgs, p) {
					pkgs = append(pkgs, p)
				}
			}
		}
	}
	return names, pkgs
}

// ensureTools checks that Wine and MinGW-w64 are installed, and installs
// them if cfg.Install allows it. Without Install, a missing MinGW-w64 is
// only an error later, if the shim has to be built.
func ensureTools(ctx context.Context, cfg *Config) error {
	names, pkgs := missingTools()
	if len(names) == 0 {
		return nil
	}
	if !cfg.Install {
		if slices.Equal(names, []string{mingwGCC}) {
			return nil
		}
		return fmt.Errorf("winleg: %s not found on PATH: install %s (apt-get install -y %s), or run the leg with -install to install them",
			strings.Join(names, ", "), strings.Join(pkgs, " "), strings.Join(pkgs, " "))
	}
	cfg.logf("%s not found: installing %s with apt-get", strings.Join(names, ", "), strings.Join(pkgs, " "))
	if err := aptInstall(ctx, cfg, pkgs); err != nil {
		return err
	}
	if names, _ := missingTools(); len(names) > 0 {
		return fmt.Errorf("winleg: %s still not on PATH after installing %s", strings.Join(names, ", "), strings.Join(pkgs, " "))
	}
	return nil
}

// aptInstall runs apt-get update and apt-get install -y pkgs, as root, or
// through passwordless sudo when not root.
func aptInstall(ctx context.Context, cfg *Config, pkgs []string) error {
	apt, err := exec.LookPath("apt-get")
	if err != nil {
		return fmt.Errorf("winleg: cannot install %s: apt-get not found (install Wine and MinGW-w64 with the system's package manager)", strings.Join(pkgs, " "))
	}
	var sudo []string
	if os.Geteuid() != 0 {
		s, err := exec.LookPath("sudo")
		if err == nil {
			err = exec.CommandContext(ctx, s, "-n", "true").Run()
		}
		if err != nil {
			return fmt.Errorf("winleg: installing %s needs root (or passwordless sudo); run as root, or install them first: apt-get install -y %s",
				strings.Join(pkgs, " "), strings.Join(pkgs, " "))
		}
		sudo = []string{s, "-n"}
	}
	// env(1) carries the settings through sudo; the lock timeout waits for
	// a concurrent apt (unattended upgrades on a fresh CI machine).
	base := append(sudo, "env", "DEBIAN_FRONTEND=noninteractive", apt, "-o", "DPkg::Lock::Timeout=300", "-o", "Dpkg::Use-Pty=0")
	for _, args := range [][]string{
		{"update"},
		append([]string{"install", "-y"}, pkgs...),
	} {
		start := time.Now()
		argv := append(slices.Clone(base), args...)
		c := exec.CommandContext(ctx, argv[0], argv[1:]...)
		var out strings.Builder
		c.Stdout, c.Stderr = &out, &out
		setGroup(c)
		c.Cancel = func() error { return killGroup(c) }
		if err := c.Run(); err != nil {
			return fmt.Errorf("winleg: %s: %w\n%s", strings.Join(argv, " "), err, tail(out.String(), 40))
		}
		cfg.logf("apt-get %s: done in %.1fs", args[0], time.Since(start).Seconds())
	}
	return nil
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

var errNoCompiler = errors.New(mingwGCC + " not found on PATH (apt-get install -y gcc-mingw-w64-x86-64, or -install)")
