"""The control plane's one web page: Stripe's test page where a customer authorizes or fails
a redirect-flow Source (three_d_secure) or the 3D Secure of an intent (control_intents.py).

    GET /_emu/redirect/{id}[/authorize|/fail]?client_secret=...

The client_secret in the link is the credential, as on Stripe's page, so control.py lets web
pages reach this path alone. The customer's choice moves the object (sources.py,
control_intents.py) and answers a 302 back to its return_url.
"""
import html
import re
import urllib.parse

from . import control_intents, errors, wire
from .payments import authentication
from .resources import sources

# What a Location header keeps as is: the URL syntax characters and existing %-escapes;
# anything else (non-ASCII, spaces, CR/LF) is percent-encoded.
_URL_CHARACTERS = ":/?#[]@!$&'()*+,;=%~"
PAGE = re.compile(r"/_emu/redirect/([^/]+)(?:/(authorize|fail))?")


def redirect_page(app, environ, method, object_id, action):
    """(status, headers, body) of Stripe's test page for a redirect-flow Source or for the 3D
    Secure of an intent (control_intents.py), where the client_secret is the credential: the
    page, or the customer's choice answered by a 302 back to the return_url (an intent
    confirmed without one shows the page again)."""
    if method != "GET":
        return _html(405, "Method not allowed", "<p>Use GET: follow the page's links.</p>")
    intent = control_intents.is_intent(object_id)
    location = None
    try:
        secret = wire.read_params(environ, method).get("client_secret")
        with app.store.transaction(action is not None,
                                   app.after_commit if action is not None else ()) as db:
            find = control_intents.find if intent else sources.redirect_source
            account, found = find(db, object_id, secret)
            if action is not None:
                complete = control_intents.complete if intent else sources.complete_redirect
                found = complete(app, db, account, found, action == "authorize")
                # Built before the commit: a return_url that cannot be followed changes nothing.
                location = _location(found, intent)
    except errors.StripeError as error:
        return _html(error.status, "No such payment" if error.status == 404 else
                     "Test payment page", f"<p>{html.escape(error.message)}</p>")
    if location:
        return 302, [("Location", location), ("Cache-Control", "no-store")], b""
    link = (f"{html.escape(environ.get('SCRIPT_NAME', ''))}/_emu/redirect/"
            f"{html.escape(object_id)}/%s?client_secret={html.escape(secret)}")
    if intent:
        summary = f"""<p>{html.escape(control_intents.describe(found))}: <code id="status">{
            html.escape(found["status"])}</code>.</p>"""
    else:
        summary = f"""<p>{html.escape(found["type"])} source
<code>{html.escape(object_id)}</code>: {found["amount"]} {html.escape(found["currency"] or "")},
status <code id="status">{html.escape(found["status"])}</code>, redirect
<code id="redirect-status">{html.escape(found["redirect"]["status"])}</code>.</p>"""
    return _html(200, "Test payment page", f"""{summary}
<p><a id="authorize" href="{link % "authorize"}">Authorize test payment</a>
<a id="fail" href="{link % "fail"}">Fail test payment</a></p>""")


def _location(found, intent):
    """The way back (a Source's or an intent's return_url with its query parameters) as a
    Location header carries it; None for an intent confirmed without a return_url."""
    try:
        url = control_intents.return_url(found) if intent else sources.return_url(found)
        if url is None:
            return None
        usable = (urllib.parse.urlsplit(url).scheme in ("http", "https")
                  or authentication.application_url(url))
    except ValueError:
        usable = False
    if not usable:
        # Refused at creation since; a Source from an older snapshot may still have one.
        raise errors.invalid("This redirect's return_url is not an http(s) or application "
                             "URL to send the customer back to.")
    return urllib.parse.quote(url, safe=_URL_CHARACTERS)


def _html(status, title, content):
    body = (f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title} · stripe_emu"
            f"</title></head>\n<body><h1>{title}</h1>\n{content}\n</body></html>\n").encode()
    return status, [("Content-Type", "text/html; charset=utf-8"),
                    ("Cache-Control", "no-store")], body
