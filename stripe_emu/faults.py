"""Fault injection: make the next requests fail the way Stripe occasionally does, to test a
client's retry logic.

A fault is consumed by the next request of the API (/v1) that matches it: optionally only one
account's, one method, one path (an fnmatch pattern: `*` matches any run of characters, `/`
included, so `/v1/customers/*` also matches `/v1/customers/cus_1/sources`). Faults live in the
database, not in the App, so that every worker process sharing one database file sees a fault
injected through any of them, and each occurrence fails exactly one request.

A fault answers after authentication and parameter checks, before the request executes, and
is never stored under the request's Idempotency-Key: the request did not run, so a retry with
the same key runs it (Stripe's rule for 429s and for requests that never started executing).
`connection_dropped` with `after_execution` is the other case: the request runs and commits,
then its answer is lost, and only the idempotency layer keeps a retry from running it twice.
"""
import dataclasses
import fnmatch

from . import errors, idempotency
from .store import control as sql

_HELP = "If you have any questions, we can help at https://support.stripe.com/."
# Message observed on a real 2015 rate-limit answer was "Request rate limit exceeded"; the
# pointer to the rate-limits page is what current Stripe appends (UNCERTAIN in wording).
RATE_LIMIT_MESSAGE = ("Request rate limit exceeded. You can learn more about rate limits here "
                      "https://stripe.com/docs/rate-limits.")
# Observed verbatim on real Stripe answers (dj-stripe#1917, stripe-node#2056).
LOCK_TIMEOUT_MESSAGE = (
    "This object cannot be accessed right now because another API request or Stripe process "
    "is currently accessing it. If you see this error intermittently, retry the request. If "
    "you see this error frequently and are making multiple concurrent requests to a single "
    "object, make your requests serially or at a lower rate.")
# Observed on a real 500 (stripe/stripe-apps#819), double spaces included.
API_ERROR_MESSAGE = ("Error while communicating with one of our backends.  Sorry about that!  "
                     f"We have been notified of the problem.  {_HELP}")

KINDS = ("rate_limit", "lock_timeout", "api_error", "idempotency_key_in_use",
         "connection_dropped")
METHODS = ("GET", "POST", "DELETE")
MAX_COUNT = 1_000_000  # more than any test makes, and far inside SQLite's integers


class ConnectionDropped(Exception):
    """Raised out of the WSGI app: the server closes the connection without a response."""


@dataclasses.dataclass
class Fault:
    id: int
    kind: str
    remaining: int
    account: str | None
    method: str | None
    path: str | None
    after_execution: bool

    def matches(self, method, path, account):
        return ((self.account is None or self.account == account)
                and (self.method is None or self.method == method)
                and (self.path is None or fnmatch.fnmatchcase(path, self.path)))

    def error(self, req):
        """The exception that answers the request."""
        if self.kind == "connection_dropped":
            return ConnectionDropped(f"fault {self.id}: connection dropped")
        if self.kind == "rate_limit":
            # Stripe's clients do not retry plain rate limiting (it would add load), and no
            # Stripe-Should-Retry header is known to come with it (UNCERTAIN).
            return errors.StripeError(RATE_LIMIT_MESSAGE, status=429, code="rate_limit")
        if self.kind == "lock_timeout":
            # A 429, not a 409: Stripe's libraries raise RateLimitError for it and retry it
            # only because the answer says Stripe-Should-Retry: true ("retry 429s caused by
            # lock timeouts", Stripe's rate-limit docs; stripe-ruby#841, stripe-php#718).
            return errors.StripeError(LOCK_TIMEOUT_MESSAGE, status=429, code="lock_timeout",
                                      headers={"Stripe-Should-Retry": "true"})
        if self.kind == "api_error":
            # Stripe says "false" on a 500 it stored under the key (a retry would replay it);
            # this one was never stored, so a retry is worth making.
            return errors.StripeError(API_ERROR_MESSAGE, status=500, type="api_error",
                                      headers={"Stripe-Should-Retry": "true"})
        return idempotency.key_in_use(req.idempotency_key or "")


def _checked(kind, count, method, path, after_execution):
    if kind not in KINDS:
        raise ValueError(f"Unknown fault kind: {kind!r}. Use one of: {', '.join(KINDS)}.")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise ValueError(f"The count must be an integer from 1 to {MAX_COUNT}, not {count!r}.")
    method = method.upper() if method else None
    if method is not None and method not in METHODS:
        raise ValueError(f"The method must be one of {', '.join(METHODS)}, not {method!r}.")
    if path is not None and not path.startswith(("/", "*")):
        raise ValueError(f"The path must start with / (or be a pattern with *): {path!r}.")
    if after_execution and kind != "connection_dropped":
        raise ValueError("Only a connection_dropped fault can happen after execution.")
    return method


class FaultQueue:
    """The faults pending in one emulator's database."""

    def __init__(self, store):
        self.store = store
        # An in-memory database is this process's alone: until `add` runs, no request needs
        # to look for faults (a SELECT costed a tenth of a retrieve). A file database may get
        # them from any process sharing it, so there every request looks.
        self._none_added = store.in_memory

    def add(self, kind, count=1, *, method=None, path=None, account=None,
            after_execution=False):
        """Make the next `count` matching requests fail; returns the fault. Raises ValueError
        for a kind, count, method or path that makes no sense."""
        method = _checked(kind, count, method, path, after_execution)
        self._none_added = False
        with self.store.transaction() as db:
            fault_id = sql.add_fault(db, kind, count, account, method, path or None,
                                     bool(after_execution))
        return Fault(fault_id, kind, count, account, method, path or None, bool(after_execution))

    def pending(self, account=None):
        with self.store.transaction(write=False) as db:
            return [Fault(**row) for row in sql.faults(db, account)]

    def clear(self, account=None):
        """Forget pending faults (one account's, or all); returns how many."""
        with self.store.transaction() as db:
            return sql.clear_faults(db, account)

    def take(self, method, path, account):
        """The fault this request consumes, or None."""
        if self._none_added:
            return None
        with self.store.connection() as db:
            if not sql.has_faults(db):
                return None
        with self.store.transaction() as db:
            for row in sql.faults(db):
                fault = Fault(**row)
                if fault.matches(method, path, account):
                    sql.consume_fault(db, fault.id)
                    return fault
        return None
