"""SetupIntents through WebTest: statuses and next_action as Stripe moves them, the 3D Secure
test cards, declines that commit the failed intent, return_url at 2023-08-16, cancel, update,
list, publishable keys, and the authentication page (control plane and testing helper)."""
import urllib.parse

import pytest

from conftest import PUBLISHABLE_KEY
from intents_kit import CARD_ONLY, RETURN_URL, control, event_types, page_path
from sources_kit import customer, recorded, stored
from stripe_emu import testing

UNEXPECTED = "setup_intent_unexpected_state"


def setup(api, status=200, **params):
    return api.post("/v1/setup_intents", params, status=status)


def test_create_without_a_payment_method_waits_for_one(app, api):
    intent = setup(api, description="save a card", **{"metadata[a]": "b"})
    assert intent["id"].startswith("seti_") and intent["object"] == "setup_intent"
    assert intent["client_secret"].startswith(intent["id"] + "_secret_")
    assert (intent["status"], intent["usage"], intent["payment_method"]) == (
        "requires_payment_method", "off_session", None)
    # 2023-08-16: payment methods from the Dashboard, redirects allowed.
    assert intent["automatic_payment_methods"] == {"allow_redirects": "always", "enabled": True}
    assert intent["payment_method_types"] == ["card"]
    assert intent["payment_method_options"]["card"]["request_three_d_secure"] == "automatic"
    [event] = recorded(app, "setup_intent.created")
    assert event["data"]["object"] == intent
    with_pm = setup(api, payment_method="pm_card_visa", usage="on_session", **CARD_ONLY)
    assert (with_pm["status"], with_pm["usage"]) == ("requires_confirmation", "on_session")
    assert with_pm["automatic_payment_methods"] is None


def test_confirm_saves_the_card_to_the_customer(app, api):
    cus = customer(api)
    intent = setup(api, customer=cus, payment_method="pm_card_visa", **CARD_ONLY)
    done = api.post(f"/v1/setup_intents/{intent['id']}/confirm")
    assert (done["status"], done["next_action"], done["last_setup_error"]) == (
        "succeeded", None, None)
    assert done["latest_attempt"].startswith("setatt_")
    pm = api.get(f"/v1/payment_methods/{done['payment_method']}")
    assert pm["customer"] == cus and pm["card"]["checks"]["cvc_check"] == "pass"
    assert event_types(api)[-3:] == ["setup_intent.created", "payment_method.attached",
                                     "setup_intent.succeeded"]
    expanded = api.get(f"/v1/setup_intents/{intent['id']}",
                       {"expand[]": ["payment_method", "customer", "latest_attempt"]})
    assert expanded["payment_method"]["id"] == pm["id"]
    assert expanded["customer"]["id"] == cus
    assert expanded["latest_attempt"]["status"] == "succeeded"
    card = expanded["latest_attempt"]["payment_method_details"]["card"]
    assert (card["brand"], card["last4"], card["three_d_secure"]) == ("visa", "4242", None)
    again = api.post(f"/v1/setup_intents/{intent['id']}/confirm", status=400)["error"]
    assert (again["code"], again["message"]) == (
        UNEXPECTED, "You cannot confirm this SetupIntent because it has already succeeded.")
    assert again["setup_intent"]["id"] == intent["id"]


def test_without_a_customer_nothing_is_attached(api):
    done = setup(api, payment_method="pm_card_mastercard", confirm="true", **CARD_ONLY)
    assert done["status"] == "succeeded"
    assert api.get(f"/v1/payment_methods/{done['payment_method']}")["customer"] is None


def test_confirming_needs_a_return_url_unless_redirects_are_off(app, api):
    error = setup(api, status=400, payment_method="pm_card_visa", confirm="true")["error"]
    assert error["message"].startswith(
        "This SetupIntent is configured to accept payment methods enabled in your Dashboard. "
        "Because some of these payment methods might redirect your customer off of your page, "
        "you must provide a `return_url`.")
    assert recorded(app, "setup_intent.created") == []  # nothing was kept
    assert setup(api, payment_method="pm_card_visa", confirm="true",
                 return_url=RETURN_URL)["status"] == "succeeded"
    assert setup(api, payment_method="pm_card_visa", confirm="true", **{
        "automatic_payment_methods[enabled]": "true",
        "automatic_payment_methods[allow_redirects]": "never"})["status"] == "succeeded"


