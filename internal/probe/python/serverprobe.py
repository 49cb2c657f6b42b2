#!/usr/bin/env python3
"""serverprobe: the chapter's forking servers ("forks are revisited in
Chapter 13 to deal with servers and their zombies"), with os.fork: one
scenario per subcommand, one fact per line.

  handoff            a child serves its connection while the parent accepts the next
  closecopy          the parent closes its copy; the child still answers, then closes
  prefork [-n N]     N children (3) accept on the listener they inherited
  zombies            unreaped children are zombies; os.waitpid(-1, WNOHANG) removes them
  sigchld            with SIGCHLD set to SIG_IGN the kernel reaps; waitpid raises ECHILD
  noexit [-exit]     a child without os._exit goes back to the accept loop
  restart [-n N]     a graceful restart under N (2000) connection attempts
  reuseport          SO_REUSEPORT lets a second process bind the port; without, EADDRINUSE

Python twin of the Go ServerProbe (internal/probe/server.go); it prints the
same lines. Loopback only; every accept, dial and read has a timeout; every
child is reaped. os.fork copies every descriptor of the parent, where procs
hands a child only the sockets it lists: the children here close what they
inherited and do not use, as a forking server's child should (the
listener, where it does not accept; the probe's own client ends).
os.fork does not exist on Windows: the first scenario line fails there.
"""
import errno
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time

DEADLINE = 20.0  # seconds: every network wait
MAX_LINES = 16
STREAM_TIME = 60.0  # seconds: the restart scenario's stream of attempts

# The Linux paths (/proc), except on the bsd-paths leg (FORKPORT_BSDPATHS=1):
# there Linux takes macOS's, ps.
LINUX = sys.platform.startswith("linux") and os.environ.get("FORKPORT_BSDPATHS") != "1"


def listen():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # As Go's net.Listen does on Unix.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(128)
    return s


def accept(lst):
    lst.settimeout(DEADLINE)
    c, _ = lst.accept()
    c.settimeout(DEADLINE)
    return c


def read_line(sock, buf):
    """Returns (line without newline or None at end of file, rest)."""
    while b"\n" not in buf:
        b = sock.recv(4096)
        if not b:
            return None, buf
        buf += b
    line, rest = buf.split(b"\n", 1)
    return line.decode(), rest


def serve_conn(c):
    """Answers each line with "PID PPID line", at end of file writes
    "PID bye" and closes."""
    try:
        buf = b""
        for _ in range(MAX_LINES):
            line, buf = read_line(c, buf)
            if line is None:
                if buf:
                    raise RuntimeError("a partial line at end of file")
                c.sendall(f"{os.getpid()} bye\n".encode())
                return
            c.sendall(f"{os.getpid()} {os.getppid()} {line}\n".encode())
        raise RuntimeError(f"more than {MAX_LINES} lines on one connection")
    finally:
        c.close()


class Client:
    def __init__(self, addr):
        self.s = socket.create_connection(addr, timeout=DEADLINE)
        self.buf = b""

    def ask(self, line):
        self.s.sendall((line + "\n").encode())
        a, self.buf = read_line(self.s, self.buf)
        f = (a or "").split()
        if len(f) < 3 or f[2] != line:
            raise RuntimeError(f"unexpected answer {a!r} to {line!r}")
        return int(f[0]), int(f[1])

    def finish(self):
        self.s.shutdown(socket.SHUT_WR)
        rest = self.buf
        while True:
            b = self.s.recv(4096)
            if not b:
                break
            rest += b
        self.s.close()
        return rest.decode()

    def close(self):
        self.s.close()


def close_err(s):
    """Closes s and returns the error as Go prints it: <nil> for none."""
    try:
        s.close()
    except OSError as e:
        return str(e)
    return "<nil>"


def finished_by(rest, pid):
    return rest == f"{pid} bye\n"


def tf(b):
    return "true" if b else "false"


def status_string(status):
    if os.WIFSIGNALED(status):
        return f"signal: {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def reap_all(pids):
    return ", ".join(status_string(os.waitpid(p, 0)[1]) for p in pids)


def child_exit(fn, *args):
    """Runs fn in a forked child and ends the child: os._exit, 0 or 1."""
    code = 0
    try:
        fn(*args)
    except BaseException as e:  # a child must never return into the parent's code
        print(f"serverprobe child: {e}", file=sys.stderr, flush=True)
        code = 1
    os._exit(code)


def fork_conn(lst, c, others=()):
    """The chapter's forking server: fork a child that serves c; the
    parent closes its copy of c."""
    pid = os.fork()
    if pid == 0:
        lst.close()
        for o in others:
            o.close()
        child_exit(serve_conn, c)
    c.close()
    return pid


