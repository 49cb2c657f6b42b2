#!/usr/bin/env python3
"""forkserver: the chapter's forking server, an echo server on loopback.

Python twin of internal/chapter/forkserver.go (chapter.ForkServer): same
flags, same lines. Every connection is served by a child of its own, which
answers each line with "echo <childpid>: <line>" until the client closes
its side, then exits; the server closes its copy of the connection and goes
back to accept.

Flags:
  -net tcp4|tcp6|unix   network (default tcp4)
  -addr ADDR            default 127.0.0.1:0 ([::1]:0 for tcp6); a path for unix
  -reap loop|sigchld|none
                        loop: os.waitpid(-1, os.WNOHANG) after every accept and
                        every 100 ms; sigchld: on SIGCHLD (Unix only); none:
                        never while serving, so children stay zombies
  -prefork N            fork N workers that all accept on the listener
  -restart              graceful restart on a line "restart" on stdin (and
                        SIGHUP on Unix): fork a successor with the listener,
                        wait for its "ready" on a pipe, stop accepting, finish
                        the connections, exit
  -max N                stop after N connections (not with -prefork)
  -prestart N           accepted for the Go server's sake; os.fork needs no pool

Lines printed: "listening <net> <addr>", "child <pid>", "reaped <pid> <code>",
"worker <pid>", "successor <pid> ready", "stop <why>" (eof, signal, max,
restart), "zombies <n>", "stopped <pid>".

Unix: os.fork, the child inherits the descriptors. Windows has no os.fork:
each child is a new interpreter running this file (a hidden -child-conn,
-child-worker or -child-successor flag) that gets the socket from
socket.share(pid) in its parent and rebuilds it with socket.fromshare
(WSADuplicateSocket and WSASocket underneath): a connection's or worker's
bytes come on its stdin; a successor's, whose stdin is the server's, in a
file named on its command line, and it says ready on a loopback connection.
The Windows half is reasoned from the documentation, not observed.

stdin is read with os.read a byte at a time, so that after a restart the
successor reads what the old server has not. Each line goes out in one
os.write, bypassing sys.stdout's buffer.
"""

import argparse
import collections
import ipaddress
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings

# The children forked here run this file's code only, never the stdin
# thread's, and take no lock that thread may hold: the warning of CPython
# 3.12+ about forking a process with threads does not apply.
warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*fork")

IDLE = 10.0  # a child's wait for the next line
GRACE = 15.0  # a stopping server's wait for its children
READY = 20.0  # a restarting server's wait for its successor
TICK = 0.1  # the reaping loop's period
MAX_LINE = 64 << 10

WINDOWS = not hasattr(os, "fork")


def say(*words):
    """Prints one line with one write(2), so that lines of the processes
    sharing stdout never interleave, and nothing is left buffered for a
    forked child to print again."""
    data = (" ".join(str(w) for w in words) + "\n").encode()
    while data:
        data = data[os.write(1, data):]


def fail(msg, code=2):
    print("forkserver: " + msg, file=sys.stderr, flush=True)
    sys.exit(code)


