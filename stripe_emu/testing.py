"""Helpers for test suites that embed the emulator.

    InProcessHTTPClient(app)   an HTTP client for stripe-python that calls the WSGI app
                               directly: no socket, no thread
    stripe_client(app, key)    a stripe.StripeClient wired to it
    serve_in_thread(app)       the app on a free loopback port, for clients in other languages
    inject_fault(app, kind)    make the next matching requests fail (see faults.py)
    set_source_status(app, source_id, status)   move a Source as Stripe would by itself
    settle_charge(app, charge_id)       a pending ACH debit charge settles now
    fund_source(app, source_id, amount)  a transfer lands on an ach_credit_transfer Source
    run_due_work(app)          run the timed moves due on the app's clock (charge expiry…)
    authenticate(app, intent_id, approve=True)  approve or fail an intent's 3D Secure
    seed(app, data)            load a snapshot, or create a fixture's objects through the API
    reset(app, account=None)   delete all state, or one account's (POST /_emu/reset)
    webhook_deliveries(app)    webhook deliveries and their attempts (filters: event, status…)

Only the standard library is imported here: `stripe` is imported the first time
InProcessHTTPClient (or stripe_client) is used, so this module works without it.
"""
import collections.abc
import contextlib
import functools
import json
import secrets
import threading

from . import auth, control, control_intents, control_payments, faults, make_app, seeding
from . import webhooks
from .seeding import SeedError, wsgi_environ  # noqa: F401 (this module's API too)
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
                          account=auth.account_named(account, app.keys),
                          after_execution=after_execution)


def set_source_status(app, source_id, status, account=None):
    """Move a Source to `status` as Stripe does without an API request — a pending one to
    chargeable, failed or canceled (a chargeable single-use one to canceled, as when it
    expires) — recording source.<status> with a null request; returns the Source. Raises
    errors.StripeError for an unknown id (in `account`, a test key or name, if given) or a
    move Stripe never makes."""
    return control.set_source_status(app, source_id, status, account)


def webhook_deliveries(app, *, event=None, status=None, endpoint=None, account=None):
    """Webhook deliveries, oldest first, each with its attempts (see webhooks.deliveries);
    `account` is a test key or an account name. GET /_emu/webhooks/deliveries over HTTP."""
    return webhooks.deliveries(app, account=auth.account_named(account, app.keys),
                               event=event, endpoint=endpoint, status=status)


def settle_charge(app, charge_id, account=None):
    """Settle a pending bank-debit (ACH) charge now, as the bank answers after some days:
    `succeeded`, or `failed` with the failure code of its test account number
    (000111111116 no_account, …); records charge.succeeded / charge.failed. Returns the
    charge; raises errors.StripeError for an unknown or non-pending charge."""
    return control_payments.settle_charge(app, charge_id, account)


def fund_source(app, source_id, amount, account=None):
    """Land a transfer of `amount` on an ach_credit_transfer Source: it becomes chargeable
    (source.chargeable) for up to what it received. Returns the Source."""
    return control_payments.fund_source(app, source_id, amount, account)


def run_due_work(app):
    """Run now the moves whose time has come on the app's clock (uncaptured charges expiring
    after 7 days, ACH debits settling), which otherwise run with the next POST; returns how
    many ran."""
    return control_payments.run_due_work(app)


def authenticate(app, intent_id, approve=True, account=None):
    """Approve (or, with approve=False, fail) the 3D Secure a SetupIntent or PaymentIntent in
    `requires_action` waits for, as its customer would on the authentication page; returns
    the intent as it is then. Raises errors.StripeError for an intent not waiting for it."""
    return control_intents.authenticate(app, intent_id, "approve" if approve else "fail",
                                        auth.account_named(account, app.keys))


def reset(app, account=None):
    """Delete all state, or only `account`'s (a test key or an account name), as POST
    /_emu/reset does: for a suite sharing one app between its tests. Returns {table: rows
    deleted}."""
    return control.reset(app, account)


def seed(app, data):
    """Load `data` (a dict, a list of dicts, or the path of a JSON file holding one) into
    `app`: a snapshot (from GET /_emu/snapshot) replaces all state; a fixture such as
    {"api_key": "sk_test_abc", "customers": [{"id": "cus_123", "email": "..."}]} POSTs each
    item of each collection to /v1/<collection> with that key, so every rule of the API
    applies, an item's `id` choosing the object's id (seeding.py). Returns the objects
    created (for a snapshot: {table: rows}); raises SeedError for a refused item."""
    if isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
        with open(data, encoding="utf-8") as file:
            data = json.load(file)
    if isinstance(data, dict) and data.get("format") == SNAPSHOT_FORMAT:
        return control.import_snapshot(app, data)
    return seeding.create(app, data)


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
