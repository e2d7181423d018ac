"""Stripe's test cards, tokens and bank accounts (the stripe_emu.testcards package)."""
import datetime
import re

import pytest

from test_international_cards import INTERNATIONAL_TOKENS
from test_three_d_secure_cards import THREE_D_SECURE_TOKENS
from stripe_emu import testcards as tc
from stripe_emu.errors import StripeError

TODAY = datetime.date(2025, 6, 15)

BRANDS = {  # number -> (brand, funding), from docs.stripe.com/testing
    "4242424242424242": ("Visa", "credit"), "4000056655665556": ("Visa", "debit"),
    "5555555555554444": ("MasterCard", "credit"), "2223003122003222": ("MasterCard", "credit"),
    "5200828282828210": ("MasterCard", "debit"), "5105105105105100": ("MasterCard", "prepaid"),
    "378282246310005": ("American Express", "credit"),
    "371449635398431": ("American Express", "credit"),
    "6011111111111117": ("Discover", "credit"), "6011000990139424": ("Discover", "credit"),
    "6011981111111113": ("Discover", "debit"), "3056930009020004": ("Diners Club", "credit"),
    "36227206271667": ("Diners Club", "credit"), "3566002020360505": ("JCB", "credit"),
    "6200000000000005": ("UnionPay", "credit"),
}

TOKENS = {  # token -> (number, brand, funding)
    "tok_visa": ("4242424242424242", "Visa", "credit"),
    "tok_us": ("4242424242424242", "Visa", "credit"),
    "tok_visa_debit": ("4000056655665556", "Visa", "debit"),
    "tok_mastercard": ("5555555555554444", "MasterCard", "credit"),
    "tok_mastercard_debit": ("5200828282828210", "MasterCard", "debit"),
    "tok_mastercard_prepaid": ("5105105105105100", "MasterCard", "prepaid"),
    "tok_amex": ("378282246310005", "American Express", "credit"),
    "tok_discover": ("6011111111111117", "Discover", "credit"),
    "tok_diners": ("3056930009020004", "Diners Club", "credit"),
    "tok_bypassPending": ("4000000000000077", "Visa", "credit"),
    "tok_chargeDeclined": ("4000000000000002", "Visa", "credit"),
    "tok_visa_chargeDeclined": ("4000000000000002", "Visa", "credit"),
    "tok_chargeDeclinedInsufficientFunds": ("4000000000009995", "Visa", "credit"),
    "tok_visa_chargeDeclinedInsufficientFunds": ("4000000000009995", "Visa", "credit"),
    "tok_chargeDeclinedLostCard": ("4000000000009987", "Visa", "credit"),
    "tok_visa_chargeDeclinedLostCard": ("4000000000009987", "Visa", "credit"),
    "tok_chargeDeclinedStolenCard": ("4000000000009979", "Visa", "credit"),
    "tok_visa_chargeDeclinedStolenCard": ("4000000000009979", "Visa", "credit"),
    "tok_chargeDeclinedExpiredCard": ("4000000000000069", "Visa", "credit"),
    "tok_chargeDeclinedIncorrectCvc": ("4000000000000127", "Visa", "credit"),
    "tok_chargeDeclinedProcessingError": ("4000000000000119", "Visa", "credit"),
    "tok_visa_chargeDeclinedVelocityLimitExceeded": ("4000000000006975", "Visa", "credit"),
    "tok_chargeDeclinedFraudulent": ("4100000000000019", "Visa", "credit"),
    "tok_radarBlock": ("4100000000000019", "Visa", "credit"),
    # The testing page's Radar table: "Highest risk" is 4000000000004954; 4100000000000019 is
    # "Always blocked" (tok_radarBlock).
    "tok_riskLevelHighest": ("4000000000004954", "Visa", "credit"),
    "tok_chargeCustomerFail": ("4000000000000341", "Visa", "credit"),
    "tok_cvcCheckFail": ("4000000000000101", "Visa", "credit"),
    "tok_avsFail": ("4000000000000010", "Visa", "credit"),
    "tok_avsLine1Fail": ("4000000000000028", "Visa", "credit"),
    "tok_avsZipFail": ("4000000000000036", "Visa", "credit"),
    "tok_avsUnchecked": ("4000000000000044", "Visa", "credit"),
    "tok_riskLevelElevated": ("4000000000009235", "Visa", "credit"),
    "tok_refundFail": ("4000000000005126", "Visa", "credit"),
    "tok_pendingRefund": ("4000000000007726", "Visa", "credit"),
    # More of the testing page's tokens (tests/test_docs_testcards.py uses them).
    "tok_visa_chargeDeclinedExpiredCard": ("4000000000000069", "Visa", "credit"),
    "tok_visa_chargeDeclinedIncorrectCvc": ("4000000000000127", "Visa", "credit"),
    "tok_visa_chargeDeclinedProcessingError": ("4000000000000119", "Visa", "credit"),
    "tok_visa_chargeDeclinedFraudulent": ("4100000000000019", "Visa", "credit"),
    "tok_visa_debit_chargeDeclinedInsufficientFunds": ("4000056655669996", "Visa", "debit"),
    "tok_visa_chargeCustomerFail": ("4000000000000341", "Visa", "credit"),
    "tok_visa_chargeCustomerFailLostCard": ("4000000000009870", "Visa", "credit"),
    "tok_visa_chargeCustomerFailStolenCard": ("4000000000003410", "Visa", "credit"),
    "tok_cvcCheckFailElevatedRisk": ("4000058400307872", "Visa", "credit"),
    "tok_avsZipFailElevatedRisk": ("4000058400306072", "Visa", "credit"),
    "tok_createDispute": ("4000000000000259", "Visa", "credit"),
    "tok_createDisputeProductNotReceived": ("4000000000002685", "Visa", "credit"),
    "tok_createDisputeInquiry": ("4000000000001976", "Visa", "credit"),
    "tok_createIssuerFraudRecord": ("4000000000005423", "Visa", "credit"),
    "tok_createMultipleDisputes": ("4000000404000079", "Visa", "credit"),
    "tok_createCe3EligibleDispute": ("4000000404000038", "Visa", "credit"),
    "tok_createComplianceDispute": ("4000008400000779", "Visa", "credit"),
}
# Tokens of cards from outside the US that are not Visa credit cards: token -> (number,
# brand, funding, country).
TOKENS_ABROAD = {
    "tok_jcb": ("3566002020360505", "JCB", "credit", "JP"),
    "tok_unionpay": ("6200000000000005", "UnionPay", "credit", "CN"),
    "tok_gb_mastercard": ("5555558265554449", "MasterCard", "credit", "GB"),
    "tok_th_debit": ("4000057640000008", "Visa", "debit", "TH"),
    "tok_visa_cartesBancaires": ("4000002500001001", "Visa", "credit", "FR"),
    "tok_mastercard_cartesBancaires": ("5555552500001001", "MasterCard", "credit", "FR"),
    "tok_visa_debit_eftposAuCoBranded": ("4000050360000001", "Visa", "debit", "AU"),
    "tok_mastercard_debit_eftposAuCoBranded": ("5555050360000080", "MasterCard", "debit",
                                               "AU"),
}