def test_confirm_without_a_payment_method(api):
    intent = setup(api)
    error = api.post(f"/v1/setup_intents/{intent['id']}/confirm", status=400)["error"]
    assert error["code"] == UNEXPECTED and error["message"] == (
        "You cannot confirm this SetupIntent because it's missing a payment method. You can "
        "either update the SetupIntent with a payment method and then confirm it again, or "
        "confirm it again directly with a payment method.")


def test_a_decline_keeps_the_failed_intent_and_answers_402(app, api):
    cus = customer(api)
    error = setup(api, status=402, customer=cus, payment_method="pm_card_chargeDeclined",
                  confirm="true", **CARD_ONLY)["error"]
    assert (error["type"], error["code"], error["decline_code"]) == (
        "card_error", "card_declined", "generic_decline")
    intent = error["setup_intent"]
    assert (intent["status"], intent["payment_method"]) == ("requires_payment_method", None)
    last = intent["last_setup_error"]
    assert (last["code"], last["message"]) == ("card_declined", "Your card was declined.")
    assert last["payment_method"]["id"] == error["payment_method"]["id"]
    assert api.get(f"/v1/setup_intents/{intent['id']}") == intent
    assert event_types(api)[-2:] == ["setup_intent.created", "setup_intent.setup_failed"]
    assert api.get(f"/v1/customers/{cus}/payment_methods")["data"] == []
    retried = api.post(f"/v1/setup_intents/{intent['id']}/confirm",
                       {"payment_method": "pm_card_visa"})
    assert retried["status"] == "succeeded" and retried["last_setup_error"] is None


@pytest.mark.parametrize("pm", ["pm_card_threeDSecure2Required", "pm_card_threeDSecureRequired",
                                "pm_card_authenticationRequiredOnSetup",
                                "pm_card_authenticationRequired"])
def test_3d_secure_cards_need_authentication_on_setup(app, api, pm):
    cus = customer(api)
    intent = setup(api, customer=cus, payment_method=pm, confirm="true", return_url=RETURN_URL)
    assert intent["status"] == "requires_action"
    action = intent["next_action"]
    assert action["type"] == "redirect_to_url"
    assert action["redirect_to_url"]["return_url"] == RETURN_URL
    assert f"/_emu/redirect/{intent['id']}?client_secret=" in action["redirect_to_url"]["url"]
    assert event_types(api)[-1] == "setup_intent.requires_action"
    done = testing.authenticate(app, intent["id"])
    assert (done["status"], done["next_action"]) == ("succeeded", None)
    assert api.get(f"/v1/payment_methods/{done['payment_method']}")["customer"] == cus
    attempt = api.get(f"/v1/setup_intents/{intent['id']}", {"expand[]": "latest_attempt"})[
        "latest_attempt"]
    assert attempt["payment_method_details"]["card"]["three_d_secure"]["result"] == \
        "authenticated"
    assert event_types(api)[-2:] == ["payment_method.attached", "setup_intent.succeeded"]
    [succeeded] = recorded(app, "setup_intent.succeeded")
    assert succeeded["request"] == {"id": None, "idempotency_key": None}


@pytest.mark.parametrize("pm", ["pm_card_visa", "pm_card_threeDSecureOptional",
                                "pm_card_amex_threeDSecureNotSupported"])
def test_other_cards_need_none_unless_asked(api, pm):
    assert setup(api, payment_method=pm, confirm="true", **CARD_ONLY)["status"] == "succeeded"
    forced = setup(api, payment_method=pm, confirm="true", **CARD_ONLY, **{
        "payment_method_options[card][request_three_d_secure]": "any"})
    # 4242 (pm_card_visa) "is not enrolled in 3D Secure. This means that if 3D Secure is
    # invoked, the customer is not asked to authenticate" (Stripe's testing page).
    expected = "requires_action" if pm.endswith("Optional") else "succeeded"
    assert forced["status"] == expected


