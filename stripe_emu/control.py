"""The control plane under /_emu/: what a test harness needs besides Stripe's API.

    GET    /_emu/health     {"status": "ok", "pid": ..., "database": ..., "database_bytes": ...,
                             "wal_bytes": ...}
    POST   /_emu/reset      delete all state, or one account's (`account`: a test key or name)
    GET    /_emu/snapshot   every table's rows as JSON
    POST   /_emu/snapshot   replace all state with a snapshot (JSON body), atomically
    GET    /_emu/requests   the most recent API requests of this process, newest first
    GET    /_emu/faults     faults waiting for a request       (see faults.py)
    POST   /_emu/faults     inject one: kind, count, method, path, account, after_execution
    DELETE /_emu/faults     forget them
    POST   /_emu/sources/{id}/status   move a Source as Stripe would: `status`, `account`
    POST   /_emu/charges/{id}/settle, /_emu/sources/{id}/fund, /_emu/due   control_payments.py
    GET    /_emu/webhooks/deliveries   webhook deliveries and their attempts (control_webhooks.py)
    POST   /_emu/seed       create a fixture's objects, ids chosen or not (seeding.py)
    GET    /_emu/redirect/{id}[/authorize|/fail]   a redirect Source's test page (HTML), also
                                       an intent's 3D Secure page (control_redirect.py)
    POST   /_emu/intents/{id}/authenticate   approve or fail an intent's 3D Secure: `outcome`

No API key is needed, so by default only loopback clients may use it (403 otherwise); a
request with no REMOTE_ADDR at all did not come over a network (WebTest, the in-process
client) and is local too. Being on loopback is not enough: a web page in the developer's
browser and the emulator's own webhook deliveries come from loopback as well, so requests
carrying a Stripe-Signature, an Origin header or a cross-site Sec-Fetch-Site are refused
(403), except on the redirect page, which is a web page and has its client_secret.

Parameters come form-encoded (like Stripe's) or as a JSON object, and are checked by the
API's own coercion (params.py); answers, errors included, are rendered as the API's are
(App.render_error). The operations are also plain functions here, for tests that hold the App.
"""
import dataclasses
import ipaddress
import json
import os
import re
import sys
import traceback
import urllib.parse

from . import auth, control_intents, control_payments, control_redirect, control_webhooks
from . import errors, ids, params, seeding, wire
from .expand import present
from .resources import sources
from .store import control as sql

ACCESS_MODES = ("loopback", "open")
MAX_LOG_LIMIT = 1000
# A snapshot is one JSON body: larger than any API request, still bounded.
MAX_SNAPSHOT_BYTES = 64 << 20
_JSON = "application/json"
_HEADERS = [("Content-Type", _JSON), ("Cache-Control", "no-store")]


def access(mode):
    """Check a `control_plane=` option: "loopback" (the default) or "open" (any client)."""
    if mode not in ACCESS_MODES:
        raise ValueError(f"control_plane must be one of {ACCESS_MODES}, not {mode!r}")
    return mode


# --- the operations: `account` is a test key or an account name -----------------------------

def reset(app, account=None):
    """Delete all state (every table, the faults, this process's request log) or only one
    account's; returns {table: rows deleted}."""
    account = auth.account_named(account, app.keys)
    with app.store.transaction() as db:
        deleted = sql.reset(db, account)
    kept = [] if account is None else [
        entry for entry in list(app.recent_requests) if entry["account"] != account]
    app.recent_requests.clear()
    app.recent_requests.extend(kept)
    return deleted


def export_snapshot(app):
    with app.store.transaction(write=False) as db:
        return sql.export_snapshot(db)


def import_snapshot(app, snapshot):
    """Replace all state with `snapshot` in one transaction; raises sql.SnapshotError (a
    ValueError) for a snapshot that does not fit, having changed nothing."""
    with app.store.transaction() as db:
        return sql.import_snapshot(db, snapshot)


def recent_requests(app, limit=100, account=None):
    """This process's most recent API requests, newest first (each worker keeps its own)."""
    account = auth.account_named(account, app.keys)
    entries = [entry for entry in reversed(list(app.recent_requests))
               if account is None or entry["account"] == account]
    # The account is the API key without its prefix: shown masked, as Stripe shows keys.
    return [dict(entry, account=auth.mask_account(entry["account"], app.keys))
            for entry in entries[:limit]]