DECLINED = "Your card was declined."
DECLINES = {  # number -> (code, decline_code, message, param), docs.stripe.com/testing
    "4000000000000002": ("card_declined", "generic_decline", DECLINED, None),
    "4000000000009995": ("card_declined", "insufficient_funds",
                         "Your card has insufficient funds.", None),
    "4000000000009987": ("card_declined", "lost_card", DECLINED, None),
    "4000000000009979": ("card_declined", "stolen_card", DECLINED, None),
    "4100000000000019": ("card_declined", "fraudulent", DECLINED, None),
    "4000000000006975": ("card_declined", "card_velocity_exceeded",
                         "Your card was declined for making repeated attempts too frequently "
                         "or exceeding its amount limit.", None),
    "4000000000000069": ("expired_card", "expired_card", "Your card has expired.", "exp_month"),
    "4000000000000127": ("incorrect_cvc", "incorrect_cvc",
                         "Your card's security code is incorrect.", "cvc"),
    "4000000000000119": ("processing_error", "processing_error",
                         "An error occurred while processing your card. "
                         "Try again in a little bit.", None),
}


def assert_card_error(err, code, message, param, decline_code=None):
    assert isinstance(err, StripeError)
    assert (err.status, err.type, err.code, err.message, err.param, err.decline_code) == (
        402, "card_error", code, message, param, decline_code)


# --- Luhn and brands --------------------------------------------------------------------------
@pytest.mark.parametrize("number", [*BRANDS, *DECLINES, "4000000000000341",
                                    "4000000000000101", "4000000000000010", "4000000000000028",
                                    "4000000000000036", "4000000000000044", "4000000000000077"])
def test_every_table_number_passes_luhn(number):
    assert tc.luhn_ok(number)


