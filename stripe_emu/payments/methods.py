"""PaymentMethods as the payments layer knows them: built from a card, found from any id a
`payment_method` parameter may carry, attached to a customer, used up.

A `payment_method` parameter takes a PaymentMethod (`pm_…`), a magic test id (`pm_card_visa`,
each use makes a new PaymentMethod), or — as Stripe allows — a customer's legacy card
(`card_…`) or card Source (`src_…`), shown in the PaymentMethod's shape with its own id.

A PaymentMethod's JSON keeps what its card will do in internal keys (`_decline`,
`_charge_fails`, `_three_d_secure`, as cards do) and `_checks`, the results its checks give
once Stripe runs them (at attach, setup or payment); until then a check of a field that was
given shows "unchecked". `_consumed` marks one used without a customer, or detached: it can
never be attached or used again. The store copies `_consumed` into the row's status column
("consumed"), so attaching is one guarded update. `_used` marks one paid with for future
usage without a customer: it may still be attached, and only then used again.
"""
from .. import errors, events, ids, testcards
from ..store import objects
from ..resources import cards, common, tokens

ALREADY_ATTACHED = "The payment method you provided has already been attached to a customer."
CONSUMED = ("This PaymentMethod was previously used without being attached to a Customer or "
            "was detached from a Customer, and may not be used again.")
# The payment_method_details / PaymentMethod spelling of a card's brand.
_BRANDS = {"Visa": "visa", "MasterCard": "mastercard", "American Express": "amex",
           "Discover": "discover", "Diners Club": "diners", "JCB": "jcb",
           "UnionPay": "unionpay"}
_CARD_BRANDS = {lowercase: name for name, lowercase in _BRANDS.items()}  # and back
_CHECKS = {"address_line1_check": "address_line1_check",
           "address_postal_code_check": "address_zip_check", "cvc_check": "cvc_check"}
_INTERNAL = ("_decline", "_charge_fails", "_charge", "_three_d_secure")


def brand(card_brand):
    """Stripe's lowercase brand of a card's brand ("American Express" → "amex")."""
    return _BRANDS.get(card_brand, "unknown")


def billing_details(given=None, current=None):
    """The billing_details hash: `given` fields replace the current ones."""
    details = dict(current or {"address": None, "email": None, "name": None, "phone": None})
    details["address"] = details["address"] or common.address({})
    for field, value in (given or {}).items():
        if field == "address":
            details["address"] = {**details["address"], **(value or {})} if value else \
                dict.fromkeys(details["address"])
        else:
            details[field] = value
    return details


def card_address(card):
    """A card's address_* fields as an `address` hash (billing_details, a charge's too)."""
    return {"city": card.get("address_city"), "country": card.get("address_country"),
            "line1": card.get("address_line1"), "line2": card.get("address_line2"),
            "postal_code": card.get("address_zip"), "state": card.get("address_state")}


def _card_hash(card, checks, behaviour):
    """A PaymentMethod's `card` hash for a card (or a Source's card hash): `checks` as they
    show, `behaviour` the object keeping the test card's 3D Secure rule and `_charge`."""
    networks = (behaviour.get("_charge") or {}).get("networks") or [brand(card["brand"])]
    return {
        "brand": brand(card["brand"]),
        "checks": checks,
        "country": card["country"],
        "exp_month": card["exp_month"],
        "exp_year": card["exp_year"],
        "fingerprint": card["fingerprint"],
        "funding": card["funding"],
        "generated_from": None,
        "last4": card["last4"],
        "networks": {"available": networks, "preferred": None},
        "three_d_secure_usage": {
            "supported": cards.three_d_secure(behaviour).support != "not_supported"},
        "wallet": None,
    }


def check_results(card):
    """A card's check results (address_line1_check, address_zip_check, cvc_check) as a
    PaymentMethod's and a charge's `checks` hash names them."""
    return {field: card.get(source) for field, source in _CHECKS.items()}


