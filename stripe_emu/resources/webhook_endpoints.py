"""Webhook endpoints: /v1/webhook_endpoints and /v1/webhook_endpoints/{webhook_endpoint}.

An endpoint's signing secret is kept as `_secret` (never rendered) and shown only in the
create response, as Stripe does. Deliveries are made by stripe_emu/webhooks.py.
"""
from .. import errors, ids, webhooks
from ..store import objects
from ..store import webhooks as webhook_store
from . import common


def _noun(bad):
    return f"No such webhook endpoint: '{bad}'"


def _url(given):
    try:
        return webhooks.check_url(given)
    except webhooks.ControlPlaneURL as error:
        raise errors.invalid(f"Not a valid URL: {error}.", "url", "url_invalid")
    except ValueError:
        # Stripe's answer for a URL parameter it cannot use (seen on other endpoints).
        raise errors.invalid("Not a valid URL", "url", "url_invalid")


def _enabled_events(given):
    # Each is "*" or a well-formed event type, not only one the bundled spec lists (Stripe
    # keeps adding types): spec.py's pattern, checked with the other parameters.
    if not given or any(event is None for event in given):
        raise errors.invalid("Invalid array", "enabled_events")
    return list(dict.fromkeys(given))


def create_webhook_endpoint(req):
    params = req.params
    endpoint = {
        "id": ids.new_id(ids.WEBHOOK_ENDPOINT),
        "object": "webhook_endpoint",
        "api_version": params.get("api_version"),
        "application": None,
        "created": req.now,
        "description": params.get("description"),
        "enabled_events": _enabled_events(params["enabled_events"]),
        "livemode": False,
        "metadata": common.merged_metadata({}, params),
        "status": "enabled",
        "url": _url(params["url"]),
        # A Connect endpoint receives connected accounts' events, of which there are none.
        "_connect": bool(params.get("connect")),
        "_secret": webhooks.new_secret(),
    }
    objects.insert(req.db, req.account, endpoint)
    return dict(endpoint, secret=endpoint["_secret"])


def retrieve_webhook_endpoint(req, webhook_endpoint):
    return common.fetch(req, webhook_endpoint, "webhook_endpoint", "webhook endpoint")


def update_webhook_endpoint(req, webhook_endpoint):
    endpoint = common.fetch(req, webhook_endpoint, "webhook_endpoint", "webhook endpoint")
    params = req.params
    if params.get("url") is not None:
        endpoint["url"] = _url(params["url"])
    if "enabled_events" in params:
        endpoint["enabled_events"] = _enabled_events(params["enabled_events"])
    if "description" in params:
        endpoint["description"] = params["description"]
    if params.get("disabled") is not None:
        endpoint["status"] = "disabled" if params["disabled"] else "enabled"
    endpoint["metadata"] = common.merged_metadata(endpoint["metadata"], params)
    objects.update(req.db, req.account, endpoint)
    webhook_store.retarget(req.db, endpoint["id"], endpoint["url"])
    return endpoint


def delete_webhook_endpoint(req, webhook_endpoint):
    endpoint = common.fetch(req, webhook_endpoint, "webhook_endpoint", "webhook endpoint")
    objects.delete(req.db, req.account, endpoint["id"])
    webhook_store.cancel(req.db, endpoint["id"])
    return {"id": endpoint["id"], "object": "webhook_endpoint", "deleted": True}


def list_webhook_endpoints(req):
    return common.list_page(req, "/v1/webhook_endpoints", ("webhook_endpoint",), _noun)