@pytest.mark.parametrize("number", ["4242424242424241", "4242424242424243", "", "abcd",
                                    "4242 4242 4242 4242", "٤٢٤٢", "424242424242424²"])
def test_luhn_rejects(number):
    assert not tc.luhn_ok(number)


@pytest.mark.parametrize("number, brand_funding", BRANDS.items())
def test_brand_cards(number, brand_funding):
    p = tc.card_profile(number)
    assert (p.brand, p.funding) == brand_funding
    assert tc.brand_for(number) == brand_funding[0]
    # The testing page lists tok_jcb under Japan; JCB and UnionPay cards are not US ones.
    country = {"JCB": "JP", "UnionPay": "CN"}.get(brand_funding[0], "US")
    assert (p.country, p.last4, p.number) == (country, number[-4:], number)
    assert p.decline is None and not p.charge_fails


@pytest.mark.parametrize("number, brand", [
    ("4111111111111111", "Visa"), ("5425233430109903", "MasterCard"),
    ("2720999999999996", "MasterCard"), ("340000000000009", "American Express"),
    ("6500000000000002", "Discover"), ("6440000000000000", "Discover"),
    ("30000000000004", "Diners Club"), ("38520000023237", "Diners Club"),
    ("3530111333300000", "JCB"), ("6212345678901265", "UnionPay"),
    ("9999999999999995", "Unknown"), ("1234567812345670", "Unknown"),
    ("2800000000000000", "Unknown"),
])
def test_brand_by_iin(number, brand):
    assert tc.brand_for(number) == brand


def test_non_table_numbers_default_to_us_credit_with_passing_checks():
    p = tc.card_profile("4111111111111111")
    assert (p.brand, p.funding, p.country, p.last4) == ("Visa", "credit", "US", "1111")
    assert p.checks(cvc="123", address_line1="1 Main", address_zip="94107") == {
        "address_line1_check": "pass", "address_zip_check": "pass", "cvc_check": "pass"}
    assert p.decline is None and not p.charge_fails


# --- magic tokens -----------------------------------------------------------------------------
@pytest.mark.parametrize("token, expected", TOKENS.items())
def test_magic_tokens(token, expected):
    number, brand, funding = expected
    assert tc.MAGIC_TOKENS[token] == number
    assert tc.luhn_ok(number)
    card = tc.magic_token(token, TODAY)
    p = card.profile
    assert (p.number, p.brand, p.funding, p.last4, p.country) == (
        number, brand, funding, number[-4:], "US")
    assert (card.exp_month, card.exp_year, card.cvc_supplied) == (6, 2026, True)


@pytest.mark.parametrize("token, expected", TOKENS_ABROAD.items())
def test_magic_tokens_abroad(token, expected):
    number, brand, funding, country = expected
    p = tc.magic_token(token, TODAY).profile
    assert (p.number, p.brand, p.funding, p.country) == (number, brand, funding, country)


def test_unknown_tokens():
    assert tc.magic_token("tok_nope", TODAY) is None
    assert tc.magic_token("tok_1abc", TODAY) is None
    assert tc.magic_token("btok_us", TODAY) is None
    assert set(TOKENS) | set(TOKENS_ABROAD) | set(INTERNATIONAL_TOKENS) | set(
        THREE_D_SECURE_TOKENS) == set(tc.MAGIC_TOKENS)


def test_default_expiry_is_a_future_date():
    assert tc.default_expiry(datetime.date(2024, 12, 31)) == (12, 2025)
    month, year = tc.default_expiry(TODAY)
    assert tc.validate_expiry(month, year, TODAY) == (month, year)


# --- declines and special behaviour -----------------------------------------------------------
@pytest.mark.parametrize("number, expected", DECLINES.items())
def test_decline_cards_carry_stripes_card_error(number, expected):
    code, decline_code, message, param = expected
    p = tc.card_profile(number)
    assert_card_error(p.decline.error(), code, message, param, decline_code)
    assert not p.charge_fails  # declining at attach already: no charge gets that far
    body = p.decline.error().body()["error"]
    assert body["type"] == "card_error" and body["decline_code"] == decline_code
    assert body["doc_url"].endswith(code.replace("_", "-"))


def test_charge_customer_fail_attaches_but_charges_fail():
    p = tc.card_profile(tc.MAGIC_TOKENS["tok_chargeCustomerFail"])
    assert p.charge_fails and p.decline is None


