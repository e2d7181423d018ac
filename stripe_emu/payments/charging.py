"""Charges: creating one on a resolved instrument, capturing it, and the moves Stripe makes by
itself (an uncaptured charge expiring, a bank debit settling). The Charges API
(resources/charges.py) and PaymentIntents both create their charges here.

The public contract (what PaymentIntents call):
- `create_charge(req, ...)` → the stored charge. Validates first, then decides the outcome
  from the test-card table and stores the charge *whatever the outcome*: `succeeded`
  (captured or an authorization), `pending` (a bank debit, settled later), or `failed`
  (declined) — with its events and, once captured, its balance transaction. It never raises
  for a decline: a caller that must answer one raises `decline_error(charge)`, whose
  `commit` makes app.py keep the failed charge while answering 402.
- `capture_charge(req, charge, amount=None, ...)` → the captured charge (a partial capture
  refunds the rest, as Stripe documents).
- `refunding.refund_charge(...)` refunds.

Every change to a stored charge is charge_moves.save, one guarded update from the charge as
it was read, so two captures or refunds racing for one charge cannot both apply.

Timed moves (expiry after 7 days, a bank debit settling after BANK_SETTLE_DAYS) are rows of
`payment_timers`, run by timers.py at the start of the next write request (one indexed
query per write, none per read): Stripe makes these moves asynchronously too.
"""
import base64

from .. import errors, events, ids
from ..store import objects
from ..store import payments as store
from . import amounts, balance, instruments, intents, outcomes, refunding
from .charge_moves import save

CARD_CHARGE, BANK_CHARGE = "ch_", "py_"
EXPIRY_DAYS = 7
# UNCERTAIN: "ACH payments take up to 5 business days to receive acknowledgment of their
# success or failure"; the emulator settles them after four days of its clock.
BANK_SETTLE_DAYS = 4
# The account's statement descriptor (UNCERTAIN: Stripe shows the account's; docs: "Stripe").
ACCOUNT_DESCRIPTOR = "Stripe"
DESCRIPTOR_LENGTH = 22
# What a PaymentIntent's authorization takes instead of a capture or refund of its charge.
_INSTEAD = {"capture": "capture the PaymentIntent instead",
            "refund": "cancel the PaymentIntent to reverse the authorization instead of "
                      "refunding the Charge directly"}


