"""PaymentMethods, SetupIntents and PaymentIntents through the official stripe client: in
process (testing.stripe_client) and over a real socket, with Stripe.js's publishable-key
calls and 3D Secure completed by testing.authenticate."""
import pytest

from conftest import PUBLISHABLE_KEY, SECRET_KEY
from stripe_emu import testing

stripe = pytest.importorskip("stripe")
CARD_ONLY = {"payment_method_types": ["card"]}


def save_then_pay_off_session(client, app):
    """The README's flow: save a card with a SetupIntent (3D Secure on setup), then pay off
    session with it, then once with a card that declines."""
    customer = client.v1.customers.create(params={"email": "jenny@example.com"})
    setup = client.v1.setup_intents.create(params={
        "customer": customer.id, "payment_method": "pm_card_authenticationRequiredOnSetup",
        "confirm": True, "usage": "off_session", **CARD_ONLY})
    assert setup.status == "requires_action"
    assert setup.next_action.type == "use_stripe_sdk"
    testing.authenticate(app, setup.id)
    setup = client.v1.setup_intents.retrieve(setup.id)
    assert setup.status == "succeeded"
    methods = client.v1.customers.payment_methods.list(customer.id)
    assert [pm.id for pm in methods.data] == [setup.payment_method]
    paid = client.v1.payment_intents.create(params={
        "amount": 1999, "currency": "eur", "customer": customer.id,
        "payment_method": setup.payment_method, "confirm": True, "off_session": True,
        "expand": ["latest_charge"]})
    assert isinstance(paid, stripe.PaymentIntent) and paid.status == "succeeded"
    assert isinstance(paid.latest_charge, stripe.Charge)
    assert paid.latest_charge.amount_captured == 1999
    declined = client.v1.payment_methods.attach("pm_card_chargeCustomerFail",
                                                params={"customer": customer.id})
    with pytest.raises(stripe.CardError) as failure:
        client.v1.payment_intents.create(params={
            "amount": 1999, "currency": "eur", "customer": customer.id,
            "payment_method": declined.id, "confirm": True, "off_session": True})
    assert failure.value.http_status == 402 and failure.value.code == "card_declined"
    intent = failure.value.error.payment_intent
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.payment_method.id == declined.id
    return customer


def test_in_process(app):
    client = testing.stripe_client(app, SECRET_KEY)
    save_then_pay_off_session(client, app)


def test_over_a_socket(app, stripe_http):
    customer = save_then_pay_off_session(stripe_http, app)
    manual = stripe_http.v1.payment_intents.create(params={
        "amount": 5000, "currency": "usd", "customer": customer.id, "capture_method": "manual",
        "payment_method": "pm_card_mastercard", "confirm": True, **CARD_ONLY})
    assert manual.status == "requires_capture" and manual.amount_capturable == 5000
    captured = stripe_http.v1.payment_intents.capture(manual.id,
                                                      params={"amount_to_capture": 4000})
    assert (captured.status, captured.amount_received) == ("succeeded", 4000)
    refund = stripe_http.v1.refunds.create(params={"payment_intent": manual.id})
    assert refund.amount == 4000
    canceled = stripe_http.v1.payment_intents.cancel(
        stripe_http.v1.payment_intents.create(params={"amount": 100, "currency": "usd"}).id,
        params={"cancellation_reason": "abandoned"})
    assert canceled.status == "canceled"
    found = stripe_http.v1.payment_intents.search(params={"query": "status:'canceled'"})
    assert [pi.id for pi in found.data] == [canceled.id]
    pm = stripe_http.v1.payment_methods.retrieve(captured.payment_method)
    assert pm.card.brand == "mastercard"
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_http.v1.payment_intents.capture(captured.id)
    assert refused.value.code == "payment_intent_unexpected_state"


def test_stripe_js_calls_with_a_publishable_key(app, live_url):
    server = stripe.StripeClient(SECRET_KEY, base_addresses={"api": live_url},
                                 max_network_retries=0)
    browser = stripe.StripeClient(PUBLISHABLE_KEY, base_addresses={"api": live_url},
                                  max_network_retries=0)
    intent = server.v1.payment_intents.create(params={"amount": 1000, "currency": "usd",
                                                      **CARD_ONLY})
    pm = browser.v1.payment_methods.create(params={"type": "card",
                                                   "card": {"token": "tok_visa"}})
    seen = browser.v1.payment_intents.retrieve(intent.id,
                                               params={"client_secret": intent.client_secret})
    assert seen.status == "requires_payment_method"
    confirmed = browser.v1.payment_intents.confirm(intent.id, params={
        "client_secret": intent.client_secret, "payment_method": pm.id,
        "return_url": "https://shop.test/done"})
    assert confirmed.status == "succeeded"
    with pytest.raises(stripe.AuthenticationError):
        browser.v1.payment_intents.capture(intent.id)
