"""`serve`: the emulator over HTTP/1.1, with the standard library alone.

One thread accepts connections (selectors, waking every `poll_interval` to enforce time
limits) and each connection gets a thread of its own (http11.py reads its requests and
answers them). http.server and wsgiref cost more per request than the whole in-process
retrieve (header parsing by the email package, a write per header line); `serve --wsgiref`
keeps them available (wsgiref_server.py).

Connections are capped (`max_connections`, lowered to fit the process's file-descriptor
limit): at the cap the longest-idle keep-alive connection is closed to make room, and when
none is idle the newcomer gets a 503 with Stripe's error object at once rather than waiting
in the queue. Running out of file descriptors anyway (EMFILE) is handled the same way, with
one descriptor kept in reserve to answer the 503. Each condition is logged once.
"""
import collections
import errno
import os
import selectors
import socket
import sys
import threading
import time

from . import ids
from .store.db import FairLock
from .http11 import Connection, error_answer, time_limit

# How long a newcomer at the cap waits for a connection finishing its answer to turn idle.
SENDING_GRACE_SECONDS = 0.05

DEFAULT_MAX_CONNECTIONS = 1000
# The request log's lines are written together, every LOG_FLUSH_SECONDS (a line waits
# twice that at most) or once LOG_BATCH_LINES wait: a write to stderr per request cost a
# no-op request a sixth of its time on one CPU of this kind of machine.
LOG_FLUSH_SECONDS = 0.1
LOG_BATCH_LINES = 1000
# Requests inside the app at once; the others wait their turn in arrival order. Python runs
# one thread at a time anyway, and left to compete for the interpreter lock, 64 concurrent
# writers saw a p99 of 7 times their median.
APP_SLOTS = 2
REQUEST_QUEUE_SIZE = 128
_DESCRIPTORS_KEPT = 32  # for the database, its WAL, webhook deliveries, logs


def max_connections_allowed(wanted=DEFAULT_MAX_CONNECTIONS):
    """`wanted`, lowered to what the process's file-descriptor limit leaves room for."""
    try:
        import resource
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return wanted
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - _DESCRIPTORS_KEPT))


class Server:
    def __init__(self, app, host, port, max_connections=DEFAULT_MAX_CONNECTIONS,
                 stream=sys.stderr, access_log=False):
        family, _, _, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        self.socket = socket.create_server(address, family=family, backlog=REQUEST_QUEUE_SIZE)
        self.server_address = self.socket.getsockname()
        self.server_name = self.server_address[0]
        self.server_port = str(self.server_address[1])
        self.app, self.stream, self.access_log = app, stream, access_log
        self.max_connections = max_connections_allowed(max_connections)
        self.connections = set()
        self.admission = FairLock(APP_SLOTS)
        self._lock = threading.Lock()
        self._log_lock = threading.Lock()
        self._log_lines = collections.deque()  # of the answers not yet in the log
        self.errors = ErrorStream(self)
        self._logged = set()  # conditions logged once already
        self._wake_read, self._wake_write = socket.socketpair()
        self._stopping = False
        self._stopped = threading.Event()
        self._spare = _reserve_descriptor()

    @property
    def url(self):
        host = self.server_name
        return f"http://[{host}]:{self.server_port}" if ":" in host else \
            f"http://{host}:{self.server_port}"

    def get_request(self):
        return self.socket.accept()

    def serve_forever(self, poll_interval=0.5):
        self._stopped.clear()
        self.socket.setblocking(False)
        checked = flushed = time.monotonic()
        wait = min(poll_interval, LOG_FLUSH_SECONDS) if self.access_log else poll_interval
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_read, selectors.EVENT_READ)
            try:
                while not self._stopping:
                    if selector.select(wait) and not self._stopping:
                        self._accept()
                    if self._log_lines and time.monotonic() - flushed >= LOG_FLUSH_SECONDS:
                        flushed = time.monotonic()
                        self._write("")
                    if time.monotonic() - checked >= poll_interval:
                        checked = time.monotonic()
                        self._enforce_time_limits()
            finally:
                self._write("")
                self._stopped.set()

    def _accept(self):
        """Accept one connection (the selector calls again while more are queued)."""
        try:
            sock, peer = self.get_request()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as error:
            if error.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                self._out_of_descriptors(error)
            return  # otherwise (ECONNABORTED and the like) that client is gone
        sock.setblocking(True)
        if len(self.connections) >= self.max_connections and not self._make_room():
            self.log_once("cap", f"{self.max_connections} connections open (the "
                                 "--max-connections cap), none idle: refusing newcomers "
                                 "with a 503 until one closes")
            _refuse_overloaded(sock)
            return
        connection = Connection(self, sock, peer)
        with self._lock:
            self.connections.add(connection)
        threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection):
        try:
            connection.serve()
        finally:
            with self._lock:
                self.connections.discard(connection)

    def _make_room(self):
        """Shut the longest-idle keep-alive connection down; False if none is idle.

        A connection still "sending" has handed its answer to the kernel or is about to: its
        client may already have read it and come back on a new connection before the
        connection's thread marks it idle. Such a connection is waited for, briefly, rather
        than the newcomer refused."""
        deadline = time.monotonic() + SENDING_GRACE_SECONDS
        while True:
            with self._lock:
                idle = [c for c in self.connections if c.phase == "idle"]
                sending = any(c.phase == "sending" for c in self.connections)
            if idle:
                _shut(min(idle, key=lambda c: c.since))
                return True
            if not sending or time.monotonic() > deadline:
                return False
            time.sleep(0.001)

    def _out_of_descriptors(self, error):
        self.log_once("emfile", f"cannot accept a connection ({error.strerror}, "
                                f"{len(self.connections)} open): closing idle connections and "
                                "refusing newcomers with a 503 while it lasts")
        if self._make_room():
            time.sleep(0.005)  # its thread closes the descriptor
            return
        if self._spare is not None:
            self._spare.close()
            self._spare = None
            try:
                sock, _ = self.get_request()
                sock.setblocking(True)
                _refuse_overloaded(sock)
            except OSError:
                pass
            self._spare = _reserve_descriptor()
        else:
            time.sleep(0.01)  # nothing to free: do not spin on the queued connection

    def _enforce_time_limits(self):
        now = time.monotonic()
        with self._lock:
            late = [c for c in self.connections
                    if (limit := time_limit(c.phase)) is not None and now - c.since > limit]
        for connection in late:
            _shut(connection)

    def log(self, line):
        self._write(f"stripe_emu: {line}\n")

    def log_request(self, environ, status, headers, started):
        """Queue the request log's line of an answer (Connection calls it as the answer
        leaves; `started`: time.monotonic() when its head began): the accepting thread
        writes it with the lines of the answers around it (LOG_FLUSH_SECONDS)."""
        if self.access_log:
            lines = self._log_lines
            lines.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], status, headers,
                          time.monotonic() - started))
            if len(lines) >= LOG_BATCH_LINES:
                self._write("")

    def _write(self, text):
        """Write the request log's waiting lines, then `text`, in one write."""
        try:
            with self._log_lock:
                lines = self._log_lines
                if lines:
                    waiting = [access_line(*lines.popleft()) for _ in range(len(lines))]
                    text = "".join(waiting) + text
                if text:
                    self.stream.write(text)
                    self.stream.flush()
        except (OSError, ValueError):
            pass

    def log_once(self, condition, line):
        if condition not in self._logged:
            self._logged.add(condition)
            self.log(line)

    def shutdown(self):
        """Stop serve_forever (from another thread) and wait until it has returned."""
        self._stopping = True
        try:
            self._wake_write.send(b"x")
        except OSError:
            pass
        self._stopped.wait()

    def server_close(self):
        self._stopping = True
        for sock in (self.socket, self._wake_read, self._wake_write, self._spare):
            if sock is not None:
                sock.close()
        self._write("")  # the lines of answers that left while serve_forever returned


