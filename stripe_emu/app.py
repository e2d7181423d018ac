"""The WSGI application: the one pipeline of API requests; /_emu/ requests go to control.py.

request id → route → auth → Stripe-Version → decode and check parameters → injected faults →
idempotency → handler inside a transaction → expansion → JSON; any StripeError raised on the
way is rendered here, once. Browsers may call the API (with publishable keys): every answer
carries Stripe's CORS headers, and a preflight OPTIONS needs no key.
"""
import collections
import contextlib
import dataclasses
import sys
import time
import traceback
from wsgiref.util import application_uri

from . import api_versions, auth, control, errors, expand, faults, hosts, ids, idempotency
from . import params, routes, spec
from .payments import timers
from .routing import Router
from .store import Store
from .webhooks import Dispatcher
from .wire import encode_json, official_client, read_params, readable

_JSON = "application/json"
# Stripe's CORS answer, on every response of the API (as observed on api.stripe.com).
_CORS_HEADERS = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Credentials", "true"),
    ("Access-Control-Allow-Methods", "GET, POST, HEAD, OPTIONS, DELETE"),
    ("Access-Control-Expose-Headers", "Request-Id, Stripe-Manage-Version, "
     "X-Stripe-External-Auth-Required, X-Stripe-Privileged-Session-Required"),
    ("Access-Control-Max-Age", "300")]
_JSON_HEADERS = [("Content-Type", _JSON), ("Cache-Control", "no-cache, no-store"),
                 *_CORS_HEADERS]


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
    template: str = ""  # the route's path as the spec writes it: /v1/customers/{customer}
    client_ip: str | None = None  # the caller's address (None in process: no network)


