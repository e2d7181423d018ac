"""Card and bank_account objects: building them from validated test cards and bank accounts.

This module builds the JSON dicts; it never stores them (tokens.py, sources.py and
payment_sources.py decide where an object lives). What a card will do later (decline when
attached, fail when charged) is kept in internal "_" keys, which `expand.present` never shows.
"""
import datetime

from .. import errors, ids, testcards
from . import common


def today(req):
    """The request's date (UTC): card expiry is judged against it."""
    return datetime.datetime.fromtimestamp(req.now, datetime.timezone.utc).date()


def card_from_hash(req, card_hash, param_prefix):
    """The testcards.NewCard for a raw card hash (`card[...]`, `source[...]`): the required
    fields first (`Missing required param: <prefix>[number].`), then Stripe's card errors
    (402 incorrect_number, invalid_expiry_month/year, invalid_cvc) in Stripe's order."""
    for field in ("number", "exp_month", "exp_year"):
        if card_hash.get(field) in (None, ""):
            raise errors.missing_param(f"{param_prefix}[{field}]")
    return testcards.card_from_params(card_hash["number"], card_hash["exp_month"],
                                      card_hash["exp_year"], card_hash.get("cvc"),
                                      today=today(req))


def card_object(req, new_card, params=None, customer=None):
    """A full Stripe `card` dict for `new_card` (a testcards.NewCard).

    `params` may hold the address_* fields, name and metadata. The *_check fields are the
    results of the checks Stripe runs when a card is saved (null for what was not given).
    Stripe leaves out the Connect-only fields (account, currency, default_for_currency,
    available_payout_methods, status) on a customer's card, and so do we.
    """
    params = params or {}
    profile = new_card.profile
    checks = profile.checks(
        cvc=new_card.cvc_supplied,
        address_line1=params.get("address_line1") or new_card.address_supplied,
        address_zip=params.get("address_zip") or new_card.address_supplied)
    return {
        "id": ids.new_id(ids.CARD),
        "object": "card",
        "address_city": params.get("address_city"),
        "address_country": params.get("address_country"),
        "address_line1": params.get("address_line1"),
        "address_line1_check": checks["address_line1_check"],
        "address_line2": params.get("address_line2"),
        "address_state": params.get("address_state"),
        "address_zip": params.get("address_zip"),
        "address_zip_check": checks["address_zip_check"],
        # Newer API versions show it: whether a checkout may offer the card again.
        "allow_redisplay": "unspecified",
        "brand": profile.brand,
        "country": profile.country,
        "customer": customer,
        "cvc_check": checks["cvc_check"],
        "dynamic_last4": None,
        "exp_month": new_card.exp_month,
        "exp_year": new_card.exp_year,
        "fingerprint": profile.fingerprint(req.account),
        "funding": profile.funding,
        "last4": profile.last4,
        "metadata": common.merged_metadata({}, params),
        "name": params.get("name"),
        # Newer API versions show it. UNCERTAIN: Stripe does not say which test cards count
        # as issued by a regulated (Durbin) bank; none does here.
        "regulated_status": "unregulated",
        "tokenization_method": None,
        # What the card does later: decline at attach (and at charge), or attach and then
        # fail every charge (tok_chargeCustomerFail).
        "_decline": list(new_card.decline()) if new_card.decline() else None,
        "_charge_fails": profile.charge_fails,
        # When it was made (Stripe's card JSON has no `created`; its PaymentMethod view has).
        "_created": req.now,
        # What it does about 3D Secure: a name in testcards.THREE_D_SECURE.
        "_three_d_secure": testcards.three_d_secure_of(profile.number),
        "_charge": testcards.charge_behaviour(profile.number),  # risk level, pending or not
    }


CHECKS = ("address_line1_check", "address_zip_check", "cvc_check")


def unchecked(details):
    """`details` (a card, or a Source's card hash) as it shows before its checks ran: each
    check of a field that was given is "unchecked", the others stay null (Stripe's token
    samples; a card Source's checks run when it is charged)."""
    return {key: "unchecked" if key in CHECKS and value is not None else value
            for key, value in details.items()}


def three_d_secure(card):
    """The testcards.ThreeDSecure behaviour of a card, card Source or PaymentMethod (cards
    stored before the table existed are "optional")."""
    return testcards.THREE_D_SECURE[card.get("_three_d_secure") or "optional"]


def attach_error(card):
    """The StripeError Stripe gives when this card (or card Source) is attached to a
    customer, or None: decline cards fail with their 402, tok_chargeCustomerFail attaches.
    The one way to ask: a card keeps its testcards.Decline as the JSON list `_decline`."""
    decline = card.get("_decline")
    return testcards.Decline(*decline).error() if decline else None


def bank_account_object(req, profile, params=None, customer=None):
    """A full Stripe `bank_account` dict for `profile` (a testcards.BankProfile).

    `params` may hold account_holder_name, account_holder_type, account_type and metadata.
    The status is the profile's ("new", or "verified" for the btok_us_verified* tokens).
    """
    params = params or {}
    return {
        "id": ids.new_id(ids.BANK_ACCOUNT),
        "object": "bank_account",
        "account_holder_name": params.get("account_holder_name"),
        "account_holder_type": params.get("account_holder_type"),
        "account_type": params.get("account_type"),
        "bank_name": profile.bank_name,
        "country": profile.country,
        "currency": profile.currency,
        "customer": customer,
        "fingerprint": profile.fingerprint(req.account),
        "last4": profile.last4,
        "metadata": common.merged_metadata({}, params),
        "routing_number": profile.routing_number,
        "status": profile.status,
        "_failure_code": profile.failure_code,  # why debiting it fails, once it is used
    }
