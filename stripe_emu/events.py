"""Events: every state change records one, in the transaction that makes the change, and
queues its webhook deliveries in that same transaction (so an event is delivered exactly
when its change is committed)."""
import time
import types

from . import ids, spec, webhooks
from .expand import present
from .store import objects
from .store import webhooks as webhook_store


def record(req, event_type, obj, previous=None):
    """Record `event_type` for `obj` as it is after the change made by API request `req`;
    `previous` is the object as it was before, for *.updated events (Stripe sends only the
    changed fields' old values)."""
    return _record(req.app, req.db, req.account, req.now,
                   {"id": req.request_id, "idempotency_key": req.idempotency_key},
                   event_type, obj, previous)


def by_stripe(app, db, account):
    """The request-shaped context of a change Stripe makes by itself (a customer finishing a
    redirect, a test moving a Source): what `record` and the resources read of a request,
    with no request id, so its events carry {"id": null, "idempotency_key": null} as Stripe
    sends them. `db` is an open write transaction, begun with the app's hooks
    (`app.store.transaction(after_commit=app.after_commit)`) so that its webhooks go out as
    soon as it commits."""
    return types.SimpleNamespace(app=app, db=db, account=account, now=int(app.clock()),
                                 request_id=None, idempotency_key=None)


def _record(app, db, account, now, request, event_type, obj, previous):
    data = {"object": present(dict(obj, deleted=False) if obj.get("deleted") else obj)}
    if obj.get("deleted"):
        data["object"].pop("deleted", None)  # deletion events carry the full object as it was
    if previous is not None:
        data["previous_attributes"] = previous_attributes(previous, obj)
    targets = webhooks.targets(app, db, account, event_type)
    event = {
        "id": ids.new_id(ids.EVENT),
        "object": "event",
        # Events are rendered in the emulator's one API version, whatever the request's
        # Stripe-Version (Stripe uses the account's default version, not the request's).
        "api_version": spec.API_VERSION,
        "created": now,
        "data": data,
        "livemode": False,
        "pending_webhooks": len(targets),
        "request": request,
        "type": event_type,
    }
    objects.insert(db, account, event)
    if targets:
        webhook_store.enqueue(db, account, event["id"], targets, time.time())
        app.webhooks.armed = True
    return event


def previous_attributes(old, new):
    """The old values of what changed; within a hash (metadata, address, invoice_settings, an
    embedded list) only its changed keys, a key that was added showing as null: a live
    customer.updated shows {"invoice_settings": {"default_payment_method": null}}."""
    changed = {}
    for key in old.keys() | new.keys():
        if key.startswith("_"):
            continue
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if isinstance(before, dict) and isinstance(after, dict):
            changed[key] = previous_attributes(before, after)
        else:
            changed[key] = before
    return changed
