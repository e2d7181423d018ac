"""What the payment-source endpoints refuse before changing anything: malformed card, bank
and Source-type hashes (400 naming the parameter, never a 500), and return URLs that are not
absolute http(s) URLs; and the fields newer API versions show on cards and Sources."""
import pytest

from sources_kit import count, customer
from test_tokens import NEXT_YEAR, VISA, snapshot

CARD_HASH = {"source[number]": "4242424242424242", "source[exp_month]": "12",
             "source[exp_year]": str(NEXT_YEAR)}
THREE_D_SECURE = {"type": "three_d_secure", "amount": "100", "currency": "usd",
                  "redirect[return_url]": "https://shop.test/return"}


def refused(api, app, path, params, param):
    """POST `params`, expect Stripe's 400 naming `param`, and check nothing was stored."""
    before = snapshot(app)
    error = api.post(path, params, status=400)["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", param), error
    assert snapshot(app) == before
    return error


# -- malformed hashes -------------------------------------------------------------------------

@pytest.mark.parametrize("extra, param", [
    ({"source[metadata]": ""}, "source[metadata]"),
    ({"source[metadata][k][j]": "x"}, "source[metadata][k]"),
    ({"source[name][a]": "x"}, "source[name]"),
    ({"source[exp_month]": "twelve"}, "source[exp_month]"),
    ({"source[cvc][0]": "123"}, "source[cvc]"),
])
def test_a_malformed_card_hash_as_source_is_refused(api, app, extra, param):
    cus = customer(api)
    refused(api, app, f"/v1/customers/{cus}/sources", {**CARD_HASH, **extra}, param)
    assert count(app, "card") == 0


def test_a_malformed_hash_on_customer_create_is_refused(api, app):
    refused(api, app, "/v1/customers", {**CARD_HASH, "source[address_zip][a]": "1"},
            "source[address_zip]")
    assert count(app, "customer") == 0


@pytest.mark.parametrize("params, param", [
    ({"type": "card", **VISA, "card[metadata]": "x"}, "card[metadata]"),
    ({"type": "card", **VISA, "card[number][a]": "b"}, "card[number]"),
    ({"type": "card", "card": "tok_visa"}, "card"),
    ({"type": "sepa_debit", "currency": "eur", "owner[name]": "Jenny Rosen",
      "sepa_debit[iban][a]": "b"}, "sepa_debit[iban]"),
    ({"type": "sepa_debit", "currency": "eur", "owner[name]": "Jenny Rosen",
      "sepa_debit[bic]": "x"}, "sepa_debit[bic]"),
    ({**THREE_D_SECURE, "three_d_secure[card][a]": "b"}, "three_d_secure[card]"),
    ({**THREE_D_SECURE, "three_d_secure[customer][a]": "b"}, "three_d_secure[customer]"),
    ({"type": "ach_debit", "ach_debit[routing_number]": "110000000",
      "ach_debit[account_number]": "000123456789", "ach_debit[account_holder_type][a]": "1"},
     "ach_debit[account_holder_type]"),
    ({"type": "ach_debit", "ach_debit[account_number][a]": "1"},
     "ach_debit[account_number]"),
])
def test_a_malformed_source_type_hash_is_refused(api, app, params, param):
    refused(api, app, "/v1/sources", params, param)


def test_empty_fields_of_a_source_type_hash_are_unset(api):
    source = api.post("/v1/sources", {"type": "ach_debit",
                                      "ach_debit[routing_number]": "110000000",
                                      "ach_debit[account_number]": "000123456789",
                                      "ach_debit[account_holder_type]": ""})
    assert source["ach_debit"]["type"] == "individual"  # the default, as when not given
    error = api.post("/v1/sources", {"type": "sepa_debit", "currency": "eur",
                                     "owner[name]": "Jenny Rosen", "sepa_debit[iban]": ""},
                     status=400)["error"]
    assert error["message"] == "Missing required param: sepa_debit[iban]."


# -- redirect[return_url] -----------------------------------------------------------------

@pytest.fixture
def card_source(api):
    return api.post("/v1/sources", {"type": "card", **VISA})["id"]


@pytest.mark.parametrize("url", ["shop.test/return", "/return", "ftp://shop.test/return",
                                 "http://[x/", "http://[::1", "https://", "http://a b/",
                                 "javascript:alert(1)", "https://shop.test:99999/"])
def test_a_return_url_must_be_an_absolute_http_url(api, app, card_source, url):
    params = {**THREE_D_SECURE, "three_d_secure[card]": card_source,
              "redirect[return_url]": url}
    error = refused(api, app, "/v1/sources", params, "redirect[return_url]")
    assert (error["code"], error["message"]) == ("url_invalid", "Not a valid URL")


@pytest.mark.parametrize("url", ["https://shop.test/return?order=7", "http://127.0.0.1:8000/r",
                                 "http://shop.test/€uro"])
def test_absolute_http_return_urls_are_kept_as_given(api, card_source, url):
    source = api.post("/v1/sources", {**THREE_D_SECURE, "three_d_secure[card]": card_source,
                                      "redirect[return_url]": url})
    assert source["redirect"]["return_url"] == url


# -- fields of newer API versions -------------------------------------------------------------

def test_cards_and_sources_show_allow_redisplay_and_regulated_status(api):
    card = api.post(f"/v1/customers/{customer(api)}/sources", {"source": "tok_visa"})
    assert (card["allow_redisplay"], card["regulated_status"]) == ("unspecified", "unregulated")
    token = api.post("/v1/tokens", VISA)
    assert (token["card"]["allow_redisplay"], token["card"]["regulated_status"]) == (
        "unspecified", "unregulated")
    source = api.post("/v1/sources", {"type": "card", **VISA})
    assert source["allow_redisplay"] == "unspecified"


# -- the official client over a socket --------------------------------------------------------

def test_refusals_through_stripe_python(stripe_http):
    stripe = pytest.importorskip("stripe")
    cus = stripe_http.v1.customers.create().id
    sources = stripe_http.v1.customers.payment_sources
    with pytest.raises(stripe.InvalidRequestError) as malformed:
        sources.create(cus, params={"source": {
            "number": "4242424242424242", "exp_month": 12, "exp_year": NEXT_YEAR,
            "name": {"first": "Jenny"}}})
    assert malformed.value.http_status == 400 and malformed.value.param == "source[name]"
    sources.create(cus, params={"source": "btok_us"})
    with pytest.raises(stripe.InvalidRequestError) as twice:
        sources.create(cus, params={"bank_account": {
            "country": "US", "currency": "usd", "routing_number": "110000000",
            "account_number": "000123456789"}})
    assert twice.value.code == "bank_account_exists" and twice.value.param == "bank_account"
    card = stripe_http.v1.sources.create(params={"type": "card", "token": "tok_visa"})
    with pytest.raises(stripe.InvalidRequestError) as bad_url:
        stripe_http.v1.sources.create(params={
            "type": "three_d_secure", "amount": 100, "currency": "usd",
            "three_d_secure": {"card": card.id}, "redirect": {"return_url": "shop.test"}})
    assert bad_url.value.code == "url_invalid"
    assert bad_url.value.param == "redirect[return_url]"
    assert [s.object for s in sources.list(cus).data] == ["bank_account"]
