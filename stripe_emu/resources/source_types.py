"""The Source types stripe_emu emulates: for each, its flow, the usages it allows, and the
builder that validates its parameters and fills in its type-specific hash and flow hashes.

Builders take the Source being created (common fields already set) and the request's
parameters; they raise before anything is written, redeeming a token last, and return True
when funds arrived at creation (a source.chargeable moment).
"""
import re
import secrets
from typing import NamedTuple

from .. import errors, ids, testcards
from ..store import objects
from . import cards, tokens

VERIFY_ATTEMPTS = 3
# Stripe's ACH credit transfer test receiver (the routing part of receiver.address).
_RECEIVER_ROUTING = "121042882"
# UNCERTAIN (test-mode convenience, after Stripe's testing docs for receiver Sources): an
# owner email amount_<cents>@... simulates a transfer of that amount landing on creation.
_SIMULATED_TRANSFER = re.compile(r"amount_(\d{1,9})@", re.ASCII)


def _require_currency(source, expected):
    """Sources of bank types are in one currency: `expected` when none was given."""
    if source["currency"] is None:
        source["currency"] = expected
    elif source["currency"] != expected:
        raise errors.invalid(f"Invalid currency: sources of type {source['type']} must be in "
                             f"{expected}.", "currency")


# The types that take Stripe's `mandate` parameter: the bank debits ("generally for bank
# debits"). The mandate is checked, not kept: a Source of this API version shows none.
MANDATE_TYPES = ("ach_debit", "sepa_debit")


def check_mandate(mandate, currency):
    """A mandate's currency, when given, "must match currency of the source" (Stripe's
    reference for `mandate[currency]`)."""
    given = (mandate or {}).get("currency")
    if given is not None and given.lower() != currency:
        # Invented wording: Stripe documents the rule, not its message.
        raise errors.invalid(f"Invalid mandate[currency]: it must be {currency}, the currency "
                             "of the source.", "mandate[currency]")


def no_amount(kind_name, amount):
    if amount is not None:
        raise errors.invalid(f"amount is not supported for sources of type {kind_name}: the "
                             "amount is not known until funds land.", "amount")


def _details_or_token(params, name, required):
    """(the `name` hash, token): a Source is made from exactly one of the two."""
    details, token = params.get(name), params.get("token")
    if details is None and token is None:
        raise errors.missing_param(required)
    if details is not None and token is not None:
        raise errors.invalid(f"You cannot pass both {name} and token: pass one.", "token")
    return details, token


def _card(req, source, params):
    details, token = _details_or_token(params, "card", "card")
    if isinstance(details, str):
        # The card of a Source is given by its details; an existing card goes in `token`.
        raise errors.invalid("Invalid hash", "card")
    if details is not None:
        card = cards.card_object(req, cards.card_from_hash(req, details, "card"),
                                 _with_owner_address(details, source["owner"]))
    else:
        card = _redeem(req, token, "card")
    source["card"] = cards.unchecked(card_details(card))
    source["_decline"], source["_charge_fails"] = card["_decline"], card["_charge_fails"]
    source["_three_d_secure"] = card.get("_three_d_secure")
    source["_charge"] = card["_charge"]
    source["_checks"] = {key: card[key] for key in cards.CHECKS}  # their results, once charged
    return True  # chargeable at once: Stripe records source.chargeable


def _with_owner_address(details, owner):
    """The card hash with owner[address] line1 and postal_code as the address the checks run
    against, where the hash has none: a live card Source made with owner[address] shows both
    address checks "unchecked". UNCERTAIN: a Source made from a token keeps the checks of the
    token's card (its own address), as the token's card was already checked."""
    address = owner["address"] or {}
    return {"address_line1": address.get("line1"), "address_zip": address.get("postal_code"),
            **{key: value for key, value in details.items() if value is not None}}


def card_details(card):
    """The card fields a Source shows (`source_type_card`)."""
    return {"address_line1_check": card["address_line1_check"],
            "address_zip_check": card["address_zip_check"], "brand": card["brand"],
            "country": card["country"], "cvc_check": card["cvc_check"],
            "dynamic_last4": card["dynamic_last4"], "exp_month": card["exp_month"],
            "exp_year": card["exp_year"], "fingerprint": card["fingerprint"],
            "funding": card["funding"], "last4": card["last4"], "name": card["name"],
            "three_d_secure": cards.three_d_secure(card).support,
            "tokenization_method": card["tokenization_method"]}


def _redeem(req, token, wanted):
    found = tokens.redeem(req, token, param="token")
    if found["object"] != wanted:
        raise errors.invalid(f"The token {token} is for a {found['object']}, but sources of "
                             f"type {req.params['type']} need a {wanted} token.", "token")
    return found


