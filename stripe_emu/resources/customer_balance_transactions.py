"""Customer balance transactions: /v1/customers/{customer}/balance_transactions[/{id}], the
ledger behind a customer's `balance`.

Each transaction moves the balance by its `amount` (negative: a credit the customer can
spend on invoices; positive: a debit) and shows the `ending_balance` it left. Creating one
updates the customer (customer.updated, with the old balance in previous_attributes); only
its description and metadata change afterwards. A balance set directly on the customer is
recorded here too (customers.py calls `record`): `initial` at creation, `adjustment` after,
so the ledger always adds up to the balance.
"""
from .. import errors, events, ids
from ..payments import amounts
from ..store import objects
from ..store.db import SQLITE_INTEGERS
from . import common

_NOUN = "customer balance transaction"
_KIND = "customer_balance_transaction"
# UNCERTAIN: the currency of a balance set on a customer who has none (the account's
# default currency, here usd).
DEFAULT_CURRENCY = "usd"


def create_customer_balance_transaction(req, customer):
    before = common.live_customer(req, customer)
    currency = amounts.currency(req.params["currency"])
    if before["currency"] is not None and currency != before["currency"]:
        # Invented wording: the balance is kept in the customer's one currency.
        raise errors.invalid(f"The customer's balance is in {before['currency']}: a balance "
                             f"transaction in {currency} cannot apply to it.", "currency")
    transaction = record(req, before, req.params["amount"], "adjustment", currency,
                         req.params)
    after = dict(before, balance=transaction["ending_balance"], currency=currency)
    objects.update(req.db, req.account, after)
    events.record(req, "customer.updated", after, previous=before)
    return transaction


def record(req, customer, amount, kind, currency=None, params=None):
    """Store the transaction moving `customer`'s balance (as it is before) by `amount`, and
    return it; the caller saves the customer's new balance (`ending_balance`)."""
    params = params or {}
    ending = customer["balance"] + amount
    if ending not in SQLITE_INTEGERS:
        raise errors.invalid(f"Invalid integer: {amount}: the customer's balance would leave "
                             "the 64-bit range.", "amount", "parameter_invalid_integer")
    transaction = {
        "id": ids.new_id(ids.CUSTOMER_BALANCE_TRANSACTION),
        "object": _KIND,
        "amount": amount,
        "created": req.now,
        "credit_note": None,
        "currency": currency or customer["currency"] or DEFAULT_CURRENCY,
        "customer": customer["id"],
        "description": params.get("description"),
        "ending_balance": ending,
        "invoice": None,
        "livemode": False,
        "metadata": common.merged_metadata({}, params),
        "type": kind,
    }
    objects.insert(req.db, req.account, transaction)
    return transaction


def retrieve_customer_balance_transaction(req, customer, transaction):
    return common.owned_by(req, customer, transaction, _KIND, _NOUN)


def update_customer_balance_transaction(req, customer, transaction):
    before = common.owned_by(req, customer, transaction, _KIND, _NOUN)
    after = dict(before, metadata=common.merged_metadata(before["metadata"], req.params))
    if "description" in req.params:
        after["description"] = req.params["description"]
    objects.update(req.db, req.account, after)
    return after


def list_customer_balance_transactions(req, customer):
    customer_id = common.live_customer(req, customer)["id"]
    return common.list_page(req, f"/v1/customers/{customer_id}/balance_transactions",
                            (_KIND,), lambda bad: f"No such {_NOUN}: '{bad}'",
                            customer=customer_id)
