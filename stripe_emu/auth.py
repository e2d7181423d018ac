"""API keys: which account a request acts for, what the key may do, and Stripe's 401 and 403
answers.

Two rules give a key its account:
- paired keys (`serve --account shop=pk_test_…,sk_test_…`, `make_app(accounts=...)`): the
  keys Stripe's dashboard gives one account differ after their common start, so the operator
  lists them together; they act for the account `shop`, and no other key reaches it;
- any other test key is invented: its account is the key without its mode prefix, so
  `pk_test_abc` (in the browser) and `sk_test_abc` (on the server) share objects, while
  `sk_test_xyz` sees none of them. An invented key that would land on a paired account (its
  name, or the suffix of one of its keys) is refused, so knowing a paired publishable key
  never yields the secret key's powers.

A publishable key is accepted only where Stripe accepts one (routes marked `publishable`),
there also as the `key` form parameter Stripe.js sends instead of an Authorization header.
Restricted keys (`rk_test_`) act as secret keys, or may only read when the operator asks
(`restricted_keys="read_only"`).
"""
import base64
import dataclasses
import re

from . import errors

_TEST_KEY = re.compile(r"(sk|pk|rk)_test_([A-Za-z0-9_]+)")
_LIVE_KEY = re.compile(r"(sk|pk|rk)_live_\w+")
_ACCOUNT_NAME = re.compile(r"[A-Za-z0-9_]+")
RESTRICTED_MODES = ("full", "read_only")
_HELP = ("See https://stripe.com/docs/api#authentication for details, or we can help at "
         "https://support.stripe.com/.")


@dataclasses.dataclass(frozen=True)
class Keys:
    """The operator's key configuration: paired keys → account name, the names (and paired
    keys' suffixes) no invented key may take, and what restricted keys may do."""
    paired: dict = dataclasses.field(default_factory=dict)
    reserved: frozenset = frozenset()
    restricted: str = "full"


def configure(accounts=(), restricted_keys="full"):
    """Keys from `accounts` — {name: [key, ...]} or "NAME=key,key" strings — and the mode of
    restricted keys ("full" or "read_only"). ValueError for anything that is not a test key,
    a key listed twice, or a bad name."""
    if restricted_keys not in RESTRICTED_MODES:
        raise ValueError(f"restricted_keys must be one of {RESTRICTED_MODES}, "
                         f"not {restricted_keys!r}")
    if isinstance(accounts, dict):
        accounts = list(accounts.items())
    paired, reserved = {}, set()
    for entry in accounts:
        name, keys = account_entry(entry) if isinstance(entry, str) else entry
        if not _ACCOUNT_NAME.fullmatch(name or ""):
            raise ValueError(f"an account name is letters, digits and _: {name!r}")
        if isinstance(keys, str) or not keys:
            raise ValueError(f"account {name}: give its keys as a list, e.g. "
                             "[\"pk_test_...\", \"sk_test_...\"]")
        reserved.add(name)
        for key in keys:
            found = _TEST_KEY.fullmatch(key)
            if not found:
                raise ValueError(f"account {name}: {key!r} is not a test key "
                                 "(pk_test_..., sk_test_... or rk_test_...)")
            if key in paired:
                raise ValueError(f"{mask(key)} is listed for two accounts")
            paired[key] = name
            reserved.add(found.group(2))
    return Keys(paired, frozenset(reserved), restricted_keys)


def account_entry(text):
    """`NAME=key,key` (serve --account) → (name, [keys])."""
    name, equals, keys = text.partition("=")
    if not equals:
        raise ValueError(f"expected NAME=pk_test_...,sk_test_...: {text!r}")
    return name.strip(), [key.strip() for key in keys.split(",") if key.strip()]


# What Stripe.js and the mobile SDKs send beside the card or Source on the calls they make
# with a publishable key (fraud signals and their own version), which Stripe takes without
# listing them in its API reference. UNCERTAIN: the full set; these are the ones seen in
# Stripe.js's requests. `_stripe_account` and `_stripe_version` are not among them: Connect
# is not emulated, and a version belongs in the Stripe-Version header.
CLIENT_TELEMETRY = ("guid", "muid", "sid", "payment_user_agent", "time_on_page", "referrer",
                    "pasted_fields", "client_attribution_metadata")


