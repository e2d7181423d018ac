"""Sources: POST /v1/sources for each emulated type, retrieve (also from a browser with the
client_secret), update, verify, the attach/detach transitions the customer-sources endpoints
use, and Stripe's seed example, in process (every body checked against the spec). The
official client's view is in test_payment_sources_client.py."""
import json
import re

import pytest

from conftest import PUBLISHABLE_KEY, Api
from test_seed_examples import seed_source
from test_tokens import NEXT_YEAR, VISA, card_token, in_request, snapshot
from stripe_emu.resources import sources
from stripe_emu.store import objects

ACH_CREDIT = {"type": "ach_credit_transfer", "currency": "usd",
              "owner[email]": "jenny.rosen@example.com"}
CARD = {"type": "card", **VISA}
SEPA = {"type": "sepa_debit", "sepa_debit[iban]": "DE89370400440532013000",
        "currency": "eur", "owner[name]": "Jenny Rosen"}


def events_of(app, event_type):
    with app.store.transaction(write=False) as db:
        return [json.loads(row[0]) for row in db.execute(
            "SELECT data FROM objects WHERE object = 'event' AND type = ? ORDER BY seq",
            (event_type,))]


def shape(value):
    """The JSON types of a body, keys kept: what a Stripe example and ours must share."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    return type(value).__name__


def test_ach_credit_transfer_source_has_the_seed_examples_shape(api):
    source = api.post("/v1/sources", ACH_CREDIT)
    seed = {key: value for key, value in seed_source("attach_source").items()
            if key != "customer"}
    assert "customer" not in source  # present only once attached
    assert list(source)[:2] == ["id", "object"] and set(source) == set(seed)
    for key in ("ach_credit_transfer", "owner", "receiver"):
        assert shape(source[key]) == shape(seed[key])
    assert (source["flow"], source["usage"], source["status"]) == (
        "receiver", "reusable", "pending")
    assert re.fullmatch(r"src_client_secret_[A-Za-z0-9]{24}", source["client_secret"])
    assert re.fullmatch(r"src_1[A-Za-z0-9]{23}", source["id"])
    credit = source["ach_credit_transfer"]
    assert re.fullmatch(r"test_[0-9a-f]{12}", credit["account_number"])
    assert (credit["routing_number"], credit["bank_name"], credit["swift_code"]) == (
        "110000000", "TEST BANK", "TSTEZ122")
    receiver = source["receiver"]
    assert re.fullmatch(r"121042882-[0-9]{17}", receiver["address"])
    assert (receiver["amount_received"], receiver["amount_charged"],
            receiver["amount_returned"]) == (0, 0, 0)
    assert (receiver["refund_attributes_status"], receiver["refund_attributes_method"]) == (
        "missing", "email")
    assert source["owner"]["email"] == "jenny.rosen@example.com" and source["redaction"] is None
    assert api.get(f"/v1/sources/{source['id']}") == source


def test_a_simulated_transfer_makes_it_chargeable_like_the_seed(app):
    api = Api(app)
    funded = dict(ACH_CREDIT, **{"owner[email]": "amount_1000@example.com"})
    source = api.post("/v1/sources", funded)
    seed = {key: value for key, value in seed_source("attach_source").items()
            if key != "customer"}
    assert shape(source) == shape(seed)  # every key and every JSON type
    assert (source["status"], source["amount"], source["receiver"]["amount_received"]) == (
        "chargeable", 1000, 1000)
    [event] = events_of(app, "source.chargeable")
    assert event["data"]["object"] == source


def test_ach_credit_transfer_rules(app):
    api = Api(app)
    before = snapshot(app)
    assert api.post("/v1/sources", dict(ACH_CREDIT, currency="eur"),
                    status=400)["error"]["param"] == "currency"
    assert api.post("/v1/sources", dict(ACH_CREDIT, amount="100"),
                    status=400)["error"]["param"] == "amount"
    assert api.post("/v1/sources", dict(ACH_CREDIT, usage="single_use"),
                    status=400)["error"]["param"] == "usage"
    assert api.post("/v1/sources", dict(ACH_CREDIT, flow="redirect"),
                    status=400)["error"]["param"] == "flow"
    assert snapshot(app) == before
    manual = api.post("/v1/sources", dict(ACH_CREDIT, **{
        "receiver[refund_attributes_method]": "manual"}))
    assert manual["receiver"]["refund_attributes_method"] == "manual"


# -- card Sources ----------------------------------------------------------------------------

def test_card_source_from_card_details(api):
    source = api.post("/v1/sources", dict(CARD, **{"card[address_zip]": "94107",
                                                   "owner[name]": "Jenny Rosen"}))
    assert (source["type"], source["flow"], source["status"], source["usage"]) == (
        "card", "none", "chargeable", "reusable")
    card = source["card"]
    assert (card["brand"], card["funding"], card["last4"], card["country"]) == (
        "Visa", "credit", "4242", "US")
    assert (card["exp_month"], card["exp_year"]) == (12, NEXT_YEAR)
    # Checks run when the Source is charged (test_card_source_fidelity.py).
    assert (card["cvc_check"], card["address_zip_check"]) == ("unchecked", "unchecked")
    assert card["three_d_secure"] == "optional"
    assert source["owner"]["name"] == "Jenny Rosen" and source["currency"] is None
    assert not any(key.startswith("_") for key in source)


def test_card_source_from_a_token_uses_the_token(app):
    api = Api(app)
    token = card_token(api)
    source = api.post("/v1/sources", {"type": "card", "token": token["id"]})
    assert source["card"]["fingerprint"] == token["card"]["fingerprint"]
    assert api.get(f"/v1/tokens/{token['id']}")["used"] is True
    before = snapshot(app)
    error = api.post("/v1/sources", {"type": "card", "token": token["id"]}, status=400)["error"]
    assert (error["code"], error["param"]) == ("token_already_used", "token")
    error = api.post("/v1/sources", {"type": "card", "token": "btok_us"}, status=400)["error"]
    assert error["param"] == "token"
    assert snapshot(app) == before
    magic = [api.post("/v1/sources", {"type": "card", "token": "tok_mastercard"})
             for _ in range(2)]
    assert magic[0]["id"] != magic[1]["id"] and magic[0]["card"]["brand"] == "MasterCard"


def test_a_failed_source_leaves_its_token_unused(app):
    api = Api(app)
    token = card_token(api)
    api.post("/v1/sources", {"type": "card", "token": token["id"], "metadata[k]": "x" * 501},
             status=400)
    assert api.get(f"/v1/tokens/{token['id']}")["used"] is False


@pytest.mark.parametrize("params, status, param", [
    ({"card[number]": "4242424242424241"}, 402, "number"),
    ({"card[exp_month]": "0"}, 402, "exp_month"),
    ({"card[number]": ""}, 400, "card[number]"),
    ({"usage": "single_use"}, 400, "amount"),
    ({"token": "tok_visa"}, 400, "token"),
    ({"flow": "redirect"}, 400, "flow"),
    ({"mandate[notification_method]": "email"}, 400, "mandate"),
])
def test_card_source_errors(app, params, status, param):
    before = snapshot(app)
    error = Api(app).post("/v1/sources", dict(CARD, **params), status=status)["error"]
    assert error["param"] == param
    assert snapshot(app) == before


def test_single_use_card_source_with_an_amount(api):
    source = api.post("/v1/sources", dict(CARD, usage="single_use", amount="500", currency="usd"))
    assert (source["usage"], source["amount"], source["currency"]) == ("single_use", 500, "usd")


# -- ach_debit: code verification ------------------------------------------------------------

def test_ach_debit_is_verified_with_the_test_amounts(app):
    api = Api(app)
    source = api.post("/v1/sources", {"type": "ach_debit", "token": "btok_us"})
    assert (source["flow"], source["status"], source["currency"]) == (
        "code_verification", "pending", "usd")
    assert source["code_verification"] == {"attempts_remaining": 3, "status": "pending"}
    assert source["ach_debit"]["last4"] == "6789" and source["ach_debit"]["type"] == "individual"
    verify = f"/v1/sources/{source['id']}/verify"
    wrong = api.post(verify, {"values[0]": "10", "values[1]": "20"})
    assert wrong["status"] == "pending" and wrong["code_verification"]["attempts_remaining"] == 2
    right = api.post(verify, {"values[0]": "45", "values[1]": "32"})
    assert right["status"] == "chargeable"
    assert right["code_verification"] == {"attempts_remaining": 2, "status": "succeeded"}
    [event] = events_of(app, "source.chargeable")
    assert event["data"]["object"]["id"] == source["id"]
    error = api.post(verify, {"values[0]": "32", "values[1]": "45"}, status=400)["error"]
    assert "already succeeded" in error["message"]


def test_three_wrong_attempts_fail_the_source(app):
    api = Api(app)
    source = api.post("/v1/sources", {"type": "ach_debit", "token": "btok_us"})
    verify = f"/v1/sources/{source['id']}/verify"
    for left in (2, 1):
        assert api.post(verify, {"values[0]": "1", "values[1]": "2"})[
            "code_verification"]["attempts_remaining"] == left
    failed = api.post(verify, {"values[0]": "1", "values[1]": "2"})
    assert failed["status"] == "failed"
    assert failed["code_verification"] == {"attempts_remaining": 0, "status": "failed"}
    assert [e["data"]["object"]["status"] for e in events_of(app, "source.failed")] == ["failed"]
    api.post(verify, {"values[0]": "32", "values[1]": "45"}, status=400)
    assert api.get(f"/v1/sources/{source['id']}")["status"] == "failed"


def test_ach_debit_from_bank_details_and_from_a_verified_bank_token(api):
    source = api.post("/v1/sources", {"type": "ach_debit",
                                      "ach_debit[routing_number]": "110000000",
                                      "ach_debit[account_number]": "000123456789",
                                      "ach_debit[account_holder_type]": "company"})
    assert source["ach_debit"]["type"] == "company" and source["status"] == "pending"
    verified = api.post("/v1/sources", {"type": "ach_debit", "token": "btok_us_verified"})
    assert verified["status"] == "chargeable"
    assert verified["code_verification"]["status"] == "succeeded"
    error = api.post("/v1/sources", {"type": "ach_debit", "ach_debit[routing_number]": "1",
                                     "ach_debit[account_number]": "000123456789"},
                     status=400)["error"]
    assert error["param"] == "ach_debit[routing_number]"


def test_only_code_verification_sources_can_be_verified(api):
    source = api.post("/v1/sources", CARD)
    api.post(f"/v1/sources/{source['id']}/verify", {"values[0]": "32"}, status=400)
    api.post("/v1/sources/src_missing/verify", {"values[0]": "32"}, status=404)
    error = api.post(f"/v1/sources/{source['id']}/verify", status=400)["error"]
    assert error["param"] == "values"


# -- sepa_debit and three_d_secure -----------------------------------------------------------

def test_sepa_debit_source(app):
    api = Api(app)
    source = api.post("/v1/sources", SEPA)
    assert (source["flow"], source["status"], source["usage"], source["currency"]) == (
        "none", "chargeable", "reusable", "eur")
    sepa = source["sepa_debit"]
    assert (sepa["country"], sepa["bank_code"], sepa["last4"]) == ("DE", "37040044", "3000")
    assert sepa["mandate_url"].endswith(f"/{source['id']}/{source['client_secret']}")
    before = snapshot(app)
    for params, param in ((dict(SEPA, **{"sepa_debit[iban]": "DE89370400440532013001"}),
                           "sepa_debit[iban]"),
                          ({k: v for k, v in SEPA.items() if k != "owner[name]"}, "owner[name]"),
                          (dict(SEPA, currency="usd"), "currency")):
        assert api.post("/v1/sources", params, status=400)["error"]["param"] == param
    assert snapshot(app) == before


def test_three_d_secure_source_redirects(app):
    api = Api(app)
    card = api.post("/v1/sources", CARD)
    params = {"type": "three_d_secure", "amount": "2000", "currency": "eur",
              "three_d_secure[card]": card["id"], "redirect[return_url]": "https://shop.test/r"}
    source = api.post("/v1/sources", params)
    assert (source["flow"], source["status"], source["usage"], source["amount"]) == (
        "redirect", "pending", "single_use", 2000)
    redirect = source["redirect"]
    assert (redirect["status"], redirect["return_url"]) == ("pending", "https://shop.test/r")
    assert source["client_secret"] in redirect["url"]
    secure = source["three_d_secure"]
    assert (secure["card"], secure["authenticated"], secure["last4"]) == (
        card["id"], False, "4242")
    before = snapshot(app)
    for missing in ("redirect[return_url]", "amount", "three_d_secure[card]"):
        error = api.post("/v1/sources", {k: v for k, v in params.items() if k != missing},
                         status=400)["error"]
        assert error["param"] == missing
    error = api.post("/v1/sources", dict(params, **{"three_d_secure[card]": "src_nope"}),
                     status=400)["error"]
    assert error["code"] == "resource_missing" and error["param"] == "three_d_secure[card]"
    assert snapshot(app) == before


# -- types that are not emulated -------------------------------------------------------------

def test_other_types_are_refused_clearly(api):
    error = api.post("/v1/sources", {"type": "alipay", "amount": "100", "currency": "usd"},
                     status=400)["error"]
    assert (error["code"], error["param"]) == ("payment_method_not_available", "type")
    assert "alipay" in error["message"]
    error = api.post("/v1/sources", {"type": "bitcoin"}, status=400)["error"]
    assert error["param"] == "type" and error["message"].startswith("Invalid type: must be one of")
    assert api.post("/v1/sources", {"currency": "usd"}, status=400)["error"]["message"] == (
        "Missing required param: type.")
    error = api.post("/v1/sources", {"type": "card", "original_source": "src_x"},
                     status=400)["error"]
    assert error["param"] == "original_source"


# -- retrieve, keys and accounts -------------------------------------------------------------

def test_browser_reads_a_source_only_with_its_client_secret(app):
    browser, server = Api(app, key=PUBLISHABLE_KEY), Api(app)
    source = browser.post("/v1/sources", ACH_CREDIT)
    path = f"/v1/sources/{source['id']}"
    assert browser.get(path, {"client_secret": source["client_secret"]}) == source
    for params in ({}, {"client_secret": "src_client_secret_wrong"}):
        error = browser.get(path, params, status=404)["error"]
        assert error["message"] == f"No such source: '{source['id']}'"
    assert server.get(path)["id"] == source["id"]
    error = browser.post(path, {"metadata[a]": "b"}, status=401)["error"]
    assert error["code"] == "secret_key_required"


def test_sources_are_invisible_to_other_accounts(app):
    source = Api(app).post("/v1/sources", CARD)
    other = Api(app, key="sk_test_stranger")
    other.get(f"/v1/sources/{source['id']}", status=404)
    other.post(f"/v1/sources/{source['id']}", {"metadata[a]": "b"}, status=404)
    error = Api(app).get("/v1/sources/src_nope", status=404)["error"]
    assert (error["code"], error["message"]) == ("resource_missing", "No such source: 'src_nope'")


# -- update ----------------------------------------------------------------------------------

def test_update_owner_and_metadata(app):
    api = Api(app)
    source = api.post("/v1/sources", dict(ACH_CREDIT, **{"metadata[order]": "1"}))
    path = f"/v1/sources/{source['id']}"
    updated = api.post(path, {"owner[name]": "Jenny Rosen", "owner[address][city]": "Berlin",
                              "metadata[order]": "", "metadata[note]": "vip"})
    assert updated["owner"]["email"] == "jenny.rosen@example.com"  # kept
    assert updated["owner"]["name"] == "Jenny Rosen"
    assert updated["owner"]["address"] == {"city": "Berlin", "country": None, "line1": None,
                                           "line2": None, "postal_code": None, "state": None}
    assert updated["metadata"] == {"note": "vip"}
    assert api.get(path) == updated
    before = snapshot(app)
    error = api.post(path, {"owner[verified_name]": "x"}, status=400)["error"]
    assert error["code"] == "parameter_unknown" and error["param"] == "owner[verified_name]"
    assert api.post(path, {"amount": "100"}, status=400)["error"]["param"] == "amount"
    assert snapshot(app) == before
    assert events_of(app, "customer.source.updated") == []  # not attached: no customer event


def test_update_of_an_attached_source_records_customer_source_updated(app):
    api = Api(app)
    customer = api.post("/v1/customers")
    source = api.post("/v1/sources", SEPA)
    with in_request(app) as req:
        sources.attach(req, source["id"], customer["id"])
    updated = api.post(f"/v1/sources/{source['id']}", {"metadata[a]": "1"})
    assert updated["customer"] == customer["id"]
    [event] = events_of(app, "customer.source.updated")
    assert event["data"]["previous_attributes"] == {"metadata": {"a": None}}


# -- attach and detach (used by the customer-sources endpoints) ------------------------------

def test_attach_then_detach(app):
    api = Api(app)
    customer, other = api.post("/v1/customers"), api.post("/v1/customers")
    source = api.post("/v1/sources", ACH_CREDIT)
    with in_request(app) as req:
        attached = sources.attach(req, source["id"], customer["id"])
        listed, _ = objects.page(req.db, req.account, ("source",), customer=customer["id"])
    assert attached["customer"] == customer["id"] and attached["status"] == "pending"
    assert list(attached)[:2] == ["id", "object"] and [s["id"] for s in listed] == [source["id"]]
    with in_request(app) as req:
        with pytest.raises(Exception) as twice:
            sources.attach(req, source["id"], other["id"])
    assert twice.value.param == "source"
    assert twice.value.message == ("The source you provided has already been attached to a "
                                   "customer.")
    with in_request(app) as req:
        detached = sources.detach(req, objects.get(req.db, req.account, source["id"]))
        listed, _ = objects.page(req.db, req.account, ("source",), customer=customer["id"])
    # Stripe's detach response keeps `customer`; the customer no longer lists the Source.
    assert detached["status"] == "consumed" and detached["customer"] == customer["id"]
    assert listed == [] and api.get(f"/v1/sources/{source['id']}") == detached
    assert shape(detached) == shape(dict(seed_source("detach_source"), amount=None))
    with in_request(app) as req:
        with pytest.raises(Exception) as again:
            sources.detach(req, detached)
        with pytest.raises(Exception) as consumed:
            sources.attach(req, source["id"], other["id"])
    assert again.value.status == 404 and again.value.param == "id"
    assert again.value.message == (f"Customer {customer['id']} does not have a linked source "
                                   f"with ID {source['id']}.")
    assert consumed.value.status == 400 and "not in a chargeable or pending" in \
        consumed.value.message


def test_attach_errors(app):
    api = Api(app)
    customer = api.post("/v1/customers")
    declined = api.post("/v1/sources", dict(CARD, **{"card[number]": "4000000000000002"}))
    charge_fails = api.post("/v1/sources", {"type": "card", "token": "tok_chargeCustomerFail"})
    with in_request(app) as req:
        with pytest.raises(Exception) as missing:
            sources.attach(req, "src_missing", customer["id"])
        with pytest.raises(Exception) as decline:
            sources.attach(req, declined["id"], customer["id"])
        attached = sources.attach(req, charge_fails["id"], customer["id"])
    assert attached["customer"] == customer["id"]
    assert (missing.value.status, missing.value.param) == (400, "source")
    assert missing.value.message == "No such source: 'src_missing'"
    assert (decline.value.status, decline.value.code) == (402, "card_declined")
