"""PaymentIntents, a second pass over Stripe's API reference and guides ("Place a hold on a
payment method", "Accept a payment", "Payment status updates"): the refusals an integration
meets when it updates, confirms, captures or cancels an intent in the wrong state, and what
the intent and its events show on each path."""
import pytest

from conftest import PUBLISHABLE_KEY
from intents_kit import CARD_ONLY

stripe = pytest.importorskip("stripe")


def pay(api, status=200, **params):
    return api.post("/v1/payment_intents", {"amount": "2000", "currency": "usd", **params},
                    status=status)


def test_the_customer_once_set_cannot_change(api):
    # Stripe's refusal, as integrations quote it (solidus_stripe#158, woocommerce-payments
    # #142): the customer is set once; to pay for another, cancel and create a new intent.
    first, second = (api.post("/v1/customers", {})["id"] for _ in range(2))
    intent = pay(api, customer=first)
    error = api.post(f"/v1/payment_intents/{intent['id']}", {"customer": second},
                     status=400)["error"]
    assert (error["type"], error["param"], error["message"]) == (
        "invalid_request_error", "customer",
        "You cannot modify `customer` on a PaymentIntent once it already has been set. To "
        "fulfill a payment with a different Customer, cancel this PaymentIntent and create a "
        "new one.")
    assert api.get(f"/v1/payment_intents/{intent['id']}")["customer"] == first
    # The same customer again, or one set on an intent without one, is no change.
    assert api.post(f"/v1/payment_intents/{intent['id']}",
                    {"customer": first})["customer"] == first
    bare = pay(api)
    assert api.post(f"/v1/payment_intents/{bare['id']}",
                    {"customer": second})["customer"] == second


def test_an_update_clears_last_payment_error(api):
    # last_payment_error: "The payment error encountered in the previous PaymentIntent
    # confirmation. It will be cleared if the PaymentIntent is later updated for any reason."
    declined = pay(api, 402, payment_method="pm_card_chargeDeclined", confirm="true",
                   **CARD_ONLY)["error"]["payment_intent"]
    assert declined["last_payment_error"]["code"] == "card_declined"
    updated = api.post(f"/v1/payment_intents/{declined['id']}", {"metadata[order]": "7"})
    assert (updated["status"], updated["last_payment_error"]) == (
        "requires_payment_method", None)
    assert api.get(f"/v1/payment_intents/{declined['id']}")["last_payment_error"] is None


def test_before_2022_11_15_the_intent_an_error_carries_lists_its_charges(api):
    # An error's payment_intent is the PaymentIntent object of the request's version: before
    # "the charges property on PaymentIntent has been removed", it lists its charges — the
    # declined one for a card_error (as Stripe's recorded 402s of that era show).
    old = {"Stripe-Version": "2022-08-01"}
    error = api.post("/v1/payment_intents", {"amount": "2000", "currency": "usd",
                                             "payment_method": "pm_card_chargeDeclined",
                                             "confirm": "true", **CARD_ONLY},
                     headers=old, status=402)["error"]
    charges = error["payment_intent"]["charges"]
    assert [charge["id"] for charge in charges["data"]] == [error["charge"]]
    assert charges["data"][0]["status"] == "failed"
    intent = api.post("/v1/payment_intents", {"amount": "2000", "currency": "usd"}, headers=old)
    refused = api.post(f"/v1/payment_intents/{intent['id']}/capture", {}, headers=old,
                       status=400)["error"]
    assert refused["payment_intent"]["charges"]["data"] == []
    # At 2023-08-16 the error's intent has none.
    assert "charges" not in api.post(f"/v1/payment_intents/{intent['id']}/capture", {},
                                     status=400)["error"]["payment_intent"]


def test_a_receipt_email_given_after_the_payment_goes_to_its_charge(api):
    # "To trigger an automatic receipt after the payment is complete, update the
    # PaymentIntent's receipt_email" (Email receipts guide): the charge it paid with is the
    # one the receipt is for.
    paid = pay(api, payment_method="pm_card_visa", confirm="true", **CARD_ONLY)
    updated = api.post(f"/v1/payment_intents/{paid['id']}", {"receipt_email": "jo@shop.test"})
    assert updated["receipt_email"] == "jo@shop.test"
    charge = api.get(f"/v1/charges/{paid['latest_charge']}")
    assert charge["receipt_email"] == "jo@shop.test"
    event = api.get("/v1/events", {"limit": 1})["data"][0]
    assert (event["type"], event["data"]["object"]["id"]) == ("charge.updated", charge["id"])
    assert event["data"]["previous_attributes"] == {"receipt_email": None}
    # A failed payment sends no receipt: its charge is left as it was.
    declined = pay(api, 402, payment_method="pm_card_chargeDeclined", confirm="true",
                   **CARD_ONLY)["error"]
    api.post(f"/v1/payment_intents/{declined['payment_intent']['id']}",
             {"receipt_email": "jo@shop.test"})
    assert api.get(f"/v1/charges/{declined['charge']}")["receipt_email"] is None


def test_a_publishable_key_may_only_raise_setup_future_usage_to_off_session(api):
    # setup_future_usage (confirm): "If setup_future_usage is already set and you are
    # performing a request using a publishable key, you may only update the value from
    # on_session to off_session."
    browser = {"Authorization": f"Bearer {PUBLISHABLE_KEY}"}
    cus = api.post("/v1/customers", {})["id"]
    saving = pay(api, customer=cus, setup_future_usage="off_session", **CARD_ONLY)
    error = api.post(f"/v1/payment_intents/{saving['id']}/confirm",
                     {"client_secret": saving["client_secret"],
                      "payment_method": "pm_card_visa", "setup_future_usage": "on_session"},
                     headers=browser, status=400)["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", "setup_future_usage")
    kept = api.get(f"/v1/payment_intents/{saving['id']}")
    assert (kept["status"], kept["setup_future_usage"]) == ("requires_payment_method",
                                                            "off_session")
    # Unsetting it is a change the browser may not make either; the secret key may.
    assert api.post(f"/v1/payment_intents/{saving['id']}/confirm",
                    {"client_secret": saving["client_secret"],
                     "payment_method": "pm_card_visa", "setup_future_usage": ""},
                    headers=browser, status=400)["error"]["param"] == "setup_future_usage"
    # on_session → off_session is allowed, as is the value it has.
    raised = pay(api, customer=cus, setup_future_usage="on_session", **CARD_ONLY)
    done = api.post(f"/v1/payment_intents/{raised['id']}/confirm",
                    {"client_secret": raised["client_secret"], "payment_method": "pm_card_visa",
                     "setup_future_usage": "off_session"}, headers=browser)
    assert (done["status"], done["setup_future_usage"]) == ("succeeded", "off_session")
    same = pay(api, customer=cus, setup_future_usage="off_session", **CARD_ONLY)
    assert api.post(f"/v1/payment_intents/{same['id']}/confirm",
                    {"client_secret": same["client_secret"], "payment_method": "pm_card_visa",
                     "setup_future_usage": "off_session"},
                    headers=browser)["status"] == "succeeded"
    assert api.post(f"/v1/payment_intents/{saving['id']}/confirm",
                    {"payment_method": "pm_card_visa",
                     "setup_future_usage": "on_session"})["setup_future_usage"] == "on_session"
