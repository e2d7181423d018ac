"""Refunds against Stripe's API reference at 2023-08-16, a second pass, through the official
client over HTTP: the Refund object field by field for each path (the reference's example
keys; failure_reason, failure_balance_transaction, next_action, description and
instructions_email are conditional, absent from a card refund that succeeded), the refund of
a PaymentIntent whose first charge failed, and a bank debit's refund (payment_refund) in the
balance by source type."""
import pytest

from stripe_emu import testing

CardError = pytest.importorskip("stripe").CardError

# The example Refund of the API reference at this version, keys in order.
REFUND_KEYS = ["id", "object", "amount", "balance_transaction", "charge", "created", "currency",
               "metadata", "payment_intent", "reason", "receipt_number",
               "source_transfer_reversal", "status", "transfer_reversal"]


def test_a_charges_refund_and_a_payment_intents_refund_have_the_references_fields(stripe_http):
    stripe = stripe_http.v1
    charge = stripe.charges.create(params={"amount": 2000, "currency": "usd",
                                           "source": "tok_visa"})
    refund = stripe.refunds.create(params={"charge": charge.id, "amount": 500})
    assert list(refund.to_dict()) == REFUND_KEYS
    assert (refund.charge, refund.payment_intent, refund.status, refund.receipt_number,
            refund.transfer_reversal, refund.source_transfer_reversal) == (
        charge.id, None, "succeeded", None, None, None)
    intent = stripe.payment_intents.create(params={
        "amount": 1500, "currency": "usd", "payment_method": "pm_card_visa",
        "payment_method_types": ["card"], "confirm": True})
    paid_back = stripe.refunds.create(params={"payment_intent": intent.id})
    assert list(paid_back.to_dict()) == REFUND_KEYS
    assert (paid_back.charge, paid_back.payment_intent, paid_back.amount) == (
        intent.latest_charge, intent.id, 1500)
    txn = stripe.balance_transactions.retrieve(paid_back.balance_transaction)
    assert (txn.type, txn.reporting_category, txn.amount, txn.fee, txn.fee_details,
            txn.net, txn.source) == ("refund", "refund", -1500, 0, [], -1500, paid_back.id)


def test_a_payment_intent_whose_first_charge_failed_refunds_the_one_that_succeeded(
        stripe_http):
    stripe = stripe_http.v1
    intent = stripe.payment_intents.create(params={"amount": 1500, "currency": "usd",
                                                   "payment_method_types": ["card"]})
    with pytest.raises(CardError) as declined:
        stripe.payment_intents.confirm(intent.id,
                                       params={"payment_method": "pm_card_chargeDeclined"})
    assert declined.value.code == "card_declined"
    paid = stripe.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})
    refund = stripe.refunds.create(params={"payment_intent": intent.id})
    assert refund.charge == paid.latest_charge
    charges = {c.id: (c.status, c.refunded, c.amount_refunded)
               for c in stripe.charges.list(params={"payment_intent": intent.id}).data}
    assert sorted(charges.values()) == [("failed", False, 0), ("succeeded", True, 1500)]


def test_a_bank_debits_refund_is_a_payment_refund_in_the_bank_account_balance(app,
                                                                               stripe_http):
    stripe = stripe_http.v1
    customer = stripe.customers.create()
    bank = stripe.customers.payment_sources.create(customer.id,
                                                   params={"source": "btok_us_verified"})
    debit = stripe.charges.create(params={"amount": 2000, "currency": "usd",
                                          "customer": customer.id, "source": bank.id})
    assert debit.status == "pending"
    testing.settle_charge(app, debit.id)
    refund = stripe.refunds.create(params={"charge": debit.id, "amount": 700})
    txn = stripe.balance_transactions.retrieve(refund.balance_transaction)
    assert (txn.type, txn.reporting_category, txn.amount, txn.net, txn.source) == (
        "payment_refund", "refund", -700, -700, refund.id)
    balance = stripe.balance.retrieve()
    assert balance.available[0].source_types.to_dict() == {"bank_account": -700}
    assert list(balance.pending[0].source_types.to_dict()) == ["bank_account"]


# -- the list's filters name objects that must exist ------------------------------------------

def test_listing_the_refunds_of_a_charge_that_does_not_exist_raises_an_error(api):
    # "If you provide a non-existent charge ID, this call raises an error." (List all refunds)
    missing = api.get("/v1/refunds", {"charge": "ch_nope"}, status=400)["error"]
    assert (missing["message"], missing["param"], missing["code"]) == (
        "No such charge: 'ch_nope'", "charge", "resource_missing")


def test_a_charge_of_another_account_is_not_one_to_list_refunds_of(app, api):
    made = api.post("/v1/charges", {"amount": 1000, "currency": "usd", "source": "tok_visa"})
    api.post("/v1/refunds", {"charge": made["id"]})
    missing = api.get("/v1/refunds", {"charge": made["id"]}, key=testing.random_api_key(),
                      status=400)["error"]
    assert missing["message"] == f"No such charge: '{made['id']}'"


def test_a_failed_refunds_transactions_expand_through_the_client(app, stripe_http):
    stripe = stripe_http.v1
    paid = stripe.charges.create(params={"amount": 2000, "currency": "usd",
                                         "source": "tok_refundFail"})
    refund = stripe.refunds.create(params={"charge": paid.id})
    testing.run_due_work(app)
    failed = stripe.refunds.retrieve(refund.id, params={
        "expand": ["failure_balance_transaction", "balance_transaction"]})
    assert (failed.status, failed.failure_reason) == ("failed", "expired_or_canceled_card")
    returned, taken = failed.failure_balance_transaction, failed.balance_transaction
    assert (returned.type, returned.reporting_category, returned.amount, returned.net,
            returned.source) == ("refund_failure", "refund_failure", 2000, 2000, refund.id)
    assert (taken.type, taken.reporting_category, taken.amount) == ("refund", "refund", -2000)
    # Both name the refund as their source, newest first.
    assert [t.type for t in stripe.balance_transactions.list(
        params={"source": refund.id}).data] == ["refund_failure", "refund"]