class ErrorStream:
    """The server's wsgi.errors: what an app writes there (a traceback) comes after the
    request log's lines of the answers before it."""

    def __init__(self, server):
        self.server = server

    def write(self, text):
        self.server._write(text)

    def writelines(self, lines):
        self.server._write("".join(lines))

    def flush(self):
        pass


def _shut(connection):
    try:
        connection.sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _reserve_descriptor():
    try:
        return open(os.devnull, "rb")
    except OSError:
        return None


def _refuse_overloaded(sock):
    """A 503 with Stripe's error object, and the connection closed."""
    request_id = ids.new_id(ids.REQUEST)
    # UNCERTAIN: Stripe's own overload answer; an api_error its clients retry is the closest.
    status, payload = error_answer(
        503, "stripe_emu is serving as many connections as it may (--max-connections): "
             "retry in a moment.", request_id, type="api_error")
    try:
        sock.settimeout(1)
        sock.sendall(b"HTTP/1.1 %s\r\nContent-Type: application/json\r\nRequest-Id: %s\r\n"
                     b"Stripe-Should-Retry: true\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (status.encode(), request_id.encode(),
                                                        len(payload), payload))
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    finally:
        sock.close()


def access_line(method, path, status, headers, seconds):
    """The request log's line for one answer: method, path, status, ms, request id (status
    None: the connection was dropped without an answer)."""
    request_id = "-"
    for name, value in headers:
        if name == "Request-Id":
            request_id = value
            break
    return (f"{method} {path} {status[:3] if status else '-'} {seconds * 1000:.1f}ms "
            f"{request_id}\n")


def logged(app, stream=sys.stderr):
    """WSGI middleware writing the request log's line for each request (the own server of
    `serve` writes it itself, once the answer has left: Server.log_request)."""
    lock = threading.Lock()

    def middleware(environ, start_response):
        started = time.perf_counter()
        seen = [None, ()]

        def capture(status, headers, exc_info=None):
            seen[:] = status, headers
            return start_response(status, headers, exc_info)

        try:
            return app(environ, capture)
        finally:
            line = access_line(environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"),
                               *seen, time.perf_counter() - started)
            with lock:
                stream.write(line)
                stream.flush()
    return middleware


def make_server(app, host="127.0.0.1", port=12111, log=True,
                max_connections=DEFAULT_MAX_CONNECTIONS):
    """`serve`'s server for a WSGI app; `log`: one line per request on stderr."""
    return Server(app, host, port, max_connections, access_log=log)
