"""PaymentIntents through WebTest: the state machine as Stripe moves it, the Charge and
balance transaction behind a payment, declines (402 with the intent, the failed Charge kept),
manual and partial capture, cancel, update, list, search, expand and refunds by
payment_intent."""
import pytest

from conftest import PUBLISHABLE_KEY
from intents_kit import CARD_ONLY, RETURN_URL, event_types
from sources_kit import add, customer, recorded, stored

UNEXPECTED = "payment_intent_unexpected_state"


def pay(api, status=200, **params):
    return api.post("/v1/payment_intents", {"amount": "2000", "currency": "usd", **params},
                    status=status)


def test_create_waits_for_a_payment_method_then_for_confirmation(app, api):
    intent = pay(api, description="order 7", **{"metadata[order]": "7"})
    assert intent["id"].startswith("pi_") and intent["object"] == "payment_intent"
    assert intent["client_secret"].startswith(intent["id"] + "_secret_")
    assert (intent["status"], intent["amount"], intent["currency"]) == (
        "requires_payment_method", 2000, "usd")
    assert (intent["capture_method"], intent["confirmation_method"]) == ("automatic",
                                                                         "automatic")
    assert intent["automatic_payment_methods"] == {"allow_redirects": "always", "enabled": True}
    assert (intent["amount_capturable"], intent["amount_received"]) == (0, 0)
    assert intent["latest_charge"] is None
    [event] = recorded(app, "payment_intent.created")
    assert event["data"]["object"] == intent
    updated = api.post(f"/v1/payment_intents/{intent['id']}", {"payment_method": "pm_card_visa"})
    assert updated["status"] == "requires_confirmation"


def test_confirm_pays_with_a_charge_and_its_balance_transaction(app, api):
    cus = customer(api)
    intent = pay(api, customer=cus, payment_method="pm_card_visa", **CARD_ONLY)
    done = api.post(f"/v1/payment_intents/{intent['id']}/confirm", {"expand[]": "latest_charge"})
    assert (done["status"], done["amount_received"], done["next_action"]) == (
        "succeeded", 2000, None)
    charge = done["latest_charge"]
    assert (charge["payment_intent"], charge["payment_method"], charge["customer"]) == (
        intent["id"], done["payment_method"], cus)
    assert (charge["status"], charge["captured"], charge["amount_captured"]) == (
        "succeeded", True, 2000)
    assert charge["payment_method_details"]["card"]["brand"] == "visa"
    assert charge["balance_transaction"].startswith("txn_")
    # (customer.updated in between: the customer's currency is set by its first charge)
    assert event_types(api)[-4:] == ["payment_intent.created", "customer.updated",
                                     "charge.succeeded", "payment_intent.succeeded"]
    again = api.post(f"/v1/payment_intents/{intent['id']}/confirm", status=400)["error"]
    assert (again["code"], again["message"]) == (
        UNEXPECTED, "You cannot confirm this PaymentIntent because it has already succeeded "
                    "after being previously confirmed.")
    assert again["payment_intent"]["status"] == "succeeded"
    expanded = api.get(f"/v1/payment_intents/{intent['id']}",
                       {"expand[]": ["payment_method", "customer"]})
    assert (expanded["payment_method"]["object"], expanded["customer"]["id"]) == (
        "payment_method", cus)


