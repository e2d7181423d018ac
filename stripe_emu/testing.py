"""Helpers for test suites that embed the emulator.

    InProcessHTTPClient(app)   an HTTP client for stripe-python that calls the WSGI app
                               directly: no socket, no thread
    stripe_client(app, key)    a stripe.StripeClient wired to it
    serve_in_thread(app)       the app on a free loopback port, for clients in other languages
    inject_fault(app, kind)    make the next matching requests fail (see faults.py)
    set_source_status(app, source_id, status)   move a Source as Stripe would by itself
    seed(app, data)            load a snapshot, or create a fixture's objects through the API

Only the standard library is imported here: `stripe` is imported the first time
InProcessHTTPClient (or stripe_client) is used, so this module works without it.
"""
import collections.abc
import contextlib
import functools
import io
import json
import secrets
import sys
import threading
import urllib.parse

from . import control, faults, make_app
from .server import make_server
from .store.control import SNAPSHOT_FORMAT


def __getattr__(name):
    if name == "InProcessHTTPClient":
        return _client_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def stripe_client(app, api_key=None, **options):
    """A stripe.StripeClient answering from `app` in process. Without `api_key`, a fresh
    random test key: an account of its own. `options` go to StripeClient."""
    import stripe
    return stripe.StripeClient(api_key or random_api_key(),
                               http_client=_client_class()(app), **options)


def random_api_key():
    return "sk_test_" + secrets.token_hex(12)


@contextlib.contextmanager
def serve_in_thread(app=None, host="127.0.0.1", port=0):
    """Serve `app` (a fresh in-memory emulator if None) over HTTP/1.1 in a background thread
    and yield its base URL, e.g. http://127.0.0.1:40321; stopped when the block ends."""
    own = app is None
    app = make_app(db=":memory:") if own else app
    server = make_server(app, host, port, log=False)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="stripe_emu", daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        if own:
            app.close()


def inject_fault(app, kind, count=1, *, method=None, path=None, account=None,
                 after_execution=False):
    """Make the next `count` requests matching method, path (`*` is a wildcard) and account
    (a test key or account name) fail with `kind`: rate_limit, lock_timeout, api_error,
    idempotency_key_in_use or connection_dropped."""
    return app.faults.add(kind, count, method=method, path=path,
                          account=control.account_from_key(account),
                          after_execution=after_execution)


def set_source_status(app, source_id, status, account=None):
    """Move a Source to `status` as Stripe does without an API request — a pending one to
    chargeable, failed or canceled (a chargeable single-use one to canceled, as when it
    expires) — recording source.<status> with a null request; returns the Source. Raises
    errors.StripeError for an unknown id (in `account`, a test key or name, if given) or a
    move Stripe never makes."""
    return control.set_source_status(app, source_id, status, account)


class SeedError(Exception):
    """A fixture's request that the emulator refused; the message is Stripe's error."""


def seed(app, data):
    """Load `data` (a dict, a list of dicts, or the path of a JSON file holding one) into
    `app`: a snapshot (from GET /_emu/snapshot) replaces all state; a fixture such as
    {"api_key": "sk_test_abc", "customers": [{"email": "...", "source": "tok_visa"}]} POSTs
    each item of each collection to /v1/<collection> with that key, so every rule of the API
    applies. Returns the objects created (for a snapshot: {table: rows})."""
    if isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
        with open(data, encoding="utf-8") as file:
            data = json.load(file)
    if isinstance(data, dict) and data.get("format") == SNAPSHOT_FORMAT:
        return control.import_snapshot(app, data)
    created = []
    for fixture in data if isinstance(data, list) else [data]:
        fixture = dict(fixture)
        key = fixture.pop("api_key", None)
        if not key:
            raise SeedError("A fixture needs an \"api_key\" (e.g. \"sk_test_abc\"): the "
                            "account its objects belong to.")
        for collection, items in fixture.items():
            for item in items:
                body = urllib.parse.urlencode(control.form_pairs(item)).encode()
                status, _, answer = app.handle(wsgi_environ(
                    "POST", f"/v1/{collection}", {
                        "Authorization": f"Bearer {key}",
                        "Content-Type": "application/x-www-form-urlencoded"}, body))
                answer = json.loads(answer)
                if status != 200:
                    raise SeedError(f"POST /v1/{collection} {json.dumps(item)}: {status} "
                                    f"{answer['error']['message']}")
                created.append(answer)
    return created


def wsgi_environ(method, target, headers, body=b""):
    """The WSGI environ of an HTTP request, as a server on loopback would build it. `target`
    is a URL or a path with its query string."""
    url = urllib.parse.urlsplit(target)
    environ = {
        "REQUEST_METHOD": method.upper(),
        "SCRIPT_NAME": "",
        # PEP 3333: the path is unquoted, its bytes carried as latin-1 characters.
        "PATH_INFO": urllib.parse.unquote(url.path, encoding="latin-1"),
        "QUERY_STRING": url.query,
        "SERVER_NAME": url.hostname or "127.0.0.1",
        "SERVER_PORT": str(url.port or (443 if url.scheme == "https" else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": url.scheme or "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ["HTTP_" + key] = value
    return environ


def call(app, method, target, headers, body=b""):
    """Run one request through a WSGI app: (body bytes, status, headers) as stripe-python's
    HTTP clients return them. A dropped connection raises faults.ConnectionDropped."""
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split(" ", 1)[0]), response_headers

    result = app(wsgi_environ(method, target, headers, body), start_response)
    try:
        content = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return content, answer["status"], Headers(answer["headers"])


class Headers(collections.abc.Mapping):
    """Response headers, looked up case-insensitively as stripe-python does
    (`"Request-Id" in headers`, `headers["stripe-should-retry"]`)."""

    def __init__(self, pairs):
        self._items = {name.lower(): value for name, value in pairs}

    def __getitem__(self, name):
        return self._items[name.lower()]

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return len(self._items)

    def __repr__(self):
        return f"Headers({self._items!r})"


@functools.cache
def _client_class():
    """Define InProcessHTTPClient on first use: subclassing stripe's HTTPClient needs stripe."""
    import asyncio
    import stripe

    class InProcessHTTPClient(stripe.HTTPClient):
        """stripe-python's transport replaced by a direct call of the WSGI app.

        Everything above the transport is stripe-python's own: encoding, headers (the
        Idempotency-Key of every POST), retries with backoff honouring Stripe-Should-Retry,
        error classes. A dropped connection becomes the APIConnectionError that
        RequestsClient raises for one, marked retryable, so retries happen as over a socket.
        """
        name = "stripe_emu.in_process"

        def __init__(self, app, **options):
            super().__init__(**options)
            self.app = app

        def request(self, method, url, headers, post_data=None):
            if isinstance(post_data, str):
                post_data = post_data.encode("utf-8")
            try:
                return call(self.app, method, url, dict(headers or {}), post_data or b"")
            except faults.ConnectionDropped as dropped:
                raise stripe.APIConnectionError(
                    "Unexpected error communicating with Stripe.  If this problem persists,\n"
                    "let us know at support@stripe.com.\n\n(Network error: ConnectionError: "
                    f"{dropped})", should_retry=True) from dropped

        async def request_async(self, method, url, headers, post_data=None):
            return self.request(method, url, headers, post_data)

        def sleep_async(self, secs):
            return asyncio.sleep(secs)

        def close(self):
            pass

        async def close_async(self):
            pass

    InProcessHTTPClient.__module__ = __name__
    InProcessHTTPClient.__qualname__ = "InProcessHTTPClient"
    return InProcessHTTPClient
