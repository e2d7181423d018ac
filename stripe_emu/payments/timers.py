"""The moves Stripe makes on its own once their time has come, by the app's clock: an
uncaptured charge expiring after 7 days (charge.expired), a bank debit settling
(charge.succeeded / charge.failed), a refund of a refund test card failing or succeeding
(charge.refund.updated, refund.updated).

Why at write time: each waiting charge has a row in `payment_timers`; `run_due` runs at the
start of every write transaction of the API (app.py's `due_work`) and costs one indexed
query when nothing is due, and nothing at all for reads (issue 10: reads stay cheap). So a
test that moves the clock sees an expired charge once any POST has run — as with Stripe,
where these moves arrive asynchronously — and `testing.run_due_work(app)` runs them at once.
The events carry a null request, as Stripe's own moves do.
"""
from .. import events
from ..store import objects
from ..store import payments as store
from . import charging, refunding

_MOVES = {"expire": charging.expire, "settle": charging.settle,
          "settle_refund": refunding.settle}


def run_due(app, db, now):
    """Run every move due at `now` (up to store.DUE_BATCH) inside the open write
    transaction `db`; returns how many ran."""
    rows = store.due(db, now)
    for row in rows:
        store.clear_timer(db, row["object"])
        found = objects.get(db, row["account"], row["object"])
        if found is not None:
            _MOVES[row["kind"]](events.by_stripe(app, db, row["account"]), found)
    return len(rows)
