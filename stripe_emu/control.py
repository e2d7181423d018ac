"""The control plane under /_emu/: what a test harness needs besides Stripe's API.

    GET    /_emu/health     {"status": "ok", "pid": ..., "database": ...}
    POST   /_emu/reset      delete all state, or one account's (`account`: a test key or name)
    GET    /_emu/snapshot   every table's rows as JSON
    POST   /_emu/snapshot   replace all state with a snapshot (JSON body), atomically
    GET    /_emu/requests   the most recent API requests of this process, newest first
    GET    /_emu/faults     faults waiting for a request       (see faults.py)
    POST   /_emu/faults     inject one: kind, count, method, path, account, after_execution
    DELETE /_emu/faults     forget them
    POST   /_emu/sources/{id}/status   move a Source as Stripe would: `status`, `account`
    GET    /_emu/redirect/{id}[/authorize|/fail]   a redirect Source's test page (HTML)

No API key is needed, so by default only loopback clients may use it (403 otherwise); a
request with no REMOTE_ADDR at all did not come over a network (WebTest, the in-process
client) and is local too. Parameters come form-encoded (like Stripe's) or as a JSON object.
The operations are also plain functions here, for tests that hold the App.
"""
import dataclasses
import html
import ipaddress
import json
import os
import re

from . import auth, errors, params
from .expand import present
from .resources import sources
from .store import control as sql

ACCESS_MODES = ("loopback", "open")
MAX_LOG_LIMIT = 1000
_ENCODE = json.JSONEncoder(indent=2, ensure_ascii=False).encode


def access(mode):
    """Check a `control_plane=` option: "loopback" (the default) or "open" (any client)."""
    if mode not in ACCESS_MODES:
        raise ValueError(f"control_plane must be one of {ACCESS_MODES}, not {mode!r}")
    return mode


def account_of(value):
    """The account a test key names (`sk_test_abc` → `abc`); anything else names itself."""
    if value is None:
        return None
    try:
        return auth.authenticate(f"Bearer {value}", publishable_allowed=True)[0]
    except errors.StripeError:
        return value


# --- the operations --------------------------------------------------------------------------

def reset(app, account=None):
    """Delete all state (every table, the faults, this process's request log) or only one
    account's; returns {table: rows deleted}."""
    account = account_of(account)
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
    account = account_of(account)
    entries = [entry for entry in reversed(list(app.recent_requests))
               if account is None or entry["account"] == account]
    return entries[:limit]


def set_source_status(app, source_id, status, account=None):
    """Move Source `source_id` to `status` (chargeable, failed or canceled) as Stripe does by
    itself (sources.transition), recording source.<status>; `account` (a test key or name)
    narrows the search. Returns the Source; raises errors.StripeError."""
    with app.store.transaction() as db:
        owner, found = sources.locate(db, source_id, account_of(account))
        moved = sources.transition(app, db, owner, found, status)
    _committed(app)
    return present(moved)


def _committed(app):
    for hook in app.after_commit:
        hook()


# --- HTTP ------------------------------------------------------------------------------------

def handle(app, environ, start_response):
    try:
        if app.control_plane != "open" and not _local(environ.get("REMOTE_ADDR")):
            raise errors.StripeError(
                "The stripe_emu control plane answers loopback clients only. Start the "
                "emulator with --control-plane-open (make_app(control_plane=\"open\")) to "
                "allow others.", status=403)
        page = _REDIRECT_PAGE.fullmatch(environ.get("PATH_INFO", ""))
        if page is not None:
            status, headers, body = _redirect_page(app, environ, *page.groups())
            start_response(f"{status} {_REASONS[status]}", headers)
            return [body]
        endpoint, args = _route(environ.get("PATH_INFO", ""))
        if endpoint is None:
            raise errors.StripeError(f"Unrecognized control-plane URL: "
                                     f"{environ.get('PATH_INFO')}", status=404)
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method not in endpoint:
            raise errors.StripeError(f"{method} is not allowed on {environ['PATH_INFO']}: use "
                                     f"{', '.join(endpoint)}.", status=405)
        status, body = 200, endpoint[method](app, _params(environ, method), **args)
    except errors.StripeError as error:
        status, body = error.status, error.body()
    start_response(f"{status} {_REASONS[status]}",
                   [("Content-Type", "application/json"), ("Cache-Control", "no-store")])
    return [_ENCODE(body).encode() + b"\n"]


def _route(path):
    """(the endpoint's {method: function}, its path arguments), or (None, {})."""
    if path in _ENDPOINTS:
        return _ENDPOINTS[path], {}
    for pattern, endpoint in _PATTERNS:
        match = pattern.fullmatch(path)
        if match:
            return endpoint, match.groupdict()
    return None, {}


