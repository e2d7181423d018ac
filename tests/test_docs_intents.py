"""PaymentIntents checked against rules Stripe's documentation states and the other tests did
not hold the emulator to: card-level payment_method_options overriding the intent's own
capture_method and setup_future_usage, the capture_method default of newer API versions, and
`error_on_requires_action` refused under automatic payment methods (2023-08-16)."""
import pytest

from conftest import PUBLISHABLE_KEY
from intents_kit import CARD_ONLY, RETURN_URL, event_types
from sources_kit import customer, stored

stripe = pytest.importorskip("stripe")


def pay(api, status=200, **params):
    return api.post("/v1/payment_intents", {"amount": "2000", "currency": "usd", **params},
                    status=status)


def test_card_options_capture_method_manual_places_a_hold(api):
    # "If provided, this parameter will override the top-level capture_method when
    # finalizing the payment with this payment method type" (payment_method_options.card).
    held = pay(api, payment_method="pm_card_visa", confirm="true",
               **{"payment_method_options[card][capture_method]": "manual"}, **CARD_ONLY)
    assert (held["status"], held["capture_method"], held["amount_capturable"],
            held["amount_received"]) == ("requires_capture", "automatic", 2000, 0)
    assert held["payment_method_options"]["card"]["capture_method"] == "manual"
    charge = api.get(f"/v1/charges/{held['latest_charge']}")
    assert (charge["captured"], charge["balance_transaction"]) == (False, None)
    assert event_types(api)[-1] == "payment_intent.amount_capturable_updated"
    done = api.post(f"/v1/payment_intents/{held['id']}/capture", {"amount_to_capture": "1500"})
    assert (done["status"], done["amount_received"]) == ("succeeded", 1500)


def test_card_options_capture_method_given_at_confirm(api):
    intent = pay(api, payment_method="pm_card_visa", **CARD_ONLY)
    held = api.post(f"/v1/payment_intents/{intent['id']}/confirm",
                    {"payment_method_options[card][capture_method]": "manual"})
    assert (held["status"], held["amount_capturable"]) == ("requires_capture", 2000)


def test_card_options_setup_future_usage_saves_the_card_to_the_customer(app, api):
    # payment_method_options.card.setup_future_usage: "Providing this parameter will attach
    # the payment method to the PaymentIntent's Customer, if present".
    cus = customer(api)
    paid = pay(api, customer=cus, payment_method="pm_card_visa", confirm="true",
               **{"payment_method_options[card][setup_future_usage]": "off_session"},
               **CARD_ONLY)
    assert (paid["status"], paid["setup_future_usage"]) == ("succeeded", None)
    assert stored(app, paid["payment_method"])["customer"] == cus
    assert "payment_method.attached" in event_types(api)


def test_card_options_setup_future_usage_none_overrides_the_intent(app, api):
    cus = customer(api)
    paid = pay(api, customer=cus, payment_method="pm_card_visa", confirm="true",
               setup_future_usage="off_session",
               **{"payment_method_options[card][setup_future_usage]": "none"}, **CARD_ONLY)
    assert paid["status"] == "succeeded"
    assert stored(app, paid["payment_method"])["customer"] is None
    assert "payment_method.attached" not in event_types(api)


def test_capture_method_defaults_to_automatic_async_from_2024_04_10(api):
    # "PaymentIntents now has automatic_async as the default capture method when capture
    # method isn't specified during PaymentIntents creation" (changelog 2024-04-10).
    newer = {"Stripe-Version": "2024-04-10"}
    intent = api.post("/v1/payment_intents", {"amount": "2000", "currency": "usd",
                                              "payment_method": "pm_card_visa",
                                              "confirm": "true", **CARD_ONLY}, headers=newer)
    assert (intent["capture_method"], intent["status"], intent["amount_received"]) == (
        "automatic_async", "succeeded", 2000)
    charge = api.get(f"/v1/charges/{intent['latest_charge']}")
    assert (charge["captured"], charge["amount_captured"]) == (True, 2000)
    before = {"Stripe-Version": "2023-10-16"}
    assert api.post("/v1/payment_intents", {"amount": "2000", "currency": "usd"},
                    headers=before)["capture_method"] == "automatic"
    assert api.post("/v1/payment_intents", {"amount": "2000", "currency": "usd",
                                            "capture_method": "manual"},
                    headers=newer)["capture_method"] == "manual"
    emptied = api.post(f"/v1/payment_intents/{intent['id']}", {"capture_method": ""},
                       headers=newer, status=400)["error"]
    assert emptied["param"] == "capture_method"  # succeeded: no longer changes


