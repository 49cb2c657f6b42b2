package procs_test

// Benchmarks (issue 7). Each one has its baseline beside it, in the same
// package, so that one run measures both on the same machine:
//
//	BenchmarkSpawnvPWait       vs BenchmarkExecCommandRun (and, on Unix,
//	                              BenchmarkForkExecWait4): a trivial child
//	BenchmarkForkWait          vs BenchmarkReexecWait: the fork emulation
//	                              against its floor, a bare re-exec of the
//	                              same test binary through the same TestMain
//	BenchmarkForkState         Fork+Wait with 0 B to 1 MiB of copied state
//	BenchmarkSpawnNoWait100    100 Spawnv(PNoWait) children, then reaping
//	                              them all with Waitpid or with Reap
//
// go run ./scripts/bench runs them round-robin and prints the comparison.
// Nothing here asserts a time: a slow machine fails nothing.

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The state the fork benchmarks copy. It is empty (nil, 0) except while a
// BenchmarkForkState sub-benchmark runs, so the other tests' forks do not
// pay for it. benchBlob is one block of bytes (which the child's slice
// points into, uncopied); benchRecords a slice of structs, walked value by
// value in both processes; benchWant is what the child must find.
var (
	benchBlob    []byte
	benchRecords []benchRecord
	benchWant    int
)

// benchRecord is typical program state: strings, numbers, a nested slice.
type benchRecord struct {
	Name  string
	ID    int64
	Tags  []string
	Score float64
}

func init() {
	procs.Copy("benchBlob", &benchBlob)
	procs.Copy("benchRecords", &benchRecords)
	procs.Copy("benchWant", &benchWant)
	procs.Register("bench-noop", func() {})
	procs.Register("bench-byte", func() { _, _ = procs.Inherited()[0].Write([]byte{1}) })
	procs.Register("bench-state", func() {
		if len(benchBlob)+len(benchRecords) != benchWant {
			fmt.Fprintf(os.Stderr, "bench-state: got %d bytes and %d records, want %d in all\n",
				len(benchBlob), len(benchRecords), benchWant)
			procs.Exit(3)
		}
	})
}

// trivialChild is the program the spawn benchmarks start: /bin/true on
// Unix, see the per-OS files.
func trivialChild(b *testing.B) (path string, argv []string) {
	b.Helper()
	path, argv = trivialProgram(b)
	if _, err := os.Stat(path); err != nil {
		b.Skipf("no trivial program to spawn: %v", err)
	}
	return path, argv
}

func BenchmarkSpawnvPWait(b *testing.B) {
	path, argv := trivialChild(b)
	b.ReportAllocs()
	defer cpuMetric(b)()
	for b.Loop() {
		code, err := procs.Spawnv(procs.PWait, path, argv)
		if err != nil || code != 0 {
			b.Fatalf("Spawnv(PWait, %s) = %d, %v", path, code, err)
		}
	}
}

// BenchmarkExecCommandRun is the baseline of BenchmarkSpawnvPWait.
func BenchmarkExecCommandRun(b *testing.B) {
	path, argv := trivialChild(b)
	b.ReportAllocs()
	defer cpuMetric(b)()
	for b.Loop() {
		cmd := exec.Command(path, argv[1:]...)
		cmd.Args = argv
		if err := cmd.Run(); err != nil {
			b.Fatalf("exec.Command(%s).Run: %v", path, err)
		}
	}
}

// BenchmarkForkWait forks an entry point that returns at once, with no state
// to copy (the Copy variables are all zero), and waits for it.
func BenchmarkForkWait(b *testing.B) {
	b.ReportAllocs()
	defer cpuMetric(b)()
	for b.Loop() {
		forkAndWait(b, "bench-noop")
	}
}

// BenchmarkForkLatency measures what a fork costs the caller until the
// child runs: from the Fork call until the child's entry point has written
// a byte on an inherited pipe and the parent has read it. Reaping the child
// (and, with pool=N, refilling the pool: Prestart(N) returns once it is
// full) is outside the timer. scripts/bench times CPython's os.fork the
// same way.
func BenchmarkForkLatency(b *testing.B) {
	for _, n := range []int{0, 2} {
		b.Run(fmt.Sprintf("pool=%d", n), func(b *testing.B) { benchForkLatency(b, n) })
	}
}

