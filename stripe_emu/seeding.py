"""Fixtures: objects created through the API itself, so every rule, default and event applies
(`serve --seed`, `testing.seed`, `POST /_emu/seed`).

A fixture is {"api_key": "sk_test_abc", "<collection>": [params, ...], ...}: each item is
POSTed to /v1/<collection> with that key, in order; a collection may be a path under /v1/
(`customers/cus_123/sources`). An item's `id` chooses the created object's id (ids.choosing),
as suites written for stripe-mock expect (`cus_123`): one of Stripe's prefixes, the prefix of
what the collection creates, and not taken yet. Nothing here imports the control plane, which
serves this module.
"""
import io
import json
import re
import sys
import urllib.parse

from . import errors, ids
from .store import objects

_COLLECTION = re.compile(r"[a-z_]+(/[A-Za-z0-9_]+)*")


class SeedError(Exception):
    """A fixture's request that the emulator refused; the message is Stripe's error."""


def create(app, fixtures):
    """Create the objects of `fixtures` (a fixture dict, or a list of them) in `app`; returns
    them as the API answered. Raises SeedError at the first refused item (those before it
    stay created)."""
    created = []
    for fixture in fixtures if isinstance(fixtures, list) else [fixtures]:
        if not isinstance(fixture, dict):
            raise SeedError(f"A fixture is a JSON object, not {json.dumps(fixture)}.")
        fixture = dict(fixture)
        key = fixture.pop("api_key", None)
        if not key:
            raise SeedError("A fixture needs an \"api_key\" (e.g. \"sk_test_abc\"): the "
                            "account its objects belong to.")
        for collection, items in fixture.items():
            if not _COLLECTION.fullmatch(collection) or not isinstance(items, list):
                raise SeedError(f"{collection!r}: a fixture's keys are collections under /v1/ "
                                "(customers, customers/cus_123/sources), each a list of "
                                "objects' parameters.")
            for item in items:
                created.append(_create(app, key, collection, item))
    return created


def _create(app, key, collection, item):
    if not isinstance(item, dict):
        raise SeedError(f"POST /v1/{collection}: an item is an object of parameters, not "
                        f"{json.dumps(item)}.")
    params = dict(item)
    chosen = params.pop("id", None)
    where = f"POST /v1/{collection} {json.dumps(item)}"
    if chosen is not None:
        try:
            ids.check_shape(chosen)
        except ValueError as error:
            raise SeedError(f"{where}: {error}")
        with app.store.transaction(write=False) as db:
            if objects.account_of(db, chosen) is not None:
                raise SeedError(f"{where}: an object with id {chosen} exists already (ids are "
                                "unique in a database, across accounts).")
    body = urllib.parse.urlencode(form_pairs(params)).encode()
    environ = wsgi_environ("POST", f"/v1/{collection}", {
        "Authorization": f"Bearer {key}", "Content-Type": "application/x-www-form-urlencoded"},
        body)
    if chosen is None:
        status, _, answer = app.handle(environ)
    else:
        with ids.choosing(chosen):
            status, _, answer = app.handle(environ)
    answer = json.loads(answer)
    if status != 200:
        raise SeedError(f"{where}: {status} {answer['error']['message']}")
    return answer


def form_pairs(value, prefix=""):
    """Stripe's form encoding of nested values: [(a[b], 1), (a[list][0], x)], booleans as
    true/false, None as an empty value (unset)."""
    if isinstance(value, (dict, list)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        pairs = []
        for key, item in items:
            pairs += form_pairs(item, f"{prefix}[{key}]" if prefix else str(key))
        return pairs
    if isinstance(value, bool):
        value = "true" if value else "false"
    return [(prefix, "" if value is None else str(value))]


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


def _seed(app, fixture):
    """POST /_emu/seed: the JSON body is one fixture."""
    try:
        return {"object": "list", "data": create(app, fixture)}
    except SeedError as error:
        raise errors.invalid(str(error))


ENDPOINT = {"POST": (_seed, None)}  # None: the JSON body itself (control._params)