def handoff(args):
    lst = listen()
    addr = lst.getsockname()
    c1 = Client(addr)
    p1 = fork_conn(lst, accept(lst), [c1.s])
    pid1, ppid1 = c1.ask("one")
    print(f"first connection: answered by its child={tf(pid1 == p1 and ppid1 == os.getpid())}", flush=True)
    c2 = Client(addr)
    p2 = fork_conn(lst, accept(lst), [c1.s, c2.s])
    pid2, ppid2 = c2.ask("two")
    print("second connection, while the first stays open: answered by another child="
          f"{tf(pid2 == p2 and ppid2 == os.getpid() and pid2 != pid1)}", flush=True)
    again, _ = c1.ask("one-again")
    print(f"first connection, after the second was served: still answered by its child={tf(again == p1)}", flush=True)
    rest2 = c2.finish()
    rest1 = c1.finish()
    print(f"each connection closed by its own child={tf(finished_by(rest1, p1) and finished_by(rest2, p2))}", flush=True)
    print(f"children: {reap_all([p1, p2])}", flush=True)
    lst.close()


def closecopy(args):
    lst = listen()
    c = Client(lst.getsockname())
    sc = accept(lst)
    pid = os.fork()
    if pid == 0:
        lst.close()
        c.close()
        child_exit(serve_conn, sc)
    print(f"parent closed its copy right after the fork: err={close_err(sc)}", flush=True)
    got, _ = c.ask("after-the-parents-close")
    print(f"after the parent's close: the child answered={tf(got == pid)}", flush=True)
    rest = c.finish()
    print(f"end of file: right after the child's last line={tf(finished_by(rest, pid))}", flush=True)
    print(f"child: {reap_all([pid])}", flush=True)
    lst.close()


def int_flag(args, name, default, lo, hi):
    if not args:
        return default
    if len(args) == 2 and args[0] == name:
        n = int(args[1])
        if lo <= n <= hi:
            return n
    raise ValueError(f"unexpected arguments {args!r}")


def accept_one(lst):
    c = accept(lst)
    lst.close()
    serve_conn(c)


def prefork(args):
    n = int_flag(args, "-n", 3, 1, 16)
    lst = listen()
    addr = lst.getsockname()
    forked = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            child_exit(accept_one, lst)
        forked.append(pid)
    print(f"parent closed its listener after forking: err={close_err(lst)}", flush=True)
    answered = 0
    by = set()
    for i in range(n):
        c = Client(addr)
        pid, ppid = c.ask(f"hello-{i}")
        c.finish()
        answered += 1
        if pid in forked and ppid == os.getpid():
            by.add(pid)
    print(f"connections={n} answered={answered}", flush=True)
    print(f"served by distinct children of the parent: {len(by)} of {n}", flush=True)
    print(f"children: {reap_all(forked)}", flush=True)


def ps_state(pid):
    out = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True)
    return out.stdout.strip()


def describe(pid):
    """What /proc (Linux) or ps (macOS, bsd-paths) shows of pid, in the
    words of the Go probe's describe."""
    if LINUX:
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            return "gone from /proc"
        if state == "Z":
            return f"zombie=yes state=Z in /proc/{pid}/stat"
        return f"zombie=no state={state}"
    s = ps_state(pid)
    if not s:
        return "gone from ps"
    if s.startswith("Z"):
        return "zombie=yes state=Z in ps"
    return f"zombie=no state={s}"


def wait_exited_not_reaped(pid):
    if LINUX:
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        return
    for _ in range(2000):
        s = ps_state(pid)
        if s.startswith("Z"):
            return
        if not s:
            raise RuntimeError(f"process {pid} is gone: it was reaped before the caller waited for it")
        time.sleep(0.01)
    raise RuntimeError(f"process {pid} did not exit")


def serve_one_by_fork(lst, line):
    c = Client(lst.getsockname())
    pid = fork_conn(lst, accept(lst), [c.s])
    c.ask(line)
    rest = c.finish()
    if not finished_by(rest, pid):
        raise RuntimeError(f"unexpected end of connection {rest!r}")
    return pid


def zombies(args):
    n = 3
    lst = listen()
    kids = [serve_one_by_fork(lst, f"conn-{i}") for i in range(n)]
    print(f"served={n} by children, none reaped yet", flush=True)
    z = 0
    for pid in kids:
        wait_exited_not_reaped(pid)
        if describe(pid).startswith("zombie=yes"):
            z += 1
    print(f"exited, not reaped: zombies={z} of {n}", flush=True)
    # The reaping loop a forking server runs before each accept.
    reaped = 0
    for _ in range(500):
        while reaped < n:
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            reaped += 1
        if reaped >= n:
            break
        time.sleep(0.01)
    print(f"reaping loop: reaped={reaped} of {n}", flush=True)
    gone = sum(1 for pid in kids if describe(pid).startswith("gone"))
    print(f"after reaping: gone={gone} of {n}", flush=True)
    lst.close()


