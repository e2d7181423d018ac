"""Idempotent requests, kept the way Stripe keeps them (Stripe's "Idempotent requests" docs).

The first result of a POST carrying an Idempotency-Key (a success, an error raised while
executing, or a 500) is stored per account and key and replayed byte for byte, with
`Idempotent-Replayed: true` and the original request's id. The same key with other
parameters or on another endpoint is an `idempotency_error`; while the first request is
still executing, the key answers 409. Parameter validation failures are not stored, so the
client can retry them. GET and DELETE never reach here with a key (app.py drops it).

A success is stored by `record_inside`, in the handler's own transaction, so the object and
its replay are committed together or not at all. Keys live in SQLite: they survive restarts
and hold across processes sharing one database file.
"""
import hashlib
import json
import time

from . import errors
from .store import idempotency as store

MAX_KEY_LENGTH = 255
EXPIRY_SECONDS = 24 * 60 * 60
# An in_flight key older than this (wall clock) belongs to a worker that died mid-request.
STALE_SECONDS = 60


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
    stored = _claim(req, key, _fingerprint(req))
    if stored is not None:
        status, body, original = stored
        return status, body, [("Idempotent-Replayed", "true"), ("Original-Request", original)]
    try:
        status, body = execute()
    except errors.StripeError as error:
        if error.validation:
            with req.app.store.transaction() as db:
                store.release(db, req.account, key, req.request_id)
        elif not error.commit:  # a committed failure was stored with its changes
            _store_failure(req, key, error)
        raise
    except Exception as error:
        _store_failure(req, key, error)
        raise
    # UNCERTAIN: whether Stripe sends Original-Request on a first execution; it is harmless
    # and lets a client log one id for every attempt of a request.
    return status, body, [("Original-Request", req.request_id)]


def record_inside(req, status, body):
    """Store a success inside the handler's transaction (`req.db`)."""
    if req.idempotency_key is None:
        return
    if not store.finish(req.db, req.account, req.idempotency_key, req.request_id, status, body):
        # This request outlived STALE_SECONDS and another took its key over: roll back, so
        # the request runs once.
        raise key_in_use(req.idempotency_key)


def _fingerprint(req):
    """What must match for a key's reuse to be the same request: the endpoint and the
    decoded parameters (so `a[]=x` and `a[0]=x` are the same request)."""
    canonical = json.dumps([req.method, req.path, req.params], sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
    # The endpoint follows the hash in clear, for the error naming both endpoints.
    return f"{hashlib.sha256(canonical.encode()).hexdigest()} {req.path}"


def _claim(req, key, fingerprint):
    """None when this request now holds the key and must execute, else the stored result
    (status, body, original request id); raises for a mismatch or a key in use.

    A first look is a plain read: under WAL it does not wait for the request executing with
    the key (which holds the write lock), so a duplicate gets its 409 at once, and a replay
    never takes the write lock. Only a key to claim is decided again under the write lock.
    """
    with req.app.store.transaction(write=False) as db:
        outcome = _outcome(req, key, fingerprint, store.lookup(db, req.account, key))
    if outcome is not None:
        return outcome
    with req.app.store.transaction() as db:
        store.prune(db, req.now - EXPIRY_SECONDS)
        outcome = _outcome(req, key, fingerprint, store.lookup(db, req.account, key))
        if outcome is None:
            store.claim(db, req.account, key, fingerprint, req.request_id, req.now, time.time())
        return outcome


def _outcome(req, key, fingerprint, row):
    """What a key's row means for this request: None (claim it: absent, expired, or left
    in flight by a worker that died), the stored (status, body, original request id), or an
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
    if row["status"] == "in_flight":
        if time.time() - row["locked_at"] > STALE_SECONDS:
            return None
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


def _store_failure(req, key, error):
    """Store an execution error as it will be rendered, after its transaction rolled back."""
    status, body = req.app.render_error(error, req.request_id)
    with req.app.store.transaction() as db:
        store.finish(db, req.account, key, req.request_id, status, body)