def from_card(req, card, details=None, metadata=None):
    """A new, unsaved PaymentMethod (type card) for a card dict (cards.card_object or a
    redeemed token's card). Its checks are "unchecked" until Stripe runs them."""
    results = check_results(card)
    pm = {
        "id": ids.new_id(ids.PAYMENT_METHOD),
        "object": "payment_method",
        "billing_details": billing_details(details),
        "card": _card_hash(card, {field: result and "unchecked"
                                  for field, result in results.items()}, card),
        "created": req.now,
        "customer": None,
        "livemode": False,
        "metadata": metadata or {},
        "type": "card",
        "_checks": results,
        "_consumed": False,
    }
    pm.update({key: card.get(key) for key in _INTERNAL})
    return pm


def from_params(req, given):
    """A new, unsaved PaymentMethod from the parameters of POST /v1/payment_methods: `card`
    as details or `card[token]`, `billing_details`, `metadata`. Redeems a token last."""
    card_given = given.get("card")
    if not card_given:
        raise errors.missing_param("card")
    metadata = common.merged_metadata({}, given)
    if card_given.get("token"):
        card = tokens.redeem(req, card_given["token"], param="card[token]")
        if card["object"] != "card":
            raise errors.invalid(f"The token {card_given['token']} is not a card token.",
                                 "card[token]")
    else:
        card = cards.card_object(req, cards.card_from_hash(req, card_given, "card"))
    return from_card(req, card, given.get("billing_details"), metadata)


def _from_number(req, number):
    return from_card(req, cards.card_object(req, testcards.minted_card(number, cards.today(req))))


def test_card(req, pm_id):
    """What GET /v1/payment_methods/pm_card_visa shows: the test card as a PaymentMethod
    under its magic id, stored nowhere (each use of the id still makes a new one), or None
    for an id that is not a test id. UNCERTAIN: Stripe's answer (Laravel Cashier retrieves
    pm_card_visa before attaching it, against Stripe's test mode)."""
    number = testcards.payment_method_card(pm_id)
    return None if number is None else dict(_from_number(req, number), id=pm_id)


def as_payment_method(obj):
    """A stored payment_method as it is, or a legacy card or card Source in the shape of a
    PaymentMethod (its own id, checks as run), as Stripe lists them; None for anything else."""
    if obj["object"] == "payment_method":
        return obj
    if obj["object"] == "card":
        card, customer, created = obj, obj.get("customer"), obj.get("_created", 0)
        details = {"name": obj["name"], "address": card_address(obj)}
    elif obj["object"] == "source" and obj["type"] == "card":
        card, customer, created = obj["card"], obj.get("customer"), obj["created"]
        owner = obj["owner"]
        details = {field: owner[field] for field in ("address", "email", "name", "phone")}
    else:
        return None
    return {"id": obj["id"], "object": "payment_method",
            "billing_details": billing_details(details),
            "card": _card_hash(card, check_results(card), obj), "created": created,
            "customer": customer, "livemode": False, "metadata": obj.get("metadata") or {},
            "type": "card", **{key: obj.get(key) for key in _INTERNAL}}


def resolve(req, pm_id, param="payment_method", status=400):
    """The PaymentMethod a `payment_method` parameter names: a stored one, a new one stored
    for a magic test id, or a legacy card / card Source in PaymentMethod shape (not stored as
    such: its id stays card_…/src_…). Stripe's 'No such PaymentMethod' otherwise."""
    number = testcards.payment_method_card(pm_id)
    if number is not None:
        pm = _from_number(req, number)
        objects.insert(req.db, req.account, pm)
        return pm
    return find(req, pm_id, param, status)


