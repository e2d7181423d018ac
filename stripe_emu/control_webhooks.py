"""The control plane's view of webhook deliveries (registered in control.py's table):

    GET /_emu/webhooks/deliveries   every delivery with its attempts, oldest first; filtered
                                    by event, status, endpoint and account

What a test asks when an endpoint received nothing: was the event sent, where, how did each
attempt end, when is the next one. The same list is `webhooks.deliveries(app, ...)` in Python.
"""
from . import auth, errors, webhooks


def list_deliveries(app, given):
    try:
        found = webhooks.deliveries(app, account=auth.account_named(given.get("account"),
                                                                    app.keys),
                                    event=given.get("event"), endpoint=given.get("endpoint"),
                                    status=given.get("status"))
    except ValueError as error:
        raise errors.invalid(str(error), "status")
    # The account is the API key without its prefix: shown masked, as the request log does.
    return {"object": "list",
            "data": [dict(delivery,
                          account=auth.mask_account(delivery["account"], app.keys))
                     for delivery in found]}


_TEXT = {"type": "string", "maxLength": 5000}
DELIVERIES = {"GET": (list_deliveries, {"event": _TEXT, "status": _TEXT, "endpoint": _TEXT,
                                        "account": _TEXT})}
