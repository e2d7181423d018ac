"""The control plane's payment moves: what Stripe does to charges and Sources by itself,
which a test can make happen now (registered in control.py's endpoint table).

    POST /_emu/charges/{id}/settle   a pending bank debit (ACH) settles: succeeded, or failed
                                     with its test account number's failure code
    POST /_emu/sources/{id}/fund     a transfer of `amount` lands on an ach_credit_transfer
                                     Source, which becomes chargeable for up to what it got
    POST /_emu/due                   run now the timed moves whose time has come on the app's
                                     clock (expiries, settlements; see payments/timers.py)

`account` (a test key or name) narrows the search, as for /_emu/sources/{id}/status. Each
move is one transaction with events carrying a null request, as Stripe's own do.
"""
from . import auth, errors, events
from .expand import present
from .payments import charging, instruments, timers
from .resources import common


def settle_charge(app, charge_id, account=None):
    """Settle the pending bank-debit charge `charge_id` now; returns the charge."""
    with app.store.transaction(after_commit=app.after_commit) as db:
        owner, charge = common.locate(db, charge_id, ("charge",), "charge",
                                      auth.account_named(account, app.keys))
        if charge["status"] != "pending":
            # Invented wording: Stripe has no such endpoint.
            raise errors.invalid(f"The charge {charge_id} is {charge['status']}: only a "
                                 "pending charge (a bank debit) settles.", "charge")
        settled = charging.settle(events.by_stripe(app, db, owner), charge)
    return present(settled)


def fund_source(app, source_id, amount, account=None):
    """Land a transfer of `amount` on the ach_credit_transfer Source `source_id`; returns
    the Source."""
    with app.store.transaction(after_commit=app.after_commit) as db:
        owner, source = common.locate(db, source_id, ("source",), "source",
                                      auth.account_named(account, app.keys))
        funded = instruments.fund(events.by_stripe(app, db, owner), source, amount)
    return present(funded)


def run_due_work(app):
    """Run the timed moves due on the app's clock (up to a batch); returns how many ran."""
    with app.store.transaction(after_commit=app.after_commit) as db:
        ran = timers.run_due(app, db, int(app.clock()))
    return ran


# -- HTTP: given (checked parameters) → JSON-ready result ------------------------------------

def settle_endpoint(app, given, charge):
    return settle_charge(app, charge, given.get("account"))


def fund_endpoint(app, given, source):
    if given.get("amount") is None:
        raise errors.missing_param("amount")
    return fund_source(app, source, given["amount"], given.get("account"))


def due_endpoint(app, given):
    return {"ran": run_due_work(app)}
