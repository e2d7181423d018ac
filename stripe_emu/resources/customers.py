"""Customers: /v1/customers, /v1/customers/{customer} and /v1/customers/search.

A deleted customer keeps its row (Stripe still retrieves it, as a stub) with `deleted` set;
every other operation on it answers "No such customer".
"""
import re
import secrets

from .. import errors, events, ids, search
from ..payments import defaults, methods
from ..store import objects
from . import common, customer_balance_transactions, payment_sources, tax_ids


def _invoice_settings(current, given):
    settings = dict(current)
    for field in ("custom_fields", "default_payment_method", "footer", "rendering_options"):
        if field in given:
            settings[field] = given[field]
    return settings


# Parameters copied onto the customer as they come (an empty value unsets them).
_PLAIN_FIELDS = ("business_name", "description", "individual_name", "name", "phone",
                 "invoice_prefix")
# Parameters accepted for compatibility that name objects the emulator does not keep.
_UNSUPPORTED_REFERENCES = {"coupon": "coupon", "promotion_code": "promotion code",
                           "test_clock": "test clock"}


def _refuse_unsupported_references(params, names=tuple(_UNSUPPORTED_REFERENCES)):
    for param in names:
        if params.get(param):
            raise errors.no_such(_UNSUPPORTED_REFERENCES[param], params[param], param=param,
                                 status=400)


def _apply(req, customer, new_payment_method=None):
    """Apply create/update parameters to `customer` (a dict) and return it.
    `new_payment_method` is the PaymentMethod a new customer is about to have attached."""
    params = req.params
    _refuse_unsupported_references(params)
    if params.get("invoice_prefix") and not re.fullmatch(r"[A-Z0-9]{3,12}",
                                                         params["invoice_prefix"]):
        # "Must be 3–12 uppercase letters or numbers." UNCERTAIN: Stripe's wording.
        raise errors.invalid("Invalid invoice_prefix: must be 3-12 uppercase letters or "
                             "numbers", "invoice_prefix")
    if params.get("invoice_prefix") and objects.invoice_prefix_owner(
            req.db, req.account, params["invoice_prefix"]) not in (None, customer["id"]):
        # Invoice numbering: prefixes "can't match any other customer prefix, including
        # prefixes that are no longer in use". UNCERTAIN: Stripe's wording.
        raise errors.invalid(f"The invoice prefix {params['invoice_prefix']} is already in use "
                             "by another customer.", "invoice_prefix")
    for field in _PLAIN_FIELDS:
        if field in params:
            customer[field] = params[field]
    if "email" in params:
        customer["email"] = common.email(params["email"])
    if "address" in params:
        customer["address"] = common.address(params["address"])
    if "shipping" in params:
        customer["shipping"] = common.shipping(params["shipping"])
    if "balance" in params:
        customer["balance"] = params["balance"] or 0
    if "next_invoice_sequence" in params:
        customer["next_invoice_sequence"] = params["next_invoice_sequence"]
    if "preferred_locales" in params:
        customer["preferred_locales"] = params["preferred_locales"] or []
    if "ip_address" in (params.get("tax") or {}):
        # Kept for `tax`, shown only when expanded (customer_tax).
        customer["_tax_ip_address"] = params["tax"]["ip_address"] or None
    mode = ((params.get("cash_balance") or {}).get("settings") or {}).get("reconciliation_mode")
    if mode is not None:
        # Kept for `cash_balance`, shown only when expanded; merchant_default goes back to
        # the account's. UNCERTAIN: like tax[ip_address], a change records no customer.updated.
        customer["_cash_reconciliation_mode"] = None if mode == "merchant_default" else mode
    if "tax_exempt" in params:
        customer["tax_exempt"] = params["tax_exempt"] or "none"
    if params.get("invoice_settings"):
        given = params["invoice_settings"]
        customer["invoice_settings"] = _invoice_settings(customer["invoice_settings"], given)
        default = given.get("default_payment_method")
        if new_payment_method is not None and default == params["payment_method"]:
            # The Billing guides' way to create a customer ready to pay invoices: the same
            # id in both (a test id like pm_card_visa too) names the one attached here.
            customer["invoice_settings"]["default_payment_method"] = new_payment_method["id"]
        elif "default_payment_method" in given:
            customer["invoice_settings"]["default_payment_method"] = \
                defaults.default_payment_method(req, customer, default)
    customer["metadata"] = common.merged_metadata(customer["metadata"], params)
    return customer