def test_confirming_needs_a_return_url_unless_off_session_or_redirects_are_off(api):
    error = pay(api, status=400, payment_method="pm_card_visa", confirm="true")["error"]
    assert error["message"].startswith("This PaymentIntent is configured to accept payment "
                                       "methods enabled in your Dashboard.")
    assert api.get("/v1/payment_intents")["data"] == []
    assert pay(api, payment_method="pm_card_visa", confirm="true",
               return_url=RETURN_URL)["status"] == "succeeded"
    assert pay(api, payment_method="pm_card_visa", confirm="true", **{
        "automatic_payment_methods[enabled]": "true",
        "automatic_payment_methods[allow_redirects]": "never"})["status"] == "succeeded"
    cus = customer(api)
    saved = api.post("/v1/payment_methods/pm_card_visa/attach", {"customer": cus})
    assert pay(api, customer=cus, payment_method=saved["id"], confirm="true",
               off_session="true")["status"] == "succeeded"
    # Laravel Cashier's charge() sends confirmation_method=automatic: at 2023-08-16 Stripe
    # answers it with the return_url error (laravel-vue-stripe-cashier#4), not a conflict.
    cashier = {"payment_method": "pm_card_visa", "confirm": "true",
               "confirmation_method": "automatic"}
    assert pay(api, status=400, **cashier)["error"]["message"] == error["message"]
    assert pay(api, **cashier, **CARD_ONLY)["status"] == "succeeded"
    assert pay(api, status=400, **cashier, **{"automatic_payment_methods[enabled]": "true"})[
        "error"]["message"] == ("You may only specify one of these parameters: "
                                "automatic_payment_methods, confirmation_method.")


def test_a_declined_payment_method_shows_the_checks_its_charge_ran(app, api):
    error = pay(api, status=402, payment_method="pm_card_chargeDeclined", confirm="true",
                **CARD_ONLY)["error"]
    ran = api.get(f"/v1/charges/{error['charge']}")["payment_method_details"]["card"]["checks"]
    assert ran["cvc_check"] == "pass"
    for shown in (error["payment_method"], error["payment_intent"]["last_payment_error"][
            "payment_method"], api.get(f"/v1/payment_methods/{error['payment_method']['id']}")):
        assert shown["card"]["checks"] == ran


def test_a_decline_answers_402_and_keeps_the_failed_charge(app, api):
    error = pay(api, status=402, payment_method="pm_card_visa_chargeDeclinedInsufficientFunds",
                confirm="true", **CARD_ONLY)["error"]
    assert (error["type"], error["code"], error["decline_code"]) == (
        "card_error", "card_declined", "insufficient_funds")
    intent = error["payment_intent"]
    assert (intent["status"], intent["payment_method"]) == ("requires_payment_method", None)
    assert intent["latest_charge"] == error["charge"]
    last = intent["last_payment_error"]
    assert (last["code"], last["decline_code"], last["charge"]) == (
        "card_declined", "insufficient_funds", error["charge"])
    assert last["payment_method"]["id"] == error["payment_method"]["id"]
    charge = api.get(f"/v1/charges/{error['charge']}")
    assert (charge["status"], charge["failure_code"], charge["payment_intent"]) == (
        "failed", "card_declined", intent["id"])
    assert event_types(api)[-3:] == ["payment_intent.created", "charge.failed",
                                     "payment_intent.payment_failed"]
    assert api.get(f"/v1/payment_intents/{intent['id']}") == intent
    # The PaymentMethod was used without a customer: never again.
    reuse = api.post(f"/v1/payment_intents/{intent['id']}/confirm",
                     {"payment_method": error["payment_method"]["id"]}, status=400)["error"]
    assert reuse["message"].startswith("The provided PaymentMethod was previously used with a "
                                       "PaymentIntent without Customer attachment")
    retried = api.post(f"/v1/payment_intents/{intent['id']}/confirm",
                       {"payment_method": "pm_card_visa"})
    assert retried["status"] == "succeeded" and retried["last_payment_error"] is None
    assert retried["latest_charge"] != error["charge"]


