"""Charges through WebTest: what can be charged (customer / source combinations), amounts and
currencies, the charge object, capture and expiry, update, list and search."""
import pytest

from conftest import ten_seconds_apart
from stripe_emu import testing

DAY = 24 * 60 * 60


def customer_with(api, source="tok_visa"):
    return api.post("/v1/customers", {"source": source})


def charge(api, status=200, **params):
    return api.post("/v1/charges", {"amount": 2000, "currency": "usd", **params},
                    status=status)


def events_of(api, kind):
    return [event for event in api.get("/v1/events", {"limit": 100})["data"]
            if event["type"] == kind]


# -- what is charged -------------------------------------------------------------------------

def test_a_customer_alone_is_charged_on_its_default_card(api):
    customer = customer_with(api)
    made = charge(api, customer=customer["id"])
    assert made["id"].startswith("ch_")
    assert (made["status"], made["paid"], made["captured"], made["amount_captured"]) == \
        ("succeeded", True, True, 2000)
    assert made["customer"] == customer["id"]
    assert made["payment_method"] == customer["default_source"]
    assert made["source"]["id"] == customer["default_source"]
    assert made["source"]["customer"] == customer["id"]
    card = made["payment_method_details"]["card"]
    assert made["payment_method_details"]["type"] == "card"
    assert (card["brand"], card["network"], card["last4"], card["funding"], card["country"]) \
        == ("visa", "visa", "4242", "credit", "US")
    assert card["checks"] == {"address_line1_check": None, "address_postal_code_check": None,
                              "cvc_check": "pass"}
    assert card["fingerprint"] == made["source"]["fingerprint"]
    assert made["outcome"]["type"] == "authorized"
    assert made["outcome"]["network_status"] == "approved_by_network"
    assert made["outcome"]["seller_message"] == "Payment complete."
    assert 0 <= made["outcome"]["risk_score"] <= 64 and made["outcome"]["risk_level"] == "normal"
    assert made["receipt_url"].startswith("https://pay.stripe.com/receipts/payment/")
    assert made["calculated_statement_descriptor"] == "Stripe"
    assert made["balance_transaction"].startswith("txn_")
    assert "refunds" not in made  # only when expanded, at 2023-08-16
    assert api.get(f"/v1/charges/{made['id']}") == made


def test_the_first_charge_sets_the_customers_currency(api):
    customer = customer_with(api)["id"]
    charge(api, customer=customer, currency="eur")
    assert api.get(f"/v1/customers/{customer}")["currency"] == "eur"
    updated = events_of(api, "customer.updated")[0]
    assert updated["data"]["previous_attributes"] == {"currency": None}


def test_a_customer_without_a_card_gets_stripes_402(api):
    customer = api.post("/v1/customers")["id"]
    error = charge(api, 402, customer=customer)["error"]
    assert error == {"code": "missing", "doc_url": "https://stripe.com/docs/error-codes/missing",
                     "message": "Cannot charge a customer that has no active card",
                     "param": "card", "request_log_url": error["request_log_url"],
                     "type": "card_error"}
    assert api.get("/v1/charges")["data"] == []


def test_neither_customer_nor_source_is_a_400(api):
    error = charge(api, 400)["error"]
    assert error["message"] == "Must provide source or customer." and "param" not in error


def test_a_customer_with_one_of_its_cards(api):
    customer = customer_with(api)["id"]
    second = api.post(f"/v1/customers/{customer}/sources", {"source": "tok_mastercard"})
    made = charge(api, customer=customer, source=second["id"])
    assert made["payment_method"] == second["id"]
    assert made["payment_method_details"]["card"]["brand"] == "mastercard"


def test_a_source_the_customer_does_not_have(api):
    customer = customer_with(api)["id"]
    other = customer_with(api)
    for source in (other["default_source"], "tok_visa"):
        error = charge(api, 400, customer=customer, source=source)["error"]
        assert error["message"] == \
            f"Customer {customer} does not have a linked source with ID {source}."
        assert error["param"] == "source"


def test_a_token_alone_is_a_one_off_charge_and_is_used_up(api):
    token = api.post("/v1/tokens", {"card[number]": "5555555555554444", "card[exp_month]": "4",
                                    "card[exp_year]": "2040", "card[cvc]": "123"})
    made = charge(api, source=token["id"])
    assert made["customer"] is None
    assert made["source"]["id"] == token["card"]["id"] and made["source"]["customer"] is None
    assert made["payment_method_details"]["card"]["checks"]["cvc_check"] == "pass"
    assert api.get(f"/v1/tokens/{token['id']}")["used"] is True
    error = charge(api, 400, source=token["id"])["error"]
    assert (error["code"], error["message"]) == (
        "token_already_used", f"You cannot use a Stripe token more than once: {token['id']}.")


