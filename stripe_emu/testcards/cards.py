"""Stripe's test card numbers and magic tokens: brand, funding, country, what each does at
attach and at charge time, and tokenization-time validation (docs.stripe.com/testing and the
card error codes of docs.stripe.com/declines/codes).
"""
import re
from typing import NamedTuple

from ..errors import StripeError, card_error
from . import fingerprints
from .international_cards import INTERNATIONAL as _INTERNATIONAL
from . import three_d_secure_cards as _3DS

# Cards: number -> (brand, funding, the magic tokens that mint it).  Every card of this table
# is from the US (Stripe's US list; the international ones are in international_cards.py).
# Behaviour cards are Visa credit; what they do is in tables below.
_V = ("Visa", "credit")
_CARDS = {
    "4242424242424242": (*_V, "tok_visa tok_us"),
    "4000056655665556": ("Visa", "debit", "tok_visa_debit"),
    "5555555555554444": ("MasterCard", "credit", "tok_mastercard"),
    "5200828282828210": ("MasterCard", "debit", "tok_mastercard_debit"),
    "5105105105105100": ("MasterCard", "prepaid", "tok_mastercard_prepaid"),
    "378282246310005": ("American Express", "credit", "tok_amex"),
    "6011111111111117": ("Discover", "credit", "tok_discover"),
    "6011000990139424": ("Discover", "credit", ""), "6011981111111113": ("Discover", "debit", ""),
    "3056930009020004": ("Diners Club", "credit", "tok_diners"),
    # Second numbers of a brand: no token of their own. UNCERTAIN: BCcard and DinaCard's
    # number is a Discover card (its IIN range; Stripe names no brand for it).
    "2223003122003222": ("MasterCard", "credit", ""),
    "371449635398431": ("American Express", "credit", ""),
    "36227206271667": ("Diners Club", "credit", ""),
    "6555900000604105": ("Discover", "credit", ""),
    # HSA and FSA cards: their magic PaymentMethods are in _PAYMENT_METHODS below.
    "4000051230000072": ("Visa", "debit", ""), "5200828282828897": ("MasterCard", "debit", ""),
    # Behaviour cards (see the tables below).
    "4000000000000077": (*_V, "tok_bypassPending"),
    "4000000000000002": (*_V, "tok_chargeDeclined tok_visa_chargeDeclined"),
    # UNCERTAIN: the page gives this token no number; a Visa debit number of ours.
    "4000056655669996": ("Visa", "debit", "tok_visa_debit_chargeDeclinedInsufficientFunds"),
    "4000000000009995": (*_V, "tok_chargeDeclinedInsufficientFunds "
                              "tok_visa_chargeDeclinedInsufficientFunds"),
    "4000000000009987": (*_V, "tok_chargeDeclinedLostCard tok_visa_chargeDeclinedLostCard"),
    "4000000000009979": (*_V, "tok_chargeDeclinedStolenCard tok_visa_chargeDeclinedStolenCard"),
    "4100000000000019": (*_V, "tok_chargeDeclinedFraudulent tok_visa_chargeDeclinedFraudulent "
                              "tok_radarBlock"),
    "4000000000006975": (*_V, "tok_visa_chargeDeclinedVelocityLimitExceeded"),
    "4000000000000069": (*_V, "tok_chargeDeclinedExpiredCard tok_visa_chargeDeclinedExpiredCard"),
    "4000000000000127": (*_V, "tok_chargeDeclinedIncorrectCvc "
                              "tok_visa_chargeDeclinedIncorrectCvc"),
    "4000000000000119": (*_V, "tok_chargeDeclinedProcessingError "
                              "tok_visa_chargeDeclinedProcessingError"),
    "4000000000000341": (*_V, "tok_chargeCustomerFail tok_visa_chargeCustomerFail"),
    # UNCERTAIN: the page gives these two tokens no number; numbers of ours.
    "4000000000009870": (*_V, "tok_visa_chargeCustomerFailLostCard"),
    "4000000000003410": (*_V, "tok_visa_chargeCustomerFailStolenCard"),
    "4000000000000101": (*_V, "tok_cvcCheckFail"), "4000000000000010": (*_V, "tok_avsFail"),
    "4000000000000028": (*_V, "tok_avsLine1Fail"), "4000000000000036": (*_V, "tok_avsZipFail"),
    "4000000000000044": (*_V, "tok_avsUnchecked"),
    # Charge-time behaviour cards (see charge_behaviour below).
    "4000000000004954": (*_V, "tok_riskLevelHighest"),
    "4000000000009235": (*_V, "tok_riskLevelElevated"),
    "4000058400307872": (*_V, "tok_cvcCheckFailElevatedRisk"),
    "4000058400306072": (*_V, "tok_avsZipFailElevatedRisk"),
    # Refund test cards: their charges succeed, their refunds fail or succeed later
    # (UNCERTAIN: the tokens, by the tok_X / pm_card_X pairing of the testing page).
    "4000000000005126": (*_V, "tok_refundFail"), "4000000000007726": (*_V, "tok_pendingRefund"),
    # Dispute cards: disputes are not emulated, so their charges simply succeed.
    "4000000000000259": (*_V, "tok_createDispute"),
    "4000000000002685": (*_V, "tok_createDisputeProductNotReceived"),
    "4000000000001976": (*_V, "tok_createDisputeInquiry"),
    "4000000000005423": (*_V, "tok_createIssuerFraudRecord"),
    "4000000404000079": (*_V, "tok_createMultipleDisputes"),
    "4000000404000038": (*_V, "tok_createCe3EligibleDispute"),
    "4000008400000779": (*_V, "tok_createComplianceDispute"),
}
# The magic PaymentMethods without a token twin (the HSA and FSA cards).
_PAYMENT_METHODS = {"pm_card_debit_visaFsaProductCode": "4000051230000072",
                    "pm_card_debit_visaHsaProductCode": "4000051230000072",
                    "pm_card_mastercard_debit_mastercardFsaProductCode": "5200828282828897"}
