"""Requests broken on the way, under `serve` and `serve --wsgiref` alike. A body that ends
before its Content-Length (the client died or half-closed the connection mid-body) is never
executed with the part that arrived: it is a 400, whether the server hands the app a short
body (wsgiref, gunicorn) or an error (`serve`), never a 500 with a traceback, and nothing is
written. A client gone before its error answer is one log line; a request line over 64 KiB
is Stripe's error object with a 414."""
import io
import json
import socket
import threading

import pytest

from conftest import SECRET_KEY, serving

BODY = b"email=jenny%40example.com&description=the+whole+description"


class _ResetInput(io.BytesIO):
    """wsgi.input of a client that closed its connection after the first bytes."""

    def read(self, size=-1):
        raise ConnectionResetError("the client closed the connection")


def _environ(wsgi_input):
    return {"REQUEST_METHOD": "POST", "PATH_INFO": "/v1/customers", "SERVER_NAME": "localhost",
            "SERVER_PORT": "12111", "wsgi.url_scheme": "http", "wsgi.input": wsgi_input,
            "wsgi.errors": io.StringIO(), "CONTENT_LENGTH": str(len(BODY)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_AUTHORIZATION": f"Bearer {SECRET_KEY}"}


@pytest.mark.parametrize("wsgi_input", [io.BytesIO(BODY[:25]), _ResetInput()],
                         ids=["short read", "connection reset"])
def test_a_body_shorter_than_its_content_length_is_refused(app, api, wsgi_input):
    environ = _environ(wsgi_input)
    status, _, body = app.handle(environ)
    assert status == 400, body
    error = json.loads(body)["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"] == (f"Invalid request: the body ended before the {len(BODY)} "
                                "bytes its Content-Length header announced.")
    assert environ["wsgi.errors"].getvalue() == ""  # no traceback
    assert api.get("/v1/customers")["data"] == []


def test_serve_refuses_a_body_cut_short_by_a_half_closed_connection(app, api):
    with serving(app) as url:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            client.sendall(b"POST /v1/customers HTTP/1.1\r\nHost: localhost\r\n"
                           b"Authorization: Bearer " + SECRET_KEY.encode() + b"\r\n"
                           b"Content-Type: application/x-www-form-urlencoded\r\n"
                           b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY[:25])
            client.shutdown(socket.SHUT_WR)
            answer = client.recv(65536)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert api.get("/v1/customers")["data"] == []


@pytest.mark.parametrize("request_bytes", [
    b"POST /v1/customers HTTP/1.1\r\nHost: localhost\r\nContent-Length: x\r\n\r\n",
    b"\x00\x01garbage\r\n\r\n"], ids=["bad content-length", "bad request line"])
def test_wsgiref_logs_a_client_gone_before_its_error_answer_in_one_line(app, capsys,
                                                                         request_bytes):
    from stripe_emu.wsgiref_server import Server, _RequestHandler

    class Handler(_RequestHandler):
        disable_nagle_algorithm = False  # a TCP option: the socket pair below is AF_UNIX

    server = Server(("127.0.0.1", 0), Handler)
    server.set_app(app)
    try:
        ours, client = socket.socketpair()
        client.sendall(request_bytes)
        client.close()  # gone before the answer: writing it fails with a broken pipe
        Handler(ours, ("127.0.0.1", 40000), server)
    finally:
        server.server_close()
    log = capsys.readouterr().err
    assert "Traceback" not in log
    assert log.startswith("stripe_emu: 127.0.0.1 closed the connection before its ")
    assert log.count("\n") == 1


def test_wsgiref_answers_a_request_line_over_64_kib_with_a_414(app):
    from stripe_emu.wsgiref_server import make_server
    server = make_server(app, "127.0.0.1", 0, log=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_address[1]), 5) as client:
            client.sendall(b"GET /v1/customers?" + b"a" * 70000 + b" HTTP/1.1\r\n"
                           b"Host: localhost\r\n\r\n")
            answer = b""
            while chunk := client.recv(65536):
                answer += chunk
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414 "), answer[:200]
    error = json.loads(body)["error"]
    assert error["message"] == "Invalid HTTP request: the request line is too long."
    assert error["type"] == "invalid_request_error"
