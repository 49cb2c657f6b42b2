//go:build unix

package procs_test

import (
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func init() { procs.Register("forks-under-fd-limit", forksUnderFdLimit) }

// fdLimitWithHeadroom is the RLIMIT_NOFILE that leaves this process n
// descriptors to open: a new descriptor takes the lowest free number, and
// must be below the limit.
func fdLimitWithHeadroom(n int) uint64 {
	open := openFds()
	lim := n
	for {
		below := 0
		for _, fd := range open {
			if fd < lim {
				below++
			}
		}
		if lim-below >= n {
			return uint64(lim)
		}
		lim++
	}
}

// forksUnderFdLimit lowers its RLIMIT_NOFILE to leave it forkCase.Value
// descriptors (whether it is a fresh or a pooled child, which differ in
// what they have open), starts a
// pool of 2 if forkCase.Variant is "pool", then forks 10 times, alternating
// a Fork the pool can serve and one it cannot (a start-only variable that
// differs: a fresh start), and reports the errors, one a line, and the
// number of Forks the pool served ("pooled N").
func forksUnderFdLimit() {
	lim := fdLimitWithHeadroom(forkCase.Value)
	var errs []string
	var was syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &was); err != nil {
		errs = append(errs, "getrlimit: "+err.Error())
	}
	low := was
	if v := reflect.ValueOf(&low.Cur).Elem(); v.CanUint() { // Cur is uint64, or int64 on FreeBSD
		v.SetUint(lim)
	} else {
		v.SetInt(int64(lim))
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		errs = append(errs, "setrlimit: "+err.Error())
	}
	if forkCase.Variant == "pool" {
		if err := procs.Prestart(2); err != nil {
			errs = append(errs, "prestart: "+err.Error())
		}
	}
	for i := range 10 {
		attr := &procs.Attr{}
		if i%2 == 1 {
			attr.Env = append(os.Environ(), "GOGC=173")
		}
		p, err := procs.ForkWith("return", attr)
		if err != nil {
			errs = append(errs, fmt.Sprintf("fork %d: %v", i, err))
			continue
		}
		if _, err := p.Wait(); err != nil {
			errs = append(errs, fmt.Sprintf("wait %d: %v", i, err))
		}
	}
	if err := procs.Prestart(0); err != nil {
		errs = append(errs, "stop: "+err.Error())
	}
	errs = append(errs, fmt.Sprint("pooled ", procs.PooledForks()))
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &was) // for the report
	writeReport(forkCase.Out, report{Note: strings.Join(errs, "\n")})
}

// TestPrestartUnderFdLimit: with few descriptors left, a pool must not make
// a Fork fail that would succeed without one. Each waiting child holds
// descriptors of the caller's (its channel; on Linux its pidfd), and a
// refill holds more while it starts one: a fresh Fork that runs out of
// them must get them back from the pool. A re-executed helper lowers its
// own RLIMIT_NOFILE (never the test process's) to leave it each number of
// free descriptors in a range wide enough to hold the few where the pool's
// make the difference, and forks with and without a pool.
func TestPrestartUnderFdLimit(t *testing.T) {
	t.Parallel()
	var compared, pooled int
	for headroom := 0; headroom <= 20; headroom++ {
		run := func(variant string) (forkErrs []string, served int) {
			out := newReport(t)
			p := forkWith(t, "forks-under-fd-limit", nil, func() { forkCase.Out, forkCase.Variant, forkCase.Value = out, variant, headroom })
			require.Zero(t, waitCode(t, p))
			r := readReport(t, out)
			for _, l := range strings.Split(r.Note, "\n") {
				if n, ok := strings.CutPrefix(l, "pooled "); ok {
					served, _ = strconv.Atoi(n)
				} else if strings.HasPrefix(l, "fork ") || strings.HasPrefix(l, "wait ") || strings.HasPrefix(l, "stop") {
					forkErrs = append(forkErrs, l)
				}
			}
			return forkErrs, served
		}
		without, _ := run("none")
		if len(without) > 0 {
			continue // too few descriptors for forking at all
		}
		with, served := run("pool")
		compared++
		pooled += served
		assert.Empty(t, with, "%d descriptors free: these Forks fail with a pool and succeed without one", headroom)
	}
	require.NotZero(t, compared, "no headroom in the range lets a helper fork")
	require.NotZero(t, pooled, "no headroom in the range lets the pool serve a Fork: the test tests nothing")
}