def test_manual_capture_partial_and_its_refusals(app, api):
    intent = pay(api, payment_method="pm_card_visa", confirm="true", capture_method="manual",
                 **CARD_ONLY)
    assert (intent["status"], intent["amount_capturable"]) == ("requires_capture", 2000)
    charge = api.get(f"/v1/charges/{intent['latest_charge']}")
    assert (charge["captured"], charge["paid"], charge["balance_transaction"]) == (
        False, True, None)
    assert event_types(api)[-2:] == ["charge.succeeded", "payment_intent.amount_capturable_updated"]
    too_much = api.post(f"/v1/payment_intents/{intent['id']}/capture",
                        {"amount_to_capture": "2500"}, status=400)["error"]
    # Stripe's sentence, as WooCommerce Payments quotes it from production captures.
    assert (too_much["param"], too_much["code"], too_much["message"]) == (
        "amount_to_capture", "amount_too_large",
        "The payment could not be captured because the requested capture amount is greater "
        "than the amount you can capture for this charge.")
    too_little = api.post(f"/v1/payment_intents/{intent['id']}/capture",
                          {"amount_to_capture": "10"}, status=400)["error"]
    assert (too_little["param"], too_little["code"]) == ("amount_to_capture",
                                                         "amount_too_small")
    done = api.post(f"/v1/payment_intents/{intent['id']}/capture",
                    {"amount_to_capture": "1500"})
    assert (done["status"], done["amount_received"], done["amount_capturable"]) == (
        "succeeded", 1500, 0)
    charge = api.get(f"/v1/charges/{intent['latest_charge']}")
    assert (charge["captured"], charge["amount_captured"], charge["amount_refunded"]) == (
        True, 1500, 500)
    assert event_types(api)[-2:] == ["charge.captured", "payment_intent.succeeded"]
    # Stripe's answer in request logs (req_6D8JJSCdJkwmv3, 2025; cartalyst/stripe#211).
    error = api.post(f"/v1/payment_intents/{intent['id']}/capture", status=400)["error"]
    assert (error["code"], error["message"]) == (
        UNEXPECTED, "This PaymentIntent could not be captured because it has already been "
                    "captured.")
    waiting = pay(api, **CARD_ONLY)
    error = api.post(f"/v1/payment_intents/{waiting['id']}/capture", status=400)["error"]
    assert error["message"] == (
        "This PaymentIntent could not be captured because it has a status of "
        "requires_payment_method. Only a PaymentIntent with one of the following statuses "
        "may be captured: requires_capture.")


def test_cancel_refunds_an_authorization(app, api):
    intent = pay(api, payment_method="pm_card_visa", confirm="true", capture_method="manual",
                 **CARD_ONLY)
    canceled = api.post(f"/v1/payment_intents/{intent['id']}/cancel",
                        {"cancellation_reason": "requested_by_customer"})
    assert (canceled["status"], canceled["cancellation_reason"]) == (
        "canceled", "requested_by_customer")
    assert canceled["canceled_at"] is not None and canceled["amount_capturable"] == 0
    charge = api.get(f"/v1/charges/{intent['latest_charge']}")
    assert (charge["amount_refunded"], charge["refunded"]) == (2000, True)
    assert event_types(api)[-1] == "payment_intent.canceled"
    error = api.post(f"/v1/payment_intents/{intent['id']}/cancel", status=400)["error"]
    assert error["message"] == (
        "You cannot cancel this PaymentIntent because it has a status of canceled. Only a "
        "PaymentIntent with one of the following statuses may be canceled: "
        "requires_payment_method, requires_capture, requires_confirmation, requires_action, "
        "processing.")
    capture = api.post(f"/v1/payment_intents/{intent['id']}/capture", status=400)["error"]
    assert "status of canceled" in capture["message"]


def test_an_authorization_left_seven_days_cancels_the_intent(app, api):
    # "Uncaptured PaymentIntents are cancelled a set number of days (7 by default) after
    # their creation" (Stripe's capture reference).
    now = [1_700_000_000]
    app.clock = lambda: now[0]
    intent = pay(api, payment_method="pm_card_visa", confirm="true", capture_method="manual",
                 **CARD_ONLY)
    now[0] += 7 * 24 * 60 * 60
    api.post("/v1/customers")  # any write runs what is due
    canceled = api.get(f"/v1/payment_intents/{intent['id']}")
    assert (canceled["status"], canceled["cancellation_reason"], canceled["canceled_at"],
            canceled["amount_capturable"]) == ("canceled", "automatic", now[0], 0)
    assert api.get(f"/v1/charges/{intent['latest_charge']}")["refunded"] is True
    assert event_types(api)[-3:] == ["charge.expired", "payment_intent.canceled",
                                     "customer.created"]
    error = api.post(f"/v1/payment_intents/{intent['id']}/capture", status=400)["error"]
    assert (error["code"], error["payment_intent"]["status"]) == (UNEXPECTED, "canceled")