def test_emptied_capture_method_returns_to_the_versions_default(api):
    intent = api.post("/v1/payment_intents", {"amount": "2000", "currency": "usd",
                                              "capture_method": "manual"},
                      headers={"Stripe-Version": "2024-06-20"})
    reset = api.post(f"/v1/payment_intents/{intent['id']}", {"capture_method": ""},
                     headers={"Stripe-Version": "2024-06-20"})
    assert reset["capture_method"] == "automatic_async"


def test_the_newest_client_gets_automatic_async(stripe_http):
    # stripe-python pins a version after 2024-04-10: what Stripe answers it.
    intent = stripe_http.v1.payment_intents.create(params={
        "amount": 2000, "currency": "usd", "payment_method": "pm_card_visa",
        "confirm": True, "payment_method_types": ["card"]})
    assert (intent.capture_method, intent.status) == ("automatic_async", "succeeded")


def test_error_on_requires_action_needs_payment_method_types(app, api):
    # "When confirming a PaymentIntent, you can't use error_on_requires_action. Use
    # payment_method_types with error_on_requires_action" (changelog 2023-08-16).
    before = event_types(api)
    error = pay(api, status=400, payment_method="pm_card_visa", confirm="true",
                return_url=RETURN_URL, error_on_requires_action="true")["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error",
                                               "error_on_requires_action")
    assert "payment_method_types" in error["message"]
    assert event_types(api) == before  # nothing created
    intent = pay(api, payment_method="pm_card_visa")
    error = api.post(f"/v1/payment_intents/{intent['id']}/confirm",
                     {"error_on_requires_action": "true", "return_url": RETURN_URL},
                     status=400)["error"]
    assert error["param"] == "error_on_requires_action"
    assert api.get(f"/v1/payment_intents/{intent['id']}")["status"] == "requires_confirmation"
    assert pay(api, payment_method="pm_card_visa", confirm="true",
               error_on_requires_action="true", **CARD_ONLY)["status"] == "succeeded"


def test_a_manual_confirmation_is_confirmed_with_the_secret_key_only(api):
    # "If the confirmation_method is manual, all payment attempts must be initiated using a
    # secret key" (Confirm a PaymentIntent).
    intent = pay(api, confirmation_method="manual", **CARD_ONLY)
    refused = api.post(f"/v1/payment_intents/{intent['id']}/confirm",
                       {"client_secret": intent["client_secret"],
                        "payment_method": "pm_card_visa"}, key=PUBLISHABLE_KEY,
                       status=400)["error"]
    assert refused["type"] == "invalid_request_error"
    assert refused["message"].startswith("This PaymentIntent cannot be confirmed using your "
                                         "publishable key because its `confirmation_method` "
                                         "is set to `manual`.")
    assert api.get(f"/v1/payment_intents/{intent['id']}")["status"] == "requires_payment_method"
    done = api.post(f"/v1/payment_intents/{intent['id']}/confirm",
                    {"payment_method": "pm_card_visa"})
    assert done["status"] == "succeeded"


@pytest.mark.parametrize("kind", ["payment_intents", "setup_intents"])
def test_requested_3d_secure_does_not_ask_on_the_unenrolled_4242(api, kind):
    # Stripe's testing page, 4242424242424242: "3D Secure is supported for this card, but
    # this card is not enrolled in 3D Secure. This means that if 3D Secure is invoked, the
    # customer is not asked to authenticate. Payments succeed whether 3D Secure is invoked
    # or not."
    amount = {"amount": "2000", "currency": "usd"} if kind == "payment_intents" else {}
    asked = {"confirm": "true", **CARD_ONLY,
             "payment_method_options[card][request_three_d_secure]": "any"}
    for card in ("pm_card_visa", "4242424242424242"):
        pm = card if card.startswith("pm_") else api.post("/v1/payment_methods", {
            "type": "card", "card[number]": card, "card[exp_month]": "12",
            "card[exp_year]": "2035"})["id"]
        done = api.post(f"/v1/{kind}", {**amount, "payment_method": pm, **asked})
        assert (done["status"], done["next_action"]) == ("succeeded", None)
    # A card enrolled in 3D Secure (the testing page's 3DS "Supported" 3055) is asked.
    assert api.post(f"/v1/{kind}", {**amount, "payment_method": "pm_card_threeDSecureOptional",
                                    **asked})["status"] == "requires_action"


def test_payment_method_types_given_at_confirm_replace_automatic_payment_methods(api):
    # Confirm a PaymentIntent takes payment_method_types, "the list of payment method types
    # that this PaymentIntent is allowed to use", as an update does: card only, no
    # return_url needed, and error_on_requires_action allowed.
    intent = pay(api)
    done = api.post(f"/v1/payment_intents/{intent['id']}/confirm", {
        "payment_method": "pm_card_visa", "payment_method_types[]": "card",
        "error_on_requires_action": "true"})
    assert (done["status"], done["automatic_payment_methods"],
            done["payment_method_types"]) == ("succeeded", None, ["card"])


