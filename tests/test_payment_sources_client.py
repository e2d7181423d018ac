"""Customer payment sources and Sources through the official stripe client over a real
socket."""
import pytest

from conftest import PUBLISHABLE_KEY
from test_tokens import NEXT_YEAR

stripe = pytest.importorskip("stripe")


def test_payment_sources_through_stripe_python(stripe_http):
    created = stripe_http.v1.customers.create(params={"source": "tok_visa"})
    cus = created.id
    sources = stripe_http.v1.customers.payment_sources
    first = created.default_source
    bank = sources.create(cus, params={"source": "btok_us"})
    assert isinstance(bank, stripe.BankAccount) and bank.status == "new"
    card = sources.create(cus, params={"source": "tok_mastercard", "metadata": {"n": "1"}})
    assert isinstance(card, stripe.Card) and card.metadata.to_dict() == {"n": "1"}
    assert [s.id for s in sources.list(cus).data] == [card.id, bank.id, first]
    assert [s.id for s in sources.list(cus, params={"object": "card"}).auto_paging_iter()] \
        == [card.id, first]
    assert sources.retrieve(cus, card.id).brand == "MasterCard"
    updated = sources.update(cus, card.id, params={"exp_month": "11", "name": "J"})
    assert (updated.exp_month, updated.name) == (11, "J")
    verified = sources.verify(cus, bank.id, params={"amounts": [32, 45]})
    assert verified.status == "verified"
    deleted = sources.delete(cus, first)
    assert deleted.deleted is True and deleted.id == first
    customer = stripe_http.v1.customers.retrieve(
        cus, params={"expand": ["default_source", "sources"]})
    assert customer.default_source.id == card.id  # the most recently added remaining one
    assert [s.id for s in customer.sources.data] == [card.id, bank.id]
    with pytest.raises(stripe.CardError) as declined:
        sources.create(cus, params={"source": "tok_chargeDeclinedInsufficientFunds"})
    assert declined.value.http_status == 402 and declined.value.code == "card_declined"
    assert declined.value.error.decline_code == "insufficient_funds"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        sources.retrieve(cus, first)
    assert missing.value.http_status == 404 and missing.value.param == "id"


def test_sources_attach_and_detach_through_stripe_python(stripe_http):
    cus = stripe_http.v1.customers.create().id
    source = stripe_http.v1.sources.create(params={
        "type": "ach_credit_transfer", "currency": "usd",
        "owner": {"email": "jenny.rosen@example.com"}})
    attached = stripe_http.v1.customers.payment_sources.create(cus, params={"source": source.id})
    assert isinstance(attached, stripe.Source) and attached.customer == cus
    detached = stripe_http.v1.customers.payment_sources.delete(cus, source.id)
    assert detached.status == "consumed"
    with pytest.raises(stripe.InvalidRequestError):
        stripe_http.v1.customers.payment_sources.create(cus, params={"source": source.id})
    with pytest.raises(stripe.CardError):
        stripe_http.v1.customers.create(params={"source": "tok_chargeDeclinedExpiredCard"})
    assert [c.id for c in stripe_http.v1.customers.list().data] == [cus]


def test_sources_through_stripe_python(stripe_http, live_url):
    created = stripe_http.v1.sources.create(params={
        "type": "ach_credit_transfer", "currency": "usd",
        "owner": {"email": "jenny.rosen@example.com"}})
    assert created.flow == "receiver" and created.receiver.refund_attributes_status == "missing"
    fetched = stripe_http.v1.sources.retrieve(created.id)
    assert fetched.client_secret == created.client_secret
    updated = stripe_http.v1.sources.update(created.id, params={
        "metadata": {"order": "42"}, "owner": {"name": "Jenny"}})
    assert updated.metadata.to_dict() == {"order": "42"} and updated.owner.name == "Jenny"
    card = stripe_http.v1.sources.create(params={"type": "card", "token": "tok_visa"})
    assert card.status == "chargeable" and card.card.last4 == "4242"
    debit = stripe_http.v1.sources.create(params={"type": "ach_debit", "token": "btok_us"})
    verified = stripe_http.v1.sources.verify(debit.id, params={"values": ["32", "45"]})
    assert verified.status == "chargeable"
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_http.v1.sources.create(params={"type": "wechat", "amount": 100,
                                              "currency": "usd"})
    assert refused.value.code == "payment_method_not_available"
    browser = stripe.StripeClient(PUBLISHABLE_KEY, base_addresses={"api": live_url},
                                  max_network_retries=0)
    mine = browser.v1.sources.create(params={
        "type": "card", "card": {"number": "4242424242424242", "exp_month": 12,
                                 "exp_year": NEXT_YEAR, "cvc": "123"}})
    again = browser.v1.sources.retrieve(mine.id, params={"client_secret": mine.client_secret})
    assert again.id == mine.id
    with pytest.raises(stripe.InvalidRequestError) as hidden:
        browser.v1.sources.retrieve(mine.id)
    assert hidden.value.http_status == 404