def parse(argv):
    p = argparse.ArgumentParser(prog="forkserver")
    p.add_argument("-net", default="tcp4")
    p.add_argument("-addr", default="")
    p.add_argument("-reap", default="loop")
    p.add_argument("-prefork", type=int, default=0)
    p.add_argument("-max", type=int, default=0)
    p.add_argument("-restart", action="store_true")
    p.add_argument("-prestart", type=int, default=0)
    p.add_argument("-child-conn", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("-child-worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("-child-successor", default="", help=argparse.SUPPRESS)
    p.add_argument("-ready-port", type=int, default=0, help=argparse.SUPPRESS)
    a, extra = p.parse_known_args(argv)
    if extra:
        fail("unexpected arguments: %r" % extra)
    if a.net not in ("tcp4", "tcp6", "unix"):
        fail('-net "%s": want tcp4, tcp6 or unix' % a.net)
    if not a.addr:
        if a.net == "unix":
            fail("-net unix needs -addr, a socket path")
        a.addr = "127.0.0.1:0" if a.net == "tcp4" else "[::1]:0"
    if a.net != "unix":
        host, _, port = a.addr.rpartition(":")
        host = host.strip("[]")
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            fail('-addr "%s": the server listens on loopback addresses only' % a.addr)
        a.host, a.port = host, int(port or 0)
    if a.reap not in ("loop", "sigchld", "none"):
        fail('-reap "%s": want loop, sigchld or none' % a.reap)
    if a.reap == "sigchld" and not hasattr(signal, "SIGCHLD"):
        fail("-reap sigchld: Windows has no SIGCHLD; use -reap loop")
    if not 0 <= a.prefork <= 64:
        fail("-prefork %d: want 0 to 64 workers" % a.prefork)
    if a.max < 0:
        fail("-max %d: negative" % a.max)
    if a.max > 0 and a.prefork > 0:
        fail("-max counts the connections the server accepts itself, and with -prefork it accepts none")
    if not 0 <= a.prestart <= 64:
        fail("-prestart %d: want 0 to 64 children" % a.prestart)
    return a


def listen(a):
    if a.net == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(a.addr)
        name = a.addr
    else:
        fam = socket.AF_INET if a.net == "tcp4" else socket.AF_INET6
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.bind((a.host, a.port))
        h, port = s.getsockname()[:2]
        name = ("%s:%d" if fam == socket.AF_INET else "[%s]:%d") % (h, port)
    s.listen(128)
    return s, name


def echo_lines(conn):
    """Answers every line of conn until end of file; returns an exit status."""
    pid = os.getpid()
    conn.settimeout(IDLE)
    f = conn.makefile("rb")
    try:
        while True:
            line = f.readline(MAX_LINE + 1)
            if not line:
                return 0
            if len(line) > MAX_LINE and not line.endswith(b"\n"):
                print("forkserver: child %d: line too long" % pid, file=sys.stderr, flush=True)
                return 4
            line = line[:-1] if line.endswith(b"\n") else line
            line = line[:-1] if line.endswith(b"\r") else line
            conn.sendall(b"echo %d: %s\n" % (pid, line))
    except OSError as e:
        print("forkserver: child %d: %s" % (pid, e), file=sys.stderr, flush=True)
        return 4
    finally:
        f.close()
        conn.close()


def exit_code(status):
    return os.waitstatus_to_exitcode(status)


class Server:
    """One generation of the server."""

    def __init__(self, a, lsock):
        self.a = a
        self.l = lsock
        self.kids = {}  # pid -> Popen on Windows, None on Unix
        self.served = 0
        self.why = ""
        self.events = collections.deque()  # appended by a thread and signal handlers
        self.wake_r, self.wake_w = os.pipe() if not WINDOWS else (None, None)
        if WINDOWS:
            self.wake = socket.socketpair()
        self.workers = {}
        self.workers_stop = None  # Unix: the write end of the workers' pipe
        self.stdin_thread = None

    # events, from the stdin thread and signal handlers
    def event(self, ev):
        self.events.append(ev)
        self.poke()

    def poke(self):
        try:
            if WINDOWS:
                self.wake[1].send(b"x")
            else:
                os.write(self.wake_w, b"x")
        except OSError:
            pass

    def read_stdin(self):
        line = b""
        while True:
            try:
                b = os.read(0, 1)
            except OSError:
                b = b""
            if not b:
                if not self.why:
                    self.event("eof")
                return
            if b != b"\n":
                line += b
                continue
            if line.strip() == b"restart" and self.a.restart:
                self.event("restart")
                return
            line = b""

    def install_signals(self):
        signal.signal(signal.SIGINT, lambda *_: self.event("signal"))
        signal.signal(signal.SIGTERM, lambda *_: self.event("signal"))
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, lambda *_: self.event("restart"))
        if self.a.reap == "sigchld":
            signal.signal(signal.SIGCHLD, lambda *_: self.event("sigchld"))

    def reap(self):
        """Reaps what has exited, printing each; returns how many."""
        n = 0
        if WINDOWS:
            for pid, p in list(self.kids.items()):
                if p.poll() is not None:
                    del self.kids[pid]
                    say("reaped", pid, p.returncode)
                    n += 1
            return n
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return n
            if pid == 0:
                return n
            n += 1
            if pid in self.kids:
                del self.kids[pid]
                say("reaped", pid, exit_code(status))

    def count_zombies(self):
        """Reaps, silently, the children that exited unreaped; returns how many."""
        n = 0
        if WINDOWS:
            for pid, p in list(self.kids.items()):
                if p.poll() is not None:
                    del self.kids[pid]
                    n += 1
            return n
        for pid in list(self.kids) + list(self.workers):
            try:
                got, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                got = pid
            if got == pid:
                self.kids.pop(pid, None)
                self.workers.pop(pid, None)
                n += 1
        return n

    def stop(self, why):
        if self.why:
            return
        self.why = why
        say("stop", why)

    # children
    def fork_conn(self, conn):
        if WINDOWS:
            p = spawn_self(["-child-conn"])
            send_share(p, conn)
            conn.close()
            self.kids[p.pid] = p
            return p.pid
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            self.become_child()
            os._exit(echo_lines(conn))
        conn.close()
        self.kids[pid] = None
        return pid

    def become_child(self):
        """In a forked child: drop the server's signal handlers and descriptors."""
        for sig in ("SIGINT", "SIGTERM", "SIGHUP", "SIGCHLD"):
            if hasattr(signal, sig):
                signal.signal(getattr(signal, sig), signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
        self.l.close()
        os.close(self.wake_r)
        os.close(self.wake_w)
        if self.workers_stop is not None:
            os.close(self.workers_stop)

    def fork_workers(self):
        if WINDOWS:
            for _ in range(self.a.prefork):
                p = spawn_self(["-child-worker"])
                send_share(p, self.l, close=False)  # stdin stays open: its end of file stops the worker
                self.workers[p.pid] = p
                say("worker", p.pid)
            return
        r, w = os.pipe()
        self.workers_stop = w
        for _ in range(self.a.prefork):
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                self.l, lsock = None, self.l
                self.become_child_worker(lsock, r)
            self.workers[pid] = None
            say("worker", pid)
        os.close(r)

    def become_child_worker(self, lsock, r):
        for sig in ("SIGINT", "SIGTERM", "SIGHUP", "SIGCHLD"):
            if hasattr(signal, sig):
                signal.signal(getattr(signal, sig), signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
        os.close(self.wake_r)
        os.close(self.wake_w)
        os.close(self.workers_stop)
        os._exit(worker_loop(lsock, r))

    def fork_successor(self):
        """Forks the next generation; returns True once it serves."""
        if WINDOWS:
            return self.spawn_successor()
        r, w = os.pipe()
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            for sig in ("SIGINT", "SIGTERM", "SIGHUP", "SIGCHLD"):
                if hasattr(signal, sig):
                    signal.signal(getattr(signal, sig), signal.SIG_DFL)
            os.close(self.wake_r)
            os.close(self.wake_w)
            if self.workers_stop is not None:
                os.close(self.workers_stop)  # the old workers must see their end of file
            code = Server(self.a, self.l).run(ready=lambda: (os.write(w, b"ready\n"), os.close(w)))
            sys.stdout.flush()
            os._exit(code)
        os.close(w)
        ready, _, _ = select.select([r], [], [], READY)
        line = os.read(r, 16) if ready else b""
        os.close(r)
        if line == b"ready\n":
            say("successor", pid, "ready")
            return True
        print("forkserver: restart: the successor %d is not ready; serving on" % pid, file=sys.stderr, flush=True)
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        os.waitpid(pid, 0)
        return False

    def spawn_successor(self):
        ready = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ready.bind(("127.0.0.1", 0))
        ready.listen(1)
        fd, path = tempfile.mkstemp(prefix="forkserver-")
        os.close(fd)
        args = ["-child-successor", path, "-ready-port", str(ready.getsockname()[1])]
        p = spawn_self(args, stdin=None)  # the successor reads the server's stdin
        with open(path, "wb") as f:
            f.write(self.l.share(p.pid))
        ready.settimeout(READY)
        try:
            c, _ = ready.accept()
            c.settimeout(READY)
            ok = c.recv(16) == b"ready\n"
            c.close()
        except OSError:
            ok = False
        ready.close()
        if ok:
            say("successor", p.pid, "ready")
            return True
        p.kill()
        p.wait()
        os.remove(path)
        return False

    def finish(self):
        """Waits for the children up to GRACE, kills the rest; all are reaped."""
        deadline = time.monotonic() + GRACE
        left = dict(self.kids)
        left.update(self.workers)
        while left:
            for pid, p in list(left.items()):
                if WINDOWS:
                    done = p.poll() is not None
                else:
                    try:
                        done = os.waitpid(pid, os.WNOHANG)[0] == pid
                    except ChildProcessError:
                        done = True
                if done:
                    del left[pid]
            if not left:
                break
            if time.monotonic() > deadline:
                for pid, p in left.items():
                    if WINDOWS:
                        p.kill()
                        p.wait()
                    else:
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except OSError:
                            pass
                        os.waitpid(pid, 0)
                break
            time.sleep(0.01)

    def run(self, ready=None):
        a = self.a
        if not WINDOWS:
            signal.set_wakeup_fd(-1)
        self.install_signals()
        self.stdin_thread = threading.Thread(target=self.read_stdin, daemon=True)
        self.stdin_thread.start()
        if a.prefork > 0:
            self.fork_workers()
        if ready:
            ready()
        wake = self.wake[0] if WINDOWS else self.wake_r
        code = 0
        while not self.why:
            watch = [wake] if a.prefork > 0 else [wake, self.l]
            rd, _, _ = select.select(watch, [], [], TICK)
            if wake in rd:
                if WINDOWS:
                    wake.recv(4096)
                else:
                    os.read(wake, 4096)
            events = []
            while self.events:
                events.append(self.events.popleft())
            for ev in events:
                if ev == "sigchld":
                    self.reap()
                elif ev == "restart":
                    if not a.restart:
                        print("forkserver: restart asked for without -restart: ignored", file=sys.stderr, flush=True)
                    elif self.fork_successor():
                        self.stop("restart")
                        break
                elif ev == "error":
                    self.stop("error")
                    code = 1
                else:
                    self.stop(ev)
                    break
            if self.why:
                break
            if self.l in rd:
                try:
                    conn, _ = self.l.accept()
                except BlockingIOError:
                    conn = None
                if conn is not None:
                    conn.setblocking(True)
                    pid = self.fork_conn(conn)
                    self.served += 1
                    say("child", pid)
                    if a.reap == "loop":
                        self.reap()
                    if a.max and self.served >= a.max:
                        self.stop("max")
                        break
            if a.reap == "loop":
                self.reap()
        self.l.close()
        for sig in ("SIGINT", "SIGTERM", "SIGHUP", "SIGCHLD"):
            if hasattr(signal, sig):
                signal.signal(getattr(signal, sig), signal.SIG_DFL)
        if a.net == "unix" and self.why != "restart":
            try:
                os.remove(a.addr)  # the last generation removes the socket's name
            except FileNotFoundError:
                pass
        zombies = self.count_zombies()
        if self.workers_stop is not None:
            os.close(self.workers_stop)
            self.workers_stop = None
        if WINDOWS:
            for p in self.workers.values():
                p.stdin.close()
        say("zombies", zombies)
        self.finish()
        say("stopped", os.getpid())
        return code


def worker_loop(lsock, stop):
    """A prefork worker: accepts and serves one connection at a time until
    stop (a descriptor, or on Windows stdin) reads end of file."""
    lsock.setblocking(False)
    if WINDOWS:
        ended = threading.Event()

        def watch():
            while sys.stdin.buffer.read(4096):
                pass
            ended.set()

        threading.Thread(target=watch, daemon=True).start()
        while not ended.is_set():
            rd, _, _ = select.select([lsock], [], [], TICK)
            serve_ready(lsock, rd)
        return 0
    while True:
        rd, _, _ = select.select([lsock, stop], [], [], None)
        if stop in rd:
            return 0
        serve_ready(lsock, rd)


def serve_ready(lsock, rd):
    if lsock not in rd:
        return
    try:
        conn, _ = lsock.accept()  # another worker may have won it
    except BlockingIOError:
        return
    conn.setblocking(True)
    echo_lines(conn)


# Windows: children are new interpreters given their socket by share/fromshare.

def spawn_self(args, stdin=subprocess.PIPE):
    return subprocess.Popen([sys.executable, os.path.abspath(__file__)] + sys.argv[1:] + args, stdin=stdin)


def send_share(p, sock, close=True):
    data = sock.share(p.pid)
    p.stdin.write(b"%d\n" % len(data) + data)
    p.stdin.flush()
    if close:
        p.stdin.close()


def receive_share():
    n = int(sys.stdin.buffer.readline())
    return socket.fromshare(sys.stdin.buffer.read(n))


def main(argv):
    a = parse(argv)
    if a.child_conn:
        return echo_lines(receive_share())
    if a.child_worker:
        return worker_loop(receive_share(), None)
    if a.child_successor:
        with open(a.child_successor, "rb") as f:
            lsock = socket.fromshare(f.read())
        os.remove(a.child_successor)

        def ready():
            c = socket.create_connection(("127.0.0.1", a.ready_port), timeout=READY)
            c.sendall(b"ready\n")
            c.close()

        return Server(a, lsock).run(ready=ready)
    try:
        lsock, name = listen(a)
    except OSError as e:
        fail(str(e), 1)
    say("listening", a.net, name)
    return Server(a, lsock).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