def test_a_raw_card_hash(api):
    made = charge(api, **{"source[object]": "card", "source[number]": "378282246310005",
                          "source[exp_month]": "12", "source[exp_year]": "2040",
                          "source[name]": "Jenny Rosen", "source[address_zip]": "94107"})
    assert made["payment_method_details"]["card"]["brand"] == "amex"
    assert made["billing_details"]["name"] == "Jenny Rosen"
    assert made["billing_details"]["address"]["postal_code"] == "94107"
    assert made["payment_method_details"]["card"]["checks"]["address_postal_code_check"] == \
        "pass"


def test_a_card_id_without_its_customer_is_no_token(api):
    card = customer_with(api)["default_source"]
    error = charge(api, 400, source=card)["error"]
    assert (error["code"], error["message"], error["param"]) == (
        "resource_missing", f"No such token: '{card}'", "source")


def test_an_unknown_customer(api):
    error = charge(api, 400, customer="cus_nope")["error"]
    assert (error["message"], error["param"]) == ("No such customer: 'cus_nope'", "customer")


# -- amounts and currencies --------------------------------------------------------------------

@pytest.mark.parametrize("amount, currency, message", [
    (49, "usd", "Amount must be at least $0.50 usd"),
    (29, "gbp", "Amount must be at least £0.30 gbp"),
    (49, "eur", "Amount must be at least €0.50 eur"),
    (49, "jpy", "Amount must be at least ¥50 jpy"),
])
def test_amounts_below_the_currencys_minimum(api, amount, currency, message):
    customer = customer_with(api)["id"]
    error = charge(api, 400, customer=customer, amount=amount, currency=currency)["error"]
    assert (error["code"], error["param"], error["message"]) == (
        "amount_too_small", "amount", message)


def test_zero_decimal_currency_amounts_are_whole_units(api):
    customer = customer_with(api)["id"]
    made = charge(api, customer=customer, amount=50, currency="jpy")
    assert (made["amount"], made["currency"]) == (50, "jpy")


def test_amount_bounds_and_missing_parameters(api):
    customer = customer_with(api)["id"]
    error = charge(api, 400, customer=customer, amount=0)["error"]
    assert (error["message"], error["param"]) == ("Invalid positive integer", "amount")
    error = charge(api, 400, customer=customer, amount=100_000_000)["error"]
    assert (error["code"], error["message"]) == (
        "amount_too_large", "Amount must be no more than $999,999.99")
    error = api.post("/v1/charges", {"customer": customer, "currency": "usd"}, status=400)
    assert error["error"]["message"] == "Missing required param: amount."
    error = api.post("/v1/charges", {"customer": customer, "amount": 100}, status=400)
    assert error["error"]["message"] == "Missing required param: currency."
    error = charge(api, 400, customer=customer, currency="zzz")["error"]
    assert error["param"] == "currency"
    assert error["message"].startswith("Invalid currency: zzz. Stripe currently supports these "
                                       "currencies: usd, aed, afn,")
    assert api.get("/v1/charges")["data"] == []


def test_a_refused_charge_does_not_use_its_token(api):
    token = api.post("/v1/tokens", {"card[number]": "4242424242424242", "card[exp_month]": "4",
                                    "card[exp_year]": "2040"})["id"]
    charge(api, 400, source=token, amount=10)
    assert api.get(f"/v1/tokens/{token}")["used"] is False


# -- authorize and capture ------------------------------------------------------------------------

def test_capture_later_in_full(api):
    customer = customer_with(api)["id"]
    held = charge(api, customer=customer, capture="false")
    assert (held["status"], held["paid"], held["captured"], held["amount_captured"],
            held["balance_transaction"]) == ("succeeded", True, False, 0, None)
    captured = api.post(f"/v1/charges/{held['id']}/capture")
    assert (captured["captured"], captured["amount_captured"], captured["amount_refunded"]) == \
        (True, 2000, 0)
    assert captured["balance_transaction"].startswith("txn_")
    event = events_of(api, "charge.captured")[0]
    assert event["data"]["previous_attributes"] == {
        "amount_captured": 0, "balance_transaction": None, "captured": False}
    error = api.post(f"/v1/charges/{held['id']}/capture", status=400)["error"]
    assert (error["code"], error["message"]) == (
        "charge_already_captured", f"Charge {held['id']} has already been captured.")


