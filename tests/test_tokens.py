"""Tokens: POST /v1/tokens and GET /v1/tokens/{token} in process (every body checked against
the spec) and through the official client over a socket, and `tokens.redeem`, the one-use
rule the customer-sources endpoints rely on."""
import contextlib
import re
import threading
import time
import types

import pytest

from conftest import PUBLISHABLE_KEY, SECRET_KEY, Api
from conformance import validate_against
from stripe_emu import make_app
from stripe_emu.resources import cards, tokens

ACCOUNT = SECRET_KEY[len("sk_test_"):]
NEXT_YEAR = time.gmtime().tm_year + 1
VISA = {"card[number]": "4242424242424242", "card[exp_month]": "12",
        "card[exp_year]": str(NEXT_YEAR), "card[cvc]": "123"}
BANK = {"bank_account[country]": "US", "bank_account[routing_number]": "110000000",
        "bank_account[account_number]": "000123456789"}


def snapshot(app):
    """Every stored object, to show that a failed request changed nothing."""
    with app.store.transaction(write=False) as db:
        return [tuple(row) for row in db.execute(
            "SELECT id, account, status, customer, data FROM objects ORDER BY seq")]


@contextlib.contextmanager
def in_request(app, account=ACCOUNT):
    """What a handler sees (its account, clock and open transaction), for the functions the
    customer-sources endpoints call."""
    with app.store.transaction() as db:
        yield types.SimpleNamespace(db=db, account=account, now=int(time.time()), params={},
                                    request_id="req_test", idempotency_key=None)


def card_token(api, **overrides):
    params = dict(VISA)
    params.update({f"card[{key}]": value for key, value in overrides.items()})
    return api.post("/v1/tokens", params)


# -- card tokens ---------------------------------------------------------------------------

def test_card_token_shows_the_card_as_stripe_does(api):
    token = card_token(api, address_zip="94107", name="Jenny Rosen")
    assert re.fullmatch(r"tok_1[A-Za-z0-9]{23}", token["id"])
    assert (token["object"], token["type"], token["used"], token["livemode"]) == (
        "token", "card", False, False)
    card = token["card"]
    validate_against("card", card)
    assert re.fullmatch(r"card_1[A-Za-z0-9]{23}", card["id"])
    assert (card["brand"], card["funding"], card["country"], card["last4"]) == (
        "Visa", "credit", "US", "4242")
    assert (card["exp_month"], card["exp_year"]) == (12, NEXT_YEAR)
    assert (card["name"], card["address_zip"]) == ("Jenny Rosen", "94107")
    # Checks run when the card is saved; a token shows what was given as "unchecked".
    assert (card["cvc_check"], card["address_zip_check"], card["address_line1_check"]) == (
        "unchecked", "unchecked", None)
    assert "customer" not in card and not any(key.startswith("_") for key in card)
    assert re.fullmatch(r"[A-Za-z0-9]{16}", card["fingerprint"])


def test_fingerprint_is_stable_per_number_and_per_account(app):
    api, other = Api(app), Api(app, key="sk_test_otheraccount")
    first, second = card_token(api)["card"], card_token(api, cvc="999")["card"]
    assert first["id"] != second["id"] and first["fingerprint"] == second["fingerprint"]
    assert card_token(api, number="5555555555554444")["card"]["fingerprint"] != \
        first["fingerprint"]
    assert card_token(other)["card"]["fingerprint"] != first["fingerprint"]


@pytest.mark.parametrize("number, cvc, brand, funding", [
    ("5555555555554444", "123", "MasterCard", "credit"),
    ("4000056655665556", "123", "Visa", "debit"),
    ("5105105105105100", "123", "MasterCard", "prepaid"),
    ("378282246310005", "1234", "American Express", "credit"),
    ("6011111111111117", "123", "Discover", "credit"),
    ("4000000000000002", "123", "Visa", "credit"),  # declines only when used, not here
])
def test_test_card_numbers_have_their_brand_and_funding(api, number, cvc, brand, funding):
    card = card_token(api, number=number, cvc=cvc)["card"]
    assert (card["brand"], card["funding"], card["last4"]) == (brand, funding, number[-4:])


@pytest.mark.parametrize("overrides, code, param, message", [
    ({"number": "4242424242424241"}, "incorrect_number", "number",
     "Your card number is incorrect."),
    ({"number": "42424242"}, "incorrect_number", "number", "Your card number is incorrect."),
    ({"exp_month": "13"}, "invalid_expiry_month", "exp_month",
     "Your card's expiration month is invalid."),
    ({"exp_year": "2001"}, "invalid_expiry_year", "exp_year",
     "Your card's expiration year is invalid."),
    ({"cvc": "12"}, "invalid_cvc", "cvc", "Your card's security code is invalid."),
    ({"number": "378282246310005", "cvc": "123"}, "invalid_cvc", "cvc",
     "Your card's security code is invalid."),
])
def test_card_errors_are_402_card_errors_and_store_nothing(app, overrides, code, param, message):
    api = Api(app)
    before = snapshot(app)
    params = {**VISA, **{f"card[{key}]": value for key, value in overrides.items()}}
    error = api.post("/v1/tokens", params, status=402)["error"]
    assert (error["type"], error["code"], error["param"], error["message"]) == (
        "card_error", code, param, message)
    assert snapshot(app) == before


