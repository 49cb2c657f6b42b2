// Package procs starts processes the way the "Forking Processes" and "The
// fork/exec Combination" sections of Programming Python describe (fork, the
// exec family, spawn, waiting, os._exit) on Linux, macOS and Windows, and
// states exactly where each OS, and Go, differ from the chapter. Every
// difference listed here is asserted by a claim file in the module's
// testdata/script, on each OS.
//
// # The chapter's calls
//
//	Python (os module)          procs
//	os.fork()                   Register(name, fn) in init; Init() first in main;
//	                            Fork(name) in the parent (ForkWith for options;
//	                            Prestart(n) for faster forks);
//	                            Copy(name, &v) declares what the child gets a copy of
//	os._exit(n)                 Exit(n)
//	os.getpid(), os.getppid()   os.Getpid(), os.Getppid() (standard library)
//	os.execv / os.execl         Execv(path, argv) / Execl(path, argv...)
//	os.execvp / os.execlp       Execvp(file, argv) / Execlp(file, argv...)
//	os.execve / os.execle       Execve(path, argv, env) / Execle(path, env, argv...)
//	os.execvpe / os.execlpe     Execvpe(file, argv, env) / Execlpe(file, env, argv...)
//	os.spawnv ... os.spawnlpe   Spawnv ... Spawnlpe, with PWait, PNoWait, PDetach, POverlay
//	os.waitpid(pid, 0)          Waitpid(pid), or Process.Wait
//	os.waitpid(-1, WNOHANG)     Reap() (procs' own children only)
//	os.kill(pid, sig)           Process.Signal, Process.Kill; Process.KillTree for a tree
//
// In the l forms argv is variadic, and Go wants variadic arguments last, so
// env comes before argv in Execle, Execlpe, Spawnle and Spawnlpe. As in
// Python, argv[0] is part of argv and is passed as given.
//
// # Fork is emulated, on every OS
//
// Go cannot call fork(2): a Go program always runs several threads, and a
// forked copy of one thread would inherit locks held by the others (the
// scheduler's, the allocator's) forever (golang/go#227). Windows has no fork
// at all. So Fork starts the same program again (os.Executable, with the
// caller's arguments, environment, working directory and standard files),
// and the new process's Init, instead of returning, runs the entry point
// registered under the name given to Fork, then exits (status 0 if the entry
// point returns). The parent gets the child's PID, as from os.fork; unlike
// os.fork, Fork does not also return in the child: code that the chapter
// puts in the "pid == 0" branch goes in the entry point.
//
// Memory is copied only where declared: each variable registered with Copy
// is encoded when Fork is called, sent to the child and decoded into the
// child's variable before the entry point runs; from then on parent and
// child have independent copies. What is copied follows encoding/gob's
// rules (exported fields; what an interface holds must be gob.Register'ed),
// exactly: zero values included, and what is not copied (unexported
// fields, channels, functions) is the zero value in the child. Other
// variables start from their initial values, and package initialisation
// runs again in the child. Open files are shared only when passed in
// Attr.Files (the child gets them from Inherited); stdin, stdout and stderr
// always are, so parent and children write to one stream, and share one
// file offset, as after os.fork.
//
// Fork returns once the child has its copy (its entry point is about to
// run), so a parent may exit right after Fork, as the chapter's fork-count
// does. On Linux the child runs the parent's own executable image
// (/proc/self/exe), even if the file on disk has been replaced or deleted
// since the parent started. Elsewhere (macOS, Windows, the BSDs) it runs
// the file at the parent's executable path: if that is another build now
// (an upgrade installed while the parent ran), the child refuses the state
// and Fork returns an error wrapping ErrHandoff; if it is gone, Fork fails
// with fs.ErrNotExist.
//
// # Sockets: forking servers
//
// The chapter's sequel is the forking server: a parent that accepts a
// connection, forks a child to serve it and goes back to accept; children
// that all accept on one listener (preforking); a server that forks its
// successor and hands it the listener (a graceful restart). A child gets
// listeners and connections in Attr.Sockets (*net.TCPListener,
// *net.TCPConn, *net.UnixListener, *net.UnixConn: stream sockets of IPv4,
// IPv6 or a Unix domain) and takes each, once, with InheritedListener or
// InheritedConn, as a net.Listener or net.Conn. It is the same socket as
// the parent's, as after os.fork: a listener the parent and its children
// all accept on, a connection that stays open until every process holding
// it has closed it (the parent can close its copy right after ForkWith).
// A child can hand on what it took.
//
// On Unix a socket goes as a descriptor, as Attr.Files do (through the
// Prestart pool too, within its 8 descriptors), and net.FileListener or
// net.FileConn makes it the child's. On Windows a socket is not an
// inheritable handle that another process can use: ForkWith duplicates it
// for the child's process ID with WSADuplicateSocket once the child
// exists, sends the protocol information after the state, and the child
// rebuilds it with WSASocket (what CPython's socket.share and
// socket.fromshare do), fresh or pooled alike. The runtime's network
// poller serves a socket through its process's I/O completion port, and a
// socket can be on one port only: ForkWith takes the parent's copy off its
// port first (as (*net.TCPListener).File does), so the child's poller can
// take it; where it cannot (a listener already taken by another child's
// poller, or under Wine 8, which cannot take a socket off a port), the
// child serves it with blocking Winsock calls instead, a net.Listener or
// net.Conn all the same. The parent's copy stays usable.
//
// What is not a socket, a closed one, a datagram socket or one of another
// family is refused before any child starts, with an error wrapping
// fs.ErrInvalid or os.ErrClosed.
//
// Start hands sockets too, to a program that calls procs.Init (and then
// InheritedListener or InheritedConn, as a forked child does). It learns
// where they are from the environment variable FORKPORT_SOCKETS, which
// Init reads and removes: "1 fd 5,6" on Unix (the sockets' descriptors,
// after Attr.Files), "1 pipe <handle> <count>" on Windows (an inherited
// pipe on which the parent writes, once the child exists, one
// WSAPROTOCOL_INFOW per socket: the bytes CPython's socket.fromshare
// takes, so a Python program can take them too). A value that names
// something else than open sockets makes InheritedListener and
// InheritedConn fail with fs.ErrInvalid.
//
// # Forking faster: Prestart
//
// A fresh fork costs a start of the program: 1.5 to 3 ms for the runtime,
// package initialisation and Init, where CPython's os.fork copies a running
// process in about 0.35 ms. Prestart(n) keeps n children that have already
// started, waiting; Fork hands one its request, state and files (the
// child's entry point runs about 0.27 ms after the call on the same
// machine, a twelfth of a fresh fork) and the pool refills in the
// background. It suits a program that forks often or must fork fast (a
// forking server, a test suite); a program that forks once does not need
// it, and each waiting child costs the memory of an idle instance of the
// program. The child is the caller's own, with the caller's environment,
// directory and arguments at Fork, so nothing a claim can see changes
// (FORKPORT_PRESTART=2 go test ./... runs forkport's whole suite through
// the pool); what cannot be redone in a running process is listed on
// Prestart (package initialisation ran earlier, with the null device as
// standard files; credentials, resource limits and ignored signals are
// compared), and Fork starts a fresh child for it. Fork never depends on a
// waiting child: one that is stopped, or does not answer within a second,
// is killed and Fork starts a fresh child; a fresh start that runs out of
// descriptors gets the pool's back; and Prestart(0) and Exec* kill the
// children still being started rather than wait for them.
//
// Register and Copy must be called before Init (from init functions), and
// Init must be the first call in main (and in TestMain): a forked child runs
// its entry point from there. Misuse is reported by Fork with ErrNoInit,
// ErrLateRegister, ErrNotRegistered or an error wrapping fs.ErrInvalid.
//
// # The hand-off's trust model
//
// A forked child is the program started again with FORKPORT_FORK in its
// environment, so anyone who can start the program can set that variable.
// The hand-off is built so that a child takes state only from its parent,
// over a channel that parent made (on Linux, macOS and FreeBSD 13 or
// later; on Windows and the other BSDs, over a channel the parent passed
// it, whoever made it), from a parent running the same program (checked on
// Linux and Windows), and never decodes bytes laid out by another build:
//
//   - Fork hands the state over a channel it makes for that child alone (a
//     socketpair on Unix, two pipes on Windows), tied to the marker by a
//     random nonce. The child refuses a channel that is not a socket or a
//     pipe, and on Unix one whose other end its parent did not make: a
//     socketpair's peer credentials name the process that called
//     socketpair(2) (SO_PEERCRED on Linux, LOCAL_PEERCRED's cr_pid on
//     FreeBSD 13 and later; on macOS LOCAL_PEERPID, the last process to
//     send or receive on the other end, which for Fork's channel is only
//     ever the parent). A socket made by another process and passed to the
//     starter is refused before a byte is read (on macOS: unless the
//     parent itself used the other end since, which only a parent in
//     league with the maker does; a maker that writes the state itself is
//     refused).
//   - The child checks that its parent is the process the marker names. On
//     Linux it also checks that the parent runs the same executable file
//     (through /proc, so a renamed or deleted file still compares); on
//     Windows, that the parent is the process recorded as its creator,
//     created before the child (not a stranger that reused a dead
//     parent's PID) and running the same image. macOS and the BSDs check
//     the parent's PID only: there, any program that starts this one with
//     a marker naming itself, over a channel it made, passes the check.
//   - A Linux parent that is not dumpable (it changed its user or group
//     after it started, as a root daemon that drops to nobody and then
//     forks, or it runs with file capabilities) does not let its child
//     read /proc/PID/exe. The child then skips the executable comparison
//     and relies on the two checks that remain: the parent made the
//     channel, so only the parent writes on it, and the fingerprint the
//     parent writes covers its executable file, so an honest parent
//     running another file is still refused, as another build. Fork works
//     after such a drop. Elsewhere Fork starts the executable by its path
//     (there is no /proc/self/exe), so after a drop the new user must be
//     able to execute that file and search every directory above it, or
//     Fork fails with an error wrapping fs.ErrPermission: a test binary
//     that go test built under macOS's TMPDIR (mode 0700) cannot fork once
//     it has dropped to nobody.
//   - The state's header carries the nonce and a fingerprint of the build:
//     the Go version, the executable file's identity (size, modification
//     time, and device and inode on Unix) and the layout of every copied
//     variable's type (kinds, names, sizes, field names and offsets). A
//     child refuses a state whose fingerprint is not its own before it
//     reads the payload. The fingerprint tells builds apart; it
//     authenticates nothing (anyone with the file can compute it).
//   - Fork waits for the child's answer, so the parent is alive, and its
//     PID its own, while the child checks it. A child from Prestart's
//     pool checks its parent when it starts, while the parent waits for
//     it to be ready; from then on only that parent holds the channel's
//     other end, so on Linux, where the parent checks before it sends
//     everything the child would refuse (see Prestart), it hands the
//     request over without waiting for the answer, and the child does
//     not check the parent again (it may have exited since: a parent may
//     exit right after Fork).
//   - A set-user-ID or set-group-ID program refuses the marker outright:
//     whoever starts it is not trusted with what it runs.
//   - Every FORKPORT_FORK entry is removed from the environment Fork gives
//     the child, so a copy of the environment taken before Init (during
//     package initialisation of a forked child) cannot pass an old marker
//     on. The exact-environment calls (the e variants) pass what they are
//     given; a procs program started with a stale marker refuses to run.
//
// A child that refuses exits with status 70 and says why on stderr, and its
// parent's Fork returns the same reason. The checks stop a process that is
// not the child's parent, and a parent's channel or PID that a stranger
// took over; they do not stop a process running as the same user (or as
// root), which can hand a child state it forged in ways no check at the
// child's start can tell from a real Fork: it can make the channel and
// then execute this program itself (a process keeps its PID, and so stays
// the channel's maker, across exec), make itself not dumpable on Linux
// (so its executable is not compared) and compute the fingerprint from the
// file, or, on Windows, start the child with a spoofed parent process
// (PROC_THREAD_ATTRIBUTE_PARENT_PROCESS) and handles of its own. Such a
// process could as well debug the child or write to its memory: the
// operating system does not separate processes of one user, and neither
// can the hand-off. It controls the program's start anyway, as it
// controls its arguments and environment.
//
// The decoder treats the state as untrusted all the same: every count is
// bounded by the bytes that remain, nesting through pointers, slices and
// maps is limited to 20,000 levels (in the parent's encoder too, which
// reports deeper data as an error rather than overflowing the stack),
// bools must be 0 or 1, and the state may take at most 4 GiB (a larger one
// is refused by Fork before the child starts). Values that take the gob
// path (interfaces) are decoded by encoding/gob, which is not hardened
// against adversarial input; the checks above keep such input from
// reaching it.
//
// # Exec
//
// On Unix the exec family calls execve(2): the program replaces the caller
// in the same process, keeping its PID, working directory, process group
// and open files without close-on-exec (Go opens every file close-on-exec,
// so in practice only stdin, stdout and stderr pass, unless the caller
// clears the flag). On success the call never returns.
//
// Windows has no exec. There procs starts the program with the caller's
// standard handles, environment (or the one given) and working directory,
// waits for it, and exits with its exit code, so whoever waits for the
// caller sees the program's status (the C runtime's _execv, and so Python's
// os.exec* on Windows, exits at once instead). The program has a new PID,
// whose parent is the caller. It runs in a job object that kills it if the
// caller is killed; what it starts breaks away from that job.
//
// # Spawn
//
// Spawn* starts a program in a new process with the caller's standard files.
// PWait waits and returns the exit code (minus the signal number for a child
// killed by a signal); PNoWait returns the PID, for Waitpid; PDetach returns
// the PID of a child in a new session (Unix setsid) or detached from the
// console in a new process group (Windows) (on Unix it is still the caller's
// child, to be reaped); POverlay is the matching exec.
//
// # The p and e variants
//
// A p variant looks up a program name without a path separator in PATH, with
// exec.LookPath's rules on every OS: an empty PATH element means ".", a
// non-executable match is skipped for a later executable one, and a match
// relative to the current directory is refused with exec.ErrDot. Unlike
// exec.LookPath on Windows, the current directory is never searched unless
// PATH names it. A name with a separator is used as a path, and so is any
// name given to a variant without p: relative to the working directory, like
// execv(2), never searched. The pe variants search the PATH of the
// environment they are given (as Python's os.execvpe does), not the
// caller's; an environment without PATH searches nothing. An e variant gives
// the program exactly the environment passed (nil means none at all); the
// others pass the caller's. Environment names compare case-insensitively on
// Windows.
//
// # Waiting
//
// Every child procs starts (Fork, Start, PNoWait, PDetach) must be reaped
// with Process.Wait, Waitpid or Reap; until then an exited child is a zombie
// on Unix, and on Windows its process object stays while procs holds its
// handle. After a child is reaped, Wait and Waitpid fail with an error
// wrapping syscall.ECHILD, and Signal and Kill with os.ErrProcessDone, so a
// reused PID is never signalled. Reap never waits for a process procs did not
// start: a child of os/exec keeps its exit status.
//
// # Exit statuses
//
// On Unix an exit status is the low 8 bits of the value passed to exit
// (exit(256) is 0, exit(-1) is 255) and a child killed by a signal reports
// ExitCode() == -signal. On Windows an exit code is 32 bits and there are no
// signals: Kill ends a child with exit code 1, and Signal supports os.Kill
// only.
//
// # Process trees
//
// Attr.Group starts a child as the root of a tree that KillTree kills at
// once, grandchildren included: a new process group on Unix, a job object
// on Windows (which Windows also kills when the caller exits). Killing a
// child alone leaves its children running, as the chapter's orphans show:
// on Linux an orphan is adopted by the nearest child subreaper or PID 1, on
// macOS by launchd, and on Windows by nobody (its recorded parent PID goes
// stale).
//
// # Errors
//
// Bad input never panics or starts a process: calls return an *Error that
// wraps a standard sentinel, so errors.Is works: a missing program
// (fs.ErrNotExist; after a PATH search also exec.ErrNotFound), a directory
// or non-executable file (fs.ErrPermission), a relative PATH match
// (exec.ErrDot), an empty argv or argv[0], a NUL byte in the program name,
// an argument or the environment, an environment entry that is not
// NAME=value, or an unknown Mode (fs.ErrInvalid).
package procs
