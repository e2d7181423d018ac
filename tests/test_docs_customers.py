"""Customers as Stripe's API reference documents them (docs.stripe.com/api/customers: create,
retrieve, update, delete, list, search), driven through the official client over a socket."""
import pytest

stripe = pytest.importorskip("stripe")


def _cash_settings(client, customer_id):
    shown = client.v1.customers.retrieve(customer_id, params={"expand": ["cash_balance"]})
    return shown.cash_balance.settings.to_dict()


def test_cash_balance_reconciliation_mode_is_the_customers_own_once_given(stripe_http):
    # "cash_balance.settings.reconciliation_mode: Controls how funds transferred by the
    # customer are applied to payment intents and invoices. Valid options are automatic,
    # manual, or merchant_default"; the object's `using_merchant_default` says whether the
    # mode shown is the account's default or this customer's own.
    manual = stripe_http.v1.customers.create(
        params={"cash_balance": {"settings": {"reconciliation_mode": "manual"}}})
    assert _cash_settings(stripe_http, manual.id) == {
        "reconciliation_mode": "manual", "using_merchant_default": False}

    stripe_http.v1.customers.update(
        manual.id, params={"cash_balance": {"settings": {"reconciliation_mode": "automatic"}}})
    assert _cash_settings(stripe_http, manual.id) == {
        "reconciliation_mode": "automatic", "using_merchant_default": False}

    stripe_http.v1.customers.update(
        manual.id,
        params={"cash_balance": {"settings": {"reconciliation_mode": "merchant_default"}}})
    assert _cash_settings(stripe_http, manual.id) == {
        "reconciliation_mode": "automatic", "using_merchant_default": True}


def test_an_update_not_naming_cash_balance_keeps_its_mode(stripe_http):
    customer = stripe_http.v1.customers.create(
        params={"cash_balance": {"settings": {"reconciliation_mode": "manual"}}})
    stripe_http.v1.customers.update(customer.id, params={"name": "Jenny Rosen"})
    assert _cash_settings(stripe_http, customer.id)["reconciliation_mode"] == "manual"
