"""The 3D Secure test cards (docs.stripe.com/testing#three-ds-cards): one table in
stripe_emu/testcards/, asked by card Sources (their `three_d_secure` field) and by
PaymentMethods and intents (whether a payment or a setup needs authentication)."""
import pytest

from test_tokens import NEXT_YEAR

# Stripe's testing page: number -> what a card Source of it says in card.three_d_secure.
SOURCE_THREE_D_SECURE = {
    "4000000000003063": "required",
    "4000000000003220": "required",
    "4000002500003155": "required",
    "4000002760003184": "required",
    "378282246310005": "not_supported",
    "4000000000003055": "optional",
    "4000008400000027": "required",
    "4000008400001280": "required",
    "4000000032200000": "required",
    "4000000000003097": "optional",
    "4242424242424242": "optional",
    "5555555555554444": "optional",
}

# The testing page's 3D Secure tokens -> the last4 of their card.
THREE_D_SECURE_TOKENS = {
    "tok_threeDSecure2Required": "3220", "tok_threeDSecureRequiredChargeDeclined": "1629",
    "tok_threeDSecureRequiredProcessingError": "1280", "tok_threeDSecureOptional": "3055",
    "tok_threeDSecureOptionalProcessingError": "3097",
    "tok_amex_threeDSecureNotSupported": "0005"}


@pytest.mark.parametrize("number, expected", SOURCE_THREE_D_SECURE.items())
def test_a_card_source_says_whether_its_card_needs_3d_secure(api, number, expected):
    source = api.post("/v1/sources", {
        "type": "card", "card[number]": number, "card[exp_month]": "12",
        "card[exp_year]": str(NEXT_YEAR)})
    assert source["card"]["three_d_secure"] == expected
    assert api.get(f"/v1/sources/{source['id']}")["card"]["three_d_secure"] == expected


def test_a_token_source_keeps_the_3d_secure_of_its_card(api):
    token = api.post("/v1/tokens", {"card[number]": "4000000000003220", "card[exp_month]": "1",
                                    "card[exp_year]": str(NEXT_YEAR)})
    source = api.post("/v1/sources", {"type": "card", "token": token["id"]})
    assert source["card"]["three_d_secure"] == "required"


@pytest.mark.parametrize("pm_id, number", [
    ("pm_card_visa", "4242424242424242"), ("pm_card_chargeDeclined", "4000000000000002"),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "4000000000009995"),
    ("pm_card_threeDSecure2Required", "4000000000003220"),
    ("pm_card_authenticationRequiredOnSetup", "4000002500003155"),
    ("pm_card_threeDSecureRequiredProcessingError", "4000008400001280"),
    ("pm_card_threeDSecureOptionalProcessingError", "4000000000003097"),
    ("pm_card_amex_threeDSecureNotSupported", "378282246310005"),
    ("pm_card_nonsense", None), ("pm_1AbC", None)])
def test_magic_payment_method_ids_stand_for_test_cards(pm_id, number):
    from stripe_emu import testcards
    assert testcards.payment_method_card(pm_id) == number


@pytest.mark.parametrize("token, last4", THREE_D_SECURE_TOKENS.items())
def test_the_3d_secure_tokens_of_the_testing_page(api, token, last4):
    pm = api.post("/v1/payment_methods", {"type": "card", "card[token]": token})
    assert pm["card"]["last4"] == last4
