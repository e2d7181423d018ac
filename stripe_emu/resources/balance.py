"""The balance: GET /v1/balance, GET /v1/balance_transactions and
/v1/balance_transactions/{id}.

Balance transactions are written by payments/ (a captured charge, a refund); these handlers
only read them, through balance.as_of so that pending funds show available once their
available_on has come on the app's clock.
"""
from .. import errors
from ..payments import balance
from . import common


def retrieve_balance(req):
    return balance.balance(req)


def retrieve_balance_transaction(req, id):
    txn = common.fetch(req, id, "balance_transaction", "balance transaction")
    return balance.as_of(txn, req.now)


def list_balance_transactions(req):
    params = req.params
    if params.get("payout"):
        # No payouts are emulated, so none can be named.
        raise errors.no_such("payout", params["payout"], param="payout", status=400)
    fields = {name: params[name] for name in ("currency", "source") if params.get(name)}
    page = common.list_page(
        req, "/v1/balance_transactions", ("balance_transaction",),
        lambda bad: f"No such balance transaction: '{bad}'", created=params.get("created"),
        types=[params["type"]] if params.get("type") else None, fields=fields)
    page["data"] = [balance.as_of(txn, req.now) for txn in page["data"]]
    return page