@pytest.mark.parametrize("kind", ["payment_intents", "setup_intents"])
def test_use_stripe_sdk_asks_for_the_sdks_action_even_with_a_return_url(app, api, kind):
    # use_stripe_sdk: "Set to true when confirming server-side and using Stripe.js, iOS, or
    # Android client-side SDKs to handle the next actions."
    amount = {"amount": "2000", "currency": "usd"} if kind == "payment_intents" else {}
    intent = api.post(f"/v1/{kind}", {**amount, "payment_method": "pm_card_threeDSecure2Required",
                                      "confirm": "true", "return_url": RETURN_URL,
                                      "use_stripe_sdk": "true"})
    action = intent["next_action"]
    assert (intent["status"], action["type"]) == ("requires_action", "use_stripe_sdk")
    assert action["use_stripe_sdk"]["type"] == "three_d_secure_redirect"
    without = api.post(f"/v1/{kind}", {**amount, "confirm": "true", "return_url": RETURN_URL,
                                       "payment_method": "pm_card_threeDSecure2Required"})
    assert without["next_action"]["redirect_to_url"]["return_url"] == RETURN_URL


def test_card_options_given_later_keep_the_others(api):
    # "If capture_method is already set on the PaymentIntent, providing an empty value for
    # this parameter will unset the stored value for this payment method type": options are
    # stored, and options given later change only the ones given.
    intent = pay(api, payment_method="pm_card_visa",
                 **{"payment_method_options[card][capture_method]": "manual"}, **CARD_ONLY)
    updated = api.post(f"/v1/payment_intents/{intent['id']}",
                       {"payment_method_options[card][request_three_d_secure]": "automatic"})
    assert updated["payment_method_options"]["card"]["capture_method"] == "manual"
    held = api.post(f"/v1/payment_intents/{intent['id']}/confirm",
                    {"payment_method_options[card][request_three_d_secure]": "automatic"})
    assert held["status"] == "requires_capture"
    other = pay(api, payment_method="pm_card_visa",
                **{"payment_method_options[card][capture_method]": "manual"}, **CARD_ONLY)
    paid = api.post(f"/v1/payment_intents/{other['id']}/confirm",
                    {"payment_method_options[card][capture_method]": ""})
    assert "capture_method" not in paid["payment_method_options"]["card"]
    assert paid["status"] == "succeeded"


def test_payment_intents_check_statement_descriptors_as_charges_do(api):
    """Stripe's descriptor rules apply wherever a descriptor is given (charges.py checks the
    same): at creation, update and capture, before anything is written."""
    error = pay(api, status=400, statement_descriptor="BAD*DESC")["error"]
    assert (error["param"], error["message"]) == (
        "statement_descriptor", "The statement descriptor cannot include *")
    assert api.get("/v1/payment_intents")["data"] == []
    unpaid = pay(api, statement_descriptor_suffix="ORDER 7")
    error = api.post(f"/v1/payment_intents/{unpaid['id']}",
                     {"statement_descriptor_suffix": "1234"}, status=400)["error"]
    assert error["message"] == "The statement descriptor must contain at least one letter."
    assert api.get(f"/v1/payment_intents/{unpaid['id']}")["statement_descriptor_suffix"] == \
        "ORDER 7"
    intent = pay(api, capture_method="manual", payment_method="pm_card_visa", confirm="true",
                 **CARD_ONLY)
    error = api.post(f"/v1/payment_intents/{intent['id']}/capture",
                     {"statement_descriptor_suffix": "<b>"}, status=400)["error"]
    assert error["param"] == "statement_descriptor_suffix"
    assert api.get(f"/v1/payment_intents/{intent['id']}")["status"] == "requires_capture"


def test_the_avs_test_payment_methods_report_their_address_checks(api):
    # Before any payment its checks wait ("unchecked"), as an address given with a card's
    # details does; a plain test card has no address to check (null).
    checks = api.get("/v1/payment_methods/pm_card_avsFail")["card"]["checks"]
    assert (checks["address_line1_check"], checks["address_postal_code_check"]) == \
        ("unchecked", "unchecked")
    checks = api.get("/v1/payment_methods/pm_card_visa")["card"]["checks"]
    assert (checks["address_line1_check"], checks["address_postal_code_check"]) == (None, None)
    intent = pay(api, payment_method="pm_card_avsZipFail", confirm="true", **CARD_ONLY,
                 **{"expand[]": "latest_charge"})
    checks = intent["latest_charge"]["payment_method_details"]["card"]["checks"]
    assert (checks["address_line1_check"], checks["address_postal_code_check"]) == \
        ("pass", "fail")
