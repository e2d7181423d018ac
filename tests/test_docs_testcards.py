"""Stripe's testing page (docs.stripe.com/testing), section by section, against the emulator
through the official client over HTTP: every number, `tok_…` and `pm_card_…` it lists for a
flow we emulate is known, and does what the page says. Here the cards by brand (co-branded,
HSA/FSA) and by country: brand, funding, country, networks; their declines, checks, Radar
risk and the rest are in test_docs_testcards_outcomes.py."""
import pytest
import stripe

from test_tokens import NEXT_YEAR


def token_card(client, number, **card):
    return client.v1.tokens.create({"card": {"number": number, "exp_month": "12",
                                             "exp_year": str(NEXT_YEAR), "cvc": card.pop(
                                                 "cvc", "123"), **card}}).card


def paid_card(client, payment_method, **params):
    """The card details of a confirmed PaymentIntent's charge."""
    intent = client.v1.payment_intents.create({
        "amount": 2000, "currency": "usd", "payment_method": payment_method,
        "payment_method_types": ["card"], "confirm": True, "expand": ["latest_charge"],
        **params})
    assert intent.status == "succeeded"
    return intent.latest_charge


# -- cards by brand, co-branded cards, HSA/FSA ---------------------------------------------

# number -> (brand, funding, country); the country is Stripe's hint that "JCB and UnionPay"
# cards are issued outside the US (UNCERTAIN, as in testcards/cards.py).
BY_BRAND = {
    "4242424242424242": ("Visa", "credit", "US"), "4000056655665556": ("Visa", "debit", "US"),
    "5555555555554444": ("MasterCard", "credit", "US"),
    "2223003122003222": ("MasterCard", "credit", "US"),
    "5200828282828210": ("MasterCard", "debit", "US"),
    "5105105105105100": ("MasterCard", "prepaid", "US"),
    "378282246310005": ("American Express", "credit", "US"),
    "371449635398431": ("American Express", "credit", "US"),
    "6011111111111117": ("Discover", "credit", "US"),
    "6011000990139424": ("Discover", "credit", "US"),
    "6011981111111113": ("Discover", "debit", "US"),
    "3056930009020004": ("Diners Club", "credit", "US"),
    "36227206271667": ("Diners Club", "credit", "US"),
    "6555900000604105": ("Discover", "credit", "US"),
    "3566002020360505": ("JCB", "credit", "JP"),
    "6200000000000005": ("UnionPay", "credit", "CN"),
    "6200000000000047": ("UnionPay", "debit", "CN"),
    "6205500000000000004": ("UnionPay", "credit", "CN"),
    # Co-branded (Cartes Bancaires, eftpos Australia).
    "4000002500001001": ("Visa", "credit", "FR"),
    "5555552500001001": ("MasterCard", "credit", "FR"),
    "4000050360000001": ("Visa", "debit", "AU"),
    "5555050360000080": ("MasterCard", "debit", "AU"),
    # HSA / FSA.
    "4000051230000072": ("Visa", "debit", "US"),
    "5200828282828897": ("MasterCard", "debit", "US"),
}
BRAND_PAYMENT_METHODS = {  # tok_<name> and pm_card_<name> -> the number they mint
    "visa": "4242424242424242", "visa_debit": "4000056655665556",
    "mastercard": "5555555555554444", "mastercard_debit": "5200828282828210",
    "mastercard_prepaid": "5105105105105100", "amex": "378282246310005",
    "discover": "6011111111111117", "diners": "3056930009020004", "jcb": "3566002020360505",
    "unionpay": "6200000000000005", "visa_cartesBancaires": "4000002500001001",
    "mastercard_cartesBancaires": "5555552500001001",
    "visa_debit_eftposAuCoBranded": "4000050360000001",
    "mastercard_debit_eftposAuCoBranded": "5555050360000080",
}
# The HSA/FSA PaymentMethods have no token twin.
HEALTH_PAYMENT_METHODS = {"pm_card_debit_visaFsaProductCode": "4000051230000072",
                          "pm_card_debit_visaHsaProductCode": "4000051230000072",
                          "pm_card_mastercard_debit_mastercardFsaProductCode":
                              "5200828282828897"}


@pytest.mark.parametrize("number, expected", BY_BRAND.items())
def test_each_card_by_brand_has_its_brand_funding_and_country(stripe_http, number, expected):
    card = token_card(stripe_http, number,
                      cvc="1234" if expected[0] == "American Express" else "123")
    assert (card.brand, card.funding, card.country, card.last4) == (*expected, number[-4:])


@pytest.mark.parametrize("name, number", BRAND_PAYMENT_METHODS.items())
def test_each_brand_token_and_payment_method_mints_its_card(stripe_http, name, number):
    brand, funding, country = BY_BRAND[number]
    card = stripe_http.v1.tokens.retrieve("tok_" + name).card
    assert (card.brand, card.funding, card.country, card.last4) == (brand, funding, country,
                                                                  number[-4:])
    details = paid_card(stripe_http, "pm_card_" + name).payment_method_details.card
    assert (details.funding, details.country, details.last4) == (funding, country,
                                                                 number[-4:])


