"""The wire format shared by the API pipeline (app.py) and the control plane (control.py):
reading a request's parameters and body, and encoding JSON answers. Here rather than in
app.py so that the control plane, which app.py dispatches to, does not import the app.
"""
import json

from . import errors, params

MAX_BODY_BYTES = 1 << 20
_FORM = "application/x-www-form-urlencoded"
# Bodies are rendered compact, by json's C encoder (indent= would fall back to its
# pure-Python encoder, four times slower), and stored so for idempotent replays. The official
# libraries parse them; every other client (curl, a browser, a test's own HTTP client) gets
# them laid out as api.stripe.com does, two spaces, by `readable` on the way out.
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_READABLE = json.JSONEncoder(indent=2, ensure_ascii=False).encode


def read_params(environ, method):
    """The request's parameters, decoded: its query string, merged with a POST's form body
    (also the control plane's reader)."""
    try:
        # WSGI hands the query string over as latin-1; its bytes are UTF-8 (as the path's).
        query = environ.get("QUERY_STRING", "").encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise errors.invalid("Invalid request: the query string must be UTF-8 encoded.")
    if method != "POST":
        return params.decode(query)
    raw = read_body(environ)
    content_type = environ.get("CONTENT_TYPE", "")
    if raw and content_type.split(";")[0].strip().lower() != _FORM:
        # Stripe's words, with the header as sent. UNCERTAIN: its answer to a body without
        # any Content-Type (this names it "(none)").
        raise errors.invalid(
            f"Invalid request: unsupported Content-Type {content_type or '(none)'}. If error "
            "persists and you need assistance, please contact support@stripe.com.")
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.invalid("Invalid request: the body must be UTF-8 encoded form data.")
    merged = params.decode(query)
    merged.update(params.decode(body))
    return merged


def _read_exactly(stream, length):
    """`length` bytes of the body; a 400 when fewer arrive (the client died or half-closed
    its connection mid-body: wsgiref hands over the part that came, `serve` raises), so that
    a request is never executed with part of its parameters. UNCERTAIN: Stripe's wording;
    its front servers never pass such a request on."""
    raw = b""
    try:
        # PEP 3333 lets a server's read() return less than asked before the end of the body.
        while len(raw) < length and (chunk := stream.read(length - len(raw))):
            raw += chunk
    except OSError:
        pass
    if len(raw) < length:
        raise errors.invalid(f"Invalid request: the body ended before the {length} bytes its "
                             "Content-Length header announced.")
    return raw


def read_body(environ, limit=MAX_BODY_BYTES):
    """The request body: 400 for a bad Content-Length, 413 for more than `limit` bytes."""
    given = environ.get("CONTENT_LENGTH") or ""
    if given and not (given.isascii() and given.isdigit()):
        raise errors.invalid("Invalid Content-Length header.")
    if given:
        length = int(given) if len(given) < 19 else limit + 1
        raw = _read_exactly(environ["wsgi.input"], length) if 0 < length <= limit else b""
    elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        # A server that takes chunked bodies (gunicorn) hands them over de-chunked, ending
        # where the body ends; `serve` refuses them before the app runs.
        raw = environ["wsgi.input"].read(limit + 1)
        length = len(raw)
    else:
        raw, length = b"", 0
    if length > limit:
        raise errors.invalid(f"The request body is too large: it must be at most {limit} "
                             "bytes.", status=413)
    return raw


def encode_json(body):
    """A JSON answer's bytes, compact (also the control plane's)."""
    return _ENCODE(body).encode()


def official_client(environ):
    """Whether the request comes from one of Stripe's libraries (stripe-python sends
    `Stripe/v1 PythonBindings/…`, stripe-node `Stripe/v1 NodeBindings/…`), which get compact
    JSON; the same client always gets the same layout, so a replay repeats the first answer
    byte for byte."""
    return environ.get("HTTP_USER_AGENT", "").startswith("Stripe/")


def readable(body):
    """A compact JSON answer laid out for people, as api.stripe.com lays its answers out."""
    return _READABLE(json.loads(body)).encode()