def find(req, pm_id, param="payment_method", status=400):
    """The stored PaymentMethod `pm_id`, or the legacy card / card Source it names in
    PaymentMethod shape; Stripe's 'No such PaymentMethod' otherwise (magic test ids too)."""
    obj = objects.get(req.db, req.account, pm_id)
    pm = as_payment_method(obj) if obj is not None else None
    if pm is None:
        raise errors.no_such("PaymentMethod", pm_id, param=param, status=status)
    return pm


def is_legacy(pm):
    """Whether `pm` is a card or Source shown as a PaymentMethod (it cannot be attached,
    updated or used up through the PaymentMethods API's own rules)."""
    return not pm["id"].startswith(ids.PAYMENT_METHOD)


def check_reusable(pm):
    """Refuse a PaymentMethod that was used without a customer, or detached."""
    if pm.get("_consumed"):
        raise errors.StripeError(CONSUMED, param="payment_method")


def attach(req, pm, customer_id):
    """Attach `pm` to `customer_id`, running its card's checks (a card that declines raises
    its 402 and stays unattached); one guarded update, so of two racing attaches one wins.
    Records payment_method.attached; returns the attached PaymentMethod."""
    if pm["customer"] is not None:
        raise errors.StripeError(ALREADY_ATTACHED, param="payment_method")
    check_reusable(pm)
    declined = cards.attach_error(pm)
    if declined is not None:
        raise declined
    attached = checked(dict(pm, customer=customer_id))
    if not objects.update(req.db, req.account, attached, expect={"customer": None,
                                                                 "status": None}):
        now = objects.get(req.db, req.account, pm["id"])
        check_reusable(now)
        raise errors.StripeError(ALREADY_ATTACHED, param="payment_method")
    events.record(req, "payment_method.attached", attached)
    return attached


def detach_all(req, customer_id):
    """A deleted customer's PaymentMethods: detached for good (`customer` null, never to be
    used or attached again). UNCERTAIN: Stripe's reference says only that deleting "removes
    all credit card details and prevents any further operations"; integrations report its
    PaymentMethods outliving it with a null customer (mozilla/fxa#11611). Like its cards and
    Sources, no event is recorded for each."""
    for pm in objects.held(req.db, req.account, customer_id, ("payment_method",)):
        objects.update(req.db, req.account, dict(pm, customer=None, _consumed=True))


def checked(pm):
    """`pm` once Stripe has run its checks (at attach, setup or payment)."""
    if is_legacy(pm) or "_checks" not in pm:
        return pm
    return dict(pm, card=dict(pm["card"], checks=dict(pm["_checks"])))


def consume(req, pm):
    """A PaymentMethod used without a customer cannot be used again (legacy cards and
    Sources follow their own rules). Saved and returned."""
    if is_legacy(pm) or pm["customer"] is not None:
        return pm
    used = dict(checked(pm), _consumed=True)
    objects.update(req.db, req.account, used)
    return used


def chargeable(req, pm):
    """What payments/charging.py charges for `pm`: a legacy card or Source as stored, or the
    card a PaymentMethod stands for (its brand, checks, billing details and test behaviour),
    with the PaymentMethod's id."""
    if is_legacy(pm):
        return objects.get(req.db, req.account, pm["id"])
    card, details = pm["card"], pm["billing_details"]
    address = details["address"] or {}
    results = pm.get("_checks") or card["checks"]
    return {"id": pm["id"], "object": "card",
            "brand": _CARD_BRANDS.get(card["brand"], "Unknown"),
            "country": card["country"], "customer": pm["customer"],
            "exp_month": card["exp_month"], "exp_year": card["exp_year"],
            "fingerprint": card["fingerprint"], "funding": card["funding"],
            "last4": card["last4"], "name": details["name"],
            **{source: results[field] for field, source in _CHECKS.items()},
            **{f"address_{key}": address.get(field) for key, field in (
                ("city", "city"), ("country", "country"), ("line1", "line1"),
                ("line2", "line2"), ("state", "state"), ("zip", "postal_code"))},
            **{key: pm.get(key) for key in _INTERNAL}}
