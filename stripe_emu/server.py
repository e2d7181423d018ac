"""`serve`: the emulator over HTTP/1.1 with the standard library alone.

wsgiref answers one request per connection; the official clients keep connections alive, so
this handler loops over requests on a connection, always answers with a Content-Length, and
drains any body the app did not read so the next request starts on a clean stream. Each
connection gets a thread.
"""
import socket
import sys
import threading
import time
from socketserver import ThreadingMixIn
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from .faults import ConnectionDropped


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

    def handle(self):
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()

    def handle_one_request(self):
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except ConnectionError:  # the client went away between two requests: not an error
            self.raw_requestline = b""
        if not self.raw_requestline or len(self.raw_requestline) > 65536:
            self.close_connection = True
            return
        if not self.parse_request():
            return
        environ = self.get_environ()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        body = _Input(self.rfile, max(length, 0))
        handler = _Handler(body, self.wfile, self.get_stderr(), environ, multithread=True)
        handler.request_handler = self
        handler.run(self.server.get_app())
        if handler.dropped:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        elif not body.drain():
            self.close_connection = True

    def log_request(self, *args):
        pass  # the access log is written by `logged` with the request id


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def logged(app, stream=sys.stderr):
    """WSGI middleware writing one line per request: method, path, status, ms, request id."""
    lock = threading.Lock()

    def middleware(environ, start_response):
        started = time.perf_counter()
        seen = {}

        def capture(status, headers, exc_info=None):
            seen["status"] = status.split(" ", 1)[0]
            seen["request_id"] = dict(headers).get("Request-Id", "-")
            return start_response(status, headers, exc_info)

        try:
            return app(environ, capture)
        finally:
            line = "%s %s %s %.1fms %s\n" % (
                environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"),
                seen.get("status", "-"), (time.perf_counter() - started) * 1000,
                seen.get("request_id", "-"))
            with lock:
                stream.write(line)
                stream.flush()
    return middleware


def make_server(app, host="127.0.0.1", port=12111, log=True):
    server = Server((host, port), _RequestHandler)
    server.set_app(logged(app) if log else app)
    return server