def _ach_credit_transfer(req, source, params):
    _require_currency(source, "usd")
    no_amount(source["type"], source["amount"])
    # Stripe's guide passes owner[email] (refunds are arranged by email) but does not say
    # that it is required: it is not required here.
    email = source["owner"]["email"] or ""
    account_number = "test_" + secrets.token_hex(6)
    source["ach_credit_transfer"] = {
        "account_number": account_number,
        "bank_name": "TEST BANK",
        "fingerprint": testcards.bank_fingerprint(req.account, "110000000", account_number),
        "routing_number": "110000000",
        "swift_code": "TSTEZ122",
    }
    simulated = _SIMULATED_TRANSFER.match(email)
    received = int(simulated.group(1)) if simulated else 0
    source["receiver"] = {
        "address": _RECEIVER_ROUTING + "-" + "".join(secrets.choice("0123456789")
                                                     for _ in range(17)),
        "amount_charged": 0,
        "amount_received": received,
        "amount_returned": 0,
        "refund_attributes_method": (params.get("receiver") or {}).get(
            "refund_attributes_method") or "email",
        "refund_attributes_status": "missing",
    }
    # Stripe's examples show `amount` as what landed and is not yet charged, null before.
    source["amount"] = received or None
    source["status"] = "chargeable" if received else "pending"
    return bool(received)


def _ach_debit(req, source, params):
    _require_currency(source, "usd")
    check_mandate(params.get("mandate"), source["currency"])
    details, token = _details_or_token(params, "ach_debit", "token")
    if details is not None:
        profile = testcards.bank_profile(details.get("routing_number"),
                                         details.get("account_number"),
                                         param_prefix="ach_debit")
        bank = cards.bank_account_object(req, profile)
        holder_type = details.get("account_holder_type")
    else:
        bank = _redeem(req, token, "bank_account")
        holder_type = bank["account_holder_type"]
    source["ach_debit"] = {"bank_name": bank["bank_name"], "country": bank["country"],
                           "fingerprint": bank["fingerprint"], "last4": bank["last4"],
                           "routing_number": bank["routing_number"],
                           "type": holder_type or "individual"}
    source["_failure_code"] = bank["_failure_code"]
    # A bank account already verified (btok_us_verified*) needs no micro-deposit codes.
    verified = bank["status"] == "verified"
    source["code_verification"] = {"attempts_remaining": VERIFY_ATTEMPTS,
                                   "status": "succeeded" if verified else "pending"}
    source["status"] = "chargeable" if verified else "pending"
    return False


def _sepa_debit(req, source, params):
    _require_currency(source, "eur")
    check_mandate(params.get("mandate"), source["currency"])
    iban = re.sub(r"\s+", "", (params.get("sepa_debit") or {}).get("iban") or "").upper()
    if not iban:
        raise errors.missing_param("sepa_debit[iban]")
    if source["owner"]["name"] is None:
        raise errors.missing_param("owner[name]")
    if not _iban_ok(iban):
        # UNCERTAIN wording.
        raise errors.invalid(f"The IBAN you provided ({iban}) is invalid.", "sepa_debit[iban]",
                             "invalid_bank_account_iban")
    # UNCERTAIN: German IBANs carry an 8-digit bank code and no branch code; elsewhere the
    # four characters after the check digits stand in for the bank code.
    bank_code = iban[4:12] if iban.startswith("DE") else iban[4:8]
    source["sepa_debit"] = {
        "bank_code": bank_code,
        "branch_code": None,
        "country": iban[:2],
        "fingerprint": testcards.bank_fingerprint(req.account, iban[:2], iban),
        "last4": iban[-4:],
        "mandate_reference": ids.random_suffix(16).upper(),
        "mandate_url": "https://hooks.stripe.com/adapter/sepa_debit/file/"
                       f"{source['id']}/{source['client_secret']}",
    }
    return False


def _iban_ok(iban):
    """ISO 13616: two letters, two check digits, up to 30 alphanumerics, mod 97 == 1."""
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", iban):
        return False
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


def _three_d_secure(req, source, params):
    for param in ("amount", "currency"):
        if source[param] is None:
            raise errors.missing_param(param)
    given = params.get("three_d_secure") or {}
    card_id = given.get("card")
    if not card_id:
        raise errors.missing_param("three_d_secure[card]")
    return_url = (params.get("redirect") or {}).get("return_url")
    if not return_url:
        raise errors.missing_param("redirect[return_url]")
    card = objects.get(req.db, req.account, card_id)
    if card is not None and card["object"] == "source" and card["type"] == "card":
        details, customer = card["card"], card.get("customer")
    elif card is not None and card["object"] == "card" and card.get("customer"):
        details, customer = card_details(card), card["customer"]
    else:
        raise errors.no_such("source", card_id, param="three_d_secure[card]", status=400)
    source["three_d_secure"] = dict(sorted({**details, "authenticated": False, "card": card_id,
                                            "customer": customer}.items()))
    source["redirect"] = {
        "return_url": return_url,
        "status": "pending",
        # Stripe's test page lives on hooks.stripe.com; the emulator's own (control_redirect.py) lets
        # a browser test authorize or fail the payment.
        "url": f"{req.base_url}/_emu/redirect/{source['id']}"
               f"?client_secret={source['client_secret']}",
    }
    source["status"] = "pending"
    return False


class SourceType(NamedTuple):
    flow: str
    usages: tuple   # the first is the default
    build: object   # fills in the type-specific parts; True when funds arrived


SOURCE_TYPES = {
    "ach_credit_transfer": SourceType("receiver", ("reusable",), _ach_credit_transfer),
    "ach_debit": SourceType("code_verification", ("reusable",), _ach_debit),
    "card": SourceType("none", ("reusable", "single_use"), _card),
    "sepa_debit": SourceType("none", ("reusable",), _sepa_debit),
    "three_d_secure": SourceType("redirect", ("single_use",), _three_d_secure),
}