def create_customer(req):
    customer = {
        "id": ids.new_id(ids.CUSTOMER),
        "object": "customer",
        "address": None,
        "balance": 0,
        # Newer API versions show these two; null unless given.
        "business_name": None,
        "created": req.now,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": None,
        "discount": None,
        "email": None,
        "individual_name": None,
        "invoice_prefix": secrets.token_hex(4).upper(),
        "invoice_settings": {"custom_fields": None, "default_payment_method": None,
                             "footer": None, "rendering_options": None},
        "livemode": False,
        "metadata": {},
        "name": None,
        "next_invoice_sequence": 1,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }
    given_method = req.params.get("payment_method")
    # "The ID of the PaymentMethod to attach to the customer."
    payment_method = methods.resolve(req, given_method) if given_method else None
    _apply(req, customer, payment_method)
    objects.insert(req.db, req.account, customer)
    if customer["balance"]:
        customer_balance_transactions.record(req, dict(customer, balance=0),
                                             customer["balance"], "initial")
    given = payment_sources.given_source(req)
    if given is not None:
        # Before the event, so that customer.created shows the new default_source.
        customer = payment_sources.replace_default_source(req, customer, *given)
    events.record(req, "customer.created", customer)
    if payment_method is not None:
        methods.attach(req, payment_method, customer["id"])
    for index, given_id in enumerate(req.params.get("tax_id_data") or ()):
        tax_ids.add(req, customer["id"], given_id["type"], given_id["value"],
                    f"tax_id_data[{index}]")
    return customer


# The customer, or "No such customer": the one rule, in common.py for the sub-resources.
live_customer = common.live_customer


def retrieve_customer(req, customer):
    # A deleted customer is still retrievable: expand.present renders its stub.
    return common.fetch(req, customer, "customer", "customer")


def update_customer(req, customer):
    before = live_customer(req, customer)
    given = payment_sources.given_source(req)
    if given is not None and req.params.get("default_source"):
        # UNCERTAIN: Stripe's answer is undocumented. `source` replaces (deletes) the default
        # while `default_source` names the one to keep: refused, rather than guessing which
        # of the two the caller meant and deleting a source.
        raise errors.invalid("You may only specify one of these parameters: default_source, "
                             f"{given[0]}.", "default_source")
    after = _apply(req, dict(before))
    if after["balance"] != before["balance"]:
        customer_balance_transactions.record(req, before, after["balance"] - before["balance"],
                                             "adjustment")
    if req.params.get("default_source"):
        after["default_source"] = defaults.attached_source_id(
            req, after, req.params["default_source"], "default_source")
    objects.update(req.db, req.account, after)
    if given is not None:
        after = payment_sources.replace_default_source(req, after, *given)
    if events.previous_attributes(before, after):
        # Not for a change of what the customer only shows when expanded (tax[ip_address]).
        events.record(req, "customer.updated", after, previous=before)
    return after


def customer_tax(req, customer):
    """`tax`, shown when expanded. Its location is the shipping address's, else the billing
    address's (a US one needs its ZIP code). UNCERTAIN: an IP address locates no one here,
    and a located customer is `not_collecting` (this account has no tax registrations)."""
    location = None
    for source, address in (("shipping_destination", (customer["shipping"] or {}).get("address")),
                            ("billing_address", customer["address"])):
        if address and address.get("country") and (address["country"] != "US"
                                                    or address.get("postal_code")):
            location = {"country": address["country"], "source": source,
                        "state": address.get("state")}
            break
    return {"automatic_tax": "not_collecting" if location else "unrecognized_location",
            "ip_address": objects.get(req.db, req.account, customer["id"]).get("_tax_ip_address"),
            "location": location}


def customer_cash_balance(req, customer):
    """`cash_balance`, shown when expanded: no bank transfers are emulated, so never funded.
    Its reconciliation mode is the customer's own once given, else the account's (automatic)."""
    own = objects.get(req.db, req.account, customer["id"]).get("_cash_reconciliation_mode")
    return {"object": "cash_balance", "available": None, "customer": customer["id"],
            "livemode": False,
            "settings": {"reconciliation_mode": own or "automatic",
                         "using_merchant_default": own is None}}


def delete_customer(req, customer):
    customer = live_customer(req, customer)
    payment_sources.remove_all(req, customer)
    methods.detach_all(req, customer["id"])
    tax_ids.remove_all(req, customer["id"])
    customer["deleted"] = True
    objects.update(req.db, req.account, customer)
    events.record(req, "customer.deleted", customer)
    return customer


def list_customers(req):
    # No test clock exists, so filtering on one answers as create does for an unknown one.
    _refuse_unsupported_references(req.params, ("test_clock",))
    return common.list_page(
        req, "/v1/customers", ("customer",), lambda bad: f"No such customer: '{bad}'",
        email=req.params.get("email"), created=req.params.get("created"),
        exclude_status="deleted")


def search_customers(req):
    return common.search_page(req, "customer", search.CUSTOMER_FIELDS, "customers")
