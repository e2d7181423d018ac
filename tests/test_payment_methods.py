"""PaymentMethods through WebTest: create (card details, token), the pm_card_* test ids,
attach/detach with Stripe's errors, update, lists (a customer's legacy cards included), the
customer's invoice default, and their events."""
import pytest

from conftest import PUBLISHABLE_KEY
from sources_kit import add, count, customer, recorded, stored
from test_tokens import NEXT_YEAR

CARD = {"type": "card", "card[number]": "4242424242424242", "card[exp_month]": "12",
        "card[exp_year]": str(NEXT_YEAR), "card[cvc]": "123"}
ALREADY = "The payment method you provided has already been attached to a customer."
USED_UP = ("This PaymentMethod was previously used without being attached to a Customer or "
           "was detached from a Customer, and may not be used again.")


def attach(api, pm, cus, status=200):
    return api.post(f"/v1/payment_methods/{pm}/attach", {"customer": cus}, status=status)


def test_create_from_card_details_shows_the_card_as_stripe_does(api):
    pm = api.post("/v1/payment_methods", {**CARD, "billing_details[name]": "Jenny Rosen",
                                          "metadata[order]": "7"})
    assert pm["id"].startswith("pm_") and pm["object"] == "payment_method"
    assert (pm["type"], pm["customer"], pm["metadata"]) == ("card", None, {"order": "7"})
    card = pm["card"]
    assert (card["brand"], card["last4"], card["funding"], card["exp_year"]) == (
        "visa", "4242", "credit", NEXT_YEAR)
    # Checks run when the card is attached or used: given fields wait "unchecked".
    assert card["checks"] == {"address_line1_check": None, "address_postal_code_check": None,
                              "cvc_check": "unchecked"}
    assert card["three_d_secure_usage"] == {"supported": True}
    assert pm["billing_details"]["name"] == "Jenny Rosen"
    assert api.get(f"/v1/payment_methods/{pm['id']}") == pm


def test_create_from_a_token_and_with_a_publishable_key(api):
    pm = api.post("/v1/payment_methods", {"type": "card", "card[token]": "tok_amex"},
                  key=PUBLISHABLE_KEY)
    assert (pm["card"]["brand"], pm["card"]["last4"]) == ("amex", "0005")
    assert pm["card"]["three_d_secure_usage"] == {"supported": False}
    token = api.post("/v1/tokens", {"card[number]": "5555555555554444", "card[exp_month]": "1",
                                    "card[exp_year]": str(NEXT_YEAR)})
    assert api.post("/v1/payment_methods", {"type": "card", "card[token]": token["id"]}
                    )["card"]["brand"] == "mastercard"
    error = api.post("/v1/payment_methods", {"type": "card", "card[token]": token["id"]},
                     status=400)["error"]
    assert error["code"] == "token_already_used"


def test_only_cards_and_card_errors(api):
    error = api.post("/v1/payment_methods", {"type": "sepa_debit"}, status=400)["error"]
    assert (error["code"], error["param"]) == ("payment_method_not_available", "type")
    assert api.post("/v1/payment_methods", {}, status=400)["error"]["param"] == "type"
    error = api.post("/v1/payment_methods", {**CARD, "card[number]": "4242424242424241"},
                     status=402)["error"]
    assert error["code"] == "incorrect_number"
    error = api.post("/v1/payment_methods", {**CARD, "card[exp_year]": "xyz"},
                     status=400)["error"]
    assert error["param"] == "card[exp_year]"
    assert count(api.app, "payment_method") == 0


def test_a_decline_card_is_created_but_not_attached(app, api):
    pm = api.post("/v1/payment_methods", {**CARD, "card[number]": "4000000000000002"})
    cus = customer(api)
    error = attach(api, pm["id"], cus, status=402)["error"]
    assert (error["code"], error["decline_code"]) == ("card_declined", "generic_decline")
    assert api.get(f"/v1/payment_methods/{pm['id']}")["customer"] is None
    assert recorded(app, "payment_method.attached") == []
    error = attach(api, "pm_card_chargeDeclinedInsufficientFunds", cus, status=402)["error"]
    assert error["decline_code"] == "insufficient_funds"
    # tok_chargeCustomerFail's card attaches; it fails when charged.
    assert attach(api, "pm_card_chargeCustomerFail", cus)["customer"] == cus


def test_attach_runs_the_checks_and_records_the_event(app, api):
    pm = api.post("/v1/payment_methods", CARD)
    cus = customer(api)
    attached = attach(api, pm["id"], cus)
    assert attached["customer"] == cus
    assert attached["card"]["checks"]["cvc_check"] == "pass"
    [event] = recorded(app, "payment_method.attached")
    assert event["data"]["object"] == attached
    assert api.get(f"/v1/payment_methods/{pm['id']}") == attached


