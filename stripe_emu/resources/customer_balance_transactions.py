"""Customer balance transactions: /v1/customers/{customer}/balance_transactions[/{id}], the
ledger behind a customer's `balance`.

Each transaction moves the balance of its currency by its `amount` (negative: a credit the
customer can spend on invoices; positive: a debit) and shows the `ending_balance` it left.
Creating one in the customer's currency updates the customer (customer.updated, with the old
balance in previous_attributes); other currencies keep their balances in the ledger only.
Only a transaction's description and metadata change afterwards. A balance set directly on
the customer is recorded here too (customers.py calls `record`): `initial` at creation,
`adjustment` after, so the ledger always adds up to the balance.
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
    """A transaction in the customer's currency (or the first, which sets it) moves its
    `balance`; one in another currency moves that currency's credit balance only (the
    reference's `currency`: "Specifies the invoice_credit_balance that this transaction will
    apply to"), which the customer does not show at this version. UNCERTAIN: Stripe records no
    customer.updated for that (the customer's shown fields do not change)."""
    before = common.live_customer(req, customer)
    currency = amounts.currency(req.params["currency"])
    transaction = record(req, before, req.params["amount"], "adjustment", currency,
                         req.params)
    if before["currency"] in (None, currency):
        after = dict(before, balance=transaction["ending_balance"], currency=currency)
        objects.update(req.db, req.account, after)
        events.record(req, "customer.updated", after, previous=before)
    return transaction


def record(req, customer, amount, kind, currency=None, params=None):
    """Store the transaction moving `customer`'s balance in `currency` (default: its own) by
    `amount`, and return it; for its own currency, the caller saves the customer's new
    balance (`ending_balance`)."""
    params = params or {}
    currency = currency or customer["currency"] or DEFAULT_CURRENCY
    ending = _balance_in(req, customer, currency) + amount
    if ending not in SQLITE_INTEGERS:
        raise errors.invalid(f"Invalid integer: {amount}: the customer's balance would leave "
                             "the 64-bit range.", "amount", "parameter_invalid_integer")
    transaction = {
        "id": ids.new_id(ids.CUSTOMER_BALANCE_TRANSACTION),
        "object": _KIND,
        "amount": amount,
        "created": req.now,
        "credit_note": None,
        "currency": currency,
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


def _balance_in(req, customer, currency):
    """The customer's credit balance in `currency`: its `balance` in its own currency (or
    while it has none), else where the latest transaction in that currency left it."""
    if customer["currency"] in (None, currency):
        return customer["balance"]
    latest, _ = objects.page(req.db, req.account, (_KIND,), customer=customer["id"], limit=1,
                             fields={"currency": currency})
    return latest[0]["ending_balance"] if latest else 0


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
