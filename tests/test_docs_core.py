"""Customers, tokens and webhook endpoints as Stripe's API reference and guides describe them,
driven through the official client over a socket."""
import subprocess
import sys
from pathlib import Path

import pytest

from stripe_emu import spec

stripe = pytest.importorskip("stripe")


def _error(call):
    with pytest.raises(stripe.StripeError) as raised:
        call()
    return raised.value


@pytest.mark.parametrize("given", ["created", "pm_card_visa"])
def test_a_customer_created_with_a_payment_method_can_make_it_the_invoice_default(
        stripe_http, given):
    # The Billing guides (and Stripe CLI's fixtures) create a customer ready to pay invoices
    # with payment_method and invoice_settings[default_payment_method] naming the same one.
    if given == "created":
        given = stripe_http.v1.payment_methods.create(
            params={"type": "card", "card": {"token": "tok_visa"}}).id
    customer = stripe_http.v1.customers.create(params={
        "email": "jenny@example.com", "payment_method": given,
        "invoice_settings": {"default_payment_method": given}})
    attached = stripe_http.v1.customers.payment_methods.list(customer.id).data
    assert [pm.customer for pm in attached] == [customer.id]
    assert attached[0].id.startswith("pm_") and attached[0].id != "pm_card_visa"
    assert customer.invoice_settings.default_payment_method == attached[0].id
    assert stripe_http.v1.customers.retrieve(customer.id) \
        .invoice_settings.default_payment_method == attached[0].id
    created, attach = stripe_http.v1.events.list(params={"limit": 2}).data[::-1]
    assert (created.type, attach.type) == ("customer.created", "payment_method.attached")
    assert created.data.object.invoice_settings.default_payment_method == attached[0].id


def test_the_invoice_default_must_still_be_the_customers_own(stripe_http):
    other = stripe_http.v1.payment_methods.create(
        params={"type": "card", "card": {"token": "tok_visa"}})
    error = _error(lambda: stripe_http.v1.customers.create(params={
        "payment_method": "pm_card_visa",
        "invoice_settings": {"default_payment_method": other.id}}))
    assert error.http_status == 400
    assert error.param == "invoice_settings[default_payment_method]"
    assert stripe_http.v1.customers.list().data == []


def test_a_token_records_the_ip_address_of_the_client_that_created_it(stripe_http):
    # "client_ip: IP address of the client that generates the token."
    token = stripe_http.v1.tokens.create(params={"card": {
        "number": "4242424242424242", "exp_month": "12", "exp_year": "2034", "cvc": "123"}})
    assert token.client_ip == "127.0.0.1"
    assert stripe_http.v1.tokens.retrieve(token.id).client_ip == "127.0.0.1"
    bank = stripe_http.v1.tokens.create(params={"bank_account": {
        "country": "US", "currency": "usd", "routing_number": "110000000",
        "account_number": "000123456789"}})
    assert bank.client_ip == "127.0.0.1"


def test_a_token_made_in_process_has_no_client_ip(api):
    # No network, no address: WSGI without REMOTE_ADDR (WebTest, make_app called directly).
    token = api.post("/v1/tokens", {"card[number]": "4242424242424242",
                                    "card[exp_month]": "12", "card[exp_year]": "2034"})
    assert token["client_ip"] is None


@pytest.mark.parametrize("prefix", ["AB", "abc", "ABCDEFGHIJKLM", "AB-C"])
def test_an_invoice_prefix_is_3_to_12_uppercase_letters_or_numbers(stripe_http, prefix):
    error = _error(lambda: stripe_http.v1.customers.create(params={"invoice_prefix": prefix}))
    assert (error.http_status, error.param) == (400, "invoice_prefix")
    customer = stripe_http.v1.customers.create(params={"invoice_prefix": "ACME2"})
    assert customer.invoice_prefix == "ACME2"
    error = _error(lambda: stripe_http.v1.customers.update(
        customer.id, params={"invoice_prefix": prefix}))
    assert (error.http_status, error.param) == (400, "invoice_prefix")
    assert stripe_http.v1.customers.retrieve(customer.id).invoice_prefix == "ACME2"


@pytest.mark.parametrize("kind", ["create", "update"])
def test_webhook_endpoints_take_only_event_types_stripe_has(stripe_http, kind):
    endpoints = stripe_http.v1.webhook_endpoints
    endpoint = endpoints.create(params={"url": "https://example.com/hooks",
                                        "enabled_events": ["invoice.overdue", "*"]})
    bad = ["customer.created", "customer.bogus"]
    error = _error(lambda: endpoints.create(params={
        "url": "https://example.com/hooks", "enabled_events": bad}) if kind == "create"
        else endpoints.update(endpoint.id, params={"enabled_events": bad}))
    assert (error.http_status, error.param) == (400, "enabled_events[1]")
    assert error.user_message.startswith("Invalid enabled_events[1]: must be one of *, ")
    assert [e.id for e in endpoints.list().data] == [endpoint.id]
    assert endpoints.retrieve(endpoint.id).enabled_events == ["invoice.overdue", "*"]


def test_the_package_carries_the_event_types(tmp_path):
    """What `pip install .` installs: setuptools' build of the package keeps the list."""
    done = subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
         "--build-lib", str(tmp_path)], cwd=Path(__file__).resolve().parents[1],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    shipped = tmp_path / "stripe_emu" / "event_types.txt"
    assert shipped.read_text() == spec.EVENT_TYPES_PATH.read_text()
