"""Helpers shared by the SetupIntent and PaymentIntent tests."""
import webtest

RETURN_URL = "https://shop.test/back?order=7"
CARD_ONLY = {"payment_method_types[]": "card"}


def control(app):
    """The control plane, as a loopback client reaches it."""
    return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})


def event_types(api, limit=100):
    """The types of the account's events, oldest first."""
    return [event["type"] for event in api.get("/v1/events", {"limit": limit})["data"]][::-1]


def page_path(intent):
    """The authentication page's path and query, from the intent's next_action."""
    action = intent["next_action"]
    url = (action["redirect_to_url"]["url"] if action["type"] == "redirect_to_url"
           else action["use_stripe_sdk"]["stripe_js"])
    return "/" + url.split("://", 1)[1].split("/", 1)[1]