def test_refunds_by_payment_intent(app, api):
    intent = pay(api, payment_method="pm_card_visa", confirm="true", **CARD_ONLY)
    refund = api.post("/v1/refunds", {"payment_intent": intent["id"], "amount": "500"})
    assert (refund["charge"], refund["payment_intent"], refund["amount"]) == (
        intent["latest_charge"], intent["id"], 500)
    assert api.get(f"/v1/charges/{intent['latest_charge']}")["amount_refunded"] == 500
    waiting = pay(api)
    assert api.post("/v1/refunds", {"payment_intent": waiting["id"]}, status=400)


def test_setup_future_usage_saves_the_card_to_the_customer(app, api):
    cus = customer(api)
    done = pay(api, customer=cus, payment_method="pm_card_visa", confirm="true",
               setup_future_usage="off_session", **CARD_ONLY)
    assert done["setup_future_usage"] == "off_session"
    pm = api.get(f"/v1/payment_methods/{done['payment_method']}")
    assert pm["customer"] == cus
    assert "payment_method.attached" in event_types(api)
    again = pay(api, customer=cus, payment_method=pm["id"], confirm="true", off_session="true")
    assert again["status"] == "succeeded"
    # "If no Customer was provided, the payment method can still be attached to a Customer
    # after the transaction completes" (setup_future_usage's description).
    bare = pay(api, payment_method="pm_card_visa", confirm="true",
               setup_future_usage="off_session", **CARD_ONLY)
    assert api.get(f"/v1/payment_methods/{bare['payment_method']}")["customer"] is None
    reused = pay(api, status=400, payment_method=bare["payment_method"], confirm="true",
                 **CARD_ONLY)["error"]
    assert reused["message"].startswith("The provided PaymentMethod was previously used")
    saved = api.post(f"/v1/payment_methods/{bare['payment_method']}/attach", {"customer": cus})
    assert saved["customer"] == cus


def test_a_customers_legacy_card_and_default_source_pay(api):
    cus = customer(api)
    card = add(api, cus, "tok_mastercard")
    done = pay(api, customer=cus, payment_method=card["id"], confirm="true", **CARD_ONLY)
    assert (done["status"], done["payment_method"]) == ("succeeded", card["id"])
    charge = api.get(f"/v1/charges/{done['latest_charge']}")
    assert charge["payment_method_details"]["card"]["brand"] == "mastercard"
    by_default = pay(api, customer=cus, confirm="true", **CARD_ONLY)
    assert by_default["payment_method"] == card["id"]
    bare = customer(api)
    error = pay(api, status=400, customer=bare, confirm="true", **CARD_ONLY)["error"]
    assert error["message"] == (
        "You cannot confirm this PaymentIntent because it's missing a payment method. To "
        f"confirm the PaymentIntent with {bare}, specify a payment method attached to this "
        "customer along with the customer ID.")
    # Stripe's answer in a request log (req_sAwRRUXorXDThA, quoted in public code).
    assert pay(api, status=400, confirm="true", **CARD_ONLY)["error"]["message"] == (
        "You cannot confirm this PaymentIntent because it's missing a payment method. You can "
        "either update the PaymentIntent with a payment method and then confirm it again, or "
        "confirm it again directly with a payment method.")
    stranger = pay(api, status=400, payment_method=card["id"], confirm="true",
                   **CARD_ONLY)["error"]
    assert stranger["message"] == (
        f"The `payment_method` parameter supplied {card['id']} belongs to the Customer {cus}. "
        "Please include the Customer in the `customer` parameter on the PaymentIntent.")
    other = customer(api)
    wrong = pay(api, status=400, customer=other, payment_method=card["id"], confirm="true",
                **CARD_ONLY)["error"]
    assert (wrong["param"], wrong["message"]) == ("payment_method", (
        f"The PaymentMethod {card['id']} does not belong to the Customer you supplied {other}. "
        "Please use this PaymentMethod with the Customer that it belongs to instead."))


