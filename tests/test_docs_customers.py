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


@pytest.mark.parametrize("resource", ["customers", "charges"])
def test_search_needs_api_version_2020_08_27_or_newer(stripe_http, resource):
    # "The minimum supported API Version to use search is 2020-08-27" (docs search), with
    # the answer Stripe gives an older one (stripe/stripe-cli#1201).
    search = getattr(stripe_http.v1, resource).search
    with pytest.raises(stripe.InvalidRequestError) as old:
        search(params={"query": "created>0"}, options={"stripe_version": "2019-12-03"})
    assert old.value.http_status == 400
    assert old.value.user_message == (
        "Search is not supported on api version 2019-12-03. Update your API version, or set "
        "the API Version of this request to 2020-08-27 or greater.")
    assert old.value.code is None and old.value.param is None
    found = search(params={"query": "created>0"}, options={"stripe_version": "2020-08-27"})
    assert found.object == "search_result"


def test_an_invoice_prefix_cannot_be_another_customers(stripe_http):
    # Invoice numbering (docs invoicing/customize#invoice-numbering-schemes): prefixes "can't
    # match any other customer prefix, including prefixes that are no longer in use".
    first = stripe_http.v1.customers.create(params={"invoice_prefix": "ACME"})
    with pytest.raises(stripe.InvalidRequestError) as taken:
        stripe_http.v1.customers.create(params={"invoice_prefix": "ACME"})
    assert (taken.value.http_status, taken.value.param) == (400, "invoice_prefix")
    other = stripe_http.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError):
        stripe_http.v1.customers.update(other.id, params={"invoice_prefix": "ACME"})
    assert stripe_http.v1.customers.retrieve(other.id).invoice_prefix != "ACME"
    # A customer may be given its own prefix again; a deleted customer's stays taken.
    assert stripe_http.v1.customers.update(
        first.id, params={"invoice_prefix": "ACME"}).invoice_prefix == "ACME"
    stripe_http.v1.customers.delete(first.id)
    with pytest.raises(stripe.InvalidRequestError):
        stripe_http.v1.customers.create(params={"invoice_prefix": "ACME"})
    assert len(stripe_http.v1.customers.list().data) == 1