def sigchld(args):
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    print("SIGCHLD: ignored", flush=True)
    lst = listen()
    pid = serve_one_by_fork(lst, "hello")
    d = describe(pid)
    deadline = time.monotonic() + 5
    while not d.startswith("gone") and time.monotonic() < deadline:
        time.sleep(0.005)
        d = describe(pid)
    print(f"after the child exited, before any wait: gone={tf(d.startswith('gone'))} "
          f"zombie={tf(d.startswith('zombie=yes'))}", flush=True)
    try:
        _, status = os.waitpid(pid, 0)
        print(f"wait: {status_string(status)}", flush=True)
    except ChildProcessError:
        print("wait: echild=true", flush=True)
    lst.close()


def server_loop(lst, state, exit_after, clients):
    """A forking server's loop: accept, fork, the parent closes its copy of
    the connection; a child serves its connection and, unless exit_after,
    carries on in this loop, as a child that forgot os._exit does. At the
    loop's end a child exits (its end of the program), after reaping its
    own children."""
    kids = []
    while state["next"] < state["budget"]:
        c = accept(lst)
        state["next"] += 1
        pid = os.fork()
        if pid == 0:
            for o in clients:
                o.close()
            clients = []
            kids = []
            try:
                serve_conn(c)
            except BaseException as e:
                print(f"serverprobe child: {e}", file=sys.stderr, flush=True)
                os._exit(1)
            if exit_after:
                os._exit(0)
            continue  # the forgotten os._exit: back to accepting
        c.close()
        kids.append(pid)
    return kids


def noexit(args):
    exit_after = args == ["-exit"]
    if args and not exit_after:
        raise ValueError(f"unexpected arguments {args!r}")
    lst = listen()
    addr = lst.getsockname()
    server = os.getpid()
    c1, c2 = Client(addr), Client(addr)
    state = {"next": 0, "budget": 2}
    kids = server_loop(lst, state, exit_after, [c1.s, c2.s])
    if os.getpid() != server:
        # A child that went back to the loop and left it: its program ends.
        lst.close()
        code = 0
        for pid in kids:
            if os.waitpid(pid, 0)[1] != 0:
                code = 1
        os._exit(code)
    lst.close()
    print("the server accepted 2 connections and closed its listener", flush=True)
    for i, c in enumerate([c1, c2]):
        pid, ppid = c.ask(f"conn-{i + 1}")
        c.finish()
        print(f"connection {i + 1}: answered by child {i + 1}={tf(pid == kids[i] and ppid == os.getpid())}", flush=True)
    answered, pid, ppid = False, 0, 0
    try:
        c3 = Client(addr)
        try:
            pid, ppid = c3.ask("conn-3")
            c3.finish()
            answered = True
        finally:
            c3.close()
    except (OSError, RuntimeError):
        pass
    print(f"connection 3, made after the server stopped accepting: answered={tf(answered)}", flush=True)
    if answered:
        print(f"connection 3: answered by a child that child 1 forked={tf(ppid == kids[0] and pid != kids[0])}", flush=True)
    print(f"children: {reap_all(kids)}", flush=True)


def generation(lst, restart, stop, alive):
    """One generation of a server that restarts gracefully: it serves
    connections one at a time; a byte on restart makes it fork its
    successor, wait for its ready byte, close the listener and exit; end of
    file on stop makes it close the listener and exit. alive is only held,
    and closed after the listener: a descriptor an exiting process leaves
    open may be closed after its parent sees it exit (and a socket's last
    close may be deferred), so end of file on alive means no listener is
    left only if the listener was closed before."""
    try:
        serve_generation(lst, restart, stop, alive)
    finally:
        lst.close()
        os.close(alive)


def serve_generation(lst, restart, stop, alive):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        watch = [lst, stop] + ([restart] if restart is not None else [])
        ready, _, _ = select.select(watch, [], [], DEADLINE)
        if not ready:
            raise RuntimeError("no connection, restart or stop within the deadline")
        if stop in ready:
            return
        if restart is not None and restart in ready:
            if os.read(restart, 1) == b"":
                restart = None  # the probe is done: stop does the rest
                continue
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(r)
                os.close(restart)
                os.write(w, b"\1")  # ready: the listener is ours
                os.close(w)
                child_exit(generation, lst, None, stop, alive)
            os.close(w)
            ok, _, _ = select.select([r], [], [], DEADLINE)
            if not ok or os.read(r, 1) != b"\1":
                raise RuntimeError("the successor did not say it was ready")
            os.close(r)
            lst.close()
            return
        if lst in ready:
            try:
                c = accept(lst)
            except (BlockingIOError, socket.timeout):
                continue
            try:
                serve_conn(c)
            except OSError as e:
                print(f"serverprobe generation: a connection: {e}", file=sys.stderr, flush=True)
    raise RuntimeError("the generation's time is up")


