"""Object id prefixes and generators, in one place."""
import base64
import os

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
    if prefix in (CUSTOMER, REQUEST):
        return prefix + random_suffix(14)
    return prefix + "1" + random_suffix(23)
