"""A charge's state machine: the statuses it moves between, and its one guarded write.

Below charging.py and refunding.py, which both change stored charges (and charging builds
on refunding): every change to a stored charge is `save`, one guarded update from the charge
as it was read (`objects.update(..., unchanged=...)`), so two captures or refunds racing for
one charge cannot both apply.
"""
from .. import errors
from ..store import objects

# The statuses a charge moves between, and the moves allowed (the rest are refusals).
MOVES = {"pending": ("succeeded", "failed"), "succeeded": (), "failed": ()}


def save(req, after, before):
    """Write `after` over `before`, guarded: Stripe's 400 if the charge changed meanwhile
    or the status move is not one of MOVES."""
    moved = after["status"] != before["status"]
    if (moved and after["status"] not in MOVES[before["status"]]) or not objects.update(
            req.db, req.account, after, unchanged=before):
        raise errors.invalid(f"Charge {before['id']} changed while this request ran: "
                             "retrieve it and try again.")
    return after
