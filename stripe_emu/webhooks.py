"""Signed webhook deliveries: who receives an event, Stripe's signature, the background worker.

`events.record` queues one delivery per receiving endpoint in the request's transaction
(store/webhooks.py). Each App has one `Dispatcher`: a daemon thread, started when there is
something to deliver, woken after each committed write and on a timer for retries. The
worker alone touches the database; each HTTP attempt runs in a short-lived sender thread, so
a hanging endpoint delays only its own deliveries and never an API request. The timeout
bounds a whole attempt (connecting, sending, the answer), not each read, so an endpoint that
answers byte by byte frees its slot in time. Slots are shared fairly: an endpoint holds at
most MAX_PER_ENDPOINT of them and an account MAX_PER_ACCOUNT, across every process on the
file, and due deliveries are taken round-robin over accounts, then endpoints. Failed attempts
are retried with exponential backoff up to a bounded number of attempts, every attempt is
recorded (and logged by `serve`: Dispatcher.log), and `stop()` (run by App.close) ends the
worker.

Times here are wall-clock (time.time), not the app's clock: retries wait in real seconds,
and Stripe's clients check a signature's timestamp against the real time.
"""
import base64
import dataclasses
import hashlib
import hmac
import http.client
import json
import posixpath
import queue
import socket
import sys
import threading
import time
import traceback
import urllib.parse

from . import api_versions, ids
from .store import webhooks as webhook_store

SIGNATURE_SCHEME = "v1"
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
SECRET_LENGTH = 32
# How often an idle worker looks for deliveries queued by other processes on the same file.
IDLE_POLL_SECONDS = 2.0
# A claim outlives the attempt's timeout by this much before another worker may take it.
LEASE_MARGIN_SECONDS = 30.0
MAX_SENDERS = 8
# Fair shares of the senders: no endpoint, and no account, can take them all. UNCERTAIN:
# Stripe does not publish its own limits; these keep a quarter of the senders per endpoint.
MAX_PER_ENDPOINT = 2
MAX_PER_ACCOUNT = 4
STATUSES = ("pending", "delivering", "succeeded", "failed", "canceled")


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """Stripe retries test-mode deliveries "three times over a few hours"; the emulator keeps
    the count (4 attempts) and shortens the waits. Tests pass a tiny `backoff`."""
    backoff: float = 5.0         # seconds before the first retry, doubled after each failure
    max_backoff: float = 600.0
    attempts: int = 4
    timeout: float = 5.0         # seconds an endpoint has to answer one attempt

    def delay(self, attempt):
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        return min(self.max_backoff, self.backoff * 2 ** (attempt - 1))


def new_secret():
    return ids.WEBHOOK_SECRET + ids.random_suffix(SECRET_LENGTH)


def signature_header(payload, secret, timestamp):
    """Stripe-Signature for `payload` (bytes): `t=<unix time>,v1=<hex HMAC-SHA256 of
    "<t>.<payload>" keyed with the endpoint secret>`, as stripe-python verifies it."""
    signed = b"%d." % timestamp + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},{SIGNATURE_SCHEME}={digest}"


class ControlPlaneURL(ValueError):
    """A webhook URL naming the emulator's own control plane."""


def check_url(url):
    """`url` if it is an absolute http(s) URL a delivery can be sent to; ValueError otherwise.
    The control plane is refused (ControlPlaneURL): an event must not reset or restore state
    (and the control plane turns away any request carrying a Stripe-Signature)."""
    try:
        parts = urllib.parse.urlsplit(url)
        usable = parts.scheme in ("http", "https") and parts.hostname and parts.port != 0
    except ValueError as error:  # an unclosed [IPv6 address], a port that is not a number
        raise ValueError(f"not a valid URL: {url!r} ({error})")
    if not usable:
        raise ValueError(f"a webhook URL must be absolute, http:// or https://: {url!r}")
    if any(ord(char) <= 0x20 or ord(char) == 0x7f for char in url):
        raise ValueError(f"a webhook URL cannot hold spaces or control characters: {url!r}")
    path = posixpath.normpath(urllib.parse.unquote(parts.path) or "/").lstrip("/")
    if path == "_emu" or path.startswith("_emu/"):
        raise ControlPlaneURL(f"a webhook URL cannot point at stripe_emu's control plane "
                              f"(/_emu/): {url}")
    return url


def command_line_endpoint(text):
    """`URL[,secret]` (serve --webhook) → (url, secret), generating a secret when none is
    given."""
    url, _, secret = text.partition(",")
    return check_url(url), secret or new_secret()


def targets(app, db, account, event_type):
    """(endpoint id, url, secret) of every endpoint that receives `event_type` from
    `account`: its enabled webhook endpoints taking the type (or "*"), and every endpoint
    given on the command line (which take all events of all accounts)."""
    found = [(endpoint["id"], endpoint["url"], endpoint["_secret"])
             for endpoint in webhook_store.enabled_endpoints(db, account)
             if not endpoint["_connect"] and ("*" in endpoint["enabled_events"]
                                              or event_type in endpoint["enabled_events"])]
    found += [(url, url, secret) for url, secret in app.webhooks.endpoints]
    return found