func benchForkLatency(b *testing.B, pool int) {
	b.Cleanup(func() { _ = procs.Prestart(0) })
	var one [1]byte
	for b.Loop() {
		b.StopTimer()
		if err := procs.Prestart(pool); err != nil {
			b.Fatal(err)
		}
		read, w, closeRead := blockingPipe(b)
		b.StartTimer()
		forkMu.Lock()
		p, err := procs.ForkWith("bench-byte", &procs.Attr{Files: []*os.File{w}})
		forkMu.Unlock()
		if err != nil {
			b.Fatal(err)
		}
		if n, err := read(one[:]); n != 1 {
			b.Fatalf("the child wrote no byte: %v", err)
		}
		b.StopTimer()
		w.Close()
		closeRead()
		if st, err := p.Wait(); err != nil || !st.Success() {
			b.Fatalf("child: %v, %v", st, err)
		}
		b.StartTimer()
	}
}

// BenchmarkForkWaitPooled is BenchmarkForkWait with a pool of 2 pre-started
// children, refilled in the background as in a real program (Fork does not
// wait for a refill): a loop of forks and waits, which must not be slower
// than without the pool.
func BenchmarkForkWaitPooled(b *testing.B) {
	if err := procs.Prestart(2); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = procs.Prestart(0) })
	b.ReportAllocs()
	defer cpuMetric(b)()
	for b.Loop() {
		forkAndWait(b, "bench-noop")
	}
}

// BenchmarkReexecWait is the floor of BenchmarkForkWait: a bare re-exec of
// the test binary that exits in TestMain (helper "exit"), right after the
// runtime start, the package inits and procs.Init, as a forked child does
// before its entry point.
func BenchmarkReexecWait(b *testing.B) {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	argv := []string{helperArgv0("exit", ""), "0"}
	attr := &os.ProcAttr{Files: []*os.File{os.Stdin, os.Stdout, os.Stderr}}
	b.ReportAllocs()
	defer cpuMetric(b)()
	for b.Loop() {
		p, err := os.StartProcess(self, argv, attr)
		if err != nil {
			b.Fatal(err)
		}
		st, err := p.Wait()
		if err != nil || !st.Success() {
			b.Fatalf("re-exec: %v, %v", st, err)
		}
	}
}

// BenchmarkForkState forks with size bytes of copied state: a []byte
// (kind=bytes) or a slice of structs whose gob encoding is about that size
// (kind=records). The child checks what it received.
func BenchmarkForkState(b *testing.B) {
	sizes := []struct {
		name string
		n    int
	}{{"4KiB", 4 << 10}, {"64KiB", 64 << 10}, {"1MiB", 1 << 20}}
	b.Run("size=0", func(b *testing.B) { benchForkState(b, nil, nil) })
	for _, s := range sizes {
		b.Run("size="+s.name+"/kind=bytes", func(b *testing.B) {
			blob := make([]byte, s.n)
			for i := range blob {
				blob[i] = byte(i * 7)
			}
			benchForkState(b, blob, nil)
		})
		b.Run("size="+s.name+"/kind=records", func(b *testing.B) {
			benchForkState(b, nil, recordsOfSize(b, s.n))
		})
	}
}

func benchForkState(b *testing.B, blob []byte, records []benchRecord) {
	setBenchState(blob, records)
	b.Cleanup(func() { setBenchState(nil, nil) })
	b.ReportAllocs()
	defer cpuMetric(b)()
	for b.Loop() {
		forkAndWait(b, "bench-state")
	}
}

func setBenchState(blob []byte, records []benchRecord) {
	forkMu.Lock()
	defer forkMu.Unlock()
	benchBlob, benchRecords, benchWant = blob, records, len(blob)+len(records)
}

// recordsOfSize returns records whose gob encoding takes about size bytes.
func recordsOfSize(b *testing.B, size int) []benchRecord {
	record := func(i int) benchRecord {
		return benchRecord{
			Name:  fmt.Sprintf("worker-%09d", i),
			ID:    int64(i) * 1_000_003,
			Tags:  []string{"tag-" + strconv.Itoa(i%97), "queue-" + strconv.Itoa(i%13)},
			Score: float64(i) / 3,
		}
	}
	gobSize := func(rs []benchRecord) int {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(rs); err != nil {
			b.Fatal(err)
		}
		return buf.Len()
	}
	var sample []benchRecord
	for i := range 256 {
		sample = append(sample, record(i))
	}
	perRecord := float64(gobSize(sample)) / float64(len(sample))
	rs := make([]benchRecord, max(1, int(float64(size)/perRecord)))
	for i := range rs {
		rs[i] = record(i)
	}
	return rs
}

