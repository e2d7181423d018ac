"""One HTTP/1.1 connection of `serve`: read requests, hand each to the WSGI app, answer.

Parsing is strict and bounded: a request line over MAX_LINE_BYTES is a 414, a header line
over it (or more than MAX_HEADERS headers) a 431, anything malformed a 400, an HTTP version
other than 1.0 and 1.1 a 505, a body sent chunked a 501 and a Content-Length that is not one
number a 400 — each Stripe's error object, after which the connection is closed, since what
follows cannot be told apart from a next request. Requests may be pipelined: they are read
from one buffer and answered in order. A body the app leaves unread is drained (up to
DRAIN_BYTES, else the connection closes) so that the next request starts on a clean stream.
The status line, headers and body leave in one write; a HEAD answer has no body.

Sockets block without a timeout (a timeout costs a poll() before every read and write):
the server (server.py), which owns the listening socket and the connection limits, reads
the `phase` and `since` of every connection and shuts down one that waits too long in a
phase (time_limit), or the longest idle one when it needs room.
"""
import re
import socket
import time
import traceback
from urllib.parse import unquote

from . import errors, ids
from .app import App, status_line
from .faults import ConnectionDropped

KEEP_ALIVE_SECONDS = 60  # an idle connection (or a stalled body, or a client not reading)
HEADER_SECONDS = 10  # from a request's first byte to the end of its headers
MAX_LINE_BYTES = 65536
MAX_HEADERS = 100
DRAIN_BYTES = 1 << 20
# The empty line ending a head, found from its LF: a pattern starting with a literal byte is
# searched with memchr, ten times faster than one starting with an optional CR.
_HEAD_END = re.compile(rb"\n\r?\n")
_CR_LF = b"\r\n"  # (bytes: their items are the ints a bytes index gives)
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VERSION = re.compile(r"HTTP/(\d)\.\d")
_VERSIONS = ("HTTP/1.1", "HTTP/1.0")
_METHODS = frozenset(("GET", "POST", "DELETE", "HEAD", "OPTIONS", "PUT", "PATCH"))
_FRAMING_HEADERS = frozenset(("content-length", "connection"))  # the server writes them
_FIELDS = {}  # header line as sent → (its WSGI environ key, its value)
_date = [0, b""]  # the Date header of the current second