def deliveries(app, *, account=None, event=None, endpoint=None, status=None):
    """What was delivered and how: one dict per (event, endpoint), oldest first — account,
    event, type, endpoint (a `we_` id, or the URL of a command-line endpoint), url, status
    ('pending', 'delivering', 'succeeded', 'failed' after the last attempt, 'canceled' when
    its endpoint was deleted), next_attempt (wall clock, while pending) and `attempts`:
    [{attempt, started, duration_ms, status_code, error}]. Filtered by any of account, event,
    endpoint and status. JSON-serializable, for tests and /_emu/."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"a delivery's status is one of {', '.join(STATUSES)}, not {status!r}")
    with app.store.transaction(write=False) as db:
        found = webhook_store.deliveries(db, account=account, event=event, endpoint=endpoint,
                                         status=status)
    for delivery in found:
        if delivery["status"] != "pending":
            delivery["next_attempt"] = None
    return found


def wait_until_delivered(app, timeout=10.0, **filters):
    """Wait until no delivery (matching `filters`, as for `deliveries`) is pending or in
    progress; returns the deliveries. Raises TimeoutError with them otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        found = deliveries(app, **filters)
        if all(d["status"] not in ("pending", "delivering") for d in found):
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"webhook deliveries still under way: {found}")
        app.webhooks.wake()
        time.sleep(0.01)


@dataclasses.dataclass(frozen=True)
class _Outcome:
    seq: int
    attempt: int
    started: float
    duration_ms: float
    status_code: int | None
    error: str | None
    event: str
    endpoint: str
    url: str


_WAKE = object()


