//go:build darwin || (linux && forkport_bsdpaths)

package leakcheck

import (
	"errors"
	"os/exec"
	"strconv"
	"strings"
)

// Children lists the children of pid as ps(1) shows them, zombies included.
func Children(pid int) ([]Proc, error) {
	out, err := exec.Command("ps", "-A", "-o", "pid=", "-o", "ppid=", "-o", "stat=", "-o", "comm=").Output()
	if err != nil {
		return nil, err
	}
	var kids []Proc
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		p := Proc{State: f[2][:1], Command: strings.Join(f[3:], " ")}
		p.Pid, _ = strconv.Atoi(f[0])
		p.Ppid, _ = strconv.Atoi(f[1])
		if p.Ppid == pid && !strings.HasSuffix(p.Command, "/ps") && p.Command != "ps" {
			kids = append(kids, p)
		}
	}
	return kids, nil
}

// Tagged is unsupported on macOS: one process cannot read another's
// environment there without privileges.
func Tagged(string) ([]Proc, error) { return nil, errors.ErrUnsupported }