def test_cvc_check_fail_attaches_with_cvc_check_fail():
    p = tc.card_profile("4000000000000101")
    assert p.decline is None and p.cvc_check_result == "fail"
    assert p.cvc_check(True) == "fail" and p.cvc_check(False) is None
    assert tc.card_profile("4242424242424242").cvc_check(True) == "pass"


@pytest.mark.parametrize("number, line1, zip_", [
    ("4000000000000010", "fail", "fail"), ("4000000000000028", "fail", "pass"),
    ("4000000000000036", "pass", "fail"), ("4000000000000044", "unavailable", "unavailable"),
    ("4242424242424242", "pass", "pass"),
])
def test_avs_checks_depend_on_what_was_supplied(number, line1, zip_):
    p = tc.card_profile(number)
    assert p.decline is None
    assert (p.address_line1_check(True), p.address_zip_check(True)) == (line1, zip_)
    assert (p.address_line1_check(False), p.address_zip_check(False)) == (None, None)
    assert p.checks(address_line1="x", address_zip="") == {
        "address_line1_check": line1, "address_zip_check": None, "cvc_check": None}


# --- tokenization-time validation -------------------------------------------------------------
@pytest.mark.parametrize("number", ["4242424242424241", "42424242", "42424242424242424242"])
def test_validate_card_number_rejects(number):
    with pytest.raises(StripeError) as e:
        tc.validate_card_number(number)
    assert_card_error(e.value, "incorrect_number", "Your card number is incorrect.", "number")


@pytest.mark.parametrize("number", ["4242-4242-4242-4242", "", None, "abcdabcdabcdabcd", "-1",
                                    "٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢"])
def test_validate_card_number_rejects_what_is_not_a_number(number):
    with pytest.raises(StripeError) as e:
        tc.validate_card_number(number)
    assert_card_error(e.value, "invalid_number",
                      "Your card number is not a valid credit card number.", "number")


def test_validate_card_number_accepts():
    assert tc.validate_card_number("4242424242424242") == "4242424242424242"
    assert tc.validate_card_number(4242424242424242) == "4242424242424242"
    assert tc.validate_card_number("36227206271667") == "36227206271667"


@pytest.mark.parametrize("month, year, expected", [
    (6, 2025, (6, 2025)), ("12", "2030", (12, 2030)), ("08", "27", (8, 2027)),
    (1, 26, (1, 2026)), (" 7 ", 2025, (7, 2025)),
])
def test_validate_expiry_accepts(month, year, expected):
    assert tc.validate_expiry(month, year, TODAY) == expected


@pytest.mark.parametrize("month", [0, 13, "x", "", None, -1, "1.5"])
def test_validate_expiry_bad_month(month):
    with pytest.raises(StripeError) as e:
        tc.validate_expiry(month, 2030, TODAY)
    assert_card_error(e.value, "invalid_expiry_month",
                      "Your card's expiration month is invalid.", "exp_month")


@pytest.mark.parametrize("month, year", [(12, 2024), (5, 2025), (1, 24), (6, "abc"),
                                         (6, None), (6, "")])
def test_validate_expiry_past_or_bad_year(month, year):
    with pytest.raises(StripeError) as e:
        tc.validate_expiry(month, year, TODAY)
    assert_card_error(e.value, "invalid_expiry_year",
                      "Your card's expiration year is invalid.", "exp_year")


@pytest.mark.parametrize("cvc, brand, expected", [
    ("123", "Visa", "123"), ("1234", "American Express", "1234"), (None, "Visa", None),
    ("", "American Express", None), (123, "MasterCard", "123"),
])
def test_validate_cvc_accepts(cvc, brand, expected):
    assert tc.validate_cvc(cvc, brand) == expected


@pytest.mark.parametrize("cvc, brand", [("12", "Visa"), ("1234", "Visa"),
                                        ("123", "American Express"), ("12a", "JCB")])
def test_validate_cvc_rejects(cvc, brand):
    with pytest.raises(StripeError) as e:
        tc.validate_cvc(cvc, brand)
    assert_card_error(e.value, "invalid_cvc", "Your card's security code is invalid.", "cvc")


