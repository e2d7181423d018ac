"""Issue 11, item 7: customer balance transactions (/v1/customers/{customer}/
balance_transactions) and the customer's `balance` they add up to, with customer.updated,
in process (bodies checked against the spec) and through the official client."""
from test_tokens import snapshot


def path(customer, transaction=""):
    return f"/v1/customers/{customer}/balance_transactions" + (
        f"/{transaction}" if transaction else "")


def test_a_transaction_moves_the_balance_and_sets_the_currency(api):
    customer = api.post("/v1/customers")["id"]
    credit = api.post(path(customer), {"amount": "-500", "currency": "USD",
                                       "description": "Goodwill", "metadata[ticket]": "42"})
    assert credit["id"].startswith("cbtxn_")
    assert (credit["object"], credit["amount"], credit["currency"], credit["customer"],
            credit["ending_balance"], credit["type"], credit["description"],
            credit["metadata"], credit["invoice"], credit["credit_note"]) == (
        "customer_balance_transaction", -500, "usd", customer, -500, "adjustment",
        "Goodwill", {"ticket": "42"}, None, None)
    debit = api.post(path(customer), {"amount": "200", "currency": "usd"})
    assert debit["ending_balance"] == -300
    found = api.get(f"/v1/customers/{customer}")
    assert (found["balance"], found["currency"]) == (-300, "usd")
    [latest, first] = [e for e in api.get("/v1/events", {"type": "customer.updated"})["data"]]
    assert first["data"]["previous_attributes"] == {"balance": 0, "currency": None}
    assert latest["data"]["previous_attributes"] == {"balance": -500}
    assert latest["data"]["object"]["balance"] == -300
    listed = api.get(path(customer))
    assert [t["id"] for t in listed["data"]] == [debit["id"], credit["id"]]
    assert listed["url"] == path(customer)
    assert api.get(path(customer, credit["id"])) == credit


def test_only_description_and_metadata_change(app, api):
    customer = api.post("/v1/customers")["id"]
    transaction = api.post(path(customer), {"amount": "100", "currency": "eur"})
    updated = api.post(path(customer, transaction["id"]), {"description": "fixed",
                                                          "metadata[a]": "b"})
    assert (updated["description"], updated["metadata"], updated["amount"]) == (
        "fixed", {"a": "b"}, 100)
    before = snapshot(app)
    error = api.post(path(customer, transaction["id"]), {"amount": "5"}, status=400)["error"]
    assert error["code"] == "parameter_unknown"
    assert snapshot(app) == before


def test_required_parameters_and_the_customers_currency(app, api):
    customer = api.post("/v1/customers")["id"]
    assert api.post(path(customer), {"currency": "usd"}, status=400)["error"]["param"] == \
        "amount"
    assert api.post(path(customer), {"amount": "1"}, status=400)["error"]["param"] == \
        "currency"
    api.post(path(customer), {"amount": "1", "currency": "usd"})
    before = snapshot(app)
    error = api.post(path(customer), {"amount": "1", "currency": "xyz"}, status=400)["error"]
    assert error["param"] == "currency"
    assert snapshot(app) == before
    # Another supported currency has its own balance: tests/test_docs_refunds.py.


def test_setting_the_balance_on_the_customer_is_recorded_in_the_ledger(api):
    customer = api.post("/v1/customers", {"balance": "1000"})
    assert customer["balance"] == 1000
    api.post(f"/v1/customers/{customer['id']}", {"balance": "250"})
    api.post(f"/v1/customers/{customer['id']}", {"description": "no balance change"})
    ledger = api.get(path(customer["id"]))["data"]
    assert [(t["type"], t["amount"], t["ending_balance"], t["currency"]) for t in ledger] == [
        ("adjustment", -750, 250, "usd"), ("initial", 1000, 1000, "usd")]


def test_unknown_transactions_customers_and_other_customers_transactions(api):
    alice, bob = api.post("/v1/customers")["id"], api.post("/v1/customers")["id"]
    transaction = api.post(path(alice), {"amount": "1", "currency": "usd"})["id"]
    error = api.get(path(bob, transaction), status=404)["error"]
    assert error["message"] == f"No such customer balance transaction: '{transaction}'"
    api.post(path(bob, transaction), {"description": "x"}, status=404)
    api.post(path("cus_nope"), {"amount": "1", "currency": "usd"}, status=404)
    api.delete(f"/v1/customers/{alice}")
    api.get(path(alice, transaction), status=404)


def test_a_balance_beyond_64_bits_is_refused(app, api):
    customer = api.post("/v1/customers", {"balance": str(2 ** 63 - 1)})["id"]
    before = snapshot(app)
    error = api.post(path(customer), {"amount": "1", "currency": "usd"}, status=400)["error"]
    assert error["param"] == "amount"
    assert snapshot(app) == before


def test_the_official_client_over_a_socket(stripe_http):
    customer = stripe_http.v1.customers.create()
    created = stripe_http.v1.customers.balance_transactions.create(
        customer.id, params={"amount": -1500, "currency": "usd"})
    assert created.ending_balance == -1500
    assert stripe_http.v1.customers.retrieve(customer.id).balance == -1500
    updated = stripe_http.v1.customers.balance_transactions.update(
        customer.id, created.id, params={"description": "refund credit"})
    assert updated.description == "refund credit"
    assert [t.id for t in stripe_http.v1.customers.balance_transactions.list(
        customer.id).data] == [created.id]
