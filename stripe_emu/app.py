"""The one request pipeline, and the only place that speaks WSGI.

request id → auth → Stripe-Version → decode and check parameters → route → handler inside a
transaction → expansion → JSON; any StripeError raised on the way is rendered here, once.
"""
import collections
import dataclasses
import json
import sys
import time
import traceback
from wsgiref.util import application_uri

from . import auth, control, errors, expand, faults, ids, idempotency, params, routes, spec
from .routing import Router
from .store import Store
from .webhooks import Dispatcher

MAX_BODY_BYTES = 1 << 20
_VERSION_CHARS = set("0123456789-.abcdefghijklmnopqrstuvwxyz")
_FORM = "application/x-www-form-urlencoded"
_JSON_HEADERS = [("Content-Type", "application/json"), ("Cache-Control", "no-cache, no-store")]
_ENCODE = json.JSONEncoder(indent=2, ensure_ascii=False).encode


@dataclasses.dataclass
class Request:
    """What a handler knows of its request. `db` is the open transaction's connection."""
    app: "App"
    method: str
    path: str
    params: dict
    account: str
    key_kind: str
    api_version: str
    request_id: str
    idempotency_key: str | None
    now: int
    db: object = None
    base_url: str = ""  # where this server answers, e.g. http://127.0.0.1:12111 (no slash)


class App:
    """A WSGI application with its own database: many can live in one process."""

    def __init__(self, db=":memory:", clock=time.time, control_plane="loopback",
                 webhooks=(), webhook_retry=None):
        """`webhooks`: endpoints receiving every event of every account, each "URL[,secret]"
        or (url, secret); `webhook_retry`: a webhooks.RetryPolicy (backoff, attempts,
        timeout)."""
        self.store = Store(db)
        self.control_plane = control.access(control_plane)
        self.clock = clock
        self.router = Router(routes.ROUTES)
        self.recent_requests = collections.deque(maxlen=1000)
        self.faults = faults.FaultQueue(self.store)
        self.after_commit = []  # callables run after each committed write (webhook wake-ups)
        self.webhooks = Dispatcher(self.store, webhooks, webhook_retry)
        self.after_commit.append(self.webhooks.after_commit)
        self.on_close = [self.webhooks.stop]

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/_emu/"):
            return control.handle(self, environ, start_response)
        status, headers, body = self.handle(environ)
        start_response(f"{status} {_REASONS.get(status, 'Error')}", headers)
        return [body]

    def handle(self, environ):
        started = time.perf_counter()
        request_id = ids.new_id(ids.REQUEST)
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        version = environ.get("HTTP_STRIPE_VERSION") or spec.API_VERSION
        headers = [*_JSON_HEADERS, ("Request-Id", request_id)]
        req = None
        try:
            req, route, args = self._parse(environ, method, path, request_id)
            version = req.api_version
            fault = self.faults.take(method, path, req.account)
            if fault is not None and not fault.after_execution:
                raise fault.error(req)
            status, body, extra = idempotency.run(req, lambda: self._execute(req, route, args))
            if fault is not None:
                raise fault.error(req)  # the request ran, but its answer is lost on the way
            headers += extra
        except errors.StripeError as error:
            status, body = self.render_error(error, request_id)
            headers += list(error.headers.items())
        except faults.ConnectionDropped:
            self._log(started, request_id, method, path, req, None)
            raise  # the server closes the socket without answering, as a network fault would
        except Exception as error:
            traceback.print_exc(file=environ.get("wsgi.errors", sys.stderr))
            status, body = self.render_error(error, request_id)
        headers.append(("Stripe-Version", version))
        if req is not None and req.idempotency_key is not None:
            headers.append(("Idempotency-Key", req.idempotency_key))
        self._log(started, request_id, method, path, req, status)
        return status, headers, body

    def _log(self, started, request_id, method, path, req, status):
        """The request log of the control plane (status None: the connection was dropped)."""
        self.recent_requests.append({
            "request_id": request_id, "method": method, "path": path,
            "params": req.params if req else None, "status": status,
            "account": req.account if req else None,
            "idempotency_key": req.idempotency_key if req else None,
            "created": int(self.clock()),
            "milliseconds": round((time.perf_counter() - started) * 1000, 3)})

    def _parse(self, environ, method, path, request_id):
        try:
            route, args = self.router.match(method, path)
        except errors.StripeError:
            auth.authenticate(environ.get("HTTP_AUTHORIZATION"), publishable_allowed=True)
            raise
        account, key_kind = auth.authenticate(environ.get("HTTP_AUTHORIZATION"), route.publishable)
        version = environ.get("HTTP_STRIPE_VERSION") or spec.API_VERSION
        if not _valid_version(version):
            raise errors.invalid(f"Invalid Stripe API version: {version}")
        raw = _read_params(environ, method)
        key = environ.get("HTTP_IDEMPOTENCY_KEY") if method == "POST" else None
        req = Request(self, method, path, {}, account, key_kind, version, request_id, key,
                      int(self.clock()), base_url=application_uri(environ).rstrip("/"))
        req.params = params.coerce(raw, method, route.template)
        return req, route, args

    def _execute(self, req, route, args):
        """Run the handler and render its result inside one transaction: a failure anywhere
        rolls back every write the request made."""
        with self.store.transaction(write=req.method != "GET") as db:
            req.db = db
            result = route.handler(req, **args)
            body = _ENCODE(expand.apply(req, result, req.params.get("expand") or ())).encode()
            idempotency.record_inside(req, 200, body)
        if req.method != "GET":
            for hook in self.after_commit:
                hook()
        return 200, body

    @staticmethod
    def render_error(error, request_id):
        """(status, body) answering a failed request; anything but a StripeError is Stripe's
        500. idempotency.py stores exactly these bytes for replays."""
        if not isinstance(error, errors.StripeError):
            error = errors.StripeError("An unknown error occurred", status=500, type="api_error")
        return error.status, _ENCODE(error.body(request_id)).encode()

    def close(self):
        for hook in getattr(self, "on_close", ()):
            hook()
        self.store.close()


def _valid_version(version):
    # Stripe's versions are dates, optionally with a release name: 2024-09-30.acacia
    date, _, name = version.partition(".")
    parts = date.split("-")
    return (len(parts) == 3 and all(p.isdigit() for p in parts)
            and [len(p) for p in parts] == [4, 2, 2] and set(name) <= _VERSION_CHARS)


def _read_params(environ, method):
    query = environ.get("QUERY_STRING", "")
    if method != "POST":
        return params.decode(query)
    content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise errors.invalid("Invalid Content-Length header.")
    if length > MAX_BODY_BYTES:
        raise errors.invalid(f"The request body is too large: it must be at most "
                             f"{MAX_BODY_BYTES} bytes.", status=413)
    raw = environ["wsgi.input"].read(length) if length else b""
    if raw and content_type != _FORM:
        raise errors.invalid(
            f"Invalid request: the Content-Type must be {_FORM}, but it was "
            f"'{content_type or 'missing'}'. Stripe's API takes form-encoded parameters.")
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.invalid("Invalid request: the body must be UTF-8 encoded form data.")
    merged = params.decode(query)
    merged.update(params.decode(body))
    return merged


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 402: "Payment Required",
            403: "Forbidden", 404: "Not Found", 409: "Conflict", 413: "Payload Too Large",
            429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