def create_charge(req, *, amount, currency, source, customer=None, capture=True,
                  description=None, metadata=None, statement_descriptor=None,
                  statement_descriptor_suffix=None, receipt_email=None, shipping=None,
                  transfer_group=None, payment_intent=None, payment_method=None):
    """Charge `amount` (minor units, already checked by amounts.charge_amount) in `currency`
    on `source`: a card, bank_account, Source or card PaymentMethod dict already resolved (a
    stored one, or a card built from a token or raw hash). Its test behaviour is read from
    the internal keys cards.card_object gives a card (`_decline`, `_charge_fails`,
    `_charge`): a PaymentMethod made from a card must carry them too. `customer`: the
    customer id to name on the charge. `capture=False` authorizes only (expires after 7
    days). `payment_intent` and `payment_method`: ids to write on a PaymentIntent's charge
    (its legacy `source` field is then null). Raises Stripe's 400 when the instrument
    cannot be charged (a consumed Source, an unverified bank account…) before writing
    anything; otherwise stores the charge, consumes a Source as Stripe does, records
    charge.succeeded / charge.pending / charge.failed (and customer.updated when the
    customer gets its currency) and returns the charge. A declined charge is returned with
    status "failed": see `decline_error`."""
    instruments.check_chargeable(source, amount, currency, capture)
    bank = instruments.is_bank_debit(source)
    card = instruments.card_of(req, source)
    outcome, decline = outcomes.decide(card)
    behaviour = (card or {}).get("_charge") or {}  # testcards.charge_behaviour
    status = "failed" if decline else "pending" if bank else "succeeded"
    captured = capture and status != "failed"
    blocked = outcome["type"] == "blocked"
    details = instruments.payment_method_details(source)
    charge = {
        "id": ids.new_id(BANK_CHARGE if bank else CARD_CHARGE),
        "object": "charge",
        "amount": amount,
        "amount_captured": amount if captured else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": None,
        "billing_details": instruments.billing_details(source),
        # Recorded blocked charges (2020 test mode, 2024 live) have none.
        "calculated_statement_descriptor": None if blocked else _descriptor(
            statement_descriptor, statement_descriptor_suffix, card is not None),
        "captured": captured,
        "created": req.now,
        "currency": currency,
        "customer": customer,
        "description": description,
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": decline.code if decline else None,
        "failure_message": decline.message if decline else None,
        "fraud_details": {"stripe_report": "fraudulent"} if blocked else {},
        "invoice": None,
        "livemode": False,
        "metadata": metadata or {},
        "on_behalf_of": None,
        "outcome": outcome,
        "paid": status == "succeeded",
        "payment_intent": payment_intent,
        "payment_method": payment_method or source["id"],
        "payment_method_details": _unavailable_checks(details) if blocked else details,
        "radar_options": {},
        "receipt_email": receipt_email,
        "receipt_number": None,
        "receipt_url": None if decline else _receipt_url(req.account, amount),
        "refunded": False,
        "review": ids.new_id("prv_") if outcome["type"] == "manual_review" else None,
        "shipping": shipping,
        # The legacy field (absent from the spec): the card or Source charged, whole.
        "source": None if payment_method else _shown(source),
        "source_transfer": None,
        "statement_descriptor": statement_descriptor,
        "statement_descriptor_suffix": statement_descriptor_suffix,
        "status": status,
        "transfer_data": None,
        "transfer_group": transfer_group,
        "_decline": list(decline) if decline else None,
        "_source_type": "bank_account" if bank else "card",
        "_at_once": bool(behaviour.get("available_at_once")),
        "_refund_later": behaviour.get("refund_later"),
        "_settles_to": source.get("_failure_code") if bank else None,
    }
    if captured and status == "succeeded":
        charge["balance_transaction"] = _record_payment(req, charge)["id"]
    objects.insert(req.db, req.account, charge)
    instruments.consume(req, source, customer, amount, status != "failed")
    if status == "pending":
        store.set_timer(req.db, req.account, charge["id"], "settle",
                        req.now + BANK_SETTLE_DAYS * balance.DAY)
    elif status == "succeeded" and not captured:
        store.set_timer(req.db, req.account, charge["id"], "expire", _expires_at(charge))
    _first_currency(req, customer, currency)
    events.record(req, f"charge.{status}", charge)
    return charge


def _unavailable_checks(details):
    """A blocked charge's payment_method_details: Radar stopped it before the card network,
    so each check of what was given is "unavailable" (what is not given stays null), as the
    recorded blocked charges show."""
    card = details["card"]
    checks = {name: value and "unavailable" for name, value in card["checks"].items()}
    return dict(details, card=dict(card, checks=checks))


def decline_error(charge):
    """The 402 card_error answering a declined charge: it names the charge, and `commit`
    keeps the failed charge (and its charge.failed) although the request fails."""
    code, decline_code, message, param = charge["_decline"]
    return errors.StripeError(message, status=402, type="card_error", code=code, param=param,
                              decline_code=decline_code, charge=charge["id"], commit=True)


def refuse_intents_authorization(charge, action):
    """Stripe's refusal to capture or refund (`action`) through the Charges or Refunds API an
    authorization a PaymentIntent holds: the intent is captured or canceled instead, so that
    the intent and its charge never disagree. Stripe's words, as integrations recorded them
    (stripe-mirakl-connector#46). UNCERTAIN: no code and no param, as recorded; a refund
    asked with `payment_intent` rather than `charge` gets the same answer."""
    if charge["payment_intent"] and charge["status"] == "succeeded" and not (
            charge["captured"] or charge["refunded"]):
        raise errors.StripeError(
            f"This uncaptured Charge was created by a PaymentIntent ({charge['payment_intent']})"
            f". You must {_INSTEAD[action]}. For more information, see "
            "https://stripe.com/docs/payments/place-a-hold-on-a-payment-method")


