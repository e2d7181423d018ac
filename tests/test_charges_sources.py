"""Charging Sources and bank accounts: Sources consumed as Stripe consumes them, ACH debits
that settle later (by a test, or by the app's clock), ach_credit_transfer Sources funded by
a test."""
import pytest
import webtest

from sources_kit import ach_source, recorded
from stripe_emu import errors, testing

DAY = 24 * 60 * 60
NOT_CHARGEABLE = "The source you provided is not in a chargeable state."


def charge(api, status=200, **params):
    return api.post("/v1/charges", {"amount": 2000, "currency": "usd", **params},
                    status=status)


def card_source(api, **params):
    return api.post("/v1/sources", {"type": "card", "token": "tok_visa", **params})


def test_a_single_use_source_is_consumed_by_its_charge(api):
    source = card_source(api, usage="single_use", amount=2000, currency="usd")
    made = charge(api, source=source["id"])
    assert made["payment_method"] == source["id"] and made["source"]["id"] == source["id"]
    assert made["payment_method_details"]["card"]["last4"] == "4242"
    assert api.get(f"/v1/sources/{source['id']}")["status"] == "consumed"
    error = charge(api, 400, source=source["id"])["error"]
    assert error["message"] == (
        "The provided source has already been used to make another payment. You cannot reuse "
        "sources without attaching them to a Customer object first.")


def test_a_reusable_source_charged_unattached_is_consumed(api):
    source = card_source(api)
    charge(api, source=source["id"])
    assert api.get(f"/v1/sources/{source['id']}")["status"] == "consumed"
    error = charge(api, 400, source=source["id"])["error"]
    assert error["message"].startswith("The reusable source you provided is consumed because "
                                       "it was previously charged without being attached")


def test_an_attached_reusable_source_stays_chargeable(api):
    source = card_source(api, **{"owner[name]": "Jenny Rosen"})
    customer = api.post("/v1/customers", {"source": source["id"]})["id"]
    for _ in range(2):
        made = charge(api, customer=customer, source=source["id"])
        assert made["billing_details"]["name"] == "Jenny Rosen"
    assert api.get(f"/v1/sources/{source['id']}")["status"] == "chargeable"
    # Without its customer, an attached Source cannot be charged.
    assert charge(api, 400, source=source["id"])["error"]["param"] == "source"


@pytest.mark.parametrize("status", ["pending", "failed", "canceled"])
def test_sources_that_are_not_chargeable(api, app, status):
    source = ach_source(api)["id"]
    if status != "pending":
        testing.set_source_status(app, source, status)
    error = charge(api, 400, source=source)["error"]
    assert (error["message"], error["type"]) == (NOT_CHARGEABLE, "invalid_request_error")
    assert api.get("/v1/charges")["data"] == []


def test_an_ach_credit_transfer_source_is_charged_up_to_what_it_received(api, app):
    source = ach_source(api)["id"]
    customer = api.post("/v1/customers", {"source": source})["id"]
    funded = testing.fund_source(app, source, 5000)
    assert (funded["status"], funded["receiver"]["amount_received"], funded["amount"]) == \
        ("chargeable", 5000, 5000)
    assert len(recorded(app, "source.chargeable")) == 1
    made = charge(api, customer=customer, source=source, amount=3000)
    assert made["payment_method_details"]["type"] == "ach_credit_transfer"
    assert made["status"] == "succeeded"
    after = api.get(f"/v1/sources/{source}")
    assert (after["receiver"]["amount_charged"], after["amount"], after["status"]) == \
        (3000, 2000, "chargeable")
    error = charge(api, 400, customer=customer, source=source, amount=2001)["error"]
    assert error["param"] == "amount"
    # Over the control plane, as a test in another language would fund it.
    web = webtest.TestApp(app)
    answer = web.post(f"/_emu/sources/{source}/fund", {"amount": "1"}).json
    assert answer["receiver"]["amount_received"] == 5001
    charge(api, customer=customer, source=source, amount=2001)


def ach_customer(api, token="btok_us_verified"):
    customer = api.post("/v1/customers", {"source": token})
    return customer["id"], customer["default_source"]


def test_an_ach_debit_is_pending_until_the_bank_answers(api, app):
    customer, bank = ach_customer(api)
    made = charge(api, customer=customer)
    assert made["id"].startswith("py_")
    assert (made["status"], made["paid"], made["balance_transaction"]) == ("pending", False,
                                                                          None)
    assert made["payment_method_details"] == {"ach_debit": {
        "account_holder_type": None, "bank_name": "STRIPE TEST BANK", "country": "US",
        "fingerprint": made["source"]["fingerprint"], "last4": "6789",
        "routing_number": "110000000"}, "type": "ach_debit"}
    assert [e["type"] for e in api.get("/v1/events", {"type": "charge.*"})["data"]] == \
        ["charge.pending"]
    settled = testing.settle_charge(app, made["id"])
    assert (settled["status"], settled["paid"]) == ("succeeded", True)
    txn = api.get(f"/v1/balance_transactions/{settled['balance_transaction']}")
    assert (txn["type"], txn["fee"], txn["net"]) == ("payment", 16, 1984)
    [succeeded] = recorded(app, "charge.succeeded")
    assert succeeded["data"]["previous_attributes"]["status"] == "pending"
    with pytest.raises(errors.StripeError, match="only a pending charge"):
        testing.settle_charge(app, made["id"])


