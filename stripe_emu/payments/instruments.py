"""What a charge is made on: resolving the Charges API's `customer` / `source` pair to the
card, bank account or Source it names, whether that instrument may be charged, what a charge
shows of it (`payment_method_details`, `billing_details`), and how charging consumes it.

Stripe's rules (a Stripe engineer on stripe-go#490, and the `source` parameter's docs):
`customer` alone charges its default source; `customer` with `source` charges one of that
customer's cards, bank accounts or attached Sources; `source` alone is a one-off charge of a
token (consumed), a raw card hash or an unattached Source. Sources are consumed as the
Sources guides say: a single_use Source after its charge, a reusable one charged without
being attached; an attached reusable Source stays chargeable.
"""
from .. import errors, events
from ..resources import cards, common, source_transactions, tokens
from ..store import objects
from . import amounts, defaults, methods

# Sources paid by a bank debit: they settle later (pending first), like a bank account.
BANK_DEBIT_SOURCES = ("ach_debit", "sepa_debit")
_CONSUMED_REUSABLE = (
    "The reusable source you provided is consumed because it was previously charged without "
    "being attached to a customer or was detached from a customer. To charge a reusable "
    "source multiple time you must attach it to a customer first.")
_CONSUMED_SINGLE_USE = (
    "The provided source has already been used to make another payment. You cannot reuse "
    "sources without attaching them to a Customer object first.")


def resolve(req, customer_id, source, param="source"):
    """(instrument, customer id or None) for the Charges API's `customer` and `source`
    (an id or a raw card hash). Redeems a token (marks it used), so call it once every other
    parameter has been checked."""
    if not customer_id and not source:
        raise errors.invalid("Must provide source or customer.")
    if customer_id:
        customer = common.live_customer(req, customer_id, param="customer", status=400)
        if not source:
            if customer["default_source"] is None:
                raise errors.card_error("missing", "Cannot charge a customer that has no "
                                        "active card", "card")
            return objects.get(req.db, req.account, customer["default_source"]), customer_id
        if isinstance(source, str):
            return _linked(req, customer_id, source, param), customer_id
    if isinstance(source, dict):
        # UNCERTAIN: with `customer` too, the card is charged once and the customer named on
        # the charge; Stripe documents the hash only as a one-off source.
        return _card_hash(req, source, param), customer_id or None
    if source.startswith("src_"):
        return _unattached_source(req, source, param), None
    # Anything else is taken for a token, as Stripe does ("No such token: 'card_…'").
    return tokens.redeem(req, source, param), None


def _linked(req, customer_id, source_id, param):
    found = defaults.owned(req, customer_id, source_id)
    if found is None:
        # Observed 400 invalid_request_error; UNCERTAIN: its code and param.
        raise errors.StripeError(f"Customer {customer_id} does not have a linked source with "
                                 f"ID {source_id}.", code="resource_missing", param=param)
    return found


def _card_hash(req, given, param):
    if given.get("object", "card") != "card":
        # UNCERTAIN wording: bank accounts are charged once attached and verified.
        raise errors.invalid("A bank account must be attached to a customer and verified "
                             "before it can be charged.", param)
    return cards.card_object(req, cards.card_from_hash(req, given, param), given)


def _unattached_source(req, source_id, param):
    found = objects.get(req.db, req.account, source_id)
    if found is None or found["object"] != "source":
        raise errors.no_such("source", source_id, param=param, status=400)
    if objects.position(req.db, req.account, source_id)["customer"] is not None:
        # UNCERTAIN wording: Stripe requires the customer for an attached Source.
        raise errors.invalid(f"The source {source_id} is attached to customer "
                             f"{found['customer']}: pass customer={found['customer']} to "
                             "charge it.", param)
    return found


def is_bank_debit(instrument):
    """Whether charging `instrument` debits a bank account: the charge is pending until
    the bank settles it (an ACH or SEPA debit)."""
    return instrument["object"] == "bank_account" or (
        instrument["object"] == "source" and instrument["type"] in BANK_DEBIT_SOURCES)


