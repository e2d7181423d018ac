"""Idempotent requests, kept the way Stripe keeps them (Stripe's "Idempotent requests" docs).

The first result of a POST carrying an Idempotency-Key (a success, an error raised while
executing, or a 500) is stored per account and key and replayed byte for byte, with
`Idempotent-Replayed: true` and the original request's id. The same key with other
parameters or on another endpoint is an `idempotency_error`. Parameter validation failures
are not stored, so the client can retry them. GET and DELETE never reach here with a key
(app.py drops it).

A request with a key is one write transaction: look the key up, execute (a savepoint, so
that a failure undoes the handler's writes alone), store the result, commit. The object and
its replay are committed together or not at all, and a request that dies (its process
killed, its thread gone) leaves nothing behind: its retry executes at once. While it runs,
SQLite's write lock makes a duplicate from another process wait and then replay its answer;
a duplicate in the same process (any app on the same database) answers Stripe's 409
`idempotency_key_in_use` at once, from the keys this process is executing.
"""
import contextlib
import hashlib
import json
import threading
import weakref

from . import errors
from .store import idempotency as store

MAX_KEY_LENGTH = 255
EXPIRY_SECONDS = 24 * 60 * 60
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
# (database, account, key) → a row-like dict of the request this process executes with it.
_executing = {}
_executing_lock = threading.Lock()
# Expired keys are deleted at most this often (per Store); one that expired meanwhile is
# treated as absent by the lookup.
PRUNE_EVERY_SECONDS = 60
_pruned = weakref.WeakKeyDictionary()  # Store → the app time of its last pruning


def run(req, execute):
    """(status, body, extra headers) of the request: executed by `execute()` or replayed."""
    key = req.idempotency_key
    if key is None:
        status, body = execute()
        return status, body, []
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        # Stripe's wording, as reported in cartalyst/stripe#65.
        raise errors.invalid(
            f"Idempotent key length is {len(key)}, which is outside accepted lengths. "
            f"Idempotent Keys must be 1-{MAX_KEY_LENGTH} characters long. If you're looking "
            "for a decent generator, try using a UUID defined by IETF RFC 4122.")
    fingerprint = _fingerprint(req)
    failure = None
    with _executing_here(req, key, fingerprint), req.app.store.transaction() as db:
        if _pruned.get(req.app.store, 0) <= req.now - PRUNE_EVERY_SECONDS:
            _pruned[req.app.store] = req.now
            store.prune(db, req.now - EXPIRY_SECONDS)
        stored = _outcome(req, key, fingerprint, store.lookup(db, req.account, key))
        if stored is None:
            try:
                status, body = execute()
            except errors.StripeError as error:
                if error.validation:
                    raise  # nothing is stored: the client may retry with the key
                failure = error
            except Exception as error:
                failure = error
            if failure is not None:
                status, body = req.app.render_error(failure, req.request_id, req.now)
            store.save(db, req.account, key, fingerprint, req.request_id, req.now, status,
                       body)
    if failure is not None:
        raise failure
    if stored is not None:
        status, body, original = stored
        return status, body, [("Idempotent-Replayed", "true"), ("Original-Request", original)]
    # UNCERTAIN: whether Stripe sends Original-Request on a first execution; it is harmless
    # and lets a client log one id for every attempt of a request.
    return status, body, [("Original-Request", req.request_id)]


def _fingerprint(req):
    """What must match for a key's reuse to be the same request: the endpoint and the
    decoded parameters (so `a[]=x` and `a[0]=x` are the same request)."""
    canonical = _CANONICAL([req.method, req.path, req.params])
    # The endpoint follows the hash in clear, for the error naming both endpoints.
    return f"{hashlib.sha256(canonical.encode()).hexdigest()} {req.path}"


@contextlib.contextmanager
def _executing_here(req, key, fingerprint):
    """Mark the key as executing in this process while the block runs. A request of this
    process finding it so gets the mismatch error or the 409 at once, rather than waiting
    for the write lock the first one holds."""
    name = (req.app.store.identity, req.account, key)
    row = {"request": fingerprint, "response_status": None, "created": req.now}
    with _executing_lock:
        held = _executing.setdefault(name, row)
    if held is not row:
        _outcome(req, key, fingerprint, held)  # raises: a mismatch, or the 409
    try:
        yield
    finally:
        with _executing_lock:
            del _executing[name]


def _outcome(req, key, fingerprint, row):
    """What a key's row (stored, or executing in this process) means for this request: None
    (execute: absent or expired), the stored (status, body, original request id), or an
    error raised."""
    if row is None or row["created"] <= req.now - EXPIRY_SECONDS:
        return None
    if row["request"] != fingerprint:
        first_path = row["request"].partition(" ")[2]
        if first_path and first_path != req.path:
            mismatch = ("for the same endpoint they were first used for "
                        f"('{first_path}' vs '{req.path}')")
        else:
            mismatch = "with the same parameters they were first used with"
        raise errors.StripeError(
            f"Keys for idempotent requests can only be used {mismatch}. Try using a key other "
            f"than '{key}' if you meant to execute a different request.",
            type="idempotency_error", validation=True)
    if row["response_status"] is None:  # executing in this process
        raise key_in_use(key)
    return row["response_status"], bytes(row["response_body"]), row["original_request"]


def key_in_use(key):
    """Stripe's 409 for a key whose first request is still executing (also what an injected
    idempotency_key_in_use fault answers). Not stored, and not a reason to release the key:
    the other request still holds it."""
    return errors.StripeError(
        "There is currently another in-progress request using this Idempotent Key (that "
        "probably means you submitted twice, and the other request is still going through): "
        f"{key}. Please try again later.", status=409, code="idempotency_key_in_use",
        validation=True)
