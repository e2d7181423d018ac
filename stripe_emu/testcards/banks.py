"""Stripe's US test bank accounts (ACH, docs.stripe.com/connect/testing): the magic bank
tokens, validation of a raw account, what using one does, and the test micro-deposits that
verify it.
"""
import re
from typing import NamedTuple

from ..errors import invalid
from . import fingerprints

BANK_NAMES = {"110000000": "STRIPE TEST BANK"}
# account number -> failure code once the account is used (None: succeeds).  Attaching always
# works (status "new"); a failing account becomes status "errored" when debited.
BANK_ACCOUNTS = {
    "000123456789": None, "000111111116": "no_account", "000111111113": "account_closed",
    "000222222227": "insufficient_funds", "000333333335": "debit_not_authorized",
    "000444444440": "invalid_currency",
}
# Magic bank tokens -> (account number, status at attach); all on the test routing number.
_BANK_TOKENS = {"btok_us": ("000123456789", "new"), **{
    "btok_us_verified" + name: (number, "verified") for name, number in (
        ("", "000123456789"), ("_noAccount", "000111111116"), ("_accountClosed", "000111111113"),
        ("_insufficientFunds", "000222222227"), ("_debitNotAuthorized", "000333333335"),
        ("_invalidCurrency", "000444444440"))}}
VERIFY_AMOUNTS = (32, 45)  # the test micro-deposits, in cents
# Observed wording; its code/status on the legacy verify endpoint is UNCERTAIN.
VERIFY_MISMATCH_MESSAGE = ("The amounts provided do not match the amounts that were sent "
                           "to the bank account.")


class BankProfile(NamedTuple):
    routing_number: str
    account_number: str
    country: str
    currency: str
    bank_name: str | None
    last4: str
    status: str                  # at attach: "new", or "verified" for btok_us_verified*
    failure_code: str | None     # why using it fails, or None

    def fingerprint(self, account) -> str:
        return fingerprints.bank(account, self.routing_number, self.account_number)


def bank_profile(routing_number, account_number, country="US", currency="usd", *,
                 param_prefix="bank_account", status="new") -> BankProfile:
    """Validate a US bank account (400 naming `<param_prefix>[field]`) and profile it."""
    country, currency = str(country).upper(), str(currency).lower()
    routing, number = str(routing_number or ""), str(account_number or "")
    if country == "US":
        # Wording: "Routing number must have 9 digits" is observed; the checksum one is ours.
        if not re.fullmatch(r"[0-9]{9}", routing):
            raise invalid("Routing number must have 9 digits",
                          f"{param_prefix}[routing_number]")
        if sum(int(d) * w for d, w in zip(routing, (3, 7, 1) * 3)) % 10:  # ABA checksum
            raise invalid(f"Invalid routing number: {routing}",
                          f"{param_prefix}[routing_number]")
    if not re.fullmatch(r"[0-9]{4,17}", number):
        raise invalid("Invalid account number", f"{param_prefix}[account_number]")
    return BankProfile(routing, number, country, currency, BANK_NAMES.get(routing),
                       number[-4:], status, BANK_ACCOUNTS.get(number))


def bank_token(token_id) -> BankProfile | None:
    """The bank account a magic bank token mints, or None."""
    if token_id not in _BANK_TOKENS:
        return None
    number, status = _BANK_TOKENS[token_id]
    return bank_profile("110000000", number, status=status)


def verify_amounts_ok(amounts) -> bool:
    """True when the two micro-deposit amounts are 32 and 45 (cents, in either order)."""
    if not isinstance(amounts, (list, tuple)):
        return False
    texts = [str(amount) for amount in amounts]
    return all(re.fullmatch(r"[0-9]{1,9}", text) for text in texts) and \
        sorted(map(int, texts)) == list(VERIFY_AMOUNTS)
