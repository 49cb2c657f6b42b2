package probe

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/forkport/forkport/procs"
)

func init() {
	procs.Register("probe.exit7", func() { procs.Exit(7) })
	procs.Register("probe.treechild", treeChild)
	procs.Register("probe.treeleaf", treeLeaf)
}

// KillProbe starts a sleeper, sends it the signal named by its argument
// (TERM or KILL), reaps it and prints its status; then it kills it again
// (after the reap), which must report os.ErrProcessDone and do nothing.
func KillProbe(args []string) int {
	if len(args) != 1 || (args[0] != "TERM" && args[0] != "KILL") {
		return usage("killprobe", "usage: killprobe TERM|KILL")
	}
	p, stdin, err := startSleeper(nil)
	if err != nil {
		return fail("killprobe", err)
	}
	defer stdin.Close()
	sig := os.Signal(os.Kill)
	if args[0] == "TERM" {
		sig = syscall.SIGTERM
	}
	if err := p.Signal(sig); err != nil {
		fmt.Printf("signal %s: %v\n", args[0], err)
		fmt.Println("falling back to Kill")
		if err := p.Kill(); err != nil {
			return fail("killprobe", err)
		}
	}
	st, err := p.Wait()
	if err != nil {
		return fail("killprobe", err)
	}
	fmt.Printf("status=%q exitcode=%d signaled=%t\n", st.String(), st.ExitCode(), st.Signaled())
	err = p.Kill()
	fmt.Printf("kill after reap: processdone=%t\n", errors.Is(err, os.ErrProcessDone))
	return 0
}

// startSleeper starts the sleeper probe (found on PATH) with a pipe as its
// stdin, and waits until it has said it runs.
func startSleeper(attr *procs.Attr) (*procs.Process, *os.File, error) {
	path, err := procs.LookPath("sleeper", nil)
	if err != nil {
		return nil, nil, err
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	if attr == nil {
		attr = &procs.Attr{}
	}
	attr.Stdin, attr.Stdout = inR, outW
	p, err := procs.Start(path, []string{"sleeper"}, attr)
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, nil, err
	}
	defer outR.Close()
	if _, err := bufio.NewReader(outR).ReadString('\n'); err != nil {
		inW.Close()
		_ = p.Kill()
		_, _ = p.Wait()
		return nil, nil, fmt.Errorf("sleeper did not start: %w", err)
	}
	return p, inW, nil
}

// ZombieProbe forks a child that exits with status 7 and, before reaping
// it, waits until it has exited and prints what the OS keeps of it; then it
// reaps it with Wait, prints what is left, and waits again (which must fail
// with ECHILD, not block).
func ZombieProbe(args []string) int {
	p, err := procs.Fork("probe.exit7")
	if err != nil {
		return fail("zombieprobe", err)
	}
	if err := waitExitedNotReaped(p.Pid); err != nil {
		return fail("zombieprobe", err)
	}
	fmt.Printf("exited, not yet waited for: %s\n", describe(p.Pid))
	st, err := p.Wait()
	if err != nil {
		return fail("zombieprobe", err)
	}
	fmt.Printf("wait: %s\n", st)
	fmt.Printf("after wait: %s\n", describeReaped(p.Pid))
	_, err = p.Wait()
	fmt.Printf("second wait: echild=%t\n", errors.Is(err, syscall.ECHILD))
	return 0
}

// TreeProbe starts a child in its own tree (procs.Attr.Group) that forks a
// grandchild; it kills only the child and checks the grandchild still
// answers; then KillTree, and checks every process of the tree is gone.
func TreeProbe(args []string) int {
	r, w, err := os.Pipe() // the tree's processes report and hold w
	if err != nil {
		return fail("treeprobe", err)
	}
	defer r.Close()
	inR, inW, err := os.Pipe() // the grandchild answers lines sent here
	if err != nil {
		return fail("treeprobe", err)
	}
	defer inW.Close()
	p, err := procs.ForkWith("probe.treechild", &procs.Attr{Group: true, Files: []*os.File{w}, Stdin: inR})
	w.Close()
	inR.Close()
	if err != nil {
		return fail("treeprobe", err)
	}
	defer p.KillTree()
	lines := bufio.NewReader(r)
	first, err := lines.ReadString('\n')
	if err != nil {
		return fail("treeprobe", err)
	}
	fmt.Print(first)
	if err := p.Kill(); err != nil {
		return fail("treeprobe", err)
	}
	st, err := p.Wait()
	if err != nil {
		return fail("treeprobe", err)
	}
	fmt.Printf("killed the child only: %s\n", st)
	fmt.Fprintln(inW, "ping")
	answer, err := lines.ReadString('\n')
	fmt.Printf("grandchild alive after its parent was killed: %t\n", err == nil && strings.HasPrefix(answer, "pong"))
	if err := p.KillTree(); err != nil {
		return fail("treeprobe", err)
	}
	rest, err := io.ReadAll(lines) // ends when no process of the tree holds w
	fmt.Printf("after KillTree: tree empty=%t\n", err == nil && len(rest) == 0)
	return 0
}

func treeChild() {
	w := procs.Inherited()[0]
	g, err := procs.ForkWith("probe.treeleaf", &procs.Attr{Files: []*os.File{w}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "treechild:", err)
		procs.Exit(1)
	}
	fmt.Fprintf(w, "child pid=%d grandchild=%d\n", os.Getpid(), g.Pid)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

func treeLeaf() {
	w := procs.Inherited()[0]
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		fmt.Fprintln(w, "pong", sc.Text())
	}
}

// SessionInfo prints its PID with its session and process group (Unix) or
// whether it has a console (Windows). With -wait-exit PID it first waits
// until process PID has exited, then says it still runs.
func SessionInfo(args []string) int {
	if len(args) == 2 && args[0] == "-wait-exit" {
		pid, err := strconv.Atoi(args[1])
		if err != nil {
			return usage("sessioninfo", "usage: sessioninfo [-wait-exit PID]")
		}
		if err := waitExit(pid); err != nil {
			return fail("sessioninfo", err)
		}
		fmt.Printf("sessioninfo pid=%d: process %d exited; still running\n", os.Getpid(), pid)
	}
	fmt.Println(sessionInfo())
	return 0
}