def check_chargeable(instrument, amount, currency, capture, param="source"):
    """Raise Stripe's error when `instrument` cannot be charged `amount` `currency` now
    (capture=False: an authorization only)."""
    if instrument["object"] == "bank_account":
        if instrument["status"] != "verified":
            # Observed on legacy ACH (activemerchant remote tests); UNCERTAIN: the tail.
            raise errors.invalid("The customer's bank account must be verified in order to "
                                 "create an ACH payment.", param)
    elif instrument["object"] == "source":
        _check_source(instrument, amount, currency, param)
    if not capture and is_bank_debit(instrument):
        raise errors.invalid("You cannot pass capture=false for this payment type.", "capture")
    bank_currency = instrument.get("currency")
    if instrument["object"] != "card" and bank_currency and bank_currency != currency:
        # UNCERTAIN wording: a bank debit or a Source is in one currency.
        raise errors.invalid(f"This payment method can only be charged in {bank_currency}, "
                             f"not {currency}.", "currency")


def _check_source(source, amount, currency, param):
    if source["status"] == "consumed":
        raise errors.invalid(_CONSUMED_SINGLE_USE if source["usage"] == "single_use"
                             else _CONSUMED_REUSABLE, param)
    if source["status"] != "chargeable":
        raise errors.invalid("The source you provided is not in a chargeable state.", param)
    if source["usage"] == "single_use" and source["amount"] not in (None, amount):
        # UNCERTAIN wording: a single-use Source is for its own amount.
        raise errors.invalid(f"The amount of a single-use source ({source['amount']}) must "
                             f"be the amount of the charge ({amount}).", "amount")
    receiver = source.get("receiver")
    if receiver is not None and amount > receiver["amount_received"] - receiver[
            "amount_charged"]:
        # UNCERTAIN wording: a receiver Source is charged for at most what it received.
        raise errors.invalid(
            f"The source {source['id']} has received {receiver['amount_received']} and been "
            f"charged {receiver['amount_charged']}: it cannot be charged {amount} more.",
            "amount")


def card_of(req, instrument):
    """The card whose test behaviour decides a card charge (`_decline`, `_charge_fails`,
    `_charge`): the card itself, a card PaymentMethod (which keeps the keys of the card it
    was made from), a card Source, or the card a 3D Secure Source stands for; None for bank
    debits and other Sources."""
    if instrument["object"] in ("card", "payment_method"):
        return instrument
    if instrument["object"] != "source":
        return None
    if instrument["type"] == "card":
        return instrument
    if instrument["type"] == "three_d_secure":
        return objects.get(req.db, req.account, instrument["three_d_secure"]["card"])
    return None


def payment_method_details(instrument):
    """The charge's `payment_method_details` for the instrument charged."""
    kind = instrument["object"]
    if kind == "bank_account":
        return {"ach_debit": _ach_debit(instrument, instrument["account_holder_type"]),
                "type": "ach_debit"}
    if kind == "source" and instrument["type"] not in ("card", "three_d_secure"):
        details = dict(instrument[instrument["type"]])
        if instrument["type"] == "ach_debit":
            details = _ach_debit(details, details.get("type"))
        elif instrument["type"] == "sepa_debit":
            details = {key: details[key] for key in ("bank_code", "branch_code", "country",
                                                     "fingerprint", "last4")}
            details["mandate"] = None
        return {instrument["type"]: details, "type": instrument["type"]}
    card, secure = instrument, None
    if kind == "payment_method":
        # A PaymentMethod's card hash already has the charge's vocabulary (brand, checks).
        card = instrument["card"]
        return {"card": _card_details(card, card["brand"], dict(card["checks"]), None),
                "type": "card"}
    if kind == "source":
        # A card Source shows its checks "unchecked" until charged; what they give is kept.
        card = {**instrument[instrument["type"]], **instrument.get("_checks", {})}
        if instrument["type"] == "three_d_secure":
            # UNCERTAIN: what a legacy 3D Secure Source's charge shows at this version.
            secure = {"authentication_flow": None, "result": "authenticated",
                      "result_reason": None, "version": "1.0.2"}
    return {"card": _card_details(card, methods.brand(card["brand"]),
                                  methods.check_results(card), secure), "type": "card"}


