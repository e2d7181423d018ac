"""Charges, refunds and the balance against Stripe's documentation (the API reference's
parameters and the guides' rules), where an earlier emulator answered otherwise."""
import pytest


def charge(api, status=200, **params):
    return api.post("/v1/charges", {"amount": 2000, "currency": "usd", "source": "tok_visa",
                                    **params}, status=status)


def charge_ids(api):
    return [made["id"] for made in api.get("/v1/charges", {"limit": 100})["data"]]


# -- receipt_email: an email address, as on PaymentIntents -----------------------------------

def test_a_charge_refuses_a_receipt_email_that_is_no_email_address(api):
    error = charge(api, 400, receipt_email="not-an-email")["error"]
    assert (error["message"], error["param"], error["code"]) == (
        "Invalid email address: not-an-email", "receipt_email", "email_invalid")
    assert charge_ids(api) == []  # refused before anything was charged


def test_updating_or_capturing_a_charge_checks_its_receipt_email(api):
    made = charge(api, capture="false")
    error = api.post(f"/v1/charges/{made['id']}", {"receipt_email": "jenny@"},
                     status=400)["error"]
    assert (error["param"], error["code"]) == ("receipt_email", "email_invalid")
    error = api.post(f"/v1/charges/{made['id']}/capture", {"receipt_email": "@example.com"},
                     status=400)["error"]
    assert (error["param"], error["code"]) == ("receipt_email", "email_invalid")
    kept = api.get(f"/v1/charges/{made['id']}")
    assert (kept["receipt_email"], kept["captured"]) == (None, False)
    cleared = api.post(f"/v1/charges/{made['id']}", {"receipt_email": "jenny@example.com"})
    assert cleared["receipt_email"] == "jenny@example.com"


# -- statement descriptors: Stripe's character rules -------------------------------------------

@pytest.mark.parametrize("param", ["statement_descriptor", "statement_descriptor_suffix"])
@pytest.mark.parametrize("bad,message", [
    ("ORDER*42", "The statement descriptor cannot include *"),
    ('SAY "HI"', 'The statement descriptor cannot include "'),
    ("O'BRIEN", "The statement descriptor cannot include '"),
    ("A<B>C", "The statement descriptor cannot include <"),
    ("BACK\\SLASH", "The statement descriptor cannot include \\"),
    ("123456", "The statement descriptor must contain at least one letter."),
])
def test_a_statement_descriptor_with_a_character_stripe_refuses_is_refused(
        api, param, bad, message):
    error = charge(api, 400, **{param: bad})["error"]
    assert (error["message"], error["param"], error["type"]) == (
        message, param, "invalid_request_error")
    assert charge_ids(api) == []


def test_a_capture_checks_its_statement_descriptors_too(api):
    made = charge(api, capture="false")
    error = api.post(f"/v1/charges/{made['id']}/capture",
                     {"statement_descriptor_suffix": "#42"}, status=400)["error"]
    assert error["param"] == "statement_descriptor_suffix"
    assert api.get(f"/v1/charges/{made['id']}")["captured"] is False
    captured = api.post(f"/v1/charges/{made['id']}/capture",
                        {"statement_descriptor_suffix": "ORDER 42"})
    assert captured["calculated_statement_descriptor"] == "Stripe* ORDER 42"


def test_statement_descriptors_with_allowed_characters_are_kept(api):
    made = charge(api, statement_descriptor="ACME #42 - Order", statement_descriptor_suffix="A1")
    assert (made["statement_descriptor"], made["statement_descriptor_suffix"]) == (
        "ACME #42 - Order", "A1")


# -- calculated_statement_descriptor: a card charge's descriptor is a dynamic suffix ----------

def test_a_card_charges_statement_descriptor_follows_the_accounts_prefix(api):
    # 2019-02-19: "Dynamic descriptors provided at charge time are now prefixed by the
    # descriptor prefix"; the parameter: "For card charges, use statement_descriptor_suffix".
    made = charge(api, statement_descriptor="ORDER 42")
    assert (made["statement_descriptor"], made["calculated_statement_descriptor"]) == (
        "ORDER 42", "Stripe* ORDER 42")
    both = charge(api, statement_descriptor="ORDER 42", statement_descriptor_suffix="SUFFIX")
    assert both["calculated_statement_descriptor"] == "Stripe* SUFFIX"
    held = charge(api, capture="false")
    captured = api.post(f"/v1/charges/{held['id']}/capture", {"statement_descriptor": "LATER"})
    assert captured["calculated_statement_descriptor"] == "Stripe* LATER"


def test_a_bank_debits_statement_descriptor_is_the_whole_descriptor(api):
    customer = api.post("/v1/customers", {"source": "btok_us_verified"})
    made = api.post("/v1/charges", {"amount": 2000, "currency": "usd",
                                    "customer": customer["id"],
                                    "statement_descriptor": "ACME RENT"})
    assert made["calculated_statement_descriptor"] == "ACME RENT"


# -- events --------------------------------------------------------------------------------

def test_updating_a_refund_records_refund_updated_too(api):
    # Stripe CLI's trigger for refund.updated is this very request (refund.updated.json:
    # refund a payment, then POST /v1/refunds/{id} with metadata), as is charge.refund.updated's.
    paid = charge(api)
    refund = api.post("/v1/refunds", {"charge": paid["id"]})
    api.post(f"/v1/refunds/{refund['id']}", {"metadata[order_id]": "6735"})
    events = api.get("/v1/events", {"limit": 3})["data"]
    assert [event["type"] for event in events] == [
        "refund.updated", "charge.refund.updated", "refund.created"]
    for event in events[:2]:
        assert event["data"]["object"]["id"] == refund["id"]
        assert event["data"]["object"]["metadata"] == {"order_id": "6735"}
        assert event["data"]["previous_attributes"] == {"metadata": {"order_id": None}}
    api.post(f"/v1/refunds/{refund['id']}", {"metadata[order_id]": "6735"})  # no change
    assert api.get("/v1/events", {"limit": 1})["data"][0]["id"] == events[0]["id"]


# -- capture -------------------------------------------------------------------------------

def test_a_capture_sets_the_transfer_group_once(api):
    held = charge(api, capture="false")
    captured = api.post(f"/v1/charges/{held['id']}/capture", {"transfer_group": "ORDER42"})
    assert captured["transfer_group"] == "ORDER42"
    assert api.get("/v1/charges", {"transfer_group": "ORDER42"})["data"][0]["id"] == held["id"]
    grouped = charge(api, capture="false", transfer_group="ORDER1")
    # The docs: "transfer_group may only be provided if it has not been set."
    error = api.post(f"/v1/charges/{grouped['id']}/capture", {"transfer_group": "ORDER2"},
                     status=400)["error"]
    assert error["param"] == "transfer_group"
    assert api.get(f"/v1/charges/{grouped['id']}")["captured"] is False
    same = api.post(f"/v1/charges/{grouped['id']}/capture", {"transfer_group": "ORDER1"})
    assert (same["captured"], same["transfer_group"]) == (True, "ORDER1")