def test_amounts_currencies_and_parameters(api):
    assert pay(api, status=400, amount="10")["error"]["code"] == "amount_too_small"
    assert pay(api, status=400, currency="zzz")["error"]["param"] == "currency"
    assert api.post("/v1/payment_intents", {"currency": "usd"}, status=400)["error"][
        "message"] == "Missing required param: amount."
    assert pay(api, status=400, return_url=RETURN_URL)["error"]["param"] == "return_url"
    error = pay(api, status=400, confirm="true", payment_method="pm_card_visa",
                return_url="javascript:alert(1)")["error"]
    assert (error["code"], error["param"]) == ("url_invalid", "return_url")
    assert pay(api, status=400, confirmation_method="manual")["error"]["message"] == (
        "You may only specify one of these parameters: automatic_payment_methods, "
        "confirmation_method.")
    assert pay(api, status=400, **{"payment_method_types[]": "sepa_debit"})["error"][
        "code"] == "payment_method_not_available"
    assert api.get("/v1/payment_intents/pi_nope", status=404)["error"]["message"] == \
        "No such payment_intent: 'pi_nope'"
    # Cards come as PaymentMethods; payment_method_data's types are all others.
    error = pay(api, status=400, confirm="true", **CARD_ONLY,
                **{"payment_method_data[type]": "sepa_debit"})["error"]
    assert (error["code"], error["param"]) == ("payment_method_not_available",
                                               "payment_method_data[type]")


def test_update_list_and_search(api):
    cus = customer(api)
    first = pay(api, customer=cus, **{"metadata[order]": "1"})
    second = pay(api, amount="3000")
    updated = api.post(f"/v1/payment_intents/{second['id']}", {
        "amount": "3500", "description": "bigger", "metadata[order]": "2"})
    assert (updated["amount"], updated["description"]) == (3500, "bigger")
    assert [i["id"] for i in api.get("/v1/payment_intents")["data"]] == [second["id"],
                                                                        first["id"]]
    assert [i["id"] for i in api.get("/v1/payment_intents", {"customer": cus})["data"]] == [
        first["id"]]
    assert api.get("/v1/payment_intents", {"customer": "cus_nope"}, status=400)["error"][
        "message"] == "No such customer: 'cus_nope'"
    found = api.get("/v1/payment_intents/search", {"query": "metadata['order']:'2'"})
    assert [i["id"] for i in found["data"]] == [second["id"]]
    found = api.get("/v1/payment_intents/search", {"query": "amount>3000"})
    assert [i["id"] for i in found["data"]] == [second["id"]]
    done = pay(api, payment_method="pm_card_visa", confirm="true", **CARD_ONLY)
    refused = api.post(f"/v1/payment_intents/{done['id']}", {"amount": "100"},
                       status=400)["error"]
    assert refused["code"] == UNEXPECTED


