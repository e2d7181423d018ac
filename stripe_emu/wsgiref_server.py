"""`serve --wsgiref`: the emulator over HTTP/1.1 on http.server and wsgiref, for environments
that want the standard library's own server; `server.py` is the default, about ten times
lighter per request.

wsgiref answers one request per connection; the official clients keep connections alive, so
this handler loops over requests on a connection, always answers with a Content-Length, and
drains any body the app did not read so the next request starts on a clean stream. A body it
cannot delimit (chunked, or a Content-Length that is not a number) is refused and the
connection closed, so its bytes are never read as a next request. Each connection gets a
thread, and an idle connection is closed after KEEP_ALIVE_SECONDS.
"""
import socket
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from . import errors, ids
from .app import App
from .faults import ConnectionDropped
from .server import logged

KEEP_ALIVE_SECONDS = 60


class _Input:
    """The request body, readable only up to Content-Length."""

    def __init__(self, stream, length):
        self.stream, self.left = stream, length

    def read(self, size=-1):
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self.stream.read(size) if size else b""
        self.left -= len(data)
        return data

    def readline(self, size=-1):
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self.stream.readline(size) if size else b""
        self.left -= len(data)
        return data

    def drain(self, most=1 << 20):
        while self.left and most > 0:
            chunk = self.read(min(self.left, 65536))
            if not chunk:
                break
            most -= len(chunk)
        return self.left == 0


class _Handler(ServerHandler):
    http_version = "1.1"
    dropped = False

    def handle_error(self):
        if isinstance(sys.exc_info()[1], ConnectionDropped):
            self.dropped = True  # answer nothing: the client sees the connection close
            return
        super().handle_error()


class _RequestHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: without TCP_NODELAY, Nagle's algorithm and
    # the client's delayed ACK hold every keep-alive response back by ~40 ms.
    disable_nagle_algorithm = True
    # The socket's timeout: a connection idle (or a body stalled) this long is closed.
    timeout = KEEP_ALIVE_SECONDS

    def handle(self):
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()

    def handle_one_request(self):
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (ConnectionError, TimeoutError):  # gone, or idle too long: not an error
            self.raw_requestline = b""
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.requestline, self.request_version, self.command = "", "HTTP/1.1", ""
            self._refuse(414, "Invalid HTTP request: the request line is too long.")
            return
        if not self.parse_request():
            return
        length = self._body_length()
        if length is None:
            return
        body = _Input(self.rfile, length)
        handler = _Handler(body, self.wfile, self.get_stderr(), self.get_environ(),
                           multithread=True)
        handler.request_handler = self
        handler.run(self.server.get_app())
        if handler.dropped:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        try:
            drained = body.drain()
        except OSError:  # a stalled body timed out
            drained = False
        if not drained:
            self.close_connection = True

    def _body_length(self):
        """The request body's length, or None once the request is refused because its body
        cannot be delimited."""
        if self.headers.get("Transfer-Encoding") is not None:
            self._refuse(501, "stripe_emu does not accept request bodies sent with "
                              "Transfer-Encoding: send the body with a Content-Length header.")
            return None
        given = set(self.headers.get_all("Content-Length") or ())
        if not given:
            return 0
        value = given.pop().strip()
        if given or not (value.isascii() and value.isdigit()) or len(value) > 18:
            self._refuse(400, "Invalid Content-Length header.")
            return None
        return int(value)

    def _refuse(self, status, message):
        """Answer with Stripe's error object (the app's renderer) and close the connection:
        what follows on it could be mistaken for a next request."""
        request_id = ids.new_id(ids.REQUEST)
        status, body = App.render_error(errors.StripeError(message, status=status), request_id)
        self.close_connection = True
        try:
            self.send_response(status)
            for name, value in (("Content-Type", "application/json"),
                                ("Content-Length", str(len(body))), ("Connection", "close"),
                                ("Request-Id", request_id)):
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except OSError as error:  # the client is gone: one line, as `serve` logs it
            sys.stderr.write(f"stripe_emu: {self.client_address[0]} closed the connection "
                             f"before its {status} answer ({message}): "
                             f"{error.__class__.__name__}\n")
            return
        # Closing with unread bytes pending makes TCP reset the connection, and a reset can
        # destroy the answer before the client reads it: end our side, then read what the
        # client still sends (for a second at most) until it closes.
        try:
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(1)
            for _ in range(64):
                if not self.rfile.read1(65536):
                    break
        except OSError:
            pass

    def send_error(self, code, message=None, explain=None):
        """http.server's answer to a request it cannot parse (bad request line, header too
        long, unsupported HTTP version): Stripe's error object rather than an HTML page."""
        if self.request_version == "HTTP/0.9":
            # A garbled request line leaves 0.9, which would answer without a status line.
            self.request_version = "HTTP/1.1"
        self._refuse(code, f"Invalid HTTP request: {message or 'unreadable request'}.")

    def log_request(self, *args):
        pass  # the access log is written by `logged` with the request id


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def make_server(app, host="127.0.0.1", port=12111, log=True, **ignored):
    """The server of `serve --wsgiref` (`ignored`: options of server.make_server it lacks)."""
    server = Server((host, port), _RequestHandler)
    server.set_app(logged(app) if log else app)
    return server
