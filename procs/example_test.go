package procs_test

import (
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/forkport/forkport/procs"
)

// exampleCounter is copied into forked children (see ExampleFork).
var exampleCounter int

func init() {
	procs.Copy("example.counter", &exampleCounter)
	procs.Register("example.child", func() {
		fmt.Println("child: counter =", exampleCounter)
		exampleCounter++ // changes the child's copy only
	})
	procs.Register("example.server", func() {
		l, err := procs.InheritedListener(0)
		if err != nil {
			fmt.Println(err)
			procs.Exit(1)
		}
		c, err := l.Accept()
		if err != nil {
			fmt.Println(err)
			procs.Exit(1)
		}
		fmt.Fprintln(c, "served by a forked child")
		c.Close()
	})
	procs.Register("example.exec", func() {
		// The chapter's fork/exec combination: overlay the child with
		// another program, found on PATH.
		err := procs.Execlp("greet", "greet", "from", "the", "new", "program")
		fmt.Println("exec failed:", err) // reached only on failure
		procs.Exit(1)
	})
}

// ForkWith hands a child a listener in Attr.Sockets; the child takes it
// with InheritedListener and accepts on it, while the parent keeps its own
// copy: the chapter's forking server, with the listener preforked.
func ExampleInheritedListener() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	p, err := procs.ForkWith("example.server", &procs.Attr{Sockets: []syscall.Conn{l.(*net.TCPListener)}})
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	c.SetDeadline(time.Now().Add(time.Minute)) // if the child failed, nobody accepts
	answer, err := io.ReadAll(c)               // the child writes a line and closes
	c.Close()
	if err != nil {
		fmt.Println(err)
		return
	}
	st, err := p.Wait()
	fmt.Printf("%s%v %v\n", answer, st, err)
	// Output:
	// served by a forked child
	// exit status 0 <nil>
}

// Prestart keeps children started and waiting, so that a Fork only hands
// one its state; the pool refills in the background.
func ExamplePrestart() {
	if err := procs.Prestart(2); err != nil {
		fmt.Println(err)
		return
	}
	defer procs.Prestart(0) // the waiting children exit, and are reaped
	for i := range 3 {
		exampleCounter = 10 * i
		p, err := procs.Fork("example.child")
		if err != nil {
			fmt.Println(err)
			return
		}
		if _, err := p.Wait(); err != nil {
			fmt.Println(err)
			return
		}
	}
	// Output:
	// child: counter = 0
	// child: counter = 10
	// child: counter = 20
}

// Fork starts a child that runs a registered entry point with a copy of the
// declared state; the parent gets its PID and reaps it with Wait.
func ExampleFork() {
	// In a real program: procs.Register and procs.Copy in init, procs.Init
	// first in main.
	exampleCounter = 41
	p, err := procs.Fork("example.child")
	if err != nil {
		fmt.Println(err)
		return
	}
	st, err := p.Wait()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("parent: child", st, "- counter =", exampleCounter)
	// Output:
	// child: counter = 41
	// parent: child exit status 0 - counter = 41
}

// Execlp replaces the calling program; here a forked child calls it, as in
// the chapter's fork-exec.py.
func ExampleExeclp() {
	p, err := procs.Fork("example.exec")
	if err != nil {
		fmt.Println(err)
		return
	}
	st, err := p.Wait()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("the child's exit code is the new program's:", st.ExitCode())
	// Output:
	// greetings from greet from the new program
	// the child's exit code is the new program's: 0
}

// Spawnv with PWait runs a program to completion and returns its exit code.
func ExampleSpawnv() {
	path, err := procs.LookPath("greet", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	code, err := procs.Spawnv(procs.PWait, path, []string{"greet", "spawned"})
	fmt.Println("exit code:", code, err)
	// Output:
	// greetings from greet spawned
	// exit code: 0 <nil>
}
