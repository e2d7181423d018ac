"""Fingerprints of test cards and bank accounts: stable per number within an account (tok_visa
attached twice makes two cards with one fingerprint), unrelated across accounts.
"""
import hashlib
import hmac
import string

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _keyed(account, message: str) -> str:
    mac = hmac.new(str(account).encode(), message.encode(), hashlib.sha256).digest()
    value = int.from_bytes(mac, "big")  # 256 bits: plenty for 16 base62 digits (~95 bits)
    return "".join(_BASE62[value // 62 ** i % 62] for i in range(16))


def card(account, number) -> str:
    """16 base62 characters for a card number, keyed by the account."""
    return _keyed(account, "card:" + str(number))


def bank(account, routing_number, account_number) -> str:
    """16 base62 characters for a bank account, keyed by the Stripe account."""
    return _keyed(account, f"bank:{routing_number}:{account_number}")
