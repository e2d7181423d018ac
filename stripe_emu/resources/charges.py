"""Charges: /v1/charges, /v1/charges/search, /v1/charges/{charge} and its /capture.

Thin handlers: they check the parameters and call payments/ (instruments resolve what is
charged, charging creates and captures). A declined charge is stored (status failed, listed,
charge.failed) while the request answers 402 with `charge` in the error: the error raised
carries `commit`, which app.py honours (and idempotency replays).
"""
from .. import errors, events, search
from ..expand import present
from ..payments import amounts, charge_moves, charging, instruments
from ..store import objects
from . import common

# Parameters of POST /v1/charges for Connect, which stripe_emu does not emulate.
_CONNECT = ("application_fee", "application_fee_amount", "destination", "on_behalf_of",
            "transfer_data")
_UPDATABLE = ("description", "receipt_email", "transfer_group")


def create_charge(req):
    params = req.params
    for param in _CONNECT:
        if params.get(param) is not None:
            raise errors.invalid(f"{param} is for Connect, which stripe_emu does not emulate.",
                                 param)
    for param in ("amount", "currency"):
        if params.get(param) is None:
            raise errors.missing_param(param)
    currency = amounts.currency(params["currency"])
    amount = amounts.charge_amount(params["amount"], currency)
    if params.get("source") and params.get("card"):
        raise errors.invalid("You may only specify one of these parameters: source, card.",
                             "source")
    metadata = common.merged_metadata({}, params)
    shipping = common.shipping(params.get("shipping"))
    common.email(params.get("receipt_email"), "receipt_email")
    charging.check_descriptors(params)
    # Last: resolving redeems a token, which must not happen for a request refused above.
    source, customer = instruments.resolve(req, params.get("customer"),
                                           params.get("source") or params.get("card"))
    charge = charging.create_charge(
        req, amount=amount, currency=currency, source=source, customer=customer,
        capture=params.get("capture", True), description=params.get("description"),
        metadata=metadata, statement_descriptor=params.get("statement_descriptor"),
        statement_descriptor_suffix=params.get("statement_descriptor_suffix"),
        receipt_email=params.get("receipt_email"), shipping=shipping,
        transfer_group=params.get("transfer_group"))
    if charge["status"] == "failed":
        raise charging.decline_error(charge)
    return charge


def fetch_charge(req, charge_id, param="id", status=404):
    """The stored charge, or Stripe's "No such charge" (404 in the URL, 400 as a parameter)."""
    return common.fetch(req, charge_id, "charge", "charge", param, status)


def retrieve_charge(req, charge):
    return fetch_charge(req, charge)


def update_charge(req, charge):
    """POST /v1/charges/{charge}: only the fields Stripe lets change (customer only while
    the charge has none); charge.updated with the previous values."""
    before = fetch_charge(req, charge)
    params = req.params
    charging.check_transfer_group(before, params.get("transfer_group"))
    after = dict(before)
    for field in _UPDATABLE:
        if field in params:
            after[field] = params[field]
    if "shipping" in params:
        after["shipping"] = common.shipping(params["shipping"])
    if params.get("fraud_details"):
        report = params["fraud_details"].get("user_report")
        after["fraud_details"] = dict(before["fraud_details"], user_report=report) \
            if report else {k: v for k, v in before["fraud_details"].items()
                            if k != "user_report"}
    common.email(after["receipt_email"], "receipt_email")
    if params.get("customer"):
        after["customer"] = _new_customer(req, before, params["customer"])
    after["metadata"] = common.merged_metadata(before["metadata"], params)
    if after != before:
        charge_moves.save(req, after, before)
        events.record(req, "charge.updated", after, previous=before)
    return after


def _new_customer(req, charge, customer_id):
    if charge["customer"] not in (None, customer_id):
        # UNCERTAIN wording: the docs say the field "may only be updated if there is no
        # existing associated customer with this charge".
        raise errors.invalid(f"Charge {charge['id']} already belongs to customer "
                             f"{charge['customer']}: its customer cannot be changed.",
                             "customer")
    return common.live_customer(req, customer_id, param="customer", status=400)["id"]


def list_charges(req):
    common.customer_filter(req)
    fields = {name: req.params[name] for name in ("customer", "payment_intent",
                                                  "transfer_group") if req.params.get(name)}
    return common.list_page(req, "/v1/charges", ("charge",),
                            lambda bad: f"No such charge: '{bad}'",
                            created=req.params.get("created"), fields=fields)


def search_charges(req):
    return common.search_page(req, "charge", search.CHARGE_FIELDS, "charges")


def capture_charge(req, charge):
    before = fetch_charge(req, charge)
    params = req.params
    amount = params.get("amount")
    if amount is not None:
        amounts.positive(amount)
    for param in ("application_fee", "application_fee_amount", "transfer_data"):
        if params.get(param) is not None:
            raise errors.invalid(f"{param} is for Connect, which stripe_emu does not emulate.",
                                 param)
    common.email(params.get("receipt_email"), "receipt_email")
    charging.check_descriptors(params)
    charging.refuse_intents_authorization(before, "capture")
    return charging.capture_charge(
        req, before, amount, statement_descriptor=params.get("statement_descriptor"),
        statement_descriptor_suffix=params.get("statement_descriptor_suffix"),
        receipt_email=params.get("receipt_email"), transfer_group=params.get("transfer_group"))


def charge_refunds_list(req, charge):
    """`charge.refunds` when expanded (Stripe stopped including it unasked at 2022-11-15):
    the charge's refunds, newest first, up to 10."""
    data, more = objects.page(req.db, req.account, ("refund",), fields={"charge": charge["id"]},
                              limit=10)
    return {"object": "list", "data": [present(item) for item in data], "has_more": more,
            "url": f"/v1/charges/{charge['id']}/refunds"}
