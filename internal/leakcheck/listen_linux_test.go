//go:build !forkport_bsdpaths

package leakcheck

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestListeners: a listener this process holds is found, TCP and Unix
// domain alike, and once closed it is not; a connection is not a listener.
func TestListeners(t *testing.T) {
	before, err := Listeners()
	require.NoError(t, err)
	require.Empty(t, before, "no listener before the test")
	tcp, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	dir, err := os.MkdirTemp("", "lc")
	require.NoError(t, err)
	defer os.RemoveAll(dir)
	unix, err := net.Listen("unix", filepath.Join(dir, "s"))
	require.NoError(t, err)
	c, err := net.Dial("tcp4", tcp.Addr().String())
	require.NoError(t, err)
	defer c.Close()

	got, err := Listeners()
	require.NoError(t, err)
	assert.Len(t, got, 2, "%q", got)
	assert.Error(t, Check(true), "Check reports them")
	tcp.Close()
	unix.Close()
	got, err = Listeners()
	require.NoError(t, err)
	assert.Empty(t, got, "closed listeners, and a connection, are not reported")
}
