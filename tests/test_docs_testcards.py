"""Stripe's testing page (docs.stripe.com/testing), section by section, against the emulator
through the official client over HTTP: every number, `tok_…` and `pm_card_…` it lists for a
flow we emulate is known, and does what the page says (brand, funding, country, its decline
and when, its checks, its Radar risk). Disputes are not emulated: a dispute card's charge
simply succeeds."""
import pytest
import stripe

from test_tokens import NEXT_YEAR

VELOCITY = ("Your card was declined for making repeated attempts too frequently or exceeding "
            "its amount limit.")


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


# -- declined payments ---------------------------------------------------------------------

GENERIC = ("card_declined", "generic_decline", "Your card was declined.")
# number -> (code, decline_code, message), and the page's PaymentMethods and tokens for it.
DECLINES = {
    "4000000000000002": (GENERIC, "pm_card_visa_chargeDeclined",
                         "tok_visa_chargeDeclined tok_chargeDeclined"),
    "4000000000009995": (("card_declined", "insufficient_funds",
                          "Your card has insufficient funds."),
                         "pm_card_visa_chargeDeclinedInsufficientFunds",
                         "tok_visa_chargeDeclinedInsufficientFunds"),
    "4000000000009987": (("card_declined", "lost_card", "Your card was declined."),
                         "pm_card_visa_chargeDeclinedLostCard",
                         "tok_visa_chargeDeclinedLostCard"),
    "4000000000009979": (("card_declined", "stolen_card", "Your card was declined."),
                         "pm_card_visa_chargeDeclinedStolenCard",
                         "tok_visa_chargeDeclinedStolenCard"),
    "4000000000000069": (("expired_card", "expired_card", "Your card has expired."),
                         "pm_card_chargeDeclinedExpiredCard",
                         "tok_chargeDeclinedExpiredCard tok_visa_chargeDeclinedExpiredCard"),
    "4000000000000127": (("incorrect_cvc", "incorrect_cvc",
                          "Your card's security code is incorrect."),
                         "pm_card_chargeDeclinedIncorrectCvc",
                         "tok_chargeDeclinedIncorrectCvc tok_visa_chargeDeclinedIncorrectCvc"),
    "4000000000000119": (("processing_error", "processing_error",
                          "An error occurred while processing your card. Try again in a "
                          "little bit."),
                         "pm_card_chargeDeclinedProcessingError",
                         "tok_chargeDeclinedProcessingError "
                         "tok_visa_chargeDeclinedProcessingError"),
    "4000000000006975": (("card_declined", "card_velocity_exceeded", VELOCITY),
                         "pm_card_visa_chargeDeclinedVelocityLimitExceeded",
                         "tok_visa_chargeDeclinedVelocityLimitExceeded"),
    "4100000000000019": (("card_declined", "fraudulent", "Your card was declined."),
                         "pm_card_radarBlock",
                         "tok_visa_chargeDeclinedFraudulent tok_radarBlock"),
}
DECLINE_TOKENS = [(token, number) for number, (_, _, tokens) in DECLINES.items()
                  for token in tokens.split()] + [
    ("tok_visa_debit_chargeDeclinedInsufficientFunds", None)]


def declined(call):
    with pytest.raises(stripe.CardError) as raised:
        call()
    return raised.value.error


@pytest.mark.parametrize("number", DECLINES)
def test_each_declining_number_declines_a_payment_with_its_codes(stripe_http, number):
    (code, decline_code, message), payment_method, _ = DECLINES[number]
    for method in (payment_method, {"type": "card", "card": {
            "number": number, "exp_month": 12, "exp_year": NEXT_YEAR, "cvc": "123"}}):
        if isinstance(method, dict):
            method = stripe_http.v1.payment_methods.create(method).id
        error = declined(lambda: paid_card(stripe_http, method))
        assert (error.code, error.decline_code, error.message) == (code, decline_code, message)
        assert error.payment_intent.last_payment_error.decline_code == decline_code


@pytest.mark.parametrize("token, number", DECLINE_TOKENS)
def test_each_declining_token_cannot_be_attached_to_a_customer(stripe_http, token, number):
    card = stripe_http.v1.tokens.retrieve(token).card
    if number:
        assert card.last4 == number[-4:]
        code, decline_code, message = DECLINES[number][0]
    else:  # the Visa debit card with insufficient funds
        assert (card.brand, card.funding) == ("Visa", "debit")
        code, decline_code, message = ("card_declined", "insufficient_funds",
                                       "Your card has insufficient funds.")
    error = declined(lambda: stripe_http.v1.customers.create({"source": token}))
    assert (error.code, error.decline_code, error.message) == (code, decline_code, message)
    assert stripe_http.v1.customers.list().data == []