def set_source_status(app, source_id, status, account=None):
    """Move Source `source_id` to `status` (chargeable, failed or canceled) as Stripe does by
    itself (sources.transition), recording source.<status>; `account` narrows the search.
    Returns the Source; raises errors.StripeError."""
    with app.store.transaction(after_commit=app.after_commit) as db:
        owner, found = sources.locate(db, source_id, auth.account_named(account, app.keys))
        moved = sources.transition(app, db, owner, found, status)
    return present(moved)


# --- HTTP ------------------------------------------------------------------------------------

def handle(app, environ):
    """(status, headers, body) answering a request under /_emu/; app.py sends it."""
    request_id = ids.new_id(ids.REQUEST)
    path = environ.get("PATH_INFO", "")
    method = environ.get("REQUEST_METHOD", "GET").upper()
    headers = [*_HEADERS, ("Request-Id", request_id)]
    try:
        page = control_redirect.PAGE.fullmatch(path)
        _admit(app, environ, web_page=page is not None)
        if page is not None:
            return control_redirect.redirect_page(app, environ, method, *page.groups())
        function, properties, args = _route(path, method)
        result = function(app, _params(environ, method, properties), **args)
        return 200, headers, wire.encode_json(result)
    except errors.StripeError as error:
        status, body = app.render_error(error, request_id, app.clock())
        return status, headers + list(error.headers.items()), body
    except Exception as error:
        traceback.print_exc(file=environ.get("wsgi.errors", sys.stderr))
        status, body = app.render_error(error, request_id, app.clock())
        return status, headers, body


def _admit(app, environ, web_page):
    if app.control_plane != "open" and not _local(environ.get("REMOTE_ADDR")):
        raise errors.StripeError(
            "The stripe_emu control plane answers loopback clients only. Start the emulator "
            "with --control-plane-open (make_app(control_plane=\"open\")) to allow others.",
            status=403)
    if environ.get("HTTP_STRIPE_SIGNATURE") is not None:
        # A webhook endpoint registered at /_emu/... would let any API key reset everything.
        raise errors.StripeError("The stripe_emu control plane does not take webhook "
                                 "deliveries (this request carries a Stripe-Signature).",
                                 status=403)
    site = environ.get("HTTP_SEC_FETCH_SITE", "none")
    if not web_page and (environ.get("HTTP_ORIGIN") is not None
                         or site not in ("same-origin", "none")):
        # Any web page the developer opens can send requests to 127.0.0.1; curl, test
        # clients and the stripe_emu.testing helpers send neither header.
        raise errors.StripeError("The stripe_emu control plane does not answer requests "
                                 "made by web pages (this one carries an Origin header or "
                                 f"Sec-Fetch-Site: {site}).", status=403)


def _local(address):
    if not address:
        return True
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    return (getattr(ip, "ipv4_mapped", None) or ip).is_loopback


def _route(path, method):
    """(function, its parameters' schemas, path arguments) of the endpoint; 404 or 405."""
    for pattern, endpoint in _ENDPOINTS:
        match = pattern.fullmatch(path)
        if match is None:
            continue
        if method not in endpoint:
            raise errors.StripeError(f"{method} is not allowed on {path}: use "
                                     f"{', '.join(endpoint)}.", status=405)
        return *endpoint[method], match.groupdict()
    raise errors.StripeError(f"Unrecognized control-plane URL: {path}", status=404)


def _params(environ, method, properties):
    """The request's parameters checked against `properties` (schemas as in Stripe's spec);
    for properties None, the JSON body itself (a snapshot)."""
    is_json = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower() == _JSON
    if properties is None:
        if not is_json:
            what = "fixture" if environ.get("PATH_INFO") == "/_emu/seed" else "snapshot"
            raise errors.invalid(f"The {what} must be the body, as {_JSON}.")
        return _json_body(environ)
    if is_json:
        # Typed JSON values become the form values they stand for, for one coercion of both.
        given = wire.read_params(environ, "GET")  # the query string
        pairs = seeding.form_pairs(_json_body(environ))
        given.update(params.decode(urllib.parse.urlencode(pairs)))
    else:
        given = wire.read_params(environ, method)
    return params.coerce_object(given, {"type": "object", "properties": properties})