# Magic tokens are reusable ids that each mint a fresh card from their test number: Stripe's
# examples and CLI fixtures pass tok_visa again and again.
MAGIC_TOKENS = {tok: n for n, (_, _, toks) in _CARDS.items() for tok in toks.split()}
MAGIC_TOKENS.update({tok: n for n, (*_, toks) in _INTERNATIONAL.items() for tok in toks.split()})
MAGIC_TOKENS.update(_3DS.TOKENS)


class Decline(NamedTuple):
    """How a card declines: Stripe's `code`, `decline_code`, message and `param`."""
    code: str
    decline_code: str
    message: str
    param: str | None = None

    def error(self) -> StripeError:
        """The 402 card_error to raise."""
        return card_error(self.code, self.message, self.param, self.decline_code)


_DECLINED = "Your card was declined."
# Stripe validates a card when it is attached to a customer, so these fail at attach ("If you
# create a customer with a card that declines like 4000000000000002 the customer creation will
# fail in Test mode too", a Stripe engineer on stripe-php#511) and, if they were ever attached,
# at charge time.
_DECLINES = {
    "4000000000000002": Decline("card_declined", "generic_decline", _DECLINED),
    "4000000000009995": Decline("card_declined", "insufficient_funds",
                                "Your card has insufficient funds."),
    "4000056655669996": Decline("card_declined", "insufficient_funds",
                                "Your card has insufficient funds."),
    "4000000000009987": Decline("card_declined", "lost_card", _DECLINED),
    "4000000000009979": Decline("card_declined", "stolen_card", _DECLINED),
    "4100000000000019": Decline("card_declined", "fraudulent", _DECLINED),
    # The wording of real test-mode answers (a recorded suite: openfoodnetwork's).
    "4000000000006975": Decline("card_declined", "card_velocity_exceeded",
                                "Your card was declined for making repeated attempts too "
                                "frequently or exceeding its amount limit."),
    "4000000000000069": Decline("expired_card", "expired_card", "Your card has expired.",
                                "exp_month"),
    "4000000000000127": Decline("incorrect_cvc", "incorrect_cvc",
                                "Your card's security code is incorrect.", "cvc"),
    "4000000000000119": Decline("processing_error", "processing_error",
                                "An error occurred while processing your card. "
                                "Try again in a little bit."),
}
# The documented exception: attaching succeeds, charging fails ("… due to a lost card", "…
# due to a stolen card" for two of them); and the 3D Secure card whose lookup fails
# ("Payments are declined with a card_declined failure code").
_CHARGE_FAILS = {
    "4000000000000341": _DECLINES["4000000000000002"],
    "4000000000009870": _DECLINES["4000000000009987"],
    "4000000000003410": _DECLINES["4000000000009979"],
    "4000008400001280": _DECLINES["4000000000000002"]}