class Refused(Exception):
    """A request that cannot be read: answered with `status` and the connection closed."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


class Connection:
    def __init__(self, server, sock, peer):
        self.server, self.sock, self.peer = server, sock, peer
        self.buffer = b""
        self.phase, self.since = "idle", time.monotonic()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # What every request of the connection has in its WSGI environ.
        self.environ = {
            "SCRIPT_NAME": "", "SERVER_NAME": server.server_name,
            "SERVER_PORT": server.server_port, "REMOTE_ADDR": peer[0],
            "REMOTE_PORT": str(peer[1]), "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
            "wsgi.errors": server.errors, "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False}

    def serve(self):
        """Answer requests until the connection ends."""
        try:
            while self._one_request():
                pass
        except Refused as refused:
            self._refuse(refused.status, str(refused))
        except (OSError, ConnectionDropped):
            pass  # the client went away, a timeout, or an answer lost on purpose
        finally:
            self.phase = "closed"
            try:
                self.sock.close()
            except OSError:
                pass

    def _recv(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionResetError("the client closed the connection")
        return chunk

    def _one_request(self):
        """Read and answer one request; False when the connection must close."""
        if not self.buffer:
            try:
                self.buffer = self._recv()
            except OSError:
                return False  # closed or idle too long between requests: not an error
        self.phase, self.since = "headers", time.monotonic()
        started = self.since
        method, target, version, headers = _parse(self._head())
        keep_alive = _keep_alive(version, headers.get("HTTP_CONNECTION"))
        length = _body_length(headers)
        if length and version == "HTTP/1.1" and \
                "100-continue" in headers.get("HTTP_EXPECT", "").lower() and \
                len(self.buffer) < length:
            self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.phase = "app"
        body = Body(self, length)
        environ = self._environ(method, target, version, headers, body)
        status, response_headers, payload = self._call_app(environ)
        keep_alive = keep_alive and status is not None and (not body.left or body.drain())
        # Queued before the answer leaves (the accepting thread writes it): the lines are in
        # the order of the answers even when a client goes on at once on another connection.
        self.server.log_request(environ, status, response_headers, started)
        if status is None:  # the app dropped the connection (a connection_dropped fault)
            self.sock.shutdown(socket.SHUT_RDWR)
            return False
        self._send(status, response_headers, b"" if method == "HEAD" else payload,
                   len(payload), keep_alive, version)
        return keep_alive

    def _head(self):
        """The request line and headers (bytes), from the buffer and the socket. Empty lines
        before a request line are skipped (RFC 9112, 2.2: some clients end a body with one)."""
        while self.buffer and self.buffer[0] in _CR_LF:
            self.buffer = self.buffer.lstrip(b"\r\n") or self._recv()
        while (end := _HEAD_END.search(self.buffer)) is None:
            if self.buffer.find(b"\n", 0, MAX_LINE_BYTES + 1) < 0 and \
                    len(self.buffer) > MAX_LINE_BYTES:
                raise Refused(414, "the request line is too long")
            if len(self.buffer) > MAX_LINE_BYTES * 4:
                raise Refused(431, "the request headers are too large")
            self.buffer += self._recv()
        head, self.buffer = self.buffer[:end.start()], self.buffer[end.end():]
        return head.removesuffix(b"\r")

    def _environ(self, method, target, version, headers, body):
        path, _, query = target.partition("?")
        environ = self.environ.copy()
        environ.update(headers)
        environ["REQUEST_METHOD"], environ["QUERY_STRING"] = method, query
        environ["PATH_INFO"] = unquote(path, "latin-1") if "%" in path else path
        environ["SERVER_PROTOCOL"], environ["wsgi.input"] = version, body
        return environ

    def _call_app(self, environ):
        """(status, headers, body) of the app's answer; status None when the app drops the
        connection. An app that fails answers Stripe's 500."""
        started = []

        def start_response(status, headers, exc_info=None):
            started[:] = status, headers

        server = self.server
        try:
            with server.admission:
                chunks = server.app(environ, start_response)
                try:
                    payload = b"".join(chunks)
                finally:
                    if hasattr(chunks, "close"):
                        chunks.close()
        except ConnectionDropped:
            return None, [], b""
        except Exception:
            traceback.print_exc(file=server.errors)
            request_id = ids.new_id(ids.REQUEST)
            status, payload = error_answer(500, None, request_id)
            return status, [("Content-Type", "application/json"),
                            ("Request-Id", request_id)], payload
        return started[0], started[1], payload

    def _send(self, status, headers, payload, length, keep_alive, version="HTTP/1.1"):
        head = [f"HTTP/1.1 {status}"]
        for name, value in headers:
            if name.lower() not in _FRAMING_HEADERS:
                head.append(f"{name}: {value}")
        head.append(f"Content-Length: {length}")
        if not keep_alive:
            head.append("Connection: close")
        elif version == "HTTP/1.0":
            head.append("Connection: keep-alive")
        self.phase, self.since = "sending", time.monotonic()
        self.sock.sendall(("\r\n".join(head) + "\r\n").encode("latin-1") + _date_header()
                          + payload)
        self.phase, self.since = "idle", time.monotonic()

    def _refuse(self, status, reason):
        """Answer a request that cannot be read with Stripe's error object and close: what
        follows on the connection could be mistaken for a next request."""
        request_id = ids.new_id(ids.REQUEST)
        status_line, payload = error_answer(status, f"Invalid HTTP request: {reason}.",
                                           request_id)
        try:
            self._send(status_line, [("Content-Type", "application/json"),
                                     ("Request-Id", request_id)], payload, len(payload),
                       keep_alive=False)
            # Closing with unread bytes pending makes TCP reset the connection, and a reset
            # can destroy the answer before the client reads it: end our side, then read
            # what the client still sends (for a second at most) until it closes.
            self.sock.shutdown(socket.SHUT_WR)
            self.sock.settimeout(1)
            for _ in range(64):
                if not self.sock.recv(65536):
                    break
        except OSError as error:
            self.server.log(f"{self.peer[0]} closed the connection before its {status} answer "
                            f"({reason}): {error.__class__.__name__}")


class Body:
    """The request body for wsgi.input: readable only up to its Content-Length, from what
    the connection has buffered first."""

    def __init__(self, connection, length):
        self.connection, self.left = connection, length

    def read(self, size=-1):
        size = self.left if size is None or size < 0 else min(size, self.left)
        connection = self.connection
        if len(connection.buffer) < size:
            phase, connection.phase, connection.since = connection.phase, "body", \
                time.monotonic()
            while len(connection.buffer) < size:
                connection.buffer += connection._recv()
            connection.phase = phase
        data, connection.buffer = connection.buffer[:size], connection.buffer[size:]
        self.left -= size
        return data

    def readline(self, size=-1):
        size = self.left if size is None or size < 0 else min(size, self.left)
        buffer = self.connection.buffer
        end = buffer.find(b"\n", 0, size)
        while end < 0 and len(buffer) < size:
            self.connection.buffer = buffer = buffer + self.connection._recv()
            end = buffer.find(b"\n", 0, size)
        return self.read(size if end < 0 else end + 1)

    def drain(self):
        """Read what the app left of the body; False when too much was left."""
        if self.left > DRAIN_BYTES:
            return False
        try:
            while self.left:
                self.read(min(self.left, 65536))
        except OSError:  # a stalled body timed out
            return False
        return True