def capture_charge(req, charge, amount=None, *, statement_descriptor=None,
                   statement_descriptor_suffix=None, receipt_email=None, transfer_group=None):
    """Capture an authorized charge for `amount` (default: all of it), Stripe's refusals
    otherwise; a partial capture refunds the rest. Records charge.captured."""
    _refuse_capture(req, charge)
    check_transfer_group(charge, transfer_group)
    amount = charge["amount"] if amount is None else amount
    if amount > charge["amount"]:
        # UNCERTAIN: Stripe's 2023 sentence for this amount_too_large, as integrations quote
        # it (2021 had "… greater than the authorized amount. If you are trying to collect a
        # tip or over-capture, …").
        raise errors.invalid("The requested capture amount is greater than the amount you "
                             "can capture for this charge.", "amount", "amount_too_large")
    # A capture is a charge of its amount: the currency's minimum holds (the WooCommerce
    # Stripe plugins handle Stripe's amount_too_small on captures).
    amounts.charge_amount(amount, charge["currency"])
    after = dict(charge, captured=True, amount_captured=amount)
    for field, value in (("statement_descriptor", statement_descriptor),
                         ("statement_descriptor_suffix", statement_descriptor_suffix),
                         ("receipt_email", receipt_email), ("transfer_group", transfer_group)):
        if value is not None:
            after[field] = value
    after["calculated_statement_descriptor"] = _descriptor(
        after["statement_descriptor"], after["statement_descriptor_suffix"],
        after["payment_method_details"]["type"] == "card")
    after["balance_transaction"] = _record_payment(req, after)["id"]
    if amount < charge["amount"]:
        after = refunding.release(req, after, charge["amount"] - amount)
    save(req, after, charge)
    store.clear_timer(req.db, charge["id"])
    events.record(req, "charge.captured", after, previous=charge)
    return after


def check_transfer_group(charge, transfer_group):
    """Stripe's 400 for a capture or an update naming a `transfer_group` other than the one
    the charge has: the parameter's docs on both, "transfer_group may only be provided if it
    has not been set". UNCERTAIN: the sentence Stripe answers."""
    if transfer_group is not None and charge["transfer_group"] not in (None, transfer_group):
        raise errors.invalid("transfer_group may only be provided if it has not been set.",
                             "transfer_group")


def _refuse_capture(req, charge):
    # First: a pending bank debit shows captured: true, and is answered as captured
    # (UNCERTAIN: Stripe's answer for it is not recorded).
    if charge["captured"]:
        raise errors.StripeError(f"Charge {charge['id']} has already been captured.",
                                 code="charge_already_captured")
    if charge["status"] != "succeeded":
        # UNCERTAIN wording: capturing a failed charge.
        raise errors.invalid(f"Charge {charge['id']} has a status of {charge['status']} and "
                             "cannot be captured.")
    if charge["refunded"]:
        if _expires_at(charge) <= req.now:
            raise _expired(charge)
        raise errors.StripeError(f"Charge {charge['id']} has already been refunded.",
                                 code="charge_already_refunded")
    if _expires_at(charge) <= req.now:
        # Its timer has not run yet (more were due than one request runs): expire it now,
        # as Stripe's own move, and keep that while refusing.
        expire(events.by_stripe(req.app, req.db, req.account), charge)
        error = _expired(charge)
        error.commit = True
        raise error


def _expires_at(charge):
    """When an authorization left uncaptured expires (its timer's due time)."""
    return charge["created"] + EXPIRY_DAYS * balance.DAY


def _expired(charge):
    return errors.StripeError(
        f"Charge {charge['id']} cannot be captured because the charge has expired (a charge "
        "must be captured within 7 days). You will need to create a new charge to retry the "
        "payment.", code="charge_expired_for_capture")


def expire(ctx, charge):
    """An authorization left uncaptured for 7 days: refunded in full (reason
    expired_uncaptured_charge), charge.expired; its PaymentIntent is canceled. `ctx` is a
    request or events.by_stripe."""
    if charge["status"] != "succeeded" or charge["captured"] or charge["refunded"]:
        return charge
    after = refunding.release(ctx, charge, charge["amount"] - charge["amount_refunded"],
                              reason="expired_uncaptured_charge")
    save(ctx, after, charge)
    store.clear_timer(ctx.db, charge["id"])
    events.record(ctx, "charge.expired", after, previous=charge)
    if charge["payment_intent"]:
        intents.expire_authorization(ctx, charge["payment_intent"])
    return after


