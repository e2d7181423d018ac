"""API keys: which account a request acts for, and Stripe's 401 answers.

The account is the key without its mode prefix, so `pk_test_abc` (in the browser) and
`sk_test_abc` (on the server) share objects, while `sk_test_xyz` sees none of them.
"""
import base64
import re

from . import errors

_TEST_KEY = re.compile(r"(sk|pk|rk)_test_([A-Za-z0-9_]+)")
_LIVE_KEY = re.compile(r"(sk|pk|rk)_live_\w+")
_HELP = ("See https://stripe.com/docs/api#authentication for details, or we can help at "
         "https://support.stripe.com/.")


def _unauthorized(message, code=None):
    return errors.StripeError(message, status=401, code=code, validation=True,
                              headers={"WWW-Authenticate": 'Basic realm="Stripe"'})


def mask(key):
    """Stripe's masking: length kept, the last four characters shown, and the mode prefix
    too when the key is long enough for that not to reveal most of it."""
    shown_prefix = 8 if len(key) > 16 else 0
    return key[:shown_prefix] + "*" * (len(key) - shown_prefix - 4) + key[-4:]


def key_from_header(header):
    if header is None:
        raise _unauthorized(
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
            f"YOUR_SECRET_KEY'). {_HELP}")
    scheme, _, credentials = header.strip().partition(" ")
    key = ""
    if scheme.lower() == "bearer":
        key = credentials.strip()
    elif scheme.lower() == "basic":
        try:
            key = base64.b64decode(credentials.strip(), validate=True).decode().partition(":")[0]
        except ValueError:
            key = ""
    if not key:
        raise _unauthorized(
            "You did not provide an API key, though you did set your Authorization header to "
            f"\"{header}\". Using Bearer auth, your Authorization header should look something "
            f"like 'Authorization: Bearer YOUR_SECRET_KEY'. {_HELP}")
    return key


def authenticate(header, publishable_allowed):
    """(account, kind) for a valid test key, kind being 'sk', 'pk' or 'rk'."""
    key = key_from_header(header)
    if _LIVE_KEY.fullmatch(key):
        raise _unauthorized(
            f"Invalid API Key provided: {mask(key)}. stripe_emu emulates test mode only: use a "
            "test key (sk_test_...), never a live one.")
    found = _TEST_KEY.fullmatch(key)
    if not found:
        raise _unauthorized(f"Invalid API Key provided: {mask(key)}")
    kind, account = found.groups()
    if kind == "pk" and not publishable_allowed:
        raise _unauthorized(
            "This API call cannot be made with a publishable API key. Please use a secret API "
            "key. You can find a list of your API keys at "
            "https://dashboard.stripe.com/account/apikeys.", code="secret_key_required")
    return account, kind