class Dispatcher:
    """The background delivery worker of one App."""

    def __init__(self, app_store, endpoints=(), policy=None):
        self.store = app_store
        self.endpoints = [command_line_endpoint(e) if isinstance(e, str) else
                          (check_url(e[0]), e[1]) for e in endpoints]
        self.policy = policy or RetryPolicy()
        self.log = None  # a callable given one line per failed attempt (serve: its log)
        self._blocked = False  # deliveries are due, but their endpoints or accounts are busy
        self._inbox = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread = None
        self._stopping = False
        self._senders = 0  # only the worker thread reads or changes it
        self.armed = False  # set once a delivery was queued: the next commit starts the worker
        with self.store.transaction(write=False) as db:
            if webhook_store.has_work(db):  # left over by a previous run on this file
                self.wake()

    def after_commit(self):
        """app.after_commit hook: wake the worker, or start it if deliveries were queued."""
        if self._thread is not None or self.armed:
            self.wake()

    def wake(self):
        with self._lock:
            if self._stopping:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="stripe_emu-webhooks")
                self._thread.start()
        self._inbox.put(_WAKE)

    def stop(self, timeout=5.0):
        """Stop the worker (app.on_close), recording the attempts already finished. Those
        still in flight are left unrecorded: their claims run out and a later worker on the
        same file retries them (at least once, as Stripe delivers)."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        if thread is not None:
            self._inbox.put(_WAKE)
            thread.join(timeout)

    def _run(self):
        outcomes = []
        while True:
            try:
                outcomes += self._wait()
                if outcomes:
                    with self.store.transaction() as db:
                        for outcome in outcomes:
                            self._settle(db, outcome)
                    outcomes = []
                if self._stopping:
                    return
                self._dispatch()
            except Exception:
                # A failing database must not end deliveries for good: report it, and try
                # again (the outcomes not yet recorded are kept) after a pause.
                traceback.print_exc()
                time.sleep(IDLE_POLL_SECONDS)

    def _wait(self):
        """Block until woken, an attempt ends, or a delivery falls due; the outcomes received."""
        if self._senders >= MAX_SENDERS:
            timeout = None  # nothing can be sent before a sender finishes
        elif self._blocked:
            # Due, but held back by fair shares: a sender ending here wakes us; one ending
            # in another process is seen at the next poll.
            timeout = IDLE_POLL_SECONDS
        else:
            with self.store.transaction(write=False) as db:
                due = webhook_store.next_due(db)
            timeout = IDLE_POLL_SECONDS if due is None else \
                min(IDLE_POLL_SECONDS, max(0.0, due - time.time()))
        items = []
        try:
            items.append(self._inbox.get(timeout=timeout))
            while True:
                items.append(self._inbox.get_nowait())
        except queue.Empty:
            pass
        outcomes = [item for item in items if item is not _WAKE]
        self._senders -= len(outcomes)
        return outcomes

    def _settle(self, db, outcome):
        if outcome.error is None:
            status, next_attempt = "succeeded", outcome.started
        elif outcome.attempt >= self.policy.attempts:
            status, next_attempt = "failed", outcome.started
        else:
            status = "pending"
            next_attempt = time.time() + self.policy.delay(outcome.attempt)
        settled = webhook_store.settle(db, outcome.seq, outcome.attempt, status, next_attempt,
                                       outcome.started, outcome.duration_ms,
                                       outcome.status_code, outcome.error)
        if settled and outcome.error is not None and self.log is not None:
            self.log(failure_line(outcome, self.policy.attempts, status, next_attempt))

    def _dispatch(self):
        free = MAX_SENDERS - self._senders
        self._blocked = False
        if free <= 0:
            return
        now = time.time()
        with self.store.transaction(write=False) as db:
            due = webhook_store.next_due(db)
        if due is None or due > now:
            return  # most wake-ups (any committed write) find nothing: no write lock for them
        with self.store.transaction() as db:
            webhook_store.cancel_due_for_disabled(db, now)
            claimed = webhook_store.claim_due(
                db, now, now + self.policy.timeout + LEASE_MARGIN_SECONDS, free,
                per_endpoint=MAX_PER_ENDPOINT, per_account=MAX_PER_ACCOUNT)
        self._blocked = not claimed
        for row in claimed:
            self._senders += 1
            threading.Thread(target=self._send, args=(row,), daemon=True,
                             name="stripe_emu-webhook-send").start()

    def _send(self, row):
        """One attempt (in a sender thread: no database here)."""
        started = time.time()
        clock = time.perf_counter()
        status_code, error = None, None
        try:
            payload = _payload(row["payload"], row["api_version"])
            status_code = post(row["url"], payload, {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                "Stripe-Signature": signature_header(payload, row["secret"], int(started)),
            }, self.policy.timeout)
            if not 200 <= status_code < 300:  # a redirect too: Stripe does not follow them
                error = f"HTTP {status_code}"
        except Exception as failure:  # refused, timed out, bad URL: the attempt failed
            error = f"{type(failure).__name__}: {failure}"
        self._inbox.put(_Outcome(row["seq"], row["attempts"], started,
                                 round((time.perf_counter() - clock) * 1000, 3),
                                 status_code, error, row["event"], row["endpoint"], row["url"]))


def post(url, payload, headers, timeout):
    """POST `payload` to `url` and read the answer, all within `timeout` seconds: the status
    code. Past the deadline the socket is shut down, which ends any read under way (a socket
    timeout alone bounds each read, and an endpoint answering byte by byte never trips it).
    Proxies from the environment are not used: endpoints are local test servers. A URL's
    `user:password@` goes as Basic authentication, the guard Stripe long recommended
    (`https://stripe:<secret>@example.com/hooks`); UNCERTAIN: its %-escapes decoded first."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is not None:
        credentials = (urllib.parse.unquote(parts.username) + ":"
                       + urllib.parse.unquote(parts.password or ""))
        headers = dict(headers, Authorization="Basic " + base64.b64encode(
            credentials.encode()).decode())
    connection_class = (http.client.HTTPSConnection if parts.scheme == "https"
                        else http.client.HTTPConnection)
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    expired = threading.Event()

    def expire():
        expired.set()
        try:
            connection.sock.shutdown(socket.SHUT_RDWR)
        except (AttributeError, OSError):  # not connected yet (checked after), or closed
            pass

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    try:
        connection.connect()
        if expired.is_set():  # the deadline passed while connecting
            raise TimeoutError
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        connection.request("POST", target, body=payload, headers=headers)
        response = connection.getresponse()
        response.read(65536)
    except Exception:
        if not expired.is_set():
            raise
    finally:
        timer.cancel()
        connection.close()
    if expired.is_set():
        raise TimeoutError(f"the endpoint did not answer within {timeout:g} s (the attempt "
                           "timed out)")
    return response.status


def log_to_stderr(line):
    """The log of failed attempts under `serve` and WSGI servers: the process's stderr."""
    print(line, file=sys.stderr, flush=True)


def failure_line(outcome, attempts, status, next_attempt):
    """The log line of a failed attempt: event, endpoint, status or error, what comes next."""
    where = outcome.url if outcome.endpoint == outcome.url else \
        f"{outcome.endpoint} ({outcome.url})"
    if status == "pending":
        then = (f"next attempt in {max(0.0, next_attempt - time.time()):.0f} s, at "
                + time.strftime("%H:%M:%S", time.localtime(next_attempt)))
    else:
        then = "given up" if status == "failed" else status
    return (f"webhook {outcome.event} to {where}: attempt {outcome.attempt} of {attempts} "
            f"failed ({outcome.error}); {then}")


def _payload(stored_event, api_version=None):
    """The request body: the event as the API shows it, pretty-printed as Stripe sends it;
    generated with `api_version` when the endpoint asked for one (Stripe's reference: "Events
    sent to this endpoint will be generated with this Stripe Version instead of your
    account's default Stripe Version")."""
    event = json.loads(stored_event)
    if api_version:
        # UNCERTAIN: the object is re-shaped by what can be told from it alone (a customer's
        # account_balance before 2019-10-17); what older versions embedded from other objects
        # (a customer's sources before 2020-08-27, a PaymentIntent's charges before
        # 2022-11-15) is not added here.
        event["api_version"] = api_version
        event["data"] = api_versions.shown_as(api_version, event["data"])
    return json.dumps(event, indent=2, ensure_ascii=False).encode()