def settle(ctx, charge):
    """A pending bank debit's answer from the bank: succeeded (with its balance transaction)
    or failed with the test account's failure code; charge.succeeded / charge.failed."""
    if charge["status"] != "pending":
        return charge
    code = charge["_settles_to"]
    if code is None:
        after = dict(charge, status="succeeded", paid=True)
        after["balance_transaction"] = _record_payment(ctx, after)["id"]
    else:
        after = dict(charge, status="failed", paid=False, captured=False, amount_captured=0,
                     failure_code=code, failure_message=outcomes.BANK_FAILURES[code],
                     outcome=outcomes.bank_failure(code), receipt_url=None)
    save(ctx, after, charge)
    store.clear_timer(ctx.db, charge["id"])
    events.record(ctx, f"charge.{after['status']}", after, previous=charge)
    return after


def _record_payment(req, charge):
    """The payment's balance transaction: for the whole authorization, even when less is
    captured (refunding.release reverses the rest: docs "Reporting categories"), with the
    fee on what is captured (UNCERTAIN: on the authorization, Stripe's fee would outgrow
    what it processes)."""
    bank = charge["_source_type"] == "bank_account"
    return balance.record(req, source=charge["id"], amount=charge["amount"],
                          currency=charge["currency"], kind="payment" if bank else "charge",
                          source_type=charge["_source_type"],
                          description=charge["description"], at_once=charge["_at_once"],
                          fee_on=charge["amount_captured"])


# What Stripe refuses in a statement descriptor (docs "Statement descriptor requirements":
# none of these characters, at least one letter; the prefix and the suffix each).
_REFUSED_IN_DESCRIPTORS = "<>\\'\"*"


def check_descriptors(params):
    """Stripe's 400 for a `statement_descriptor` or `statement_descriptor_suffix` of
    `params` that breaks its character rules. UNCERTAIN: the sentences; "The statement
    descriptor cannot include \"" is a real answer quoted by an integration (pretix#1535),
    the missing letter's is the requirement's own words."""
    for param in ("statement_descriptor", "statement_descriptor_suffix"):
        value = params.get(param)
        if not value:
            continue
        refused = next((char for char in value if char in _REFUSED_IN_DESCRIPTORS), None)
        if refused:
            raise errors.invalid(f"The statement descriptor cannot include {refused}", param)
        if not any(char.isascii() and char.isalpha() for char in value):
            raise errors.invalid("The statement descriptor must contain at least one letter.",
                                 param)


def _descriptor(descriptor, suffix, card):
    """What the customer's statement shows. A card charge's descriptors are dynamic: the
    account's prefix, then "* " and the suffix, else the descriptor (2019-02-19: "Dynamic
    descriptors provided at charge time are now prefixed by the descriptor prefix"; the
    parameter's docs: "For card charges, use statement_descriptor_suffix instead"). Other
    charges show their descriptor whole, else the account's with the suffix. At most 22
    characters, the suffix cut (the parameter's docs: "Maximum 22 characters for the
    concatenated descriptor"; chargebee's docs: "Stripe truncates the suffix"; UNCERTAIN:
    Stripe's own words on it are not found)."""
    if descriptor and not card:
        return descriptor
    dynamic = suffix or descriptor
    full = f"{ACCOUNT_DESCRIPTOR}* {dynamic}" if dynamic else ACCOUNT_DESCRIPTOR
    return full[:DESCRIPTOR_LENGTH]


def _receipt_url(account, amount):
    """A receipt URL of the shape Stripe's 2023 charges show (a base64url blob)."""
    blob = base64.urlsafe_b64encode(f"{account}:{ids.random_suffix(24)}:{amount}".encode())
    return "https://pay.stripe.com/receipts/payment/" + blob.decode().rstrip("=")


def _shown(source):
    """The legacy `source` field: the card, bank account or Source as the API shows it."""
    return {key: value for key, value in source.items() if not key.startswith("_")}


def _first_currency(req, customer_id, currency):
    """A customer's `currency` is set by its first charge (customer.updated)."""
    customer = customer_id and objects.get(req.db, req.account, customer_id)
    if customer and customer["currency"] is None:
        after = dict(customer, currency=currency)
        objects.update(req.db, req.account, after)
        events.record(req, "customer.updated", after, previous=customer)
