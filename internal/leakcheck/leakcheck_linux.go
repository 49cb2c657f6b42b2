//go:build !forkport_bsdpaths

package leakcheck

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Children lists the children of pid from /proc, zombies included.
func Children(pid int) ([]Proc, error) {
	all, err := procs()
	if err != nil {
		return nil, err
	}
	var out []Proc
	for _, p := range all {
		if p.Ppid == pid {
			out = append(out, p)
		}
	}
	return out, nil
}

// Tagged lists the live processes (not zombies: those are their parent's to
// reap) whose environment carries TagEnv=tag, other than this one.
func Tagged(tag string) ([]Proc, error) {
	if tag == "" {
		return nil, nil
	}
	all, err := procs()
	if err != nil {
		return nil, err
	}
	want := []byte(TagEnv + "=" + tag)
	var out []Proc
	for _, p := range all {
		if p.Pid == os.Getpid() || p.State == "Z" {
			continue
		}
		env, err := os.ReadFile("/proc/" + strconv.Itoa(p.Pid) + "/environ")
		if err != nil {
			continue // gone, or not ours to read
		}
		for _, e := range bytes.Split(env, []byte{0}) {
			if bytes.Equal(e, want) {
				out = append(out, p)
				break
			}
		}
	}
	return out, nil
}

// State returns the one-letter state of pid from /proc/<pid>/stat ("Z" for
// a zombie), or "" if there is no such process.
func State(pid int) string {
	p, err := readStat(strconv.Itoa(pid))
	if err != nil {
		return ""
	}
	return p.State
}

func procs() ([]Proc, error) {
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return nil, err
	}
	var out []Proc
	for _, d := range dirs {
		if p, err := readStat(filepath.Base(d)); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// readStat parses /proc/<pid>/stat: "pid (comm) state ppid ...", where comm
// may itself contain spaces and parentheses.
func readStat(pid string) (Proc, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return Proc{}, err
	}
	s := string(b)
	lp, rp := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if lp < 0 || rp < lp {
		return Proc{}, os.ErrInvalid
	}
	rest := strings.Fields(s[rp+1:])
	if len(rest) < 2 {
		return Proc{}, os.ErrInvalid
	}
	p := Proc{Command: s[lp+1 : rp], State: rest[0]}
	p.Pid, _ = strconv.Atoi(strings.TrimSpace(s[:lp]))
	p.Ppid, _ = strconv.Atoi(rest[1])
	return p, nil
}