def test_failed_authentication_sends_it_back(app, api):
    intent = setup(api, payment_method="pm_card_threeDSecure2Required", confirm="true",
                   **CARD_ONLY)
    assert intent["next_action"]["type"] == "use_stripe_sdk"
    failed = testing.authenticate(app, intent["id"], approve=False)
    assert (failed["status"], failed["payment_method"]) == ("requires_payment_method", None)
    last = failed["last_setup_error"]
    assert (last["code"], last["type"]) == ("setup_intent_authentication_failure",
                                            "invalid_request_error")
    assert last["message"] == ("The latest attempt to set up the payment method has failed "
                               "because authentication failed.")
    assert event_types(api)[-1] == "setup_intent.setup_failed"
    with pytest.raises(Exception) as refused:
        testing.authenticate(app, intent["id"])
    assert refused.value.code == UNEXPECTED


def test_the_authentication_page_approves_and_returns_to_the_shop(app, api):
    intent = setup(api, payment_method="pm_card_threeDSecureRequired", confirm="true",
                   return_url=RETURN_URL)
    browser = control(app)
    page = browser.get(page_path(intent), headers={"Sec-Fetch-Site": "cross-site"})
    assert 'id="status">requires_action' in page.text
    answer = page.click(linkid="authorize")
    assert answer.status_int == 302
    back = urllib.parse.urlsplit(answer.headers["Location"])
    query = dict(urllib.parse.parse_qsl(back.query))
    assert back.netloc == "shop.test" and query["order"] == "7"
    assert query == {"order": "7", "setup_intent": intent["id"], "redirect_status": "succeeded",
                     "setup_intent_client_secret": intent["client_secret"]}
    assert api.get(f"/v1/setup_intents/{intent['id']}")["status"] == "succeeded"
    # A wrong secret shows nothing.
    assert browser.get(f"/_emu/redirect/{intent['id']}?client_secret=nope",
                       expect_errors=True).status_int == 404


def test_the_control_plane_fails_authentication_in_one_call(app, api):
    intent = setup(api, payment_method="pm_card_threeDSecureRequired", confirm="true",
                   **CARD_ONLY)
    answer = control(app).post(f"/_emu/intents/{intent['id']}/authenticate",
                               {"outcome": "fail", "account": "sk_test_emu4242"})
    assert answer.json["status"] == "requires_payment_method"
    bad = control(app).post(f"/_emu/intents/{intent['id']}/authenticate", {"outcome": "maybe"},
                            expect_errors=True)
    assert (bad.status_int, bad.json["error"]["param"]) == (400, "outcome")
    missing = control(app).post("/_emu/intents/seti_nope/authenticate", {"outcome": "approve"},
                                expect_errors=True)
    assert missing.status_int == 404


def test_cancel_and_its_refusal(app, api):
    intent = setup(api)
    canceled = api.post(f"/v1/setup_intents/{intent['id']}/cancel",
                        {"cancellation_reason": "abandoned"})
    assert (canceled["status"], canceled["cancellation_reason"]) == ("canceled", "abandoned")
    assert event_types(api)[-1] == "setup_intent.canceled"
    done = setup(api, payment_method="pm_card_visa", confirm="true", **CARD_ONLY)
    error = api.post(f"/v1/setup_intents/{done['id']}/cancel", status=400)["error"]
    assert error["message"] == (
        "You cannot cancel this SetupIntent because it has a status of succeeded. Only a "
        "SetupIntent with one of the following statuses may be canceled: "
        "requires_payment_method, requires_confirmation, requires_action.")
    assert error["setup_intent"]["status"] == "succeeded"
    assert api.post(f"/v1/setup_intents/{canceled['id']}/confirm", {
        "payment_method": "pm_card_visa"}, status=400)["error"]["code"] == UNEXPECTED


