"""The whole legacy flow through the official stripe client — token → card → customer →
charge → capture → refund → balance — in process and over a real socket."""
import pytest

from conftest import SECRET_KEY
from stripe_emu import testing

stripe = pytest.importorskip("stripe")


@pytest.fixture(params=["in process", "socket"])
def client(request, app):
    if request.param == "in process":
        return testing.stripe_client(app, SECRET_KEY)
    return request.getfixturevalue("stripe_http")


def test_charge_capture_refund_and_balance(client):
    customer = client.v1.customers.create(params={"source": "tok_visa"})
    held = client.v1.charges.create(params={
        "customer": customer.id, "amount": 2000, "currency": "usd", "capture": False,
        "metadata": {"order": "42"}})
    assert isinstance(held, stripe.Charge)
    assert (held.status, held.captured, held.payment_method_details.card.brand) == (
        "succeeded", False, "visa")
    captured = client.v1.charges.capture(held.id, params={"amount": 1500})
    assert (captured.amount_captured, captured.amount_refunded) == (1500, 500)
    refund = client.v1.refunds.create(params={"charge": held.id, "amount": 1000})
    assert isinstance(refund, stripe.Refund) and refund.status == "succeeded"
    charge = client.v1.charges.retrieve(held.id, params={"expand": ["balance_transaction",
                                                                    "refunds"]})
    assert isinstance(charge.balance_transaction, stripe.BalanceTransaction)
    # The authorization's transaction, its fee on what was captured (tests/test_docs_refunds.py)
    assert (charge.balance_transaction.amount, charge.balance_transaction.fee) == (2000, 74)
    assert charge.amount_refunded == 1500 and len(charge.refunds.data) == 2
    assert [r.id for r in client.v1.refunds.list(params={"charge": held.id}).data][0] == \
        refund.id
    txns = client.v1.balance_transactions.list().data
    assert [(t.type, t.reporting_category) for t in txns] == [
        ("refund", "refund"), ("refund", "partial_capture_reversal"), ("charge", "charge")]
    balance = client.v1.balance.retrieve()
    assert (balance.available[0].amount, balance.pending[0].amount) == (-1000, 1426)
    found = client.v1.charges.search(params={"query": 'metadata["order"]:"42"'})
    assert [c.id for c in found.data] == [held.id]
    updated = client.v1.charges.update(held.id, params={"description": "Order 42"})
    assert updated.description == "Order 42"


def test_a_decline_raises_card_error_naming_the_charge(client):
    customer = client.v1.customers.create(params={"source": "tok_chargeCustomerFail"})
    with pytest.raises(stripe.CardError) as declined:
        client.v1.charges.create(params={"customer": customer.id, "amount": 2000,
                                         "currency": "usd"})
    error = declined.value
    assert (error.http_status, error.code, error.error.decline_code) == (
        402, "card_declined", "generic_decline")
    failed = client.v1.charges.retrieve(error.error.charge)
    assert (failed.status, failed.failure_code) == ("failed", "card_declined")
    assert [c.id for c in client.v1.charges.list(
        params={"customer": customer.id}).auto_paging_iter()] == [failed.id]


def test_refund_errors(client):
    charge = client.v1.charges.create(params={"source": "tok_mastercard", "amount": 900,
                                              "currency": "usd"})
    refund = client.v1.refunds.create(params={"charge": charge.id})
    with pytest.raises(stripe.InvalidRequestError) as twice:
        client.v1.refunds.create(params={"charge": charge.id})
    assert twice.value.code == "charge_already_refunded"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.charges.retrieve("ch_nope")
    assert missing.value.http_status == 404
    assert [r.id for r in client.v1.refunds.list(params={"charge": charge.id})] == [refund.id]


def test_the_pytest_plugins_client_charges(stripe_client, stripe_emu_app):
    customer = stripe_client.v1.customers.create(params={"source": "tok_visa"})
    charge = stripe_client.v1.charges.create(params={"customer": customer.id, "amount": 2000,
                                                     "currency": "usd"})
    assert charge.paid and charge.customer == customer.id
    testing.inject_fault(stripe_emu_app, "lock_timeout", path="/v1/refunds")
    with pytest.raises(stripe.RateLimitError):
        stripe_client.v1.refunds.create(params={"charge": charge.id})
    assert stripe_client.v1.refunds.create(params={"charge": charge.id}).amount == 2000
