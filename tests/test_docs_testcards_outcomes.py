"""The declines, Radar, dispute, refund, balance, 3D Secure and invalid-data sections of
Stripe's testing page (docs.stripe.com/testing), through the official client over HTTP (the
cards by brand and by country: test_docs_testcards.py). Disputes are not emulated: a dispute
card's charge simply succeeds."""
import pytest

from test_docs_testcards import declined, paid_card, token_card
from test_tokens import NEXT_YEAR

VELOCITY = ("Your card was declined for making repeated attempts too frequently or exceeding "
            "its amount limit.")


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