def _redirect_page(app, environ, source_id, action):
    """(status, headers, body) of Stripe's test page for a redirect-flow Source, where the
    client_secret is the credential: the page, or the customer's choice answered by a 302
    back to redirect[return_url]."""
    if environ.get("REQUEST_METHOD", "GET").upper() != "GET":
        return _html(405, "Method not allowed", "<p>Use GET: follow the page's links.</p>")
    try:
        secret = params.decode(environ.get("QUERY_STRING", "")).get("client_secret")
        with app.store.transaction(write=action is not None) as db:
            account, found = sources.redirect_source(db, source_id, secret)
            if action is not None:
                found = sources.complete_redirect(app, db, account, found, action == "authorize")
    except errors.StripeError as error:
        return _html(error.status, "No such payment" if error.status == 404 else
                     "Test payment page", f"<p>{html.escape(error.message)}</p>")
    if action is not None:
        _committed(app)
        return 302, [("Location", sources.return_url(found)), ("Cache-Control", "no-store"),
                     ("Content-Length", "0")], b""
    link = (f"{html.escape(environ.get('SCRIPT_NAME', ''))}/_emu/redirect/"
            f"{html.escape(source_id)}/%s?client_secret={html.escape(secret)}")
    return _html(200, "Test payment page", f"""<p>{html.escape(found["type"])} source
<code>{html.escape(source_id)}</code>: {found["amount"]} {html.escape(found["currency"] or "")},
status <code id="status">{html.escape(found["status"])}</code>, redirect
<code id="redirect-status">{html.escape(found["redirect"]["status"])}</code>.</p>
<p><a id="authorize" href="{link % "authorize"}">Authorize test payment</a>
<a id="fail" href="{link % "fail"}">Fail test payment</a></p>""")


def _html(status, title, content):
    body = (f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title} · stripe_emu"
            f"</title></head>\n<body><h1>{title}</h1>\n{content}\n</body></html>\n").encode()
    return status, [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"),
                    ("Content-Length", str(len(body)))], body


def _local(address):
    if not address:
        return True
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    return (getattr(ip, "ipv4_mapped", None) or ip).is_loopback


def _params(environ, method):
    query = params.decode(environ.get("QUERY_STRING", ""))
    if method == "GET":
        return query
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise errors.invalid("Invalid Content-Length header.")
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    if environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower() == "application/json":
        try:
            body = json.loads(raw or b"{}")
        except ValueError as error:
            raise errors.invalid(f"The body is not valid JSON: {error}")
        if not isinstance(body, dict):
            raise errors.invalid("The JSON body must be an object.")
    else:
        try:
            body = params.decode(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise errors.invalid("The body must be UTF-8 encoded form data.")
    return {**query, **body}


def _integer(given, name, default):
    value = given.get(name, default)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.invalid(f"Invalid integer: {value}", name)
    return value


def _boolean(given, name):
    value = given.get(name, False)
    if value in ("true", "false"):
        return value == "true"
    if not isinstance(value, bool):
        raise errors.invalid(f"Invalid boolean: {value}", name)
    return value


def _string(given, name):
    value = given.get(name)
    if value is not None and not isinstance(value, str):
        raise errors.invalid(f"Invalid string: {json.dumps(value)}", name)
    return value or None


def _health(app, given):
    return {"status": "ok", "pid": os.getpid(), "database": app.store.path}


def _reset(app, given):
    account = account_of(_string(given, "account"))
    return {"reset": True, "account": account, "deleted": reset(app, account)}


def _export(app, given):
    return export_snapshot(app)


def _import(app, given):
    try:
        return {"restored": import_snapshot(app, given)}
    except sql.SnapshotError as error:
        raise errors.invalid(str(error))


def _requests(app, given):
    limit = _integer(given, "limit", 100)
    if not 1 <= limit <= MAX_LOG_LIMIT:
        raise errors.invalid(f"limit must be between 1 and {MAX_LOG_LIMIT}.", "limit")
    entries = recent_requests(app, limit, _string(given, "account"))
    # The pid tells apart the workers of a multi-process server: each keeps its own log.
    return {"object": "list", "pid": os.getpid(), "data": entries}


def _faults(app, given):
    account = account_of(_string(given, "account"))
    return {"object": "list",
            "data": [dataclasses.asdict(fault) for fault in app.faults.pending(account)]}


def _inject(app, given):
    kind = _string(given, "kind")
    if kind is None:
        raise errors.missing_param("kind")
    try:
        fault = app.faults.add(
            kind, _integer(given, "count", 1), method=_string(given, "method"),
            path=_string(given, "path"), account=account_of(_string(given, "account")),
            after_execution=_boolean(given, "after_execution"))
    except ValueError as error:
        raise errors.invalid(str(error))
    return dataclasses.asdict(fault)


def _clear_faults(app, given):
    return {"deleted": app.faults.clear(account_of(_string(given, "account")))}


def _source_status(app, given, source):
    status = _string(given, "status")
    if status is None:
        raise errors.missing_param("status")
    return set_source_status(app, source, status, _string(given, "account"))


_ENDPOINTS = {
    "/_emu/health": {"GET": _health},
    "/_emu/reset": {"POST": _reset},
    "/_emu/snapshot": {"GET": _export, "POST": _import},
    "/_emu/requests": {"GET": _requests},
    "/_emu/faults": {"GET": _faults, "POST": _inject, "DELETE": _clear_faults},
}
_PATTERNS = [(re.compile(r"/_emu/sources/(?P<source>[^/]+)/status"), {"POST": _source_status})]
_REDIRECT_PAGE = re.compile(r"/_emu/redirect/([^/]+)(?:/(authorize|fail))?")
_REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed"}
