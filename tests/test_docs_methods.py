"""PaymentMethods and SetupIntents checked against rules Stripe's documentation states and the
other tests did not hold the emulator to: a return_url naming a mobile application's URI
scheme (SetupIntents and PaymentIntents share it)."""
import urllib.parse

import pytest

from intents_kit import CARD_ONLY, control, page_path

stripe = pytest.importorskip("stripe")

APP_URL = "com.example.shop://stripe-redirect?order=7"


def setup(api, status=200, **params):
    return api.post("/v1/setup_intents", params, status=status)


def test_return_url_may_name_a_mobile_application(app, api):
    # return_url: "If you'd prefer to redirect to a mobile application, you can alternatively
    # supply an application URI scheme" (setup_intents and payment_intents, create/confirm).
    intent = setup(api, payment_method="pm_card_threeDSecureRequired", confirm="true",
                   return_url=APP_URL, **CARD_ONLY)
    assert intent["status"] == "requires_action"
    assert intent["next_action"]["redirect_to_url"]["return_url"] == APP_URL
    page = control(app).get(page_path(intent), headers={"Sec-Fetch-Site": "cross-site"})
    answer = page.click(linkid="authorize")
    assert answer.status_int == 302
    back = urllib.parse.urlsplit(answer.headers["Location"])
    assert (back.scheme, back.netloc, back.path) == ("com.example.shop", "stripe-redirect", "")
    assert dict(urllib.parse.parse_qsl(back.query)) == {
        "order": "7", "setup_intent": intent["id"], "redirect_status": "succeeded",
        "setup_intent_client_secret": intent["client_secret"]}
    paid = api.post("/v1/payment_intents", {"amount": "2000", "currency": "usd",
                                            "payment_method": "pm_card_visa", "confirm": "true",
                                            "return_url": "myapp://done"})
    assert paid["status"] == "succeeded"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,hi", "myapp:done",
                                 "https://", "file:///etc/passwd", "myapp://a b"])
def test_return_url_that_no_browser_follows_is_refused(api, url):
    error = setup(api, status=400, payment_method="pm_card_visa", confirm="true",
                  return_url=url)["error"]
    assert (error["code"], error["param"]) == ("url_invalid", "return_url")
    assert api.get("/v1/setup_intents")["data"] == []


@pytest.mark.parametrize("url", ["myapp://", "my app://x", "://x", "1app://x"])
def test_return_url_without_an_application_scheme_is_refused(api, url):
    error = setup(api, status=400, payment_method="pm_card_visa", confirm="true",
                  return_url=url)["error"]
    assert (error["code"], error["param"]) == ("url_invalid", "return_url")


@pytest.mark.parametrize("param, value", [("flow_directions[]", "inbound"),
                                          ("attach_to_self", "true")])
def test_update_refuses_what_create_refuses_rather_than_dropping_it(api, param, value):
    # Update takes attach_to_self and flow_directions, which the SetupIntent shows; stripe_emu
    # emulates neither, so an update is refused as a create is, never answered unchanged.
    assert setup(api, status=400, **{param: value})["error"]["param"] == param.rstrip("[]")
    intent = setup(api)
    error = api.post(f"/v1/setup_intents/{intent['id']}", {param: value,
                                                            "description": "x"}, status=400)
    assert error["error"]["param"] == param.rstrip("[]")
    assert api.get(f"/v1/setup_intents/{intent['id']}")["description"] is None
