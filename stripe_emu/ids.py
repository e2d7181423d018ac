"""Object id prefixes and their generator: every prefix but those of money movement, which
payments/ keeps beside the code that makes them (ch_ and py_ in charging.py, re_ in
refunding.py, txn_ in balance.py).

A seed may choose the id of the object a request creates (`cus_123`, as suites written for
stripe-mock expect): inside `choosing(id)`, the first object id asked for with that id's
prefix is the chosen one, and `check_chosen()` (run by the app before the request commits)
refuses the request if no object took it. So the valid prefixes are those of what the
request creates, wherever their constants live (charges' are in payments/).
"""
import base64
import contextlib
import contextvars
import os
import re

from . import errors

CUSTOMER = "cus_"
CARD = "card_"
BANK_ACCOUNT = "ba_"
SOURCE = "src_"
CARD_TOKEN = "tok_"
BANK_TOKEN = "btok_"
EVENT = "evt_"
WEBHOOK_ENDPOINT = "we_"
WEBHOOK_SECRET = "whsec_"
REQUEST = "req_"
SOURCE_CLIENT_SECRET = "src_client_secret_"
SOURCE_TRANSACTION = "srctxn_"
TAX_ID = "txi_"
CUSTOMER_BALANCE_TRANSACTION = "cbtxn_"
PAYMENT_METHOD = "pm_"
SETUP_INTENT = "seti_"
SETUP_ATTEMPT = "setatt_"
PAYMENT_INTENT = "pi_"


def random_suffix(length):
    # Base64 of random bytes with "+" and "/" dropped: every character left is uniform over
    # the 62 letters and digits, and the work is done in C (a divmod per character in Python
    # cost a tenth of a retrieve).
    while True:
        chars = base64.b64encode(os.urandom(length)).translate(None, b"+/")
        if len(chars) >= length:
            return chars[:length].decode()


def new_id(prefix):
    """Stripe's shapes: 14 random characters for customers and requests, and '1' plus 23
    for the objects whose real ids embed an account fragment (cards, sources, tokens...)."""
    chosen = _chosen.get()
    if chosen is not None and chosen["taken"] is None and prefix not in _NEVER_CHOSEN:
        if chosen["id"].startswith(prefix):
            chosen["taken"] = prefix
            return chosen["id"]
        chosen["made"].append(prefix)
    if prefix in (CUSTOMER, REQUEST):
        return prefix + random_suffix(14)
    return prefix + "1" + random_suffix(23)


_chosen = contextvars.ContextVar("stripe_emu_chosen_id", default=None)
# Ids that name no object a seed creates: requests, events (recorded beside the object) and
# secrets.
_NEVER_CHOSEN = (REQUEST, EVENT, WEBHOOK_SECRET, SOURCE_CLIENT_SECRET)
_CHOSEN_SHAPE = re.compile(r"([a-z]+_)+[A-Za-z0-9_]+")


def check_shape(object_id):
    """`object_id` if it may be chosen: a prefix (`cus_`), then letters, digits or _, at most
    255 characters, not the id of a request, an event or a secret; ValueError otherwise."""
    if not (isinstance(object_id, str) and len(object_id) <= 255
            and _CHOSEN_SHAPE.fullmatch(object_id)
            and not object_id.startswith(_NEVER_CHOSEN)):
        raise ValueError(f"{object_id!r} cannot be an object's id: an id is its object's "
                         "prefix (cus_, card_, src_, ...) followed by letters, digits or _, "
                         "and never names a request, an event or a secret")
    return object_id


@contextlib.contextmanager
def choosing(object_id):
    """Within the block, the object created with `object_id`'s prefix gets `object_id`."""
    token = _chosen.set({"id": check_shape(object_id), "taken": None, "made": []})
    try:
        yield
    finally:
        _chosen.reset(token)


def check_chosen():
    """Raise Stripe's 400 if an id was chosen and the request created no object it fits."""
    chosen = _chosen.get()
    if chosen is not None and chosen["taken"] is None:
        made = ", ".join(dict.fromkeys(chosen["made"])) or "none"
        raise errors.invalid(f"The id {chosen['id']} was chosen, but this request creates no "
                             f"object with its prefix (it made ids starting with: {made}).",
                             "id")
