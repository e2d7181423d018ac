"""Sources, customer sources and tokens checked against Stripe's documentation (the API
reference and the Sources guides), through the official client over a socket."""
import pytest
import stripe

from test_tokens import snapshot

SEPA = {"type": "sepa_debit", "currency": "eur", "sepa_debit": {"iban": "DE89370400440532013000"},
        "owner": {"name": "Jenny Rosen", "email": "jenny.rosen@example.com"}}
ACH_DEBIT = {"type": "ach_debit", "currency": "usd", "owner": {"name": "Jenny Rosen"},
             "ach_debit": {"routing_number": "110000000", "account_number": "000123456789",
                           "account_holder_type": "individual"}}
# What Stripe's `mandate` parameter takes ("Information about a mandate possibility attached
# to a source object (generally for bank debits) as well as its acceptance status").
ACCEPTED = {"acceptance": {"status": "accepted", "type": "online", "date": 1700000000,
                           "ip": "203.0.113.7", "user_agent": "Mozilla/5.0"},
            "notification_method": "email"}


# -- mandate on bank debit Sources ------------------------------------------------------

@pytest.mark.parametrize("params", [SEPA, ACH_DEBIT], ids=["sepa_debit", "ach_debit"])
def test_a_bank_debit_source_takes_its_mandate(stripe_http, params):
    source = stripe_http.v1.sources.create(params=dict(params, mandate=ACCEPTED))
    assert source.type == params["type"] and source.status in ("chargeable", "pending")
    updated = stripe_http.v1.sources.update(
        source.id, params={"mandate": {"notification_method": "manual"}})
    assert updated.id == source.id


def test_a_mandate_in_another_currency_than_the_source_is_refused(app, stripe_http):
    before = snapshot(app)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_http.v1.sources.create(params=dict(SEPA, mandate={"currency": "usd"}))
    assert refused.value.http_status == 400 and refused.value.param == "mandate[currency]"
    assert snapshot(app) == before
    source = stripe_http.v1.sources.create(params=dict(SEPA, mandate={"currency": "EUR"}))
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_http.v1.sources.update(source.id, params={"mandate": {"currency": "usd"},
                                                         "metadata": {"k": "v"}})
    assert refused.value.param == "mandate[currency]"
    assert stripe_http.v1.sources.retrieve(source.id).metadata.to_dict() == {}


def test_a_card_source_still_refuses_a_mandate(stripe_http):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_http.v1.sources.create(params={"type": "card", "token": "tok_visa",
                                              "mandate": ACCEPTED})
    assert refused.value.param == "mandate"


def test_a_mandate_acceptance_needs_its_status(stripe_http):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_http.v1.sources.create(params=dict(SEPA, mandate={"acceptance": {
            "type": "online"}}))
    assert refused.value.param == "mandate[acceptance][status]"


# -- a card Source's address checks run against owner[address] --------------------------

def test_a_card_source_checks_its_owners_address(stripe_http):
    """A live card Source made (by Stripe.js) with owner[address] shows both address checks
    "unchecked" until charged (an observed source.chargeable event); the charge shows what
    the test card does with that address (4000000000000028: line1 fails, zip passes)."""
    card = {"number": "4000000000000028", "exp_month": 12, "exp_year": 2040, "cvc": "123"}
    owner = {"name": "Jenny Rosen", "address": {"line1": "72 Liverpool St",
                                                "postal_code": "2000", "country": "AU"}}
    source = stripe_http.v1.sources.create(params={"type": "card", "card": card,
                                                   "owner": owner})
    assert (source.card.address_line1_check, source.card.address_zip_check) == (
        "unchecked", "unchecked")
    charge = stripe_http.v1.charges.create(params={"amount": 500, "currency": "usd",
                                                   "source": source.id})
    checks = charge.payment_method_details.card.checks
    assert (checks.address_line1_check, checks.address_postal_code_check) == ("fail", "pass")


def test_a_card_source_without_an_owner_address_checks_none(stripe_http):
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040}
    source = stripe_http.v1.sources.create(params={
        "type": "card", "card": card, "owner": {"address": {"city": "Sydney"}}})
    assert (source.card.address_line1_check, source.card.address_zip_check) == (None, None)