def _parse(head):
    """(method, target, version, headers as WSGI environ entries) of a request's head."""
    head = head.decode("latin-1")
    request_line, _, rest = head.partition("\n")
    request_line = request_line.removesuffix("\r")
    if len(request_line) > MAX_LINE_BYTES:
        raise Refused(414, "the request line is too long")
    parts = request_line.split(" ")
    if len(parts) != 3 or not parts[1] or \
            parts[0] not in _METHODS and not _TOKEN.fullmatch(parts[0]):
        raise Refused(400, f"bad request line {request_line[:80]!r}")
    if parts[2] not in _VERSIONS:
        version = _VERSION.fullmatch(parts[2])
        if version is None:
            raise Refused(400, f"bad HTTP version {parts[2][:20]!r}")
        if version.group(1) != "1":
            raise Refused(505, f"HTTP version {parts[2]} is not supported")
    lines = rest.split("\n") if rest else ()
    if len(lines) > MAX_HEADERS:
        raise Refused(431, f"more than {MAX_HEADERS} headers")
    if len(rest) > MAX_LINE_BYTES and max(map(len, lines)) > MAX_LINE_BYTES + 1:
        raise Refused(431, "a header line is too long")
    fields = [_FIELDS.get(line) or _field(line) for line in lines]
    headers = dict(fields)
    if len(headers) < len(fields):
        headers = _merged(fields)
    return parts[0], parts[1], parts[2], headers


def _merged(fields):
    """WSGI environ entries of header fields some of which share a name: their values
    joined with commas, but a Content-Length must say one thing."""
    headers = {}
    for key, value in fields:
        if key not in headers:
            headers[key] = value
        elif key != "CONTENT_LENGTH":
            headers[key] += "," + value
        elif headers[key] != value:
            raise Refused(400, "several different Content-Length headers")
    return headers


def _field(line):
    """(WSGI environ key, value) of a header line: a token, a colon, and a value without CR
    but one ending the line. A client sends most lines again on every request (its agent,
    key, accepted types), so the verdicts of the last lines seen are kept."""
    name, colon, value = line.partition(":")
    if not colon or not _TOKEN.fullmatch(name) or 0 <= value.find("\r") < len(value) - 1:
        raise Refused(400, f"bad header line {line[:80]!r}")
    key = name.upper().replace("-", "_")
    key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key
    field = key, value.strip(" \t\r")
    if len(line) <= 1024:
        if len(_FIELDS) >= 512:  # lines that change (an Idempotency-Key) would pile up
            _FIELDS.clear()
        _FIELDS[line] = field
    return field


def _body_length(headers):
    if "HTTP_TRANSFER_ENCODING" in headers:
        raise Refused(501, "stripe_emu does not accept request bodies sent with "
                           "Transfer-Encoding: send the body with a Content-Length header")
    value = headers.get("CONTENT_LENGTH")
    if value is None:
        return 0
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise Refused(400, "invalid Content-Length header")
    return int(value)


def _keep_alive(version, connection):
    if not connection:
        return version == "HTTP/1.1"
    if connection == "keep-alive":  # what most clients send
        return True
    tokens = [token.strip() for token in connection.lower().split(",")]
    if version == "HTTP/1.0":
        return "keep-alive" in tokens
    return "close" not in tokens


def error_answer(status, message, request_id, type="invalid_request_error"):
    """Stripe's error object, as the app renders it (a 500 when `message` is None)."""
    error = errors.StripeError(message, status=status, type=type) if message else \
        RuntimeError()
    status, payload = App.render_error(error, request_id)
    return status_line(status), payload


def _date_header():
    now = int(time.time())
    if _date[0] != now:
        _date[:] = [now, time.strftime("Date: %a, %d %b %Y %H:%M:%S GMT\r\n\r\n",
                                       time.gmtime(now)).encode()]
    return _date[1]


def time_limit(phase):
    """Seconds a connection may stay in `phase` before it is shut down (None: no limit; the
    app may wait up to the store's busy timeout)."""
    if phase == "headers":
        return HEADER_SECONDS
    return None if phase in ("app", "closed") else KEEP_ALIVE_SECONDS