def _card_details(card, card_brand, checks, secure):
    return {"brand": card_brand, "checks": checks, "country": card["country"],
            "exp_month": card["exp_month"], "exp_year": card["exp_year"],
            "fingerprint": card["fingerprint"], "funding": card["funding"],
            "installments": None, "last4": card["last4"], "mandate": None,
            "network": card_brand, "network_token": {"used": False},
            "three_d_secure": secure, "wallet": None}


def _ach_debit(bank, holder_type):
    return {"account_holder_type": holder_type, "bank_name": bank["bank_name"],
            "country": bank["country"], "fingerprint": bank["fingerprint"],
            "last4": bank["last4"], "routing_number": bank["routing_number"]}


def billing_details(instrument):
    """The charge's `billing_details`: a Source's owner, a card's name and address fields,
    a bank account's holder name."""
    if instrument["object"] == "source":
        owner = instrument.get("owner") or {}
        return {"address": owner.get("address") or common.address({}),
                "email": owner.get("email"), "name": owner.get("name"),
                "phone": owner.get("phone")}
    if instrument["object"] == "bank_account":
        return {"address": common.address({}), "email": None,
                "name": instrument["account_holder_name"], "phone": None}
    if instrument["object"] == "payment_method":
        return instrument["billing_details"]
    return {"address": methods.card_address(instrument), "email": None,
            "name": instrument.get("name"), "phone": None}


def consume(req, instrument, customer_id, amount, succeeded):
    """What charging does to a Source: a single_use one, or a reusable one charged without
    being attached, becomes `consumed`; a receiver Source counts the amount charged. One
    guarded update from the Source as it was read: of two charges racing for it, one wins.
    Cards, bank accounts and tokens (redeemed when resolved) need nothing here."""
    if instrument["object"] != "source":
        return instrument
    after = dict(instrument)
    receiver = instrument.get("receiver")
    if receiver is not None and succeeded:
        after["receiver"] = dict(receiver, amount_charged=receiver["amount_charged"] + amount)
        after["amount"] = _unspent(after["receiver"])
    attached = customer_id is not None and instrument.get("customer") == customer_id
    if instrument["usage"] == "single_use" or not attached:
        after["status"] = "consumed"
    if after != instrument and not objects.update(req.db, req.account, after,
                                                  unchanged=instrument):
        raise errors.invalid("The source you provided is not in a chargeable state.", "source")
    return after


def fund(ctx, source, amount):
    """A transfer of `amount` landing on a receiver Source (ach_credit_transfer), as Stripe
    does when the customer's bank pays: `receiver.amount_received` grows, `amount` shows
    what is not yet charged, a source transaction records it (source.transaction.created),
    and a pending Source becomes chargeable (source.chargeable).
    `ctx`: events.by_stripe. One guarded update from the Source as read."""
    receiver = source.get("receiver")
    if receiver is None or source["status"] not in ("pending", "chargeable"):
        # Invented wording: Stripe has no such endpoint.
        raise errors.invalid(f"The source {source['id']} is a {source['status']} "
                             f"{source['type']} Source: only a pending or chargeable receiver "
                             "Source (ach_credit_transfer) can receive funds.", "source")
    amounts.positive(amount)
    after = dict(source, receiver=dict(receiver, amount_received=receiver["amount_received"]
                                       + amount), status="chargeable")
    after["amount"] = _unspent(after["receiver"])
    if not objects.update(ctx.db, ctx.account, after, unchanged=source):
        raise errors.invalid(f"The source {source['id']} changed meanwhile: try again.")
    source_transactions.record(ctx, after, amount)
    if source["status"] == "pending":
        events.record(ctx, "source.chargeable", after)
    return after


def _unspent(receiver):
    """What a receiver Source shows as its `amount`: received and not yet charged."""
    return (receiver["amount_received"] - receiver["amount_charged"]) or None
