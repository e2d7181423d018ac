"""Issue 12, item 18: the international test cards and their tokens carry their country
(docs.stripe.com/testing, "International cards"), through tokens, customer cards and card
Sources alike."""
import pytest

from stripe_emu import testcards as tc
from test_tokens import NEXT_YEAR

# token -> (number, country, funding): the cards the issue names and a few of each region.
INTERNATIONAL_TOKENS = {
    "tok_ca": ("4000001240000000", "CA", "credit"), "tok_br": ("4000000760000002", "BR", "credit"),
    "tok_mx": ("4000004840008001", "MX", "credit"), "tok_ar": ("4000000320000021", "AR", "credit"),
    "tok_gb": ("4000008260000000", "GB", "credit"),
    "tok_gb_debit": ("4000058260000005", "GB", "debit"),
    "tok_de": ("4000002760000016", "DE", "credit"), "tok_fr": ("4000002500000003", "FR", "credit"),
    "tok_at": ("4000000400000008", "AT", "credit"), "tok_be": ("4000000560000004", "BE", "credit"),
    "tok_ch": ("4000007560000009", "CH", "credit"), "tok_dk": ("4000002080000001", "DK", "credit"),
    "tok_ee": ("4000002330000009", "EE", "credit"), "tok_es": ("4000007240000007", "ES", "credit"),
    "tok_fi": ("4000002460000001", "FI", "credit"), "tok_gr": ("4000003000000030", "GR", "credit"),
    "tok_ie": ("4000003720000005", "IE", "credit"),
    "tok_bypassPendingInternational": ("4000003720000278", "IE", "credit"), "tok_it": ("4000003800000008", "IT", "credit"),
    "tok_lt": ("4000004400000000", "LT", "credit"), "tok_lu": ("4000004420000006", "LU", "credit"),
    "tok_lv": ("4000004280000005", "LV", "credit"), "tok_nl": ("4000005280000002", "NL", "credit"),
    "tok_no": ("4000005780000007", "NO", "credit"), "tok_pl": ("4000006160000005", "PL", "credit"),
    "tok_pt": ("4000006200000007", "PT", "credit"), "tok_se": ("4000007520000008", "SE", "credit"),
    "tok_si": ("4000007050000006", "SI", "credit"), "tok_sk": ("4000007030000001", "SK", "credit"),
    "tok_ae": ("4000007840000001", "AE", "credit"), "tok_au": ("4000000360000006", "AU", "credit"),
    "tok_cn": ("4000001560000002", "CN", "credit"), "tok_hk": ("4000003440000004", "HK", "credit"),
    "tok_in": ("4000003560000008", "IN", "credit"), "tok_jp": ("4000003920000003", "JP", "credit"),
    "tok_my": ("4000004580000002", "MY", "credit"), "tok_nz": ("4000005540000008", "NZ", "credit"),
    "tok_sg": ("4000007020000003", "SG", "credit"), "tok_th": ("4000007640000003", "TH", "credit"),
    # The rest of the testing page's "by country" tokens.
    "tok_th_credit": ("4000007640000003", "TH", "credit"),
    "tok_cl": ("4000001520000001", "CL", "credit"), "tok_co": ("4000001700000003", "CO", "credit"),
    "tok_cr": ("4000001880000005", "CR", "credit"), "tok_ec": ("4000002180000000", "EC", "credit"),
    "tok_pa": ("4000005910000000", "PA", "credit"), "tok_py": ("4000006000000066", "PY", "credit"),
    "tok_pe": ("4000006040000068", "PE", "credit"), "tok_uy": ("4000008580000003", "UY", "credit"),
    "tok_bg": ("4000001000000000", "BG", "credit"), "tok_by": ("4000001120000005", "BY", "credit"),
    "tok_cy": ("4000001960000008", "CY", "credit"), "tok_cz": ("4000002030000002", "CZ", "credit"),
    "tok_hu": ("4000003480000005", "HU", "credit"), "tok_mt": ("4000004700000007", "MT", "credit"),
    "tok_ro": ("4000006420000001", "RO", "credit"), "tok_tw": ("4000001580000008", "TW", "credit"),
}


@pytest.mark.parametrize("token, expected", INTERNATIONAL_TOKENS.items())
def test_each_international_token_mints_its_countrys_card(token, expected):
    number, country, funding = expected
    assert tc.MAGIC_TOKENS[token] == number and tc.luhn_ok(number)
    profile = tc.card_profile(number)
    assert (profile.country, profile.funding, profile.brand) == (country, funding, "Visa")
    assert profile.decline is None and not profile.charge_fails


def test_the_uk_mastercard_is_a_british_mastercard():
    profile = tc.card_profile("5555558265554449")
    assert (profile.country, profile.brand) == ("GB", "MasterCard")


def test_a_canadian_card_through_the_api(api):
    by_number = api.post("/v1/tokens", {
        "card[number]": "4000001240000000", "card[exp_month]": "12",
        "card[exp_year]": str(NEXT_YEAR), "card[cvc]": "123"})["card"]
    assert (by_number["country"], by_number["brand"], by_number["last4"]) == ("CA", "Visa", "0000")
    customer = api.post("/v1/customers", {"source": "tok_gb"})
    card = api.get(f"/v1/customers/{customer['id']}/sources/{customer['default_source']}")
    assert card["country"] == "GB"
    source = api.post("/v1/sources", {"type": "card", "token": "tok_ca"})
    assert source["card"]["country"] == "CA"
    assert api.get("/v1/tokens/tok_br")["card"]["country"] == "BR"


def test_us_cards_stay_us(api):
    assert api.post("/v1/customers", {"source": "tok_visa", "expand[]": "default_source"})[
        "default_source"]["country"] == "US"
