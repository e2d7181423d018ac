"""A PaymentIntent's charge reached through the Charges and Refunds APIs: Stripe refuses to
capture or refund an authorization a PaymentIntent holds (the intent is captured or canceled
instead), so the intent and its charge never disagree; a captured charge refunds as any."""
import pytest

from intents_kit import CARD_ONLY, event_types
from test_tokens import snapshot

HOLD_DOCS = "https://stripe.com/docs/payments/place-a-hold-on-a-payment-method"


def authorized(api):
    return api.post("/v1/payment_intents", {
        "amount": "2000", "currency": "usd", "payment_method": "pm_card_visa",
        "confirm": "true", "capture_method": "manual", **CARD_ONLY})


def test_capturing_an_intents_charge_through_the_charges_api_is_refused(app, api):
    intent = authorized(api)
    before, events_before = snapshot(app), event_types(api)
    for params in ({}, {"amount": "1500"}):
        error = api.post(f"/v1/charges/{intent['latest_charge']}/capture", params,
                         status=400)["error"]
        # Stripe's answer, as integrations recorded it (stripe-mirakl-connector#46).
        assert (error["type"], error["message"]) == (
            "invalid_request_error",
            f"This uncaptured Charge was created by a PaymentIntent ({intent['id']}). You "
            f"must capture the PaymentIntent instead. For more information, see {HOLD_DOCS}")
    assert snapshot(app) == before and event_types(api) == events_before
    captured = api.post(f"/v1/payment_intents/{intent['id']}/capture")
    assert (captured["status"], captured["amount_received"]) == ("succeeded", 2000)
    assert api.get(f"/v1/charges/{intent['latest_charge']}")["captured"] is True


@pytest.mark.parametrize("how", ["charge", "payment_intent", "legacy"])
def test_refunding_an_intents_authorization_is_refused(app, api, how):
    intent = authorized(api)
    charge = intent["latest_charge"]
    before = snapshot(app)
    if how == "legacy":
        error = api.post(f"/v1/charges/{charge}/refunds", status=400)["error"]
    else:
        given = charge if how == "charge" else intent["id"]
        error = api.post("/v1/refunds", {how: given}, status=400)["error"]
    assert (error["type"], error["message"]) == (
        "invalid_request_error",
        f"This uncaptured Charge was created by a PaymentIntent ({intent['id']}). You must "
        "cancel the PaymentIntent to reverse the authorization instead of refunding the "
        f"Charge directly. For more information, see {HOLD_DOCS}")
    assert snapshot(app) == before
    canceled = api.post(f"/v1/payment_intents/{intent['id']}/cancel")
    assert (canceled["status"], canceled["amount_capturable"]) == ("canceled", 0)
    assert api.get(f"/v1/charges/{charge}")["refunded"] is True


def test_an_intents_captured_charge_refunds_through_the_refunds_api(api):
    intent = authorized(api)
    api.post(f"/v1/payment_intents/{intent['id']}/capture")
    refund = api.post("/v1/refunds", {"charge": intent["latest_charge"]})
    assert (refund["amount"], refund["payment_intent"]) == (2000, intent["id"])
    # A refund leaves the intent succeeded: it was paid; the charge shows the refund.
    assert api.get(f"/v1/payment_intents/{intent['id']}")["status"] == "succeeded"
    assert api.get(f"/v1/charges/{intent['latest_charge']}")["refunded"] is True


def test_the_official_client_sees_the_refusals(stripe_http):
    stripe = pytest.importorskip("stripe")
    intent = stripe_http.v1.payment_intents.create(params={
        "amount": 2000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
        "capture_method": "manual", "payment_method_types": ["card"]})
    with pytest.raises(stripe.InvalidRequestError) as capture:
        stripe_http.v1.charges.capture(intent.latest_charge)
    assert "You must capture the PaymentIntent instead" in capture.value.user_message
    with pytest.raises(stripe.InvalidRequestError) as refund:
        stripe_http.v1.refunds.create(params={"charge": intent.latest_charge})
    assert "You must cancel the PaymentIntent" in refund.value.user_message
    assert stripe_http.v1.payment_intents.retrieve(intent.id).status == "requires_capture"
