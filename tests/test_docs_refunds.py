"""Refunds, the balance and customer balance transactions against Stripe's documentation (the
API reference's parameters, the reporting-categories guide), where the emulator answered
otherwise."""


def charge(api, **params):
    return api.post("/v1/charges", {"amount": 2000, "currency": "usd", "source": "tok_visa",
                                    **params})


# -- listing the refunds of a PaymentIntent ------------------------------------------------

def test_the_refunds_of_an_existing_charge_or_payment_intent_are_listed(api):
    made = charge(api)
    refund = api.post("/v1/refunds", {"charge": made["id"], "amount": 100})
    assert [r["id"] for r in api.get("/v1/refunds", {"charge": made["id"]})["data"]] == [
        refund["id"]]
    intent = api.post("/v1/payment_intents", {"amount": 1500, "currency": "usd",
                                              "payment_method": "pm_card_visa",
                                              "payment_method_types[]": "card",
                                              "confirm": "true"})
    assert api.get("/v1/refunds", {"payment_intent": intent["id"]})["data"] == []
    paid_back = api.post("/v1/refunds", {"payment_intent": intent["id"]})
    assert [r["id"] for r in api.get("/v1/refunds",
                                     {"payment_intent": intent["id"]})["data"]] == [
        paid_back["id"]]


# -- a partial capture: the authorization's transaction and its partial_capture_reversal -----

def test_a_partial_capture_shows_the_authorization_and_a_reversal_of_the_rest(api):
    held = charge(api, capture="false", description="Order 9")
    captured = api.post(f"/v1/charges/{held['id']}/capture", {"amount": 1500})
    payment = api.get(f"/v1/balance_transactions/{captured['balance_transaction']}")
    # "one for the full amount of the authorization, and another reversing the uncaptured
    # portion" (docs: reporting categories); the fee is on what was captured.
    assert (payment["amount"], payment["type"], payment["reporting_category"],
            payment["source"]) == (2000, "charge", "charge", held["id"])
    assert (payment["fee"], payment["net"]) == (74, 1926)
    [released] = api.get("/v1/refunds", {"charge": held["id"]})["data"]
    assert released["amount"] == 500
    reversal = api.get(f"/v1/balance_transactions/{released['balance_transaction']}")
    assert (reversal["amount"], reversal["fee"], reversal["net"], reversal["type"],
            reversal["reporting_category"], reversal["source"]) == (
        -500, 0, -500, "refund", "partial_capture_reversal", released["id"])
    # It reverses pending funds: summed, the two are the captured portion, less its fee.
    assert (reversal["status"], reversal["available_on"]) == ("pending",
                                                              payment["available_on"])
    balance = api.get("/v1/balance")
    assert (balance["available"][0]["amount"], balance["pending"][0]["amount"]) == (
        0, 1500 - 74)
    listed = api.get("/v1/balance_transactions", {"type": "refund"})["data"]
    assert [txn["id"] for txn in listed] == [reversal["id"]]


def test_a_full_capture_and_an_expired_authorization_have_no_reversal(api):
    held = charge(api, capture="false")
    captured = api.post(f"/v1/charges/{held['id']}/capture")
    payment = api.get(f"/v1/balance_transactions/{captured['balance_transaction']}")
    assert (payment["amount"], payment["fee"]) == (2000, 88)
    assert api.get("/v1/refunds", {"charge": held["id"]})["data"] == []
    released = charge(api, capture="false")
    refund = api.post("/v1/refunds", {"charge": released["id"]})
    assert refund["balance_transaction"] is None  # nothing was captured, no money moved
    assert len(api.get("/v1/balance_transactions")["data"]) == 1


# -- customer balance transactions: a supported currency ------------------------------------

def test_a_customer_balance_transaction_in_an_unsupported_currency_is_refused(api):
    customer = api.post("/v1/customers")["id"]
    error = api.post(f"/v1/customers/{customer}/balance_transactions",
                     {"amount": -500, "currency": "zzz"}, status=400)["error"]
    assert error["param"] == "currency"
    assert error["message"].startswith("Invalid currency: zzz. Stripe currently supports "
                                       "these currencies: usd, aed, ")
    found = api.get(f"/v1/customers/{customer}")
    assert (found["balance"], found["currency"]) == (0, None)
    assert api.get(f"/v1/customers/{customer}/balance_transactions")["data"] == []


def test_a_transaction_in_another_currency_has_its_own_balance(api, app):
    # The reference's `currency`: "Specifies the invoice_credit_balance that this transaction
    # will apply to. If the customer's currency is not set, it will be updated to this value."
    customer = api.post("/v1/customers")["id"]
    path = f"/v1/customers/{customer}/balance_transactions"
    api.post(path, {"amount": -500, "currency": "usd"})
    euros = api.post(path, {"amount": -300, "currency": "eur", "description": "Avoir"})
    assert (euros["amount"], euros["currency"], euros["ending_balance"]) == (-300, "eur", -300)
    found = api.get(f"/v1/customers/{customer}")
    assert (found["balance"], found["currency"]) == (-500, "usd")  # the customer's own
    more = api.post(path, {"amount": 100, "currency": "EUR"})
    assert (more["currency"], more["ending_balance"]) == ("eur", -200)
    dollars = api.post(path, {"amount": 200, "currency": "usd"})
    assert dollars["ending_balance"] == -300
    assert api.get(f"/v1/customers/{customer}")["balance"] == -300
    listed = api.get(path)["data"]
    assert [(t["currency"], t["ending_balance"]) for t in listed] == [
        ("usd", -300), ("eur", -200), ("eur", -300), ("usd", -500)]
    # The customer changes only with its own currency's balance.
    updates = api.get("/v1/events", {"type": "customer.updated"})["data"]
    assert [e["data"]["previous_attributes"] for e in updates] == [
        {"balance": -500}, {"balance": 0, "currency": None}]


def test_the_official_client_sees_each_currencys_balance(stripe_http):
    customer = stripe_http.v1.customers.create()
    transactions = stripe_http.v1.customers.balance_transactions
    transactions.create(customer.id, params={"amount": 1000, "currency": "gbp"})
    credit = transactions.create(customer.id, params={"amount": -2500, "currency": "usd"})
    assert (credit.currency, credit.ending_balance) == ("usd", -2500)
    found = stripe_http.v1.customers.retrieve(customer.id)
    assert (found.balance, found.currency) == (1000, "gbp")
    assert [t.ending_balance for t in transactions.list(customer.id).auto_paging_iter()] == [
        -2500, 1000]
