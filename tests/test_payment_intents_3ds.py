"""3D Secure and off-session payments with Stripe's test cards (docs.stripe.com/testing):
requires_action and its next_action, the authentication page and testing.authenticate, what
the SCA cards do off session, and a card set up once paying later without authentication."""
import urllib.parse

import pytest

from intents_kit import CARD_ONLY, RETURN_URL, control, event_types, page_path
from sources_kit import customer
from stripe_emu import testing

AUTH_REQUIRED = "Your card was declined. This transaction requires authentication."


def pay(api, status=200, **params):
    return api.post("/v1/payment_intents", {"amount": "2000", "currency": "eur", **params},
                    status=status)


def saved(api, cus, pm):
    """`pm` attached to `cus` (as a SetupIntent would leave it, without its set-up mark)."""
    return api.post(f"/v1/payment_methods/{pm}/attach", {"customer": cus})["id"]


@pytest.mark.parametrize("pm", ["pm_card_threeDSecure2Required", "pm_card_threeDSecureRequired",
                                "pm_card_authenticationRequired",
                                "pm_card_authenticationRequiredOnSetup"])
def test_on_session_the_3d_secure_cards_need_action_then_pay(app, api, pm):
    intent = pay(api, payment_method=pm, confirm="true", return_url=RETURN_URL)
    assert (intent["status"], intent["latest_charge"]) == ("requires_action", None)
    action = intent["next_action"]
    assert action["redirect_to_url"]["return_url"] == RETURN_URL
    assert event_types(api)[-1] == "payment_intent.requires_action"
    done = testing.authenticate(app, intent["id"])
    assert (done["status"], done["amount_received"]) == ("succeeded", 2000)
    charge = api.get(f"/v1/charges/{done['latest_charge']}")
    assert charge["payment_method_details"]["card"]["three_d_secure"]["result"] == \
        "authenticated"
    assert event_types(api)[-2:] == ["charge.succeeded", "payment_intent.succeeded"]


def test_without_a_return_url_next_action_is_for_stripe_js(app, api):
    intent = pay(api, payment_method="pm_card_threeDSecure2Required", confirm="true",
                 **CARD_ONLY)
    action = intent["next_action"]
    assert action["type"] == "use_stripe_sdk"
    assert action["use_stripe_sdk"]["type"] == "three_d_secure_redirect"
    page = control(app).get(page_path(intent))
    answer = page.click(linkid="authorize")
    # Nowhere to return to: the page shows the outcome.
    assert answer.status_int == 200 and 'id="status">succeeded' in answer.text


def test_the_page_fails_authentication_and_returns_with_a_failed_status(app, api):
    intent = pay(api, payment_method="pm_card_threeDSecureRequired", confirm="true",
                 return_url=RETURN_URL)
    answer = control(app).get(page_path(intent)).click(linkid="fail")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        answer.headers["Location"]).query))
    assert query == {"order": "7", "payment_intent": intent["id"], "redirect_status": "failed",
                     "payment_intent_client_secret": intent["client_secret"]}
    failed = api.get(f"/v1/payment_intents/{intent['id']}")
    assert (failed["status"], failed["payment_method"]) == ("requires_payment_method", None)
    last = failed["last_payment_error"]
    assert (last["code"], last["type"]) == ("payment_intent_authentication_failure",
                                            "invalid_request_error")
    assert last["message"].startswith("The provided PaymentMethod has failed authentication.")
    assert event_types(api)[-1] == "payment_intent.payment_failed"
    retried = api.post(f"/v1/payment_intents/{intent['id']}/confirm",
                       {"payment_method": "pm_card_visa", "return_url": RETURN_URL})
    assert retried["status"] == "succeeded"


@pytest.mark.parametrize("pm, decline_code", [
    ("pm_card_threeDSecureRequiredChargeDeclined", "generic_decline"),
    ("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", "insufficient_funds")])
def test_some_cards_decline_after_authentication(app, api, pm, decline_code):
    intent = pay(api, payment_method=pm, confirm="true", **CARD_ONLY)
    assert intent["status"] == "requires_action"
    after = testing.authenticate(app, intent["id"])
    assert after["status"] == "requires_payment_method"
    assert after["last_payment_error"]["decline_code"] == decline_code
    assert api.get(f"/v1/charges/{after['latest_charge']}")["status"] == "failed"
    assert event_types(api)[-2:] == ["charge.failed", "payment_intent.payment_failed"]


def test_the_lookup_error_and_frictionless_cards_ask_nothing(api):
    # "the 3D Secure lookup request fails with a processing error. Payments are declined
    # with a card_declined failure code"; the frictionless card "succeeds" (testing page).
    error = pay(api, status=402, payment_method="pm_card_threeDSecureRequiredProcessingError",
                confirm="true", **CARD_ONLY)["error"]
    assert (error["code"], error["payment_intent"]["next_action"]) == ("card_declined", None)
    for pm in ("pm_card_threeDSecureOptionalProcessingError", card(api, "4000000032200000")):
        assert pay(api, payment_method=pm, confirm="true", **CARD_ONLY)["status"] == \
            "succeeded"
    assert pay(api, payment_method=card(api, "4000008400000027"), confirm="true",
               **CARD_ONLY)["status"] == "requires_action"


def card(api, number):
    return api.post("/v1/payment_methods", {"type": "card", "card[number]": number,
                                            "card[exp_month]": "12", "card[exp_year]": "2040"})[
        "id"]