def test_a_finished_intent_still_takes_metadata_and_description(app, api):
    done = pay(api, payment_method="pm_card_visa", confirm="true", **CARD_ONLY)
    path = f"/v1/payment_intents/{done['id']}"
    noted = api.post(path, {"metadata[order_id]": "6735", "description": "order 6735"})
    assert (noted["status"], noted["metadata"], noted["description"]) == (
        "succeeded", {"order_id": "6735"}, "order 6735")
    assert stored(app, done["id"])["metadata"] == {"order_id": "6735"}
    error = api.post(path, {"metadata[more]": "x", "amount": "100"}, status=400)["error"]
    assert (error["code"], error["param"]) == (UNEXPECTED, "amount")
    assert error["message"] == (
        "This PaymentIntent's amount could not be updated because it has a status of "
        "succeeded. You may only update the amount of a PaymentIntent with one of the "
        "following statuses: requires_payment_method, requires_confirmation, requires_action.")
    assert stored(app, done["id"])["metadata"] == {"order_id": "6735"}
    canceled = api.post(f"/v1/payment_intents/{pay(api)['id']}/cancel")
    for action in ("", "/confirm"):
        error = api.post(f"/v1/payment_intents/{canceled['id']}{action}",
                         {"payment_method": "pm_card_visa"}, status=400)["error"]
        assert (error["param"], error["payment_intent"]["status"]) == ("payment_method",
                                                                      "canceled")
        assert error["message"].startswith(
            "This PaymentIntent's payment_method could not be updated because it has a "
            "status of canceled. You may only update the payment_method of a PaymentIntent "
            "with one of the following statuses: requires_payment_method, ")
    assert api.post(f"/v1/payment_intents/{canceled['id']}",
                    {"metadata[why]": "duplicate"})["metadata"] == {"why": "duplicate"}


def test_a_publishable_key_retrieves_and_confirms_with_the_client_secret(api):
    intent = pay(api, customer=customer(api), **CARD_ONLY, **{"metadata[secret]": "x"})
    path = f"/v1/payment_intents/{intent['id']}"
    seen = api.get(path, {"client_secret": intent["client_secret"]}, key=PUBLISHABLE_KEY)
    # Only the fields Stripe's reference marks "retrievable with publishable key".
    assert seen == {field: intent[field] for field in (
        "id", "object", "amount", "amount_details", "automatic_payment_methods", "canceled_at",
        "cancellation_reason", "capture_method", "client_secret", "confirmation_method",
        "created", "currency", "description", "last_payment_error", "livemode", "next_action",
        "payment_method", "payment_method_types", "processing", "receipt_email",
        "setup_future_usage", "shipping", "status")}
    error = api.get(path, key=PUBLISHABLE_KEY, status=400)["error"]
    assert error["message"] == ("The client_secret provided does not match the client_secret "
                                "associated with the PaymentIntent.")
    done = api.post(f"{path}/confirm", {"client_secret": intent["client_secret"],
                                        "payment_method": "pm_card_visa",
                                        "expand[]": "payment_method"}, key=PUBLISHABLE_KEY)
    assert (done["status"], done["payment_method"]["object"]) == ("succeeded",
                                                                  "payment_method")
    assert not {"customer", "metadata", "latest_charge"} & set(done)
    declined = pay(api, customer=customer(api), **CARD_ONLY, **{"metadata[secret]": "x"})
    error = api.post(f"/v1/payment_intents/{declined['id']}/confirm", {
        "client_secret": declined["client_secret"], "payment_method": "pm_card_chargeDeclined"},
        key=PUBLISHABLE_KEY, status=402)["error"]
    assert error["payment_intent"]["status"] == "requires_payment_method"
    assert not {"customer", "metadata"} & set(error["payment_intent"])
    for path_, method in ((f"{path}/capture", api.post), (f"{path}/cancel", api.post),
                          ("/v1/payment_intents", api.post), ("/v1/payment_intents", api.get)):
        assert method(path_, key=PUBLISHABLE_KEY, status=401)["error"]["code"] == \
            "secret_key_required"


@pytest.mark.parametrize("key", ["Idem-1"])
def test_idempotent_confirm_replays_the_decline(app, api, key):
    intent = pay(api, payment_method="pm_card_chargeDeclined", **CARD_ONLY)
    path = f"/v1/payment_intents/{intent['id']}/confirm"
    first = api.post(path, status=402, headers={"Idempotency-Key": key})
    second = api.post(path, status=402, headers={"Idempotency-Key": key})
    assert first == second
    assert api.last.headers["Idempotent-Replayed"] == "true"
    assert len(recorded(app, "charge.failed")) == 1
    assert stored(app, intent["id"])["status"] == "requires_payment_method"