@pytest.mark.parametrize("token, decline_code", [
    ("tok_chargeCustomerFail", "generic_decline"),
    ("tok_visa_chargeCustomerFail", "generic_decline"),
    ("tok_visa_chargeCustomerFailLostCard", "lost_card"),
    ("tok_visa_chargeCustomerFailStolenCard", "stolen_card")])
def test_the_decline_after_attaching_tokens_attach_then_decline(stripe_http, token,
                                                                 decline_code):
    customer = stripe_http.v1.customers.create({"source": token})
    error = declined(lambda: stripe_http.v1.charges.create({
        "amount": 2000, "currency": "usd", "customer": customer.id}))
    assert (error.code, error.decline_code) == ("card_declined", decline_code)
    failed = stripe_http.v1.charges.retrieve(error.charge)
    assert (failed.status, failed.outcome.reason) == ("failed", decline_code)


def test_an_incorrect_number_is_refused_when_tokenized(stripe_http):
    error = declined(lambda: token_card(stripe_http, "4242424242424241"))
    assert (error.code, error.param) == ("incorrect_number", "number")


# -- fraud prevention ------------------------------------------------------------------------

# name -> (number, risk level, cvc_check, address_zip_check), the checks given a CVC and a zip.
RADAR = {
    "cvcCheckFailElevatedRisk": ("4000058400307872", "elevated", "fail", "pass"),
    "avsZipFailElevatedRisk": ("4000058400306072", "elevated", "pass", "fail"),
    "cvcCheckFail": ("4000000000000101", "normal", "fail", "pass"),
    "avsZipFail": ("4000000000000036", "normal", "pass", "fail"),
    "riskLevelElevated": ("4000000000009235", "elevated", "pass", "pass"),
}


@pytest.mark.parametrize("name, expected", RADAR.items())
def test_the_radar_cards_succeed_with_their_risk_and_checks(stripe_http, name, expected):
    number, risk_level, cvc_check, zip_check = expected
    token = stripe_http.v1.tokens.create({"card": {
        "number": number, "exp_month": "12", "exp_year": str(NEXT_YEAR), "cvc": "123",
        "address_zip": "94107"}})
    charge = stripe_http.v1.charges.create({"amount": 2000, "currency": "usd",
                                            "source": token.id})
    assert (charge.status, charge.outcome.risk_level) == ("succeeded", risk_level)
    assert (charge.source.cvc_check, charge.source.address_zip_check) == (cvc_check,
                                                                          zip_check)
    assert stripe_http.v1.tokens.retrieve("tok_" + name).card.last4 == number[-4:]
    charge = paid_card(stripe_http, "pm_card_" + name)
    assert charge.outcome.risk_level == risk_level
    assert charge.payment_method_details.card.checks.cvc_check == cvc_check


# -- disputes (not emulated: their charges succeed) ----------------------------------------

DISPUTES = {
    "createDispute": "4000000000000259",
    "createDisputeProductNotReceived": "4000000000002685",
    "createDisputeInquiry": "4000000000001976", "createIssuerFraudRecord": "4000000000005423",
    "createMultipleDisputes": "4000000404000079",
    "createCe3EligibleDispute": "4000000404000038",
    "createComplianceDispute": "4000008400000779",
}


@pytest.mark.parametrize("name, number", DISPUTES.items())
def test_the_dispute_cards_charge_successfully(stripe_http, name, number):
    charge = stripe_http.v1.charges.create({"amount": 2000, "currency": "usd",
                                            "source": "tok_" + name})
    assert (charge.status, charge.source.last4) == ("succeeded", number[-4:])
    assert paid_card(stripe_http, "pm_card_" + name).payment_method_details.card.last4 == \
        number[-4:]
    assert token_card(stripe_http, number).brand == "Visa"


# -- refunds, available balance, 3D Secure: the page's PaymentMethods are all known ---------

@pytest.mark.parametrize("payment_method", [
    "pm_card_pendingRefund", "pm_card_refundFail", "pm_card_bypassPending",
    "pm_card_bypassPendingInternational", "pm_card_threeDSecureOptional",
    "pm_card_threeDSecureOptionalProcessingError", "pm_card_amex_threeDSecureNotSupported"])
def test_the_page_payment_methods_that_pay_without_authentication(stripe_http,
                                                                    payment_method):
    assert paid_card(stripe_http, payment_method).status == "succeeded"