def test_attach_errors(api):
    pm = api.post("/v1/payment_methods", CARD)["id"]
    cus, other = customer(api), customer(api)
    assert attach(api, pm, "cus_nope", status=400)["error"]["message"] == \
        "No such customer: 'cus_nope'"
    assert api.post(f"/v1/payment_methods/{pm}/attach", {}, status=400)["error"][
        "param"] == "customer"
    assert attach(api, "pm_nope", cus, status=404)["error"]["message"] == \
        "No such PaymentMethod: 'pm_nope'"
    attach(api, pm, cus)
    for again in (cus, other):
        assert attach(api, pm, again, status=400)["error"]["message"] == ALREADY


def test_magic_ids_make_a_new_payment_method_each_time(app, api):
    cus = customer(api)
    first, second = attach(api, "pm_card_visa", cus), attach(api, "pm_card_visa", cus)
    assert first["id"] != second["id"] and first["id"].startswith("pm_1")
    assert first["card"]["fingerprint"] == second["card"]["fingerprint"]
    assert (first["card"]["brand"], first["card"]["last4"]) == ("visa", "4242")
    assert attach(api, "pm_card_mastercard", cus)["card"]["brand"] == "mastercard"


def test_a_magic_id_is_retrieved_as_its_test_card(app, api):
    # Laravel Cashier retrieves the id it is given before attaching it, and its suites pass
    # pm_card_visa against Stripe's test mode.
    cus = customer(api)
    seen = api.get("/v1/payment_methods/pm_card_visa")
    assert (seen["id"], seen["customer"], seen["card"]["last4"]) == ("pm_card_visa", None,
                                                                    "4242")
    assert count(app, "payment_method") == 0
    saved = attach(api, seen["id"], cus)
    assert saved["id"].startswith("pm_1") and saved["card"]["fingerprint"] == \
        seen["card"]["fingerprint"]
    assert api.get("/v1/payment_methods/pm_card_nope", status=404)["error"]["message"] == \
        "No such PaymentMethod: 'pm_card_nope'"


def test_detach_then_never_again(app, api):
    cus = customer(api)
    pm = attach(api, "pm_card_visa", cus)
    detached = api.post(f"/v1/payment_methods/{pm['id']}/detach")
    assert detached["customer"] is None and detached["id"] == pm["id"]
    [event] = recorded(app, "payment_method.detached")
    assert event["data"]["object"]["customer"] is None
    error = api.post(f"/v1/payment_methods/{pm['id']}/detach", status=400)["error"]
    assert error["message"] == ("The payment method you provided is not attached to a "
                                "customer so detachment is impossible.")
    assert attach(api, pm["id"], cus, status=400)["error"]["message"] == USED_UP
    assert stored(app, pm["id"])["customer"] is None


def test_update_needs_an_attached_payment_method(app, api):
    pm = api.post("/v1/payment_methods", CARD)
    error = api.post(f"/v1/payment_methods/{pm['id']}", {"metadata[a]": "b"},
                     status=400)["error"]
    assert error["message"] == ("You must save this PaymentMethod to a customer before you "
                                "can update it.")
    attach(api, pm["id"], customer(api))
    updated = api.post(f"/v1/payment_methods/{pm['id']}", {
        "metadata[a]": "b", "card[exp_month]": "3", "billing_details[email]": "j@example.com",
        "billing_details[address][city]": "Paris"})
    assert updated["metadata"] == {"a": "b"}
    assert updated["card"]["exp_month"] == 3
    assert updated["billing_details"]["email"] == "j@example.com"
    assert updated["billing_details"]["address"]["city"] == "Paris"
    [event] = recorded(app, "payment_method.updated")
    assert event["data"]["previous_attributes"]["metadata"] == {"a": None}
    error = api.post(f"/v1/payment_methods/{pm['id']}", {"card[exp_month]": "13"},
                     status=402)["error"]
    assert error["code"] == "invalid_expiry_month"


def test_a_customers_lists_hold_its_payment_methods_and_legacy_cards(api):
    cus = customer(api)
    pm = attach(api, "pm_card_visa", cus)
    card = add(api, cus, "tok_mastercard")
    api.post("/v1/payment_methods", CARD)  # not attached: in no list
    listed = api.get(f"/v1/customers/{cus}/payment_methods")
    assert [item["id"] for item in listed["data"]] == [card["id"], pm["id"]]
    legacy = listed["data"][0]
    assert (legacy["object"], legacy["type"], legacy["customer"]) == (
        "payment_method", "card", cus)
    assert (legacy["card"]["brand"], legacy["card"]["last4"]) == ("mastercard", "4444")
    assert listed["url"] == f"/v1/customers/{cus}/payment_methods"
    same = api.get("/v1/payment_methods", {"customer": cus, "type": "card"})
    assert [item["id"] for item in same["data"]] == [card["id"], pm["id"]]
    assert api.get(f"/v1/customers/{cus}/payment_methods", {"type": "sepa_debit"})["data"] == []
    page = api.get(f"/v1/customers/{cus}/payment_methods", {"limit": 1,
                                                            "starting_after": card["id"]})
    assert [item["id"] for item in page["data"]] == [pm["id"]]
    assert api.get(f"/v1/customers/{cus}/payment_methods/{pm['id']}") == pm
    assert api.get(f"/v1/customers/{cus}/payment_methods/{card['id']}") == legacy
    other = customer(api)
    api.get(f"/v1/customers/{other}/payment_methods/{pm['id']}", status=404)
    assert api.get(f"/v1/customers/{other}/payment_methods")["data"] == []