class App:
    """A WSGI application with its own database: many can live in one process."""

    def __init__(self, db=":memory:", clock=time.time, control_plane="loopback",
                 webhooks=(), webhook_retry=None, allow_hosts=(), accounts=(),
                 restricted_keys="full"):
        """`webhooks`: endpoints receiving every event of every account, each "URL[,secret]"
        or (url, secret); `webhook_retry`: a webhooks.RetryPolicy (backoff, attempts,
        timeout); `allow_hosts`: Host names answered besides loopback names and IP
        addresses (hosts.py; "*" for any); `accounts`: paired keys, {name: [pk, sk, ...]}
        or "NAME=pk,sk" strings, and `restricted_keys`: "full" or "read_only" (auth.py)."""
        self.allow_hosts = hosts.allowed_hosts(allow_hosts)
        self.keys = auth.configure(accounts, restricted_keys)
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
        # fn(app, db, now) run at the start of every write transaction: the moves Stripe makes
        # on its own once their time has come (payments/timers.py), one indexed query; each
        # returns how many it made.
        self.due_work = [timers.run_due]

    def __call__(self, environ, start_response):
        try:
            hosts.check(environ.get("HTTP_HOST"), self.allow_hosts)
        except errors.StripeError as refused:
            request_id = ids.new_id(ids.REQUEST)
            status, body = self.render_error(refused, request_id, self.clock())
            start_response(status_line(status), [*_JSON_HEADERS, ("Request-Id", request_id)])
            return [body]
        if environ.get("PATH_INFO", "").startswith("/_emu/"):
            status, headers, body = control.handle(self, environ)
        else:
            status, headers, body = self.handle(environ)
        if body and not official_client(environ) and (_JSON_HEADERS[0] in headers):
            body = readable(body)
        start_response(status_line(status), headers)
        return [body]

    def handle(self, environ):
        """(status, headers, body) answering one API request."""
        started = time.perf_counter()
        request_id = ids.new_id(ids.REQUEST)
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        version = environ.get("HTTP_STRIPE_VERSION") or spec.API_VERSION
        headers = [*_JSON_HEADERS, ("Request-Id", request_id)]
        if method == "OPTIONS":
            return 200, _preflight(environ, request_id), b""
        req = fault = None
        try:
            req, route, args = self._parse(environ, method, path, request_id, version)
            fault = self.faults.take(method, path, req.account)
            if fault is not None and not fault.after_execution:
                raise fault.error(req)
            status, body, extra = idempotency.run(req, lambda: self._execute(req, route, args))
            headers += extra
        except errors.StripeError as error:
            status, body = self.render_error(error, request_id, self._now(req))
            headers += list(error.headers.items())
        except faults.ConnectionDropped:
            self._log(started, request_id, method, path, req, None)
            raise  # the server closes the socket without answering, as a network fault would
        except Exception as error:
            traceback.print_exc(file=environ.get("wsgi.errors", sys.stderr))
            status, body = self.render_error(error, request_id, self._now(req))
        if fault is not None and fault.after_execution:
            # The request ran (whatever its outcome), but its answer is lost on the way.
            self._log(started, request_id, method, path, req, None)
            raise fault.error(req)
        headers.append(("Stripe-Version", version))
        # Stripe echoes the key on every answer to a POST that sent one, refusals included.
        key = environ.get("HTTP_IDEMPOTENCY_KEY")
        if method == "POST" and key is not None:
            headers.append(("Idempotency-Key", key))
        self._log(started, request_id, method, path, req, status)
        return status, headers, body

    def _now(self, req):
        """The time of the request (the app's clock, which tests step), once it is known."""
        return req.now if req is not None else self.clock()

    def _log(self, started, request_id, method, path, req, status):
        """The request log of the control plane (status None: the connection was dropped)."""
        self.recent_requests.append({
            "request_id": request_id, "method": method, "path": path,
            "params": params.redacted(req.params) if req else None, "status": status,
            "account": req.account if req else None,
            "idempotency_key": req.idempotency_key if req else None,
            "created": int(self.clock()),
            "milliseconds": round((time.perf_counter() - started) * 1000, 3)})

    def _parse(self, environ, method, path, request_id, version):
        header = environ.get("HTTP_AUTHORIZATION")
        try:
            route, args = self.router.match(method, path)
        except errors.StripeError:
            auth.account_of(self.keys, auth.key_from_header(header))
            raise
        # Stripe.js sends the publishable key as the `key` parameter, with no header.
        raw = read_params(environ, method) if route.publishable and header is None else None
        account, key_kind = auth.authenticate(
            self.keys, header, route, method, None if raw is None else raw.pop("key", None),
            environ.get("HTTP_STRIPE_ACCOUNT"))
        if not api_versions.accepted(version):
            raise errors.invalid(f"Invalid Stripe API version: {version}")
        raw = read_params(environ, method) if raw is None else raw
        if route.publishable:
            auth.drop_client_telemetry(raw)
        key = environ.get("HTTP_IDEMPOTENCY_KEY") if method == "POST" else None
        req = Request(self, method, path, {}, account, key_kind, version, request_id, key,
                      int(self.clock()), base_url=_base_url(environ), template=route.template,
                      client_ip=environ.get("REMOTE_ADDR") or None)
        req.params = params.coerce(raw, method, route.template)
        return req, route, args

    def _execute(self, req, route, args):
        """Run the handler and render its result inside one transaction: a failure anywhere
        rolls back every write the request made (but Stripe's own due moves run first)."""
        write = req.method != "GET"
        with self.store.transaction(write, self.after_commit if write else ()) as db:
            req.db = db
            ran = write and sum(work(self, db, req.now) for work in self.due_work)
            # Stripe's own moves that fell due (an expiry…) stay made when the request then
            # fails: once any ran, the handler's writes are a savepoint of their own.
            try:
                with self.store.transaction() if ran else contextlib.nullcontext():
                    failed, body = self._handle(req, route, args)
            except errors.StripeError as error:
                if not ran:
                    raise
                failed = error
        if failed is not None:
            raise failed
        return 200, body

    @staticmethod
    def _handle(req, route, args):
        """(None, body) of the handler's result, or (the error, None) of a failure that
        changed state and keeps its writes (a declined charge); an Idempotency-Key stores its
        answer like any other failure's."""
        try:
            result = route.handler(req, **args)
        except errors.StripeError as error:
            if not error.commit:
                raise
            return error, None
        ids.check_chosen()  # a seed's chosen id (ids.choosing) must have been taken
        result = expand.apply(req, result, req.params.get("expand") or ())
        return None, encode_json(api_versions.shown_as(req.api_version, result))

    @staticmethod
    def render_error(error, request_id, now=None):
        """(status, body) answering a failed request; anything but a StripeError is Stripe's
        500. idempotency.py stores exactly these bytes for replays. `now`: the request's time
        (the app's clock) for its log link; the servers' own refusals, before any app ran,
        leave it to the wall clock."""
        if not isinstance(error, errors.StripeError):
            error = errors.StripeError("An unknown error occurred", status=500, type="api_error")
        return error.status, encode_json(error.body(request_id, now))

    def close(self):
        for hook in getattr(self, "on_close", ()):
            hook()
        self.store.close()


def _base_url(environ):
    """Where this server answers, e.g. http://127.0.0.1:12111 (wsgiref's application_uri
    without its cost in the usual case)."""
    host = environ.get("HTTP_HOST")
    if host and not environ.get("SCRIPT_NAME"):
        return f"{environ['wsgi.url_scheme']}://{host}"
    return application_uri(environ).rstrip("/")


def status_line(status):
    return f"{status} {_REASONS.get(status, 'Error')}"


def _preflight(environ, request_id):
    """A browser's CORS preflight: allowed, without a key, for the headers it asks for.
    UNCERTAIN: Stripe's exact preflight answer; this one lets every API call through."""
    headers = [*_CORS_HEADERS, ("Content-Length", "0"), ("Request-Id", request_id)]
    asked = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
    if asked:
        headers.append(("Access-Control-Allow-Headers", asked))
    return headers


_REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized",
            402: "Payment Required", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 409: "Conflict", 413: "Payload Too Large",
            429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