def test_a_partial_capture_refunds_the_rest(api):
    customer = customer_with(api)["id"]
    held = charge(api, customer=customer, capture="false")
    captured = api.post(f"/v1/charges/{held['id']}/capture", {"amount": 1500,
                                                              "expand[]": "refunds"})
    assert (captured["amount_captured"], captured["amount_refunded"], captured["refunded"]) == \
        (1500, 500, False)
    [rest] = captured["refunds"]["data"]
    assert (rest["amount"], rest["status"]) == (500, "succeeded")
    # The authorization's transaction, and the rest's reversal (docs "Reporting categories";
    # tests/test_docs_refunds.py).
    txn = api.get(f"/v1/balance_transactions/{captured['balance_transaction']}")
    assert txn["amount"] == 2000
    reversal = api.get(f"/v1/balance_transactions/{rest['balance_transaction']}")
    assert (reversal["amount"], reversal["reporting_category"]) == (
        -500, "partial_capture_reversal")
    error = api.post(f"/v1/charges/{held['id']}/capture", {"amount": 100}, status=400)
    assert error["error"]["code"] == "charge_already_captured"


def test_capturing_more_than_authorized(api):
    held = charge(api, customer=customer_with(api)["id"], capture="false")
    error = api.post(f"/v1/charges/{held['id']}/capture", {"amount": 2001}, status=400)
    assert (error["error"]["code"], error["error"]["param"]) == ("amount_too_large", "amount")
    assert api.get(f"/v1/charges/{held['id']}")["captured"] is False


def test_uncaptured_charges_expire_after_seven_days(api, app):
    now = [1_700_000_000]
    app.clock = lambda: now[0]
    customer = customer_with(api)["id"]
    held = charge(api, customer=customer, capture="false")
    now[0] += 7 * DAY - 1
    api.post("/v1/customers")  # any write runs what is due: nothing yet
    assert api.get(f"/v1/charges/{held['id']}")["refunded"] is False
    now[0] += 1
    api.post("/v1/customers")
    expired = api.get(f"/v1/charges/{held['id']}", {"expand[]": "refunds"})
    assert (expired["refunded"], expired["amount_refunded"], expired["captured"]) == \
        (True, 2000, False)
    assert expired["refunds"]["data"][0]["reason"] == "expired_uncaptured_charge"
    [event] = events_of(api, "charge.expired")
    assert event["request"] == {"id": None, "idempotency_key": None}
    assert event["data"]["previous_attributes"]["refunded"] is False
    error = api.post(f"/v1/charges/{held['id']}/capture", status=400)["error"]
    assert error["code"] == "charge_expired_for_capture"
    assert error["message"] == (
        f"Charge {held['id']} cannot be captured because the charge has expired (a charge "
        "must be captured within 7 days). You will need to create a new charge to retry the "
        "payment.")


def test_run_due_work_expires_charges_without_a_request(api, app):
    now = [1_700_000_000]
    app.clock = lambda: now[0]
    held = charge(api, customer=customer_with(api)["id"], capture="false")
    now[0] += 8 * DAY
    testing.run_due_work(app)  # nothing else ran: the helper does the timers' work now
    assert api.get(f"/v1/charges/{held['id']}")["refunded"] is True
    assert len(events_of(api, "charge.expired")) == 1


def test_capturing_a_charge_whose_expiry_has_not_run_yet_expires_it(api, app):
    """One request runs at most 20 due moves: a capture reaching a charge whose expiry is
    still waiting expires it itself, keeps that, and refuses."""
    now = [1_700_000_000]
    app.clock = lambda: now[0]
    customer = customer_with(api)["id"]
    held = []
    for _ in range(21):
        now[0] += 1
        held.append(charge(api, customer=customer, capture="false")["id"])
    now[0] += 7 * DAY
    error = api.post(f"/v1/charges/{held[-1]}/capture", status=400)["error"]
    assert error["code"] == "charge_expired_for_capture"
    assert all(api.get(f"/v1/charges/{c}")["refunded"] for c in held)
    expired = events_of(api, "charge.expired")
    assert len(expired) == 21
    assert {e["request"]["id"] for e in expired} == {None}
    assert testing.run_due_work(app) == 0


# -- update, list, search ---------------------------------------------------------------------