def test_detaching_a_legacy_card_deletes_it(app, api):
    cus = customer(api)
    card = add(api, cus, "tok_visa")
    detached = api.post(f"/v1/payment_methods/{card['id']}/detach")
    assert (detached["id"], detached["customer"]) == (card["id"], None)
    assert stored(app, card["id"]) is None
    assert api.get(f"/v1/customers/{cus}")["default_source"] is None
    assert [e["type"] for e in api.get("/v1/events")["data"]][:3] == [
        "customer.updated", "payment_method.detached", "customer.source.deleted"]


def test_invoice_default_payment_method_must_be_attached_and_is_cleared_on_detach(app, api):
    cus = customer(api)
    pm = api.post("/v1/payment_methods", CARD)["id"]
    error = api.post(f"/v1/customers/{cus}", {"invoice_settings[default_payment_method]": pm},
                     status=400)["error"]
    assert error["message"] == (f"The customer does not have a payment method with the ID "
                                f"{pm}. The payment method must be attached to the customer.")
    attach(api, pm, cus)
    updated = api.post(f"/v1/customers/{cus}", {"invoice_settings[default_payment_method]": pm})
    assert updated["invoice_settings"]["default_payment_method"] == pm
    api.post(f"/v1/payment_methods/{pm}/detach")
    assert api.get(f"/v1/customers/{cus}")["invoice_settings"]["default_payment_method"] is None
    [cleared, _] = recorded(app, "customer.updated")
    assert cleared["data"]["previous_attributes"] == {
        "invoice_settings": {"default_payment_method": pm}}
    unset = api.post(f"/v1/customers/{cus}", {"invoice_settings[default_payment_method]": ""})
    assert unset["invoice_settings"]["default_payment_method"] is None


def test_a_customer_created_with_a_payment_method_has_it_attached(app, api):
    created = api.post("/v1/customers", {"payment_method": "pm_card_visa"})
    [pm] = api.get(f"/v1/customers/{created['id']}/payment_methods")["data"]
    assert pm["customer"] == created["id"]
    assert api.post("/v1/customers", {"payment_method": "pm_nope"}, status=400)["error"][
        "message"] == "No such PaymentMethod: 'pm_nope'"


@pytest.mark.parametrize("path", ["/v1/payment_methods/pm_x/attach", "/v1/payment_methods"])
def test_a_publishable_key_cannot_manage_payment_methods(api, path):
    method = api.get if path == "/v1/payment_methods" else api.post
    assert method(path, key=PUBLISHABLE_KEY, status=401)["error"]["code"] == \
        "secret_key_required"


def test_a_payment_method_paid_with_without_a_customer_cannot_be_attached(api):
    pm = api.post("/v1/payment_methods", CARD)["id"]
    api.post("/v1/payment_intents", {"amount": "500", "currency": "usd", "payment_method": pm,
                                     "confirm": "true", "payment_method_types[]": "card"})
    assert attach(api, pm, customer(api), status=400)["error"]["message"] == USED_UP


def test_a_card_source_pays_as_a_payment_method(api):
    cus = customer(api)
    source = api.post("/v1/sources", {"type": "card", "token": "tok_amex"})
    add(api, cus, source["id"])
    shown = api.get(f"/v1/payment_methods/{source['id']}")
    assert (shown["object"], shown["customer"]) == ("payment_method", cus)
    assert shown["card"]["three_d_secure_usage"] == {"supported": False}
    paid = api.post("/v1/payment_intents", {
        "amount": "500", "currency": "usd", "customer": cus, "payment_method": source["id"],
        "confirm": "true", "payment_method_types[]": "card"})
    assert (paid["status"], paid["payment_method"]) == ("succeeded", source["id"])
    charge = api.get(f"/v1/charges/{paid['latest_charge']}")
    assert charge["payment_method_details"]["card"]["brand"] == "amex"


def test_a_deleted_card_is_no_longer_the_invoice_default(api):
    cus = customer(api)
    card = add(api, cus, "tok_visa")
    api.post(f"/v1/customers/{cus}", {"invoice_settings[default_payment_method]": card["id"]})
    api.delete(f"/v1/customers/{cus}/sources/{card['id']}")
    settings = api.get(f"/v1/customers/{cus}")["invoice_settings"]
    assert settings["default_payment_method"] is None