def _json_body(environ):
    raw = wire.read_body(environ, MAX_SNAPSHOT_BYTES)
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError) as error:
        raise errors.invalid(f"The body is not valid JSON: {error}")
    if not isinstance(body, dict):
        raise errors.invalid("The JSON body must be an object.")
    return body


# --- the endpoints: given (checked parameters) → JSON-ready result ---------------------------

def _health(app, given):
    database_bytes, wal_bytes = app.store.sizes()
    return {"status": "ok", "pid": os.getpid(), "database": app.store.path,
            "database_bytes": database_bytes, "wal_bytes": wal_bytes}


def _reset(app, given):
    deleted = reset(app, given.get("account"))
    return {"reset": True, "account": auth.account_named(given.get("account"), app.keys),
            "deleted": deleted}


def _export(app, given):
    return export_snapshot(app)


def _import(app, snapshot):
    try:
        return {"restored": import_snapshot(app, snapshot)}
    except sql.SnapshotError as error:
        raise errors.invalid(str(error))


def _requests(app, given):
    limit = given.get("limit", 100)
    if limit is None or not 1 <= limit <= MAX_LOG_LIMIT:
        raise errors.invalid(f"limit must be between 1 and {MAX_LOG_LIMIT}.", "limit")
    entries = recent_requests(app, limit, given.get("account"))
    # The pid tells apart the workers of a multi-process server: each keeps its own log.
    return {"object": "list", "pid": os.getpid(), "data": entries}


def _faults(app, given):
    return {"object": "list", "data": [
        _shown_fault(app, fault)
        for fault in app.faults.pending(auth.account_named(given.get("account"), app.keys))]}


def _shown_fault(app, fault):
    return dict(dataclasses.asdict(fault),
                account=auth.mask_account(fault.account, app.keys))


def _inject(app, given):
    if given.get("kind") is None:
        raise errors.missing_param("kind")
    try:
        fault = app.faults.add(
            given["kind"], given.get("count", 1), method=given.get("method"),
            path=given.get("path"),
            account=auth.account_named(given.get("account"), app.keys),
            after_execution=given.get("after_execution") or False)
    except ValueError as error:
        raise errors.invalid(str(error))
    return _shown_fault(app, fault)


def _clear_faults(app, given):
    return {"deleted": app.faults.clear(auth.account_named(given.get("account"), app.keys))}


def _source_status(app, given, source):
    if given.get("status") is None:
        raise errors.missing_param("status")
    return set_source_status(app, source, given["status"], given.get("account"))


_TEXT = {"type": "string", "maxLength": 5000}
_ENDPOINTS = [(re.compile(path), endpoint) for path, endpoint in (
    ("/_emu/health", {"GET": (_health, {})}),
    ("/_emu/reset", {"POST": (_reset, {"account": _TEXT})}),
    ("/_emu/snapshot", {"GET": (_export, {}), "POST": (_import, None)}),
    ("/_emu/requests", {"GET": (_requests, {"limit": {"type": "integer"}, "account": _TEXT})}),
    ("/_emu/faults", {
        "GET": (_faults, {"account": _TEXT}),
        "POST": (_inject, {"kind": _TEXT, "count": {"type": "integer"}, "method": _TEXT,
                           "path": _TEXT, "account": _TEXT,
                           "after_execution": {"type": "boolean"}}),
        "DELETE": (_clear_faults, {"account": _TEXT})}),
    (r"/_emu/sources/(?P<source>[^/]+)/status",
     {"POST": (_source_status, {"status": _TEXT, "account": _TEXT})}),
    # Payments (control_payments.py).
    (r"/_emu/charges/(?P<charge>[^/]+)/settle",
     {"POST": (control_payments.settle_endpoint, {"account": _TEXT})}),
    (r"/_emu/sources/(?P<source>[^/]+)/fund", {"POST": (
        control_payments.fund_endpoint, {"amount": {"type": "integer"}, "account": _TEXT})}),
    ("/_emu/due", {"POST": (control_payments.due_endpoint, {})}),
    (r"/_emu/intents/(?P<intent>[^/]+)/authenticate", {"POST": (
        control_intents.authenticate_endpoint, {"outcome": _TEXT, "account": _TEXT})}),
    ("/_emu/webhooks/deliveries", control_webhooks.DELIVERIES),
    ("/_emu/seed", seeding.ENDPOINT),
)]
