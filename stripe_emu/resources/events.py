"""Events: GET /v1/events and GET /v1/events/{id}. They are recorded by stripe_emu/events.py.

`pending_webhooks` is live, as on Stripe: the deliveries of the event not (yet) successful.
"""
from .. import errors
from ..store import webhooks as webhook_store
from . import common

MAX_TYPES = 20
# "List events, going back up to 30 days." Retrieving one has no such limit at 2023-08-16.
LISTED_FOR_SECONDS = 30 * 86400


def list_events(req):
    params = req.params
    if params.get("type") is not None and params.get("types"):
        # UNCERTAIN wording; Stripe documents "You may pass either type or types, but not both."
        raise errors.invalid("You may only specify one of these parameters: type, types.",
                             "types")
    types = [kind for kind in params.get("types") or () if kind is not None]
    if len(types) > MAX_TYPES:
        raise errors.invalid(f"Invalid array: types must have at most {MAX_TYPES} elements.",
                             "types")
    kind, prefix = params.get("type"), None
    if kind is not None:
        # Stripe's wildcard: `customer.*` is every event whose type starts with `customer.`.
        if kind.endswith("*") and kind.count("*") == 1:
            prefix = kind[:-1]
        else:
            types = [kind]
    page = common.list_page(req, "/v1/events", ("event",), lambda bad: f"No such event: '{bad}'",
                            types=types or None, type_prefix=prefix or None,
                            created=_within_listed_days(req, params.get("created")),
                            delivered=params.get("delivery_success"))
    _with_pending_webhooks(req, page["data"])
    return page


def _within_listed_days(req, created):
    """The `created` filter (an exact time or a hash of bounds) narrowed to the last 30 days."""
    since = req.now - LISTED_FOR_SECONDS
    if created is None:
        return {"gte": since}
    if not isinstance(created, dict):
        created = {"gte": created, "lte": created}
    return dict(created, gte=max(since, created.get("gte", since), created.get("gt", since)))


def retrieve_event(req, id):
    event = common.fetch(req, id, "event", "event")
    _with_pending_webhooks(req, [event])
    return event


def _with_pending_webhooks(req, found):
    counts = webhook_store.undelivered_counts(req.db, [event["id"] for event in found])
    for event in found:
        event["pending_webhooks"] = counts.get(event["id"], 0)
