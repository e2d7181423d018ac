"""Object id prefixes and generators, in one place."""
import os
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
TAX_ID = "txi_"
CUSTOMER_BALANCE_TRANSACTION = "cbtxn_"
PAYMENT_METHOD = "pm_"
SETUP_INTENT = "seti_"
SETUP_ATTEMPT = "setatt_"
PAYMENT_INTENT = "pi_"

_ALPHABET = string.ascii_letters + string.digits


def random_suffix(length):
    # One urandom call per id (a choice() per character was a third of a create's time):
    # 8 random bits per character, read out in base 62, leaves no visible bias.
    number = int.from_bytes(os.urandom(length), "big")
    chars = []
    for _ in range(length):
        number, digit = divmod(number, 62)
        chars.append(_ALPHABET[digit])
    return "".join(chars)


def new_id(prefix):
    """Stripe's shapes: 14 random characters for customers and requests, and '1' plus 23
    for the objects whose real ids embed an account fragment (cards, sources, tokens...)."""
    if prefix in (CUSTOMER, REQUEST):
        return prefix + random_suffix(14)
    return prefix + "1" + random_suffix(23)
