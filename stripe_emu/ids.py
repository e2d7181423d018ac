"""Object id prefixes and generators, in one place."""
import secrets
import string

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

_ALPHABET = string.ascii_letters + string.digits


def random_suffix(length):
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_id(prefix):
    """Stripe's shapes: 14 random characters for customers and requests, and '1' plus 23
    for the objects whose real ids embed an account fragment (cards, sources, tokens...)."""
    if prefix in (CUSTOMER, REQUEST):
        return prefix + random_suffix(14)
    return prefix + "1" + random_suffix(23)