@pytest.mark.parametrize("missing", ["number", "exp_month", "exp_year"])
def test_a_missing_card_field_is_named(api, missing):
    params = {key: value for key, value in VISA.items() if key != f"card[{missing}]"}
    error = api.post("/v1/tokens", params, status=400)["error"]
    assert error["code"] == "parameter_missing" and error["param"] == f"card[{missing}]"
    assert error["message"] == f"Missing required param: card[{missing}]."


def test_a_request_without_card_or_bank_account_is_refused(api):
    error = api.post("/v1/tokens", status=400)["error"]
    assert error["message"] == ("You must supply either a card, customer, PII data, bank "
                                "account, or account legal entity to create a token.")
    for params, param in ([{"pii[id_number]": "000000000"}, "pii"],
                          [{"customer": "cus_x", **VISA}, "customer"],
                          [{"card": "card_123"}, "card"],
                          [{**VISA, **BANK}, "card"]):
        assert api.post("/v1/tokens", params, status=400)["error"]["param"] == param


# -- bank account tokens --------------------------------------------------------------------

def test_bank_account_token(api):
    token = api.post("/v1/tokens", {**BANK, "bank_account[account_holder_name]": "Jane Austen",
                                    "bank_account[account_holder_type]": "individual"})
    assert re.fullmatch(r"btok_1[A-Za-z0-9]{23}", token["id"])
    assert token["type"] == "bank_account" and token["used"] is False and "card" not in token
    bank = token["bank_account"]
    validate_against("bank_account", bank)
    assert re.fullmatch(r"ba_1[A-Za-z0-9]{23}", bank["id"])
    assert (bank["status"], bank["bank_name"], bank["last4"], bank["routing_number"]) == (
        "new", "STRIPE TEST BANK", "6789", "110000000")
    assert (bank["country"], bank["currency"]) == ("US", "usd")
    assert (bank["account_holder_name"], bank["account_holder_type"]) == (
        "Jane Austen", "individual")
    assert "customer" not in bank