// cpuMetric starts measuring the CPU time (user and system) of this
// process and of the children it reaps; the function it returns reports it
// per op as cpu-ns/op, where the OS tells it (not on Windows). On a machine
// busy with other work it varies much less than the wall time, so it helps
// to read the ratios.
func cpuMetric(b *testing.B) func() {
	start, ok := cpuTime()
	return func() {
		if end, ok2 := cpuTime(); ok && ok2 && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

// forkAndWait forks entry (holding forkMu, as the tests' forkWith does, so
// the copied state cannot change under it) and reaps the child.
func forkAndWait(b *testing.B, entry string) {
	forkMu.Lock()
	p, err := procs.Fork(entry)
	forkMu.Unlock()
	if err != nil {
		b.Fatal(err)
	}
	st, err := p.Wait()
	if err != nil {
		b.Fatal(err)
	}
	if code := st.ExitCode(); code != 0 {
		b.Fatalf("forked %s exited %d", entry, code)
	}
}

// BenchmarkSpawnNoWait100 starts 100 trivial children with Spawnv(PNoWait),
// then reaps them all, with Waitpid (one by one, blocking) or Reap (polling
// until all are reaped). ns/op is for the 100; ns/child is per child.
func BenchmarkSpawnNoWait100(b *testing.B) {
	const n = 100
	path, argv := trivialChild(b)
	b.Run("reap=Waitpid", func(b *testing.B) {
		benchSpawnNoWait(b, n, path, argv, func(pids map[int]bool) {
			for pid := range pids {
				st, err := procs.Waitpid(pid)
				if err != nil || st.ExitCode() != 0 {
					b.Fatalf("Waitpid(%d) = %v, %v", pid, st, err)
				}
				delete(pids, pid)
			}
		})
	})
	b.Run("reap=Reap", func(b *testing.B) {
		benchSpawnNoWait(b, n, path, argv, func(pids map[int]bool) {
			for len(pids) > 0 {
				sts := procs.Reap()
				for _, st := range sts {
					if pids[st.Pid()] {
						if st.ExitCode() != 0 {
							b.Fatalf("child %d exited %d", st.Pid(), st.ExitCode())
						}
						delete(pids, st.Pid())
					}
				}
				if len(sts) == 0 {
					time.Sleep(50 * time.Microsecond)
				}
			}
		})
	})
}

func benchSpawnNoWait(b *testing.B, n int, path string, argv []string, reapAll func(map[int]bool)) {
	pids := map[int]bool{}
	b.Cleanup(func() { // after a failure: leave nothing behind
		for pid := range pids {
			_, _ = procs.Waitpid(pid)
		}
	})
	b.ReportAllocs()
	defer cpuMetric(b)()
	for b.Loop() {
		for range n {
			pid, err := procs.Spawnv(procs.PNoWait, path, argv)
			if err != nil {
				b.Fatal(err)
			}
			pids[pid] = true
		}
		reapAll(pids)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/child")
}

// The fork state codec's direct path (procs/state.go) is what makes
// BenchmarkForkState fast; TestForkStateCodec checks, through a real fork,
// that it copies every kind of value exactly, with gob's rules on what is
// copied, and that the gob path still carries what needs it (interfaces).

type codecInner struct {
	Name string
	N    []int32
}

type codecNode struct {
	Value int
	Next  *codecNode
	Kids  []*codecNode
}

type codecState struct {
	Bool       bool
	Int8       int8
	Int        int
	U16        uint16
	Uptr       uintptr
	F32        float32
	F64        float64
	C128       complex128
	Str        string
	Empty      string
	Bytes      []byte
	After      string // right after Bytes in the payload
	NilBytes   []byte
	EmptyBytes []byte
	Ints       []int64
	Arr        [3]uint16
	Strs       []string
	Nested     []codecInner
	ArrNested  [2]codecInner
	Ptr        *codecInner
	NilPtr     *codecInner
	Map        map[string][]int
	NilMap     map[int]string
	EmptyMap   map[int]string
	StructKeys map[codecInner2]*codecInner
	Time       time.Time  // a GobEncoder
	Addr       netip.Addr // a BinaryMarshaler
	Level      slog.Level // a TextMarshaler
	Dur        time.Duration
	List       *codecNode // recursive type, nested deeper than the codec's cycle check
	Ch         chan int   // not copied, as gob skips it
	Fn         func()     // not copied, as gob skips it
	hidden     int        // unexported: not copied
}

type codecInner2 struct{ A, B int16 }

// codecZero is copied in every fork: small, so as not to slow the other
// tests' forks down.
type codecZero struct {
	N      int // 5 at init, 0 in the parent: the child must see 0
	hidden int // unexported: not copied, the child keeps its own
}

// The test's copied state is nil (or tiny) except while it forks, so the
// other tests' forks do not pay for it.
var (
	codecCopy   *codecState
	codecZeroed = codecZero{N: 5, hidden: 7}
	codecAny    any // an interface: takes the gob path
	codecCycle  *codecNode
)

// codecWant is the value the parent sets and the child must see.
func codecWant() codecState {
	list := &codecNode{Value: 0}
	for i, n := 1, list; i < 3000; i++ {
		n.Next = &codecNode{Value: i}
		n = n.Next
	}
	list.Kids = []*codecNode{{Value: -1}, nil, {Value: -2, Kids: []*codecNode{}}}
	return codecState{
		Bool: true, Int8: -8, Int: math.MinInt, U16: 65535, Uptr: 12345,
		F32: 1.5, F64: -2.25, C128: complex(1, -1),
		Str: "héllo\x00world", Bytes: []byte("bytes"), After: "after", EmptyBytes: []byte{},
		Ints: []int64{1, -2, 1 << 62}, Arr: [3]uint16{1, 2, 3}, Strs: []string{"a", "", "ccc"},
		Nested:    []codecInner{{"x", []int32{1}}, {"", nil}, {"z", []int32{}}},
		ArrNested: [2]codecInner{{"p", nil}, {"q", []int32{-1, 2}}},
		Ptr:       &codecInner{"pointed", []int32{7}},
		Map:       map[string][]int{"a": {1, 2}, "b": nil, "": {}},
		EmptyMap:  map[int]string{},
		StructKeys: map[codecInner2]*codecInner{
			{1, 2}: {"one-two", nil}, {-3, 4}: nil,
		},
		Time:  time.Date(2026, 11, 25, 12, 30, 0, 123, time.UTC),
		Addr:  netip.MustParseAddr("2001:db8::1"),
		Level: slog.LevelWarn,
		Dur:   90 * time.Second,
		List:  list,
	}
}

func init() {
	procs.Copy("codecCopy", &codecCopy)
	procs.Copy("codecZeroed", &codecZeroed)
	procs.Copy("codecAny", &codecAny)
	procs.Copy("codecCycle", &codecCycle)
	procs.Register("codec-check", func() {
		if codecCopy == nil {
			fmt.Fprintln(os.Stderr, "codecCopy: nil")
			procs.Exit(4)
		}
		got, want := *codecCopy, codecWant()
		var problems []string
		if got.hidden != 0 {
			problems = append(problems, fmt.Sprintf("unexported field: %d, want 0 (not copied)", got.hidden))
		}
		if codecZeroed != (codecZero{}) {
			problems = append(problems, fmt.Sprintf("codecZeroed: %+v, want N copied as 0 and hidden zero, not the child's own 7 "+
				"(a copy starts from the zero value)", codecZeroed))
		}
		if !got.Time.Equal(want.Time) {
			problems = append(problems, fmt.Sprintf("Time: %v, want %v", got.Time, want.Time))
		}
		got.Time, want.Time = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			problems = append(problems, fmt.Sprintf("got  %+v\nwant %+v", got, want))
		}
		if codecAny != "through gob" {
			problems = append(problems, fmt.Sprintf("codecAny: %#v", codecAny))
		}
		// The child's copy is its own: appending to a decoded slice must not
		// touch what follows it.
		codecCopy.Bytes = append(codecCopy.Bytes, "!!!"...)
		if codecCopy.After != want.After {
			problems = append(problems, "appending to a copied []byte changed the string after it")
		}
		if len(problems) > 0 {
			fmt.Fprintln(os.Stderr, strings.Join(problems, "\n"))
			procs.Exit(4)
		}
	})
}

func TestForkStateCodec(t *testing.T) {
	t.Parallel()
	forkMu.Lock()
	want := codecWant()
	want.Ch, want.Fn, want.hidden = make(chan int), func() {}, 99
	codecCopy, codecZeroed, codecAny = &want, codecZero{N: 0, hidden: 99}, "through gob"
	p, err := procs.Fork("codec-check")
	codecCopy, codecZeroed, codecAny = nil, codecZero{N: 5, hidden: 7}, nil
	forkMu.Unlock()
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Kill(); _, _ = p.Wait() })
	assert.Zero(t, waitCode(t, p), "the child saw a different copy (its stderr says how)")
}

func TestForkStateCycleIsAnError(t *testing.T) {
	t.Parallel()
	forkMu.Lock()
	codecCycle = &codecNode{Value: 1}
	codecCycle.Next = &codecNode{Value: 2, Next: codecCycle}
	_, err := procs.Fork("bench-noop")
	codecCycle = nil
	forkMu.Unlock()
	require.Error(t, err)
	assert.ErrorContains(t, err, "codecCycle")
	assert.ErrorContains(t, err, "contains itself")
}
