"""PaymentMethods: /v1/payment_methods[/{payment_method}[/attach|/detach]] and a customer's
/v1/customers/{customer}/payment_methods[/{payment_method}].

Only type `card` is emulated. What a PaymentMethod is, how it is found from an id and how it
is attached or used up belongs to payments/methods.py (intents use it too); the customer's
invoice default to payments/defaults.py. A customer's legacy cards appear in its
PaymentMethod lists in the PaymentMethod's shape, as Stripe shows them, and detaching one
through this API deletes the card, as Stripe does.
"""
from .. import errors, events, testcards
from ..payments import defaults, methods
from ..store import objects
from . import cards, common

# What a customer's PaymentMethod lists hold: PaymentMethods and the legacy cards.
_LISTED = ("payment_method", "card")
NOT_ATTACHED = ("The payment method you provided is not attached to a customer so detachment "
                "is impossible.")
UPDATE_UNATTACHED = "You must save this PaymentMethod to a customer before you can update it."


def create_payment_method(req):
    params = req.params
    kind = params.get("type")
    if kind is None:
        # UNCERTAIN: Stripe also clones a customer's PaymentMethod with `payment_method`
        # (Connect), which is not emulated; `type` is required here.
        raise errors.missing_param("type")
    if kind != "card":
        # Another of Stripe's types (params.py refuses any outside the spec's enum).
        raise errors.invalid(f"The payment method type `{kind}` is not available in "
                             "stripe_emu, which emulates PaymentMethods of type card.", "type",
                             "payment_method_not_available")
    for param in ("customer", "payment_method"):
        if params.get(param):
            raise errors.invalid("Sharing a customer's PaymentMethod with a connected account "
                                 "is a Connect feature that stripe_emu does not emulate.", param)
    pm = methods.from_params(req, params)
    objects.insert(req.db, req.account, pm)
    return pm


def retrieve_payment_method(req, payment_method):
    return (methods.test_card(req, payment_method)
            or methods.find(req, payment_method, status=404))


def update_payment_method(req, payment_method):
    before = methods.find(req, payment_method, status=404)
    params = req.params
    if before["customer"] is None:
        raise errors.invalid(UPDATE_UNATTACHED)
    if methods.is_legacy(before):
        # UNCERTAIN: Stripe updates a legacy card through this endpoint; stripe_emu asks for
        # the card endpoints, which keep the card's own fields.
        raise errors.invalid(f"{payment_method} is a card: update it with POST /v1/customers/"
                             f"{before['customer']}/sources/{payment_method}.")
    after = dict(before)
    if "billing_details" in params:
        after["billing_details"] = methods.billing_details(params["billing_details"],
                                                           before["billing_details"])
    given = params.get("card") or {}
    if "exp_month" in given or "exp_year" in given:
        month, year = testcards.validate_expiry(
            given.get("exp_month", before["card"]["exp_month"]),
            given.get("exp_year", before["card"]["exp_year"]), cards.today(req))
        after["card"] = dict(before["card"], exp_month=month, exp_year=year)
    after["metadata"] = common.merged_metadata(before["metadata"], params)
    if after != before:
        objects.update(req.db, req.account, after)
        events.record(req, "payment_method.updated", after, previous=before)
    return after


def list_payment_methods(req):
    customer = req.params.get("customer")
    if customer is None:
        # UNCERTAIN: at this API version the list without `customer` is for Treasury flows,
        # which hold no PaymentMethods here: an empty list, its `limit` checked all the same.
        common.page_limit(req)
        return {"object": "list", "data": [], "has_more": False, "url": "/v1/payment_methods"}
    common.live_customer(req, customer, param="customer", status=400)
    return _customer_list(req, customer, "/v1/payment_methods")


def attach_payment_method(req, payment_method):
    customer = req.params.get("customer")
    if not customer:
        raise errors.missing_param("customer")
    common.live_customer(req, customer, param="customer", status=400)
    pm = methods.resolve(req, payment_method, status=404)  # a magic id makes a new one
    if methods.is_legacy(pm):
        # UNCERTAIN: a card or Source is attached through the customer's sources.
        raise errors.StripeError(methods.ALREADY_ATTACHED if pm["customer"] else
                                 f"Attach {payment_method} with POST /v1/customers/"
                                 f"{customer}/sources.", param="payment_method")
    return methods.attach(req, pm, customer)


def detach_payment_method(req, payment_method):
    pm = methods.find(req, payment_method, status=404)
    customer_id = pm["customer"]
    if customer_id is None:
        raise errors.invalid(NOT_ATTACHED)
    if methods.is_legacy(pm):
        return _detach_legacy(req, pm)
    detached = dict(pm, customer=None, _consumed=True)
    if not objects.update(req.db, req.account, detached, expect={"customer": customer_id}):
        raise errors.invalid(NOT_ATTACHED)
    events.record(req, "payment_method.detached", detached, previous=pm)
    defaults.forget_payment_method(req, customer_id, pm["id"])
    return detached


def _detach_legacy(req, pm):
    """Detaching a card through this API deletes it (Stripe staff, dj-stripe#967); a Source
    is detached (consumed). UNCERTAIN: both record customer.source.deleted too."""
    obj = objects.get(req.db, req.account, pm["id"])
    if obj["object"] == "source":
        gone = dict(obj, status="consumed")
        objects.update(req.db, req.account, gone)
    else:
        gone = obj
        objects.delete(req.db, req.account, obj["id"])
    events.record(req, "customer.source.deleted", gone)
    detached = dict(pm, customer=None)
    events.record(req, "payment_method.detached", detached)
    customer = objects.get(req.db, req.account, pm["customer"])
    defaults.promote_next_default(req, customer, pm["id"])
    defaults.forget_payment_method(req, pm["customer"], pm["id"])
    return detached


def list_customer_payment_methods(req, customer):
    common.live_customer(req, customer)
    return _customer_list(req, customer, f"/v1/customers/{customer}/payment_methods")


def retrieve_customer_payment_method(req, customer, payment_method):
    common.live_customer(req, customer)
    obj = defaults.owned(req, customer, payment_method, _LISTED)
    if obj is None:
        # UNCERTAIN: Stripe's wording for a PaymentMethod the customer does not have.
        raise errors.no_such("PaymentMethod", payment_method, param="payment_method")
    return methods.as_payment_method(obj)


def _customer_list(req, customer, url):
    """A customer's PaymentMethods and legacy cards, newest first; `type` other than card
    lists nothing."""
    kind = req.params.get("type")
    if kind not in (None, "card"):
        return {"object": "list", "data": [], "has_more": False, "url": url}
    return common.list_page(req, url, _LISTED, lambda bad: f"No such PaymentMethod: '{bad}'",
                            customer=customer, shape=methods.as_payment_method)