def test_update_changes_only_the_updatable_fields(api):
    made = charge(api, source="tok_visa")
    customer = api.post("/v1/customers")["id"]
    updated = api.post(f"/v1/charges/{made['id']}", {
        "description": "Order 42", "metadata[order]": "42", "customer": customer,
        "fraud_details[user_report]": "safe", "receipt_email": "jenny@example.com"})
    assert (updated["description"], updated["metadata"], updated["customer"],
            updated["fraud_details"], updated["receipt_email"]) == (
        "Order 42", {"order": "42"}, customer, {"user_report": "safe"}, "jenny@example.com")
    event = events_of(api, "charge.updated")[0]
    assert event["data"]["previous_attributes"] == {
        "customer": None, "description": None, "fraud_details": {"user_report": None},
        "metadata": {"order": None}, "receipt_email": None}
    error = api.post(f"/v1/charges/{made['id']}", {"amount": 5}, status=400)["error"]
    assert error["message"] == "Received unknown parameter: amount"
    other = api.post("/v1/customers")["id"]
    error = api.post(f"/v1/charges/{made['id']}", {"customer": other}, status=400)["error"]
    assert error["param"] == "customer"
    assert api.get(f"/v1/charges/{made['id']}")["customer"] == customer


def test_unknown_charge(api):
    error = api.get("/v1/charges/ch_nope", status=404)["error"]
    assert (error["code"], error["message"], error["param"]) == (
        "resource_missing", "No such charge: 'ch_nope'", "id")


def test_list_filters_and_pages(api, app):
    customer = customer_with(api)["id"]
    made = ten_seconds_apart(app, lambda: charge(api, customer=customer)["id"])
    other = charge(api, source="tok_visa")["id"]
    listed = api.get("/v1/charges", {"customer": customer, "limit": 2})
    assert [c["id"] for c in listed["data"]] == made[:-3:-1] and listed["has_more"]
    after = api.get("/v1/charges", {"customer": customer, "starting_after": made[-2]})
    assert [c["id"] for c in after["data"]] == made[-3::-1]
    assert [c["id"] for c in api.get("/v1/charges", {"created[lte]": 1_700_000_010})["data"]] \
        == made[1::-1]
    assert api.get("/v1/charges", {"limit": 1})["data"][0]["id"] == other
    error = api.get("/v1/charges", {"starting_after": "ch_nope"}, status=400)["error"]
    assert error["message"] == "No such charge: 'ch_nope'"


def test_listing_the_charges_of_a_customer_that_does_not_exist_is_an_error(api):
    # "If you provide a non-existent customer ID, this call throws an error." (the list's
    # reference); a deleted customer's charges stay listed.
    error = api.get("/v1/charges", {"customer": "cus_nope"}, status=400)["error"]
    assert (error["code"], error["message"], error["param"]) == (
        "resource_missing", "No such customer: 'cus_nope'", "customer")
    customer = customer_with(api)["id"]
    made = charge(api, customer=customer)["id"]
    api.delete(f"/v1/customers/{customer}")
    assert [c["id"] for c in api.get("/v1/charges", {"customer": customer})["data"]] == [made]


def test_search(api):
    customer = customer_with(api)["id"]
    big = charge(api, customer=customer, amount=5000, **{"metadata[order]": "A-1"})
    small = charge(api, customer=customer, amount=700)
    amex = charge(api, source="tok_amex")
    declined = charge(api, 402, source="tok_chargeDeclined")["error"]["charge"]

    def found(query):
        return [c["id"] for c in api.get("/v1/charges/search", {"query": query})["data"]]
    assert found("amount>1000") == [declined, amex["id"], big["id"]]
    assert found("amount>1000 AND amount<=2000") == [declined, amex["id"]]
    assert found(f'customer:"{customer}"') == [small["id"], big["id"]]
    assert found('metadata["order"]:"A-1"') == [big["id"]]
    assert found('payment_method_details.card.brand:"amex"') == [amex["id"]]
    assert found('status:"failed"') == [declined]
    assert found('refunded:"false" AND -status:"failed"') == [amex["id"], small["id"],
                                                               big["id"]]
    error = api.get("/v1/charges/search", {"query": 'email:"x@y.z"'}, status=400)["error"]
    assert error["message"].startswith("Field `email` is an unsupported search field for "
                                       "resource `charges`.")
    page = api.get("/v1/charges/search", {"query": "amount>0", "limit": 2,
                                          "expand[]": "total_count"})
    assert page["total_count"] == 4 and page["has_more"]