def attempt(addr, i):
    try:
        with socket.create_connection(addr, timeout=5) as s:
            s.sendall(f"a{i}\n".encode())
            line, _ = read_line(s, b"")
    except OSError:
        return 0
    f = (line or "").split()
    if len(f) != 3 or f[2] != f"a{i}":
        return 0
    return int(f[0])


def restart(args):
    dialers = 4
    n = int_flag(args, "-n", 2000, dialers, 100000)
    lst = listen()
    addr = lst.getsockname()
    restart_r, restart_w = os.pipe()
    stop_r, stop_w = os.pipe()
    alive_r, alive_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        for fd in (restart_w, stop_w, alive_r):
            os.close(fd)
        child_exit(generation, lst, restart_r, stop_r, alive_w)
    for fd in (restart_r, stop_r, alive_w):
        os.close(fd)
    lst.close()
    results = []
    lock = threading.Lock()
    exited_at = []
    next_attempt = [0]

    def watch_old():
        _, status = os.waitpid(pid, 0)
        with lock:
            exited_at.append((len(results), status_string(status)))

    stream_end = time.monotonic() + STREAM_TIME

    def dialer():
        while True:
            with lock:
                i = next_attempt[0]
                if i >= n:
                    return
                next_attempt[0] += 1
            if i == n // 4:
                os.write(restart_w, b"\1")
            # The stream's bound: past it, attempts left count as failed untried.
            r = attempt(addr, i) if time.monotonic() < stream_end else 0
            with lock:
                results.append(r)

    watcher = threading.Thread(target=watch_old, daemon=True)
    watcher.start()
    threads = [threading.Thread(target=dialer) for _ in range(dialers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failed = sum(1 for r in results if r == 0)
    by_old = sum(1 for r in results if r == pid)
    by_new = len(results) - failed - by_old
    print(f"refused={failed} of {n}", flush=True)
    print(f"served by the old server: {tf(by_old > 0)}, by its successor: {tf(by_new > 0)}", flush=True)
    os.close(stop_w)
    os.close(restart_w)
    watcher.join(DEADLINE)
    if not exited_at:
        os.kill(pid, signal.SIGKILL)
        watcher.join()
    at, status = exited_at[0]
    print(f"the old server exited during the stream: {tf(at < n)} ({status})", flush=True)
    ok, _, _ = select.select([alive_r], [], [], DEADLINE)
    gone = bool(ok) and os.read(alive_r, 1) == b""
    os.close(alive_r)
    print(f"every generation exited: {tf(gone)}", flush=True)
    try:
        socket.create_connection(addr, timeout=DEADLINE).close()
        refused = False
    except ConnectionRefusedError:
        refused = True
    print(f"after the last generation: connection refused={tf(refused)}", flush=True)


def listen_reuseport(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind(("127.0.0.1", port))
        s.listen(16)
    except BaseException:
        s.close()
        raise
    return s


def bind_same(port):
    try:
        listen_reuseport(port).close()
        print("second process, with SO_REUSEPORT: bound=true", flush=True)
    except OSError as e:
        print(f"second process, with SO_REUSEPORT: bound=false eaddrinuse={tf(e.errno == errno.EADDRINUSE)}", flush=True)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(16)
        print("second process, without SO_REUSEPORT: bound=true", flush=True)
    except OSError as e:
        print(f"second process, without SO_REUSEPORT: bound=false eaddrinuse={tf(e.errno == errno.EADDRINUSE)}", flush=True)
    finally:
        s.close()


def reuseport(args):
    lst = listen_reuseport(0)
    print("first listener: SO_REUSEPORT set", flush=True)
    port = lst.getsockname()[1]
    pid = os.fork()
    if pid == 0:
        lst.close()
        child_exit(bind_same, port)
    print(f"second process: {reap_all([pid])}", flush=True)
    lst.close()


SCENARIOS = {
    "handoff": handoff,
    "closecopy": closecopy,
    "prefork": prefork,
    "zombies": zombies,
    "sigchld": sigchld,
    "noexit": noexit,
    "restart": restart,
    "reuseport": reuseport,
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in SCENARIOS:
        print("serverprobe: usage: serverprobe " + "|".join(SCENARIOS) + " [flags]", file=sys.stderr)
        return 2
    os.fork  # AttributeError on Windows, before any scenario starts
    try:
        SCENARIOS[sys.argv[1]](sys.argv[2:])
    except (OSError, RuntimeError, ValueError) as e:
        print(f"serverprobe {sys.argv[1]}: {e}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