@pytest.mark.parametrize("payment_method", [
    "pm_card_threeDSecure2Required", "pm_card_threeDSecureRequiredChargeDeclined",
    "pm_card_authenticationRequiredOnSetup", "pm_card_authenticationRequired",
    "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds",
    "pm_card_authenticationRequiredSetupForOffSession"])
def test_the_page_payment_methods_that_ask_for_authentication(stripe_http, payment_method):
    intent = stripe_http.v1.payment_intents.create({
        "amount": 2000, "currency": "eur", "payment_method": payment_method,
        "payment_method_types": ["card"], "confirm": True})
    assert intent.status == "requires_action"


# -- invalid data ----------------------------------------------------------------------------

@pytest.mark.parametrize("card, code, param", [
    ({"exp_month": "13"}, "invalid_expiry_month", "exp_month"),
    # "Use a year up to 50 years in the past, such as 95": a two-digit year is 19YY when
    # 20YY would be more than 50 years ahead.
    ({"exp_year": "95"}, "invalid_expiry_year", "exp_year"),
    ({"cvc": "99"}, "invalid_cvc", "cvc"),
    ({"number": "4242424242424241"}, "incorrect_number", "number")])
def test_invalid_data_is_refused_with_its_code(stripe_http, card, code, param):
    fields = {"number": "4242424242424242", "exp_month": "12", "exp_year": str(NEXT_YEAR),
              "cvc": "123", **card}
    error = declined(lambda: stripe_http.v1.tokens.create({"card": fields}))
    assert (error.code, error.param) == (code, param)
    error = declined(lambda: stripe_http.v1.payment_methods.create({"type": "card",
                                                                     "card": fields}))
    assert (error.code, error.param) == (code, param)


def test_a_two_digit_year_of_the_next_fifty_years_is_this_century(stripe_http):
    card = token_card(stripe_http, "4242424242424242", exp_year=str(NEXT_YEAR % 100))
    assert card.exp_year == NEXT_YEAR


def test_the_incorrect_cvc_card_declines_only_when_a_cvc_is_given(stripe_http):
    # "To simulate an incorrect CVC, you must provide one … If you don't provide a CVC, Stripe
    # doesn't perform the CVC check, so the check can't fail."
    fields = {"number": "4000000000000127", "exp_month": "12", "exp_year": str(NEXT_YEAR)}
    token = stripe_http.v1.tokens.create({"card": fields})
    customer = stripe_http.v1.customers.create({"source": token.id})
    charge = stripe_http.v1.charges.create({"amount": 2000, "currency": "usd",
                                            "customer": customer.id})
    assert (charge.status, charge.source.cvc_check) == ("succeeded", None)
    method = stripe_http.v1.payment_methods.create({"type": "card", "card": fields})
    assert paid_card(stripe_http, method.id).status == "succeeded"
    error = declined(lambda: stripe_http.v1.customers.create({
        "source": stripe_http.v1.tokens.create({"card": {**fields, "cvc": "123"}}).id}))
    assert error.code == "incorrect_cvc"


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


def test_the_decline_after_attaching_payment_method_attaches_then_declines(stripe_http):
    customer = stripe_http.v1.customers.create()
    method = stripe_http.v1.payment_methods.attach("pm_card_chargeCustomerFail",
                                                   {"customer": customer.id})
    assert method.customer == customer.id
    error = declined(lambda: paid_card(stripe_http, method.id, customer=customer.id))
    assert (error.code, error.decline_code) == ("card_declined", "generic_decline")


@pytest.mark.parametrize("payment_method, status", [
    ("pm_card_bypassPending", "available"), ("pm_card_bypassPendingInternational", "available"),
    ("pm_card_visa", "pending")])
def test_the_bypass_pending_payment_methods_fund_the_available_balance(stripe_http,
                                                                        payment_method,
                                                                        status):
    charge = paid_card(stripe_http, payment_method)
    payment = stripe_http.v1.balance_transactions.retrieve(charge.balance_transaction)
    assert payment.status == status
    balance = stripe_http.v1.balance.retrieve()
    assert (balance.available[0].amount > 0) == (status == "available")


@pytest.mark.parametrize("payment_method, first", [
    ("pm_card_pendingRefund", "pending"), ("pm_card_refundFail", "succeeded"),
    ("pm_card_visa", "succeeded")])
def test_the_refund_payment_methods_refunds_begin_as_the_page_says(stripe_http,
                                                                   payment_method, first):
    charge = paid_card(stripe_http, payment_method)
    refund = stripe_http.v1.refunds.create({"charge": charge.id})
    assert refund.status == first
