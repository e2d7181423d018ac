"""Source transactions: /v1/sources/{source}/source_transactions[/{source_transaction}], the
transfers that landed on a receiver Source (ach_credit_transfer), and the mandate
notifications of /v1/sources/{source}/mandate_notifications/{mandate_notification}.

A transfer lands when the control plane funds the Source (POST /_emu/sources/{id}/fund) or,
at creation, through the owner's email `amount_<cents>@…` (source_types.py): `record` stores
one transaction for it and records source.transaction.created. Both are Stripe's doing, never
a request's, so nothing here is created by the API itself.
"""
from .. import errors, events, ids
from ..store import objects
from . import common

_KIND = "source_transaction"
_NOUN = "source transaction"
# UNCERTAIN: the sending bank account of a simulated transfer (Stripe's test transfers name
# one; its values are not documented): a US test account, the same for every transfer.
_SENDER = {"last4": "6789", "routing_number": "110000000"}


def record(ctx, source, amount):
    """Store the transfer of `amount` that landed on receiver Source `source` (as stored)
    and record source.transaction.created; `ctx` is a request or events.by_stripe."""
    transaction = {
        "id": ids.new_id(ids.SOURCE_TRANSACTION),
        "object": _KIND,
        "amount": amount,
        "created": ctx.now,
        "currency": source["currency"],
        "livemode": False,
        # Only the hash of the Source's type, as Stripe's transactions show it.
        source["type"]: {"fingerprint": source[source["type"]]["fingerprint"], **_SENDER},
        "source": source["id"],
        "status": "succeeded",
        "type": source["type"],
    }
    objects.insert(ctx.db, ctx.account, transaction)
    events.record(ctx, "source.transaction.created", transaction)
    return transaction


def list_source_transactions(req, source):
    source_id = common.fetch(req, source, "source", "source")["id"]
    return common.list_page(req, f"/v1/sources/{source_id}/source_transactions", (_KIND,),
                            lambda bad: f"No such {_NOUN}: '{bad}'",
                            fields={"source": source_id})


def retrieve_source_transaction(req, source, source_transaction):
    source_id = common.fetch(req, source, "source", "source")["id"]
    found = objects.get(req.db, req.account, source_transaction)
    if found is None or found["object"] != _KIND or found["source"] != source_id:
        raise errors.no_such(_NOUN, source_transaction)
    return found


def retrieve_source_mandate_notification(req, source, mandate_notification):
    """Stripe sends mandate notifications for debit Sources it emulates none of (sepa_debit,
    bacs_debit…), so none exists: the Source must, and then the notification is missing."""
    common.fetch(req, source, "source", "source")
    # UNCERTAIN: the noun of Stripe's message for this object.
    raise errors.no_such("source mandate notification", mandate_notification)