@pytest.mark.parametrize("payment_method, number", HEALTH_PAYMENT_METHODS.items())
def test_the_hsa_and_fsa_payment_methods_are_debit_cards(stripe_http, payment_method, number):
    details = paid_card(stripe_http, payment_method).payment_method_details.card
    assert (details.funding, details.last4) == ("debit", number[-4:])


# -- cards by country ------------------------------------------------------------------------

# country code -> number, as listed; the token and PaymentMethod are tok_<cc> / pm_card_<cc>.
BY_COUNTRY = {
    "us": "4242424242424242", "ar": "4000000320000021", "br": "4000000760000002",
    "ca": "4000001240000000", "cl": "4000001520000001", "co": "4000001700000003",
    "cr": "4000001880000005", "ec": "4000002180000000", "mx": "4000004840008001",
    "pa": "4000005910000000", "py": "4000006000000066", "pe": "4000006040000068",
    "uy": "4000008580000003",
    "at": "4000000400000008", "be": "4000000560000004", "bg": "4000001000000000",
    "by": "4000001120000005", "cy": "4000001960000008", "cz": "4000002030000002",
    "dk": "4000002080000001", "fi": "4000002460000001", "fr": "4000002500000003",
    "de": "4000002760000016", "gr": "4000003000000030", "hu": "4000003480000005",
    "ie": "4000003720000005", "it": "4000003800000008", "lv": "4000004280000005",
    "lt": "4000004400000000", "lu": "4000004420000006", "mt": "4000004700000007",
    "nl": "4000005280000002", "no": "4000005780000007", "pl": "4000006160000005",
    "pt": "4000006200000007", "ro": "4000006420000001", "si": "4000007050000006",
    "sk": "4000007030000001", "es": "4000007240000007", "se": "4000007520000008",
    "ch": "4000007560000009", "gb": "4000008260000000",
    "au": "4000000360000006", "cn": "4000001560000002", "hk": "4000003440000004",
    "in": "4000003560000008", "jp": "4000003920000003", "my": "4000004580000002",
    "nz": "4000005540000008", "sg": "4000007020000003", "tw": "4000001580000008",
}
# The rows whose token is not tok_<country>: name -> (number, country, brand, funding).
BY_COUNTRY_OTHERS = {
    "gb_debit": ("4000058260000005", "GB", "Visa", "debit"),
    "gb_mastercard": ("5555558265554449", "GB", "MasterCard", "credit"),
    "jcb": ("3566002020360505", "JP", "JCB", "credit"),
    "th_credit": ("4000007640000003", "TH", "Visa", "credit"),
    "th_debit": ("4000057640000008", "TH", "Visa", "debit"),
}
# Numbers listed without a token of their own.
COUNTRY_NUMBERS = {"4000006820000007": ("SA", "Visa"), "3530111333300000": ("JP", "JCB"),
                   "5062210000000009": ("MX", "Unknown")}


@pytest.mark.parametrize("country, number", BY_COUNTRY.items())
def test_each_country_number_token_and_payment_method(stripe_http, country, number):
    expected = (country.upper(), "Visa", number[-4:])
    card = token_card(stripe_http, number)
    assert (card.country, card.brand, card.last4) == expected
    card = stripe_http.v1.tokens.retrieve("tok_" + country).card
    assert (card.country, card.brand, card.last4) == expected
    details = paid_card(stripe_http, "pm_card_" + country).payment_method_details.card
    assert (details.country, details.brand, details.last4) == (country.upper(), "visa",
                                                               number[-4:])


@pytest.mark.parametrize("name, expected", BY_COUNTRY_OTHERS.items())
def test_the_other_country_tokens(stripe_http, name, expected):
    number, country, brand, funding = expected
    card = stripe_http.v1.tokens.retrieve("tok_" + name).card
    assert (card.last4, card.country, card.brand, card.funding) == (number[-4:], country,
                                                                    brand, funding)
    details = paid_card(stripe_http, "pm_card_" + name).payment_method_details.card
    assert (details.country, details.funding) == (country, funding)


@pytest.mark.parametrize("number, expected", COUNTRY_NUMBERS.items())
def test_the_country_numbers_without_tokens(stripe_http, number, expected):
    card = token_card(stripe_http, number)
    assert (card.country, card.brand) == expected


def declined(call):
    with pytest.raises(stripe.CardError) as raised:
        call()
    return raised.value.error


@pytest.mark.parametrize("name, networks", [
    ("visa_cartesBancaires", ["cartes_bancaires", "visa"]),
    ("mastercard_cartesBancaires", ["cartes_bancaires", "mastercard"]),
    ("visa_debit_eftposAuCoBranded", ["eftpos_au", "visa"]),
    ("mastercard_debit_eftposAuCoBranded", ["eftpos_au", "mastercard"]),
    ("visa", ["visa"])])
def test_a_co_branded_payment_method_is_available_on_both_networks(stripe_http, name,
                                                                    networks):
    method = stripe_http.v1.payment_methods.create({"type": "card",
                                                    "card": {"token": "tok_" + name}})
    assert (method.card.networks.available, method.card.networks.preferred) == (networks,
                                                                                None)
    intent = stripe_http.v1.payment_intents.create({
        "amount": 2000, "currency": "eur", "payment_method": "pm_card_" + name,
        "payment_method_types": ["card"]})
    used = stripe_http.v1.payment_methods.retrieve(intent.payment_method)
    assert used.card.networks.available == networks
