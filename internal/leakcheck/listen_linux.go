//go:build !forkport_bsdpaths

package leakcheck

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Listeners returns the listening sockets this process holds (TCP over
// IPv4 and IPv6, Unix domain): the descriptors of /proc/self/fd that are
// sockets, matched by inode with the listening entries of /proc/net/tcp,
// tcp6 and unix.
func Listeners() ([]string, error) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	byInode := map[string]string{} // inode -> descriptor
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err != nil {
			continue // closed meanwhile (the ReadDir's own descriptor)
		}
		if inode, ok := strings.CutPrefix(target, "socket:["); ok {
			byInode[strings.TrimSuffix(inode, "]")] = e.Name()
		}
	}
	var found []string
	for _, table := range []struct {
		name, path      string
		inode, state    int    // columns
		listening, addr string // the listening state's value; the address column
	}{
		{"tcp", "/proc/net/tcp", 9, 3, "0A", "1"},
		{"tcp6", "/proc/net/tcp6", 9, 3, "0A", "1"},
		{"unix", "/proc/net/unix", 6, 3, "", "7"},
	} {
		f, err := os.Open(table.path)
		if os.IsNotExist(err) {
			continue // no IPv6, say
		}
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // the header
		for sc.Scan() {
			cols := strings.Fields(sc.Text())
			if len(cols) <= table.inode {
				continue
			}
			fd, ours := byInode[cols[table.inode]]
			if !ours || !listening(table.name, cols, table.state, table.listening) {
				continue
			}
			addr := ""
			if i, _ := strconv.Atoi(table.addr); i < len(cols) {
				addr = cols[i]
			}
			found = append(found, fmt.Sprintf("%s %s (descriptor %s)", table.name, addr, fd))
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return found, nil
}

// listening reads a row's state: TCP's st column, or, for a Unix domain
// socket, __SO_ACCEPTCON (0x10000) in its Flags column.
func listening(table string, cols []string, state int, want string) bool {
	if table != "unix" {
		return cols[state] == want
	}
	flags, err := strconv.ParseUint(cols[3], 16, 32)
	return err == nil && flags&0x10000 != 0
}