@pytest.mark.parametrize("pm, decline_code", [
    ("pm_card_authenticationRequired", "authentication_required"),
    ("pm_card_threeDSecure2Required", "authentication_required"),
    ("pm_card_authenticationRequiredOnSetup", "authentication_required"),
    ("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", "insufficient_funds")])
def test_off_session_they_decline_without_a_setup(api, pm, decline_code):
    cus = customer(api)
    error = pay(api, status=402, customer=cus, payment_method=saved(api, cus, pm),
                confirm="true", off_session="true")["error"]
    assert error["decline_code"] == decline_code
    if decline_code == "authentication_required":
        assert (error["code"], error["message"]) == ("authentication_required", AUTH_REQUIRED)
    # Off session, nobody can authenticate: back to requires_payment_method, not action.
    assert error["payment_intent"]["status"] == "requires_payment_method"
    charge = api.get(f"/v1/charges/{error['charge']}")
    assert charge["failure_code"] == error["code"]


def test_a_card_set_up_on_a_setup_intent_pays_off_session(app, api):
    cus = customer(api)
    setup = api.post("/v1/setup_intents", {
        "customer": cus, "payment_method": "pm_card_authenticationRequiredOnSetup",
        "confirm": "true", **CARD_ONLY})
    assert setup["status"] == "requires_action"
    setup = testing.authenticate(app, setup["id"])
    assert setup["status"] == "succeeded"
    paid = pay(api, customer=cus, payment_method=setup["payment_method"], confirm="true",
               off_session="true")
    assert paid["status"] == "succeeded"
    on_session = pay(api, customer=cus, payment_method=setup["payment_method"],
                     confirm="true", **CARD_ONLY)
    assert on_session["status"] == "succeeded"


def test_always_authenticate_even_after_a_setup(app, api):
    cus = customer(api)
    setup = api.post("/v1/setup_intents", {
        "customer": cus, "payment_method": "pm_card_authenticationRequired",
        "confirm": "true", **CARD_ONLY})
    setup = testing.authenticate(app, setup["id"])
    error = pay(api, status=402, customer=cus, payment_method=setup["payment_method"],
                confirm="true", off_session="true")["error"]
    assert error["code"] == "authentication_required"


def test_set_up_for_off_session_card_pays_off_session(api):
    cus = customer(api)
    pm = saved(api, cus, "pm_card_authenticationRequiredSetupForOffSession")
    assert pay(api, customer=cus, payment_method=pm, confirm="true",
               off_session="true")["status"] == "succeeded"
    assert pay(api, customer=cus, payment_method=pm, confirm="true",
               **CARD_ONLY)["status"] == "requires_action"


def test_request_three_d_secure_any_forces_it_on_an_optional_card(app, api):
    assert pay(api, payment_method="pm_card_threeDSecureOptional", confirm="true",
               **CARD_ONLY)["status"] == "succeeded"
    forced = pay(api, payment_method="pm_card_threeDSecureOptional", confirm="true", **{
        **CARD_ONLY, "payment_method_options[card][request_three_d_secure]": "any"})
    assert forced["status"] == "requires_action"
    assert forced["payment_method_options"]["card"]["request_three_d_secure"] == "any"


def test_manual_capture_after_authentication(app, api):
    intent = pay(api, payment_method="pm_card_threeDSecure2Required", confirm="true",
                 capture_method="manual", **CARD_ONLY)
    done = testing.authenticate(app, intent["id"])
    assert (done["status"], done["amount_capturable"]) == ("requires_capture", 2000)
    assert api.post(f"/v1/payment_intents/{intent['id']}/capture")["status"] == "succeeded"


def test_cancel_while_waiting_for_authentication(app, api):
    intent = pay(api, payment_method="pm_card_threeDSecure2Required", confirm="true",
                 **CARD_ONLY)
    canceled = api.post(f"/v1/payment_intents/{intent['id']}/cancel")
    assert (canceled["status"], canceled["next_action"]) == ("canceled", None)
    # The page no longer moves it.
    answer = control(app).get(page_path(intent)).click(linkid="authorize")
    assert answer.status_int == 200 and 'id="status">canceled' in answer.text


def test_manual_confirmation_confirms_again_after_authentication(app, api):
    intent = pay(api, payment_method="pm_card_threeDSecure2Required", confirm="true",
                 confirmation_method="manual", **CARD_ONLY)
    assert intent["status"] == "requires_action"
    waiting = testing.authenticate(app, intent["id"])
    assert (waiting["status"], waiting["latest_charge"]) == ("requires_confirmation", None)
    done = api.post(f"/v1/payment_intents/{intent['id']}/confirm")
    assert done["status"] == "succeeded"
    charge = api.get(f"/v1/charges/{done['latest_charge']}")
    assert charge["payment_method_details"]["card"]["three_d_secure"]["result"] == \
        "authenticated"


def test_error_on_requires_action_fails_instead_of_asking(app, api):
    error = pay(api, status=402, payment_method="pm_card_threeDSecure2Required", confirm="true",
                error_on_requires_action="true", **CARD_ONLY)["error"]
    assert (error["type"], error["code"]) == ("card_error", "requires_action_not_handled")
    assert error["payment_intent"]["status"] == "requires_payment_method"
    assert event_types(api)[-1] == "payment_intent.payment_failed"
    assert pay(api, payment_method="pm_card_visa", confirm="true",
               error_on_requires_action="true", **CARD_ONLY)["status"] == "succeeded"