@pytest.mark.parametrize("field, value, param", [
    ("routing_number", "12345", "bank_account[routing_number]"),
    ("routing_number", "110000001", "bank_account[routing_number]"),
    ("account_number", "12", "bank_account[account_number]"),
])
def test_bad_bank_details_are_refused_by_name(app, field, value, param):
    before = snapshot(app)
    error = Api(app).post("/v1/tokens", {**BANK, f"bank_account[{field}]": value},
                          status=400)["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param
    assert snapshot(app) == before


def test_bank_account_needs_a_country(api):
    error = api.post("/v1/tokens", {"bank_account[account_number]": "000123456789"},
                     status=400)["error"]
    assert error["param"] == "bank_account[country]"


# -- retrieving ------------------------------------------------------------------------------

def test_retrieve_a_token(api):
    token = card_token(api)
    assert api.get(f"/v1/tokens/{token['id']}") == token
    error = api.get("/v1/tokens/tok_nope", status=404)["error"]
    assert (error["code"], error["message"]) == ("resource_missing", "No such token: 'tok_nope'")


def test_magic_tokens_can_be_retrieved_and_show_their_card(api):
    first, second = api.get("/v1/tokens/tok_amex"), api.get("/v1/tokens/tok_amex")
    assert first["id"] == "tok_amex" and first["used"] is False
    assert first["card"]["brand"] == "American Express" and first["card"]["last4"] == "0005"
    assert first["card"]["fingerprint"] == second["card"]["fingerprint"]
    bank = api.get("/v1/tokens/btok_us")
    assert bank["type"] == "bank_account" and bank["bank_account"]["last4"] == "6789"


def test_publishable_key_creates_tokens_but_cannot_read_them(app):
    browser, server = Api(app, key=PUBLISHABLE_KEY), Api(app)
    token = card_token(browser)
    assert server.get(f"/v1/tokens/{token['id']}")["id"] == token["id"]
    error = browser.get(f"/v1/tokens/{token['id']}", status=401)["error"]
    assert error["code"] == "secret_key_required"


def test_other_accounts_do_not_see_a_token(app):
    token = card_token(Api(app))
    Api(app, key="sk_test_someoneelse").get(f"/v1/tokens/{token['id']}", status=404)
    with in_request(app, account="someoneelse") as req:
        with pytest.raises(Exception) as missing:
            tokens.redeem(req, token["id"])
    assert missing.value.status == 400 and missing.value.code == "resource_missing"


# -- redeeming -------------------------------------------------------------------------------

def test_a_real_token_yields_its_card_once(app):
    api = Api(app)
    token = card_token(api, address_line1="1 Main St")
    with in_request(app) as req:
        card = tokens.redeem(req, token["id"])
    assert card["id"] == token["card"]["id"] and card["customer"] is None
    # Saving the card runs the checks the token showed as "unchecked".
    assert (card["cvc_check"], card["address_line1_check"]) == ("pass", "pass")
    assert api.get(f"/v1/tokens/{token['id']}")["used"] is True
    with in_request(app) as req:
        with pytest.raises(Exception) as again:
            tokens.redeem(req, token["id"], param="card")
    error = again.value.body()["error"]
    assert again.value.status == 400
    assert (error["code"], error["param"], error["type"]) == (
        "token_already_used", "card", "invalid_request_error")
    assert error["message"] == f"You cannot use a Stripe token more than once: {token['id']}."


def test_redeem_is_guarded_by_the_stored_status(app, monkeypatch):
    """A redeem that read the token before another one used it still fails."""
    token = card_token(Api(app))
    with in_request(app) as req:
        stale = tokens.objects.get(req.db, req.account, token["id"])
        tokens.redeem(req, token["id"])
        monkeypatch.setattr(tokens.objects, "get", lambda db, account, object_id: dict(stale))
        with pytest.raises(Exception) as lost:
            tokens.redeem(req, token["id"])
    assert lost.value.code == "token_already_used"


def test_concurrent_redeems_of_one_token_let_exactly_one_win(tmp_path):
    path = str(tmp_path / "emu.db")
    apps = [make_app(db=path) for _ in range(2)]
    token = card_token(Api(apps[0]))
    barrier, results = threading.Barrier(8), []

    def redeem(app):
        barrier.wait()
        try:
            with in_request(app) as req:
                results.append(tokens.redeem(req, token["id"])["id"])
        except Exception as error:  # the losers' token_already_used
            results.append(error.code)

    threads = [threading.Thread(target=redeem, args=(apps[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for app in apps:
        app.close()
    assert sorted(results) == [token["card"]["id"]] + ["token_already_used"] * 7


def test_magic_tokens_mint_a_fresh_object_every_time(app):
    with in_request(app) as req:
        one, two = tokens.redeem(req, "tok_visa"), tokens.redeem(req, "tok_visa")
        debit = tokens.redeem(req, "tok_visa_debit")
        bank = tokens.redeem(req, "btok_us")
        verified = tokens.redeem(req, "btok_us_verified")
    assert one["id"] != two["id"] and one["fingerprint"] == two["fingerprint"]
    assert one["cvc_check"] == "pass" and one["exp_year"] > time.gmtime().tm_year
    assert (debit["brand"], debit["funding"]) == ("Visa", "debit")
    assert bank["object"] == "bank_account" and bank["id"].startswith("ba_")
    assert (bank["status"], verified["status"]) == ("new", "verified")
    assert snapshot(app) == []  # nothing is stored for magic tokens


def test_magic_tokens_carry_what_attaching_and_charging_will_do(app):
    with in_request(app) as req:
        declined = tokens.redeem(req, "tok_chargeDeclinedInsufficientFunds")
        customer_fail = tokens.redeem(req, "tok_chargeCustomerFail")
        cvc_fail = tokens.redeem(req, "tok_cvcCheckFail")
    error = cards.attach_error(declined)
    assert error.status == 402 and error.code == "card_declined"
    assert error.decline_code == "insufficient_funds"
    assert cards.attach_error(customer_fail) is None and customer_fail["_charge_fails"] is True
    assert cvc_fail["cvc_check"] == "fail" and cards.attach_error(cvc_fail) is None


def test_redeeming_an_unknown_token_names_the_parameter(app):
    with in_request(app) as req:
        with pytest.raises(Exception) as missing:
            tokens.redeem(req, "tok_unknown", param="card")
    assert missing.value.status == 400
    assert missing.value.body()["error"]["message"] == "No such token: 'tok_unknown'"
    assert missing.value.param == "card"


# -- the official client over a socket -------------------------------------------------------

def test_tokens_through_stripe_python(stripe_http, live_url):
    stripe = pytest.importorskip("stripe")
    card = {"number": "5555555555554444", "exp_month": 12, "exp_year": NEXT_YEAR, "cvc": "123"}
    token = stripe_http.v1.tokens.create(params={"card": card})
    assert token.id.startswith("tok_") and token.card.brand == "MasterCard"
    assert stripe_http.v1.tokens.retrieve(token.id).card.id == token.card.id
    bank = stripe_http.v1.tokens.create(params={"bank_account": {
        "country": "US", "currency": "usd", "routing_number": "110000000",
        "account_number": "000123456789", "account_holder_name": "Jane"}})
    assert bank.id.startswith("btok_") and bank.bank_account.status == "new"
    with pytest.raises(stripe.CardError) as bad:
        stripe_http.v1.tokens.create(params={"card": dict(card, number="4242424242424241")})
    assert bad.value.http_status == 402 and bad.value.code == "incorrect_number"
    assert bad.value.param == "number"
    browser = stripe.StripeClient(PUBLISHABLE_KEY, base_addresses={"api": live_url},
                                  max_network_retries=0)
    assert browser.v1.tokens.create(params={"card": card}).used is False
    with pytest.raises(stripe.AuthenticationError) as refused:
        browser.v1.tokens.retrieve(token.id)
    assert refused.value.http_status == 401
    assert refused.value.json_body["error"]["code"] == "secret_key_required"