def test_card_from_params_validates_in_order_then_profiles():
    card = tc.card_from_params("378282246310005", "3", "29", "1234", today=TODAY)
    assert (card.profile.brand, card.exp_month, card.exp_year, card.cvc_supplied) == (
        "American Express", 3, 2029, True)
    assert not tc.card_from_params("4242424242424242", 1, 2030, today=TODAY).cvc_supplied
    with pytest.raises(StripeError) as e:  # bad number wins over bad expiry and cvc
        tc.card_from_params("4242424242424241", 13, 1999, "1", today=TODAY)
    assert e.value.code == "incorrect_number"
    with pytest.raises(StripeError) as e:
        tc.card_from_params("4242424242424242", 1, 1999, "1", today=TODAY)
    assert e.value.code == "invalid_expiry_year"
    # Declining numbers tokenize fine: the decline comes when the card is attached.
    card = tc.card_from_params("4000000000000002", 1, 2030, "123", today=TODAY)
    assert card.profile.decline.decline_code == "generic_decline"


# --- fingerprints -----------------------------------------------------------------------------
def test_card_fingerprint():
    a = tc.fingerprint("acct_1", "4242424242424242")
    assert re.fullmatch(r"[A-Za-z0-9]{16}", a)
    assert a == tc.fingerprint("acct_1", "4242424242424242")
    assert a == tc.card_profile("4242424242424242").fingerprint("acct_1")
    assert a != tc.fingerprint("acct_2", "4242424242424242")
    assert a != tc.fingerprint("acct_1", "4000056655665556")


def test_bank_fingerprint():
    a = tc.bank_fingerprint("acct_1", "110000000", "000123456789")
    assert re.fullmatch(r"[A-Za-z0-9]{16}", a)
    assert a == tc.bank_profile("110000000", "000123456789").fingerprint("acct_1")
    assert a != tc.bank_fingerprint("acct_2", "110000000", "000123456789")
    assert a != tc.bank_fingerprint("acct_1", "110000000", "000111111116")
    assert a != tc.fingerprint("acct_1", "110000000000123456789")


# --- bank accounts ----------------------------------------------------------------------------
@pytest.mark.parametrize("number, failure", [
    ("000123456789", None), ("000111111116", "no_account"), ("000111111113", "account_closed"),
    ("000222222227", "insufficient_funds"), ("000333333335", "debit_not_authorized"),
    ("000444444440", "invalid_currency"),
])
def test_test_bank_accounts(number, failure):
    p = tc.bank_profile("110000000", number)
    assert (p.bank_name, p.country, p.currency, p.last4, p.status, p.failure_code) == (
        "STRIPE TEST BANK", "US", "usd", number[-4:], "new", failure)


def test_bank_tokens():
    p = tc.bank_token("btok_us_verified")
    assert (p.routing_number, p.account_number, p.status, p.failure_code, p.last4) == (
        "110000000", "000123456789", "verified", None, "6789")
    p = tc.bank_token("btok_us")
    assert (p.account_number, p.status, p.bank_name) == ("000123456789", "new",
                                                        "STRIPE TEST BANK")
    assert tc.bank_token("btok_us_verified_accountClosed").failure_code == "account_closed"
    assert tc.bank_token("btok_nope") is None and tc.bank_token("tok_visa") is None


def test_bank_profile_other_banks_and_normalisation():
    p = tc.bank_profile("011000015", "1234", country="us", currency="USD")
    assert (p.bank_name, p.country, p.currency, p.failure_code) == (None, "US", "usd", None)


@pytest.mark.parametrize("routing, message", [
    ("11000000", "Routing number must have 9 digits"),
    ("1100000000", "Routing number must have 9 digits"),
    ("110-0000", "Routing number must have 9 digits"), (None, "Routing number must have 9 digits"),
    ("123456789", "Invalid routing number: 123456789"),
])
def test_bank_profile_rejects_routing(routing, message):
    with pytest.raises(StripeError) as e:
        tc.bank_profile(routing, "000123456789")
    assert (e.value.status, e.value.type, e.value.message, e.value.param) == (
        400, "invalid_request_error", message, "bank_account[routing_number]")


@pytest.mark.parametrize("number", ["123", "abc123456", "", None, "1" * 18])
def test_bank_profile_rejects_account_number(number):
    with pytest.raises(StripeError) as e:
        tc.bank_profile("110000000", number, param_prefix="source")
    assert (e.value.status, e.value.param) == (400, "source[account_number]")


@pytest.mark.parametrize("amounts, ok", [
    ([32, 45], True), (["32", "45"], True), ((45, 32), True), ([32, 46], False),
    ([32], False), ([32, 45, 0], False), (["a", "b"], False), (None, False), ([], False),
    (["٣٢", "٤٥"], False), (["32", "4²"], False), (["9" * 5000, "45"], False),
])
def test_verify_amounts(amounts, ok):
    assert tc.VERIFY_AMOUNTS == (32, 45)
    assert tc.verify_amounts_ok(amounts) is ok
