"""The balance: a balance transaction per captured charge and refund, with test mode's fees,
pending until available_on on the app's clock; GET /v1/balance sums them."""
import datetime

import pytest

START = 1_700_000_000  # 2023-11-14 22:13:20 UTC
DAY = 24 * 60 * 60


@pytest.fixture
def clock(app):
    now = [START]
    app.clock = lambda: now[0]
    return now


def pay(api, amount=2000, source="tok_visa", **params):
    return api.post("/v1/charges", {"source": source, "amount": amount, "currency": "usd",
                                    **params})


@pytest.mark.parametrize("amount, fee", [(100, 33), (2000, 88), (3340, 127), (65400, 1927)])
def test_card_fees_are_two_point_nine_percent_and_thirty_cents(api, amount, fee):
    txn = pay(api, amount, **{"expand[]": "balance_transaction"})["balance_transaction"]
    assert (txn["amount"], txn["fee"], txn["net"]) == (amount, fee, amount - fee)
    assert txn["fee_details"] == [{"amount": fee, "application": None, "currency": "usd",
                                   "description": "Stripe processing fees",
                                   "type": "stripe_fee"}]
    assert (txn["type"], txn["reporting_category"]) == ("charge", "charge")


def test_charge_funds_are_pending_until_available_on(api, clock):
    made = pay(api, description="Order 7")
    txn = api.get(f"/v1/balance_transactions/{made['balance_transaction']}")
    available_on = datetime.datetime.fromtimestamp(txn["available_on"], datetime.timezone.utc)
    assert available_on == datetime.datetime(2023, 11, 17, tzinfo=datetime.timezone.utc)
    assert (txn["status"], txn["source"], txn["description"], txn["created"]) == (
        "pending", made["id"], "Order 7", START)
    balance = api.get("/v1/balance")
    assert balance["pending"] == [{"amount": 1912, "currency": "usd",
                                   "source_types": {"card": 1912}}]
    assert balance["available"] == [{"amount": 0, "currency": "usd",
                                     "source_types": {"card": 0}}]
    clock[0] = txn["available_on"]
    assert api.get(f"/v1/balance_transactions/{txn['id']}")["status"] == "available"
    charge = api.get(f"/v1/charges/{made['id']}", {"expand[]": "balance_transaction"})
    assert charge["balance_transaction"]["status"] == "available"
    balance = api.get("/v1/balance")
    assert balance["available"][0]["amount"] == 1912 and balance["pending"][0]["amount"] == 0


def test_refunds_take_from_the_balance_at_once(api, clock):
    made = pay(api)
    refund = api.post("/v1/refunds", {"charge": made["id"], "amount": 500})
    txn = api.get(f"/v1/balance_transactions/{refund['balance_transaction']}")
    assert (txn["amount"], txn["fee"], txn["net"], txn["type"], txn["status"], txn["source"],
            txn["reporting_category"]) == (-500, 0, -500, "refund", "available", refund["id"],
                                           "refund")
    balance = api.get("/v1/balance")
    assert (balance["available"][0]["amount"], balance["pending"][0]["amount"]) == (-500, 1912)


def test_a_refunds_transaction_names_the_charge_it_refunds(api, clock):
    """As Stripe's exports show them (accounting tools match "REFUND FOR CHARGE (…)")."""
    described = pay(api, description="Order 7")
    refund = api.post("/v1/refunds", {"charge": described["id"]})
    txn = api.get(f"/v1/balance_transactions/{refund['balance_transaction']}")
    assert txn["description"] == "REFUND FOR CHARGE (Order 7)"
    refund = api.post("/v1/refunds", {"charge": pay(api)["id"]})
    txn = api.get(f"/v1/balance_transactions/{refund['balance_transaction']}")
    assert txn["description"] == "REFUND FOR PAYMENT"


def test_bypass_pending_card_is_available_at_once(api, clock):
    made = pay(api, source="tok_bypassPending", **{"expand[]": "balance_transaction"})
    txn = made["balance_transaction"]
    assert (txn["status"], txn["available_on"]) == ("available", START)
    assert api.get("/v1/balance")["available"][0]["amount"] == 1912


def test_the_international_bypass_pending_card_is_available_at_once_too(api, clock):
    made = pay(api, source="tok_bypassPendingInternational",
               **{"expand[]": "balance_transaction"})
    assert made["payment_method_details"]["card"]["country"] == "IE"
    txn = made["balance_transaction"]
    assert (txn["status"], txn["available_on"]) == ("available", START)


def test_a_new_account_has_a_zero_balance(api):
    assert api.get("/v1/balance") == {
        "object": "balance", "available": [{"amount": 0, "currency": "usd",
                                            "source_types": {"card": 0}}],
        "connect_reserved": [{"amount": 0, "currency": "usd"}], "livemode": False,
        "pending": [{"amount": 0, "currency": "usd", "source_types": {"card": 0}}]}


def test_list_filters(api, clock):
    usd = pay(api)
    clock[0] += 10
    eur = api.post("/v1/charges", {"source": "tok_visa", "amount": 2000, "currency": "eur"})
    clock[0] += 10
    refund = api.post("/v1/refunds", {"charge": usd["id"], "amount": 100})

    def listed(**params):
        return [t["id"] for t in api.get("/v1/balance_transactions", params)["data"]]
    everything = listed()
    assert everything == [refund["balance_transaction"], eur["balance_transaction"],
                          usd["balance_transaction"]]
    assert listed(type="charge") == everything[1:]
    assert listed(type="refund") == everything[:1]
    assert listed(currency="eur") == [eur["balance_transaction"]]
    assert listed(source=usd["id"]) == [usd["balance_transaction"]]
    assert listed(**{"created[gt]": START}) == everything[:2]
    assert listed(limit=1, starting_after=everything[0]) == everything[1:2]
    error = api.get("/v1/balance_transactions", {"payout": "po_1"}, status=400)["error"]
    assert error["message"] == "No such payout: 'po_1'"
    balance = api.get("/v1/balance")
    assert [entry["currency"] for entry in balance["pending"]] == ["eur", "usd"]


def test_unknown_balance_transaction(api):
    error = api.get("/v1/balance_transactions/txn_nope", status=404)["error"]
    assert error["message"] == "No such balance transaction: 'txn_nope'"


def test_uncaptured_and_failed_charges_move_no_money(api):
    pay(api, capture="false")
    api.post("/v1/charges", {"source": "tok_chargeDeclined", "amount": 2000, "currency": "usd"},
             status=402)
    assert api.get("/v1/balance_transactions")["data"] == []