def test_update_list_and_missing(api):
    cus = customer(api)
    intent = setup(api)
    updated = api.post(f"/v1/setup_intents/{intent['id']}", {
        "customer": cus, "payment_method": "pm_card_visa", "metadata[k]": "v"})
    assert (updated["customer"], updated["status"], updated["metadata"]) == (
        cus, "requires_confirmation", {"k": "v"})
    other = setup(api)
    assert [i["id"] for i in api.get("/v1/setup_intents")["data"]] == [other["id"],
                                                                      intent["id"]]
    assert [i["id"] for i in api.get("/v1/setup_intents", {"customer": cus})["data"]] == [
        intent["id"]]
    assert api.get("/v1/setup_intents", {"customer": "cus_nope"}, status=400)["error"][
        "param"] == "customer"
    assert [i["id"] for i in api.get("/v1/setup_intents", {
        "payment_method": updated["payment_method"]})["data"]] == [intent["id"]]
    error = api.get("/v1/setup_intents/seti_nope", status=404)["error"]
    assert (error["code"], error["message"]) == ("resource_missing",
                                                 "No such setupintent: 'seti_nope'")
    assert setup(api, status=400, customer="cus_nope")["error"]["param"] == "customer"
    assert setup(api, status=400, payment_method="pm_nope")["error"]["message"] == \
        "No such PaymentMethod: 'pm_nope'"


def test_a_finished_intent_still_takes_metadata(app, api):
    done = setup(api, payment_method="pm_card_visa", confirm="true", **CARD_ONLY)
    dropped = api.post(f"/v1/setup_intents/{setup(api)['id']}/cancel")
    for intent in (done, dropped):
        path = f"/v1/setup_intents/{intent['id']}"
        noted = api.post(path, {"metadata[user]": "42", "description": "saved at signup"})
        assert (noted["status"], noted["metadata"], noted["description"]) == (
            intent["status"], {"user": "42"}, "saved at signup")
        error = api.post(path, {"payment_method": "pm_card_mastercard"}, status=400)["error"]
        assert (error["code"], error["param"], error["message"]) == (
            UNEXPECTED, "payment_method",
            f"This SetupIntent's payment_method could not be updated because it has a status "
            f"of {intent['status']}. You may only update the payment_method of a SetupIntent "
            "with one of the following statuses: requires_payment_method, "
            "requires_confirmation, requires_action.")
        assert stored(app, intent["id"])["payment_method"] == intent["payment_method"]

def test_a_publishable_key_retrieves_and_confirms_with_the_client_secret(app, api):
    intent = setup(api, **CARD_ONLY, **{"metadata[internal]": "x"})
    secret = intent["client_secret"]
    path = f"/v1/setup_intents/{intent['id']}"
    seen = api.get(path, {"client_secret": secret}, key=PUBLISHABLE_KEY)
    # Only the fields Stripe's reference marks "retrievable with publishable key".
    assert seen == {field: intent[field] for field in (
        "id", "object", "automatic_payment_methods", "cancellation_reason", "client_secret",
        "created", "description", "last_setup_error", "livemode", "next_action",
        "payment_method", "payment_method_types", "status", "usage")}
    for wrong in ({}, {"client_secret": "seti_x_secret_y"}):
        error = api.get(path, wrong, key=PUBLISHABLE_KEY, status=400)["error"]
        assert error["message"] == ("The client_secret provided does not match the "
                                    "client_secret associated with the SetupIntent.")
    pm = api.post("/v1/payment_methods", {"type": "card", "card[token]": "tok_visa"},
                  key=PUBLISHABLE_KEY)
    done = api.post(f"{path}/confirm", {"client_secret": secret, "payment_method": pm["id"]},
                    key=PUBLISHABLE_KEY)
    assert done["status"] == "succeeded" and not {"customer", "metadata"} & set(done)
    for refused in (lambda: api.post("/v1/setup_intents", key=PUBLISHABLE_KEY, status=401),
                    lambda: api.get("/v1/setup_intents", key=PUBLISHABLE_KEY, status=401),
                    lambda: api.post(f"{path}/cancel", key=PUBLISHABLE_KEY, status=401)):
        assert refused()["error"]["code"] == "secret_key_required"
    assert stored(app, intent["id"])["status"] == "succeeded"