def test_an_ach_debit_fails_by_its_test_account_number(api, app):
    customer, _ = ach_customer(api, "btok_us_verified_noAccount")
    made = charge(api, customer=customer)
    failed = webtest.TestApp(app).post(f"/_emu/charges/{made['id']}/settle").json
    assert (failed["status"], failed["failure_code"], failed["paid"]) == (
        "failed", "no_account", False)
    assert failed["failure_message"] == "The customer's bank account could not be located."
    assert len(recorded(app, "charge.failed")) == 1
    assert api.get("/v1/balance_transactions")["data"] == []


def test_an_ach_debit_settles_by_itself_after_some_days(api, app):
    now = [1_700_000_000]
    app.clock = lambda: now[0]
    customer, _ = ach_customer(api, "btok_us_verified_insufficientFunds")
    made = charge(api, customer=customer)
    now[0] += 4 * DAY
    assert testing.run_due_work(app) == 1
    failed = api.get(f"/v1/charges/{made['id']}")
    assert (failed["status"], failed["failure_code"]) == ("failed", "insufficient_funds")
    [event] = recorded(app, "charge.failed")
    assert event["request"] == {"id": None, "idempotency_key": None}


def test_bank_accounts_must_be_verified_and_captured_at_once(api):
    customer, _ = ach_customer(api, "btok_us")
    error = charge(api, 400, customer=customer)["error"]
    assert error["message"] == ("The customer's bank account must be verified in order to "
                                "create an ACH payment.")
    customer, _ = ach_customer(api)
    error = charge(api, 400, customer=customer, capture="false")["error"]
    assert (error["message"], error["param"]) == (
        "You cannot pass capture=false for this payment type.", "capture")


def test_a_three_d_secure_source_charges_its_card(api, app):
    customer = api.post("/v1/customers", {"source": "tok_visa"})
    secure = api.post("/v1/sources", {
        "type": "three_d_secure", "amount": 2000, "currency": "usd",
        "three_d_secure[card]": customer["default_source"],
        "redirect[return_url]": "https://shop.example/back"})
    assert charge(api, 400, source=secure["id"])["error"]["message"] == NOT_CHARGEABLE
    testing.set_source_status(app, secure["id"], "chargeable")
    made = charge(api, source=secure["id"])
    secure_details = made["payment_method_details"]["card"]["three_d_secure"]
    assert secure_details["result"] == "authenticated"
    assert api.get(f"/v1/sources/{secure['id']}")["status"] == "consumed"


def test_the_control_planes_payment_moves_refuse_what_stripe_never_does(api, app):
    web = webtest.TestApp(app)
    answer = web.post("/_emu/charges/ch_nope/settle", expect_errors=True)
    assert (answer.status_int, answer.json["error"]["message"]) == (
        404, "No such charge: 'ch_nope'")
    card = card_source(api)["id"]
    answer = web.post(f"/_emu/sources/{card}/fund", {"amount": "100"}, expect_errors=True)
    assert answer.status_int == 400 and "receiver Source" in answer.json["error"]["message"]
    source = ach_source(api)["id"]
    answer = web.post(f"/_emu/sources/{source}/fund", {"amount": "100",
                                                       "account": "sk_test_other"},
                      expect_errors=True)
    assert answer.status_int == 404
    answer = web.post(f"/_emu/sources/{source}/fund", expect_errors=True)
    assert answer.json["error"]["message"] == "Missing required param: amount."
    assert api.get(f"/v1/sources/{source}")["status"] == "pending"
    assert web.post("/_emu/due").json == {"ran": 0}


def test_debit_sources_settle_like_bank_accounts(api, app):
    ach = api.post("/v1/sources", {"type": "ach_debit", "currency": "usd",
                                   "token": "btok_us_verified_accountClosed"})
    sepa = api.post("/v1/sources", {"type": "sepa_debit", "currency": "eur",
                                    "sepa_debit[iban]": "DE89370400440532013000",
                                    "owner[name]": "Jenny Rosen"})
    customer = api.post("/v1/customers", {"source": ach["id"]})["id"]
    api.post(f"/v1/customers/{customer}/sources", {"source": sepa["id"]})
    first = charge(api, customer=customer, source=ach["id"])
    second = charge(api, customer=customer, source=sepa["id"], currency="eur")
    assert (first["status"], first["payment_method_details"]["type"]) == ("pending", "ach_debit")
    assert first["payment_method_details"]["ach_debit"]["last4"] == ach["ach_debit"]["last4"]
    assert (second["status"], second["payment_method_details"]["sepa_debit"]["last4"]) == (
        "pending", "3000")
    assert (testing.settle_charge(app, first["id"])["failure_code"],
            testing.settle_charge(app, second["id"])["status"]) == ("account_closed",
                                                                    "succeeded")
    assert charge(api, 400, customer=customer, source=sepa["id"])["error"]["param"] == \
        "currency"


def test_a_card_sources_checks_run_when_it_is_charged(api):
    source = api.post("/v1/sources", {"type": "card", "card[number]": "4000000000000101",
                                      "card[exp_month]": "1", "card[exp_year]": "2040",
                                      "card[cvc]": "123", "card[address_zip]": "94107"})
    assert source["card"]["cvc_check"] == "unchecked"
    checks = charge(api, source=source["id"])["payment_method_details"]["card"]["checks"]
    assert (checks["cvc_check"], checks["address_postal_code_check"]) == ("fail", "pass")