def drop_client_telemetry(raw):
    """Forget the client SDKs' telemetry among a publishable route's decoded parameters."""
    for name in CLIENT_TELEMETRY:
        raw.pop(name, None)


def _unauthorized(message, code=None, account_known=False):
    """Stripe's 401; without a key naming an account, no request log links to it (Stripe's
    answers without a valid key carry only message and type)."""
    return errors.StripeError(message, status=401, code=code, validation=True,
                              logged=account_known,
                              headers={"WWW-Authenticate": 'Basic realm="Stripe"'})


def mask(key):
    """Stripe's masking: length kept, the last four characters shown, and the mode prefix
    too when the key is long enough for that not to reveal most of it."""
    shown_prefix = 8 if len(key) > 16 else 0
    return key[:shown_prefix] + "*" * (len(key) - shown_prefix - 4) + key[-4:]


def mask_account(account, keys):
    """`abcd1234` → `…1234`: enough to tell accounts apart, not enough to use one (an
    invented key's account is the key without its prefix; names of four characters or fewer
    show nothing). A paired account's name is the operator's, not a key: shown whole."""
    if account is None or account in keys.paired.values():
        return account
    return "…" + (account[-4:] if len(account) > 4 else "")


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


def account_of(keys, key):
    """(account, kind) of a valid test key, kind being 'sk', 'pk' or 'rk'; Stripe's 401
    otherwise."""
    if _LIVE_KEY.fullmatch(key):
        raise _unauthorized(
            f"Invalid API Key provided: {mask(key)}. stripe_emu emulates test mode only: use a "
            "test key (sk_test_...), never a live one.")
    found = _TEST_KEY.fullmatch(key)
    if found and key in keys.paired:
        return keys.paired[key], found.group(1)
    if not found or found.group(2) in keys.reserved:
        raise _unauthorized(f"Invalid API Key provided: {mask(key)}")
    return found.group(2), found.group(1)


def account_named(value, keys=None):
    """The account a test key names (`sk_test_abc` → `abc`, a paired key → its account's
    name), for the control plane's `account` parameters; anything else names itself."""
    if value is None:
        return None
    try:
        return account_of(keys or Keys(), value)[0]
    except errors.StripeError:
        return value


def authenticate(keys, header, route, method, form_key=None, connected_account=None):
    """(account, kind) the request acts for. `form_key` is the `key` parameter, taken on
    publishable routes when no Authorization header is sent (Stripe.js's way);
    `connected_account` the Stripe-Account header, refused (see below).
    UNCERTAIN: Stripe's answer to a request sending both; here the header is the key, and
    `key` is then an unknown parameter, as it is on every other route."""
    given = header is None and route.publishable and isinstance(form_key, str) and form_key
    key = form_key if given else key_from_header(header)
    account, kind = account_of(keys, key)
    if kind == "pk" and not route.publishable:
        raise _unauthorized(
            "This API call cannot be made with a publishable API key. Please use a secret API "
            "key. You can find a list of your API keys at "
            "https://dashboard.stripe.com/account/apikeys.", code="secret_key_required",
            account_known=True)
    if kind == "rk" and keys.restricted == "read_only" and method != "GET":
        # Stripe's words for a restricted key lacking a permission, whose name is
        # rak_<resource>_write. UNCERTAIN: the exact permission name of each resource (this
        # takes the path's first segment, singular), and the account clause, left out: it
        # would print the account, which for an invented key is the secret key's suffix.
        resource = route.template.split("/")[2].removesuffix("s")
        raise errors.StripeError(
            f"The provided key '{mask(key)}' does not have the required permissions for this "
            f"endpoint. Having the 'rak_{resource}_write' permission would allow this request "
            "to continue.", status=403, validation=True)
    if connected_account:
        # Connect is not emulated, so no account is ever connected to this one: Stripe's
        # answer for an account the key cannot reach (403, a PermissionError in the clients;
        # code account_invalid, "The account ID provided as a value for the Stripe-Account
        # header is invalid", Stripe's error codes). UNCERTAIN: the code on this 403, and
        # the answer for the key's own account named there, refused too.
        raise errors.StripeError(
            f"The provided key '{mask(key)}' does not have access to account "
            f"'{connected_account}' (or that account does not exist). Application access may "
            "have been revoked. (stripe_emu does not emulate Connect: no account is connected.)",
            status=403, code="account_invalid", validation=True)
    return account, kind