# cvc_check "fail" (when a CVC was given); the card still attaches.
_CVC_FAILS = {"4000000000000101", "4000058400307872"}
# AVS cards: (address_line1_check, address_zip_check) when the field was supplied.
_AVS = {
    "4000000000000010": ("fail", "fail"), "4000000000000028": ("fail", "pass"),
    "4000000000000036": ("pass", "fail"), "4000000000000044": ("unavailable", "unavailable"),
    "4000058400306072": ("pass", "fail"),
}


def luhn_ok(number) -> bool:
    """True when `number` is ASCII digits only and passes the Luhn checksum."""
    n = str(number)
    if not re.fullmatch(r"[0-9]+", n):
        return False
    total = 0
    for i, ch in enumerate(reversed(n)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


# IIN ranges for numbers outside the table: (prefix length, low, high, brand), first match wins.
_IIN = [(1, 4, 4, "Visa"), (2, 51, 55, "MasterCard"), (4, 2221, 2720, "MasterCard"),
        (2, 34, 34, "American Express"), (2, 37, 37, "American Express"),
        (4, 6011, 6011, "Discover"), (3, 644, 649, "Discover"), (2, 65, 65, "Discover"),
        (3, 300, 305, "Diners Club"), (2, 36, 36, "Diners Club"), (2, 38, 39, "Diners Club"),
        (4, 3528, 3589, "JCB"), (2, 62, 62, "UnionPay")]


def brand_for(number) -> str:
    """Stripe's brand string: from the table, else from the IIN ranges, else "Unknown"."""
    n = str(number)
    if n in _CARDS:
        return _CARDS[n][0]
    if n in _INTERNATIONAL:
        return _INTERNATIONAL[n][1]
    for k, lo, hi, brand in _IIN:
        if len(n) >= k and n[:k].isascii() and n[:k].isdigit() and lo <= int(n[:k]) <= hi:
            return brand
    return "Unknown"


class CardProfile(NamedTuple):
    """Everything Stripe derives from a card number alone."""
    number: str
    brand: str
    funding: str
    country: str
    last4: str
    decline: Decline | None      # attach-time (and charge-time) decline, or None
    charge_fails: bool           # attaches, then every charge declines (4000000000000341)
    cvc_check_result: str        # "pass", or "fail" for the cvc-fail card
    line1_result: str            # address_line1_check when line1 was supplied
    zip_result: str              # address_zip_check when the zip was supplied

    # Stripe reports a check only for a field it was given: otherwise the *_check is null.
    def cvc_check(self, supplied) -> str | None:
        return self.cvc_check_result if supplied else None

    def address_line1_check(self, supplied) -> str | None:
        return self.line1_result if supplied else None

    def address_zip_check(self, supplied) -> str | None:
        return self.zip_result if supplied else None

    def checks(self, cvc=None, address_line1=None, address_zip=None) -> dict:
        """The three *_check fields of the card object, given the values that were supplied."""
        return {"address_line1_check": self.address_line1_check(bool(address_line1)),
                "address_zip_check": self.address_zip_check(bool(address_zip)),
                "cvc_check": self.cvc_check(bool(cvc))}

    def fingerprint(self, account) -> str:
        return fingerprints.card(account, self.number)


def card_profile(number) -> CardProfile:
    """The profile of a (validated) card number; unknown numbers are plain US credit cards."""
    n = str(number)
    funding = _CARDS[n][1] if n in _CARDS else "credit"
    country = "US"
    if n in _INTERNATIONAL:
        country, _, funding, _ = _INTERNATIONAL[n]
    line1, zip_ = _AVS.get(n, ("pass", "pass"))
    return CardProfile(n, brand_for(n), funding, country, n[-4:], _DECLINES.get(n),
                       n in _CHARGE_FAILS, "fail" if n in _CVC_FAILS else "pass", line1, zip_)


# Tokenization-time validation: these fail before any card exists (4242424242424241 is
# Stripe's test number for incorrect_number).
def validate_card_number(number) -> str:
    """The number as a string, or raise 402 invalid_number (not a number at all: `-1`) or
    incorrect_number (a number that is no card's: wrong length, Luhn failure). UNCERTAIN: a
    numeric number of the wrong length is taken as incorrect_number."""
    n = "" if number is None else str(number)
    if not re.fullmatch(r"[0-9]+", n):
        raise card_error("invalid_number", "Your card number is not a valid credit card "
                         "number.", "number")
    if not 12 <= len(n) <= 19 or not luhn_ok(n):
        raise card_error("incorrect_number", "Your card number is incorrect.", "number")
    return n


def validate_expiry(exp_month, exp_year, today) -> tuple[int, int]:
    """(month, four-digit year), or raise 402 invalid_expiry_month / invalid_expiry_year.
    Two-digit years mean 20YY, or 19YY when 20YY is more than 50 years ahead (the testing
    page: "invalid_expiry_year: Use a year up to 50 years in the past, such as 95";
    UNCERTAIN: where Stripe's window ends); an expiry before `today`'s month counts against
    the year."""
    month, year = (int(v) if re.fullmatch(r"\s*[0-9]{1,9}\s*", str(v)) else None
                   for v in (exp_month, exp_year))
    if month is None or not 1 <= month <= 12:
        raise card_error("invalid_expiry_month", "Your card's expiration month is invalid.",
                         "exp_month")
    if year is not None and year < 100:
        year += 2000 if 2000 + year <= today.year + 50 else 1900
    if year is None or (year, month) < (today.year, today.month):
        raise card_error("invalid_expiry_year", "Your card's expiration year is invalid.",
                         "exp_year")
    return month, year


def validate_cvc(cvc, brand) -> str | None:
    """The CVC, None when not supplied (it is optional), or raise 402 invalid_cvc."""
    if cvc is None or cvc == "":
        return None
    digits = 4 if brand == "American Express" else 3
    if not re.fullmatch(r"[0-9]{%d}" % digits, str(cvc)):
        raise card_error("invalid_cvc", "Your card's security code is invalid.", "cvc")
    return str(cvc)


def default_expiry(today) -> tuple[int, int]:
    """Expiry of cards minted from magic tokens: a future date (this month, next year)."""
    return today.month, today.year + 1


class NewCard(NamedTuple):
    """A card about to be created: its profile plus the validated user-facing fields."""
    profile: CardProfile
    exp_month: int
    exp_year: int
    cvc_supplied: bool
    address_supplied: bool = False  # checked as if an address had been given with it

    def decline(self) -> Decline | None:
        """What the card declines with (CardProfile.decline), but the incorrect-CVC card
        only when a CVC came with it: "If you don't provide a CVC, Stripe doesn't perform
        the CVC check, so the check can't fail" (the testing page)."""
        decline = self.profile.decline
        if decline and decline.code == "incorrect_cvc" and not self.cvc_supplied:
            return None
        return decline


def card_from_params(number, exp_month, exp_year, cvc=None, *, today) -> NewCard:
    """Validate raw card fields in Stripe's order (number, expiry, CVC) and profile the card."""
    n = validate_card_number(number)
    month, year = validate_expiry(exp_month, exp_year, today)
    profile = card_profile(n)
    return NewCard(profile, month, year, validate_cvc(cvc, profile.brand) is not None)


def magic_token(token_id, today) -> NewCard | None:
    """The card a magic token mints, or None.  Magic tokens carry a CVC: Stripe's samples show
    tok_visa cards with cvc_check "pass"."""
    number = MAGIC_TOKENS.get(token_id)
    return None if number is None else minted_card(number, today)


def minted_card(number, today) -> NewCard:
    """The card a magic token or a magic PaymentMethod id (pm_card_…) makes of its test
    number. It carries a CVC, and an AVS card an address too: the AVS tokens exist to show
    their checks (real charges of pm_card_avsFail show both address checks failed,
    ActiveMerchant's remote tests against Stripe's test mode)."""
    return NewCard(card_profile(number), *default_expiry(today), True, number in _AVS)


# -- At charge time (payments/charging.py): what a card does besides declining -------------
# Radar's test cards (docs.stripe.com/radar/testing): `highest` is blocked by Radar's default
# rule, `elevated` succeeds and is placed in review. Every other card is `normal`.
_RISK_LEVELS = {"4100000000000019": "highest", "4000000000004954": "highest",
                "4000000000009235": "elevated", "4000058400307872": "elevated",
                "4000058400306072": "elevated"}
# "Charge will succeed and funds will be added directly to your available balance
# (bypassing your pending balance)."
_AVAILABLE_AT_ONCE = {"4000000000000077", "4000003720000278"}
# The refund test cards: what a refund of their charges does later. "If you initiate a
# refund, its status begins as succeeded. Some time later, its status transitions to failed"
# (failure_reason expired_or_canceled_card); "… its status begins as pending. Some time
# later, its status transitions to succeeded".
_REFUNDS_LATER = {"4000000000005126": "fails", "4000000000007726": "succeeds"}
# The co-branded cards (international_cards.py): the networks a payment can go over, in the
# order Stripe's own co-branded fixtures list them (the local network first).
_NETWORKS = {"4000002500001001": ["cartes_bancaires", "visa"],
             "5555552500001001": ["cartes_bancaires", "mastercard"],
             "4000050360000001": ["eftpos_au", "visa"],
             "5555050360000080": ["eftpos_au", "mastercard"]}


def charge_behaviour(number) -> dict:
    """What charging this card number does beyond its decline (CardProfile.decline): its
    Radar risk level, whether its funds skip the pending balance, what its refunds do later
    ("fails", "succeeds" or None), how a card that attached declines its charges
    (`charge_decline`, a Decline's fields, for CardProfile.charge_fails), and a co-branded
    card's `networks`. JSON-ready, so a card can keep it (cards.card_object stores it as
    `_charge`)."""
    n = str(number)
    behaviour = {"risk_level": _RISK_LEVELS.get(n, "normal"),
                 "available_at_once": n in _AVAILABLE_AT_ONCE,
                 "refund_later": _REFUNDS_LATER.get(n)}
    if n in _CHARGE_FAILS:
        behaviour["charge_decline"] = list(_CHARGE_FAILS[n])
    if n in _NETWORKS:
        behaviour["networks"] = _NETWORKS[n]
    return behaviour


def payment_method_card(pm_id) -> str | None:
    """The test number a magic PaymentMethod id (`pm_card_visa`, …) stands for, or None.
    Each magic token `tok_X` has its twin `pm_card_X` (as on Stripe's testing page)."""
    if pm_id in _3DS.PAYMENT_METHODS:
        return _3DS.PAYMENT_METHODS[pm_id]
    if pm_id in _PAYMENT_METHODS:
        return _PAYMENT_METHODS[pm_id]
    if pm_id.startswith("pm_card_"):
        return MAGIC_TOKENS.get("tok_" + pm_id[len("pm_card_"):])
    return None
