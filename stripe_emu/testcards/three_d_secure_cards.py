"""Stripe's 3D Secure and regulatory (SCA) test cards (docs.stripe.com/testing#three-ds-cards
and #regulatory-cards): data only, read by three_d_secure.py beside it (this package answers
every question about a test card). One table for card Sources (their `three_d_secure` field) and for PaymentMethods
and intents (whether a setup or a payment must be authenticated first)."""

# Declines, as (code, decline_code, message).
AUTHENTICATION_REQUIRED = ("authentication_required", "authentication_required",
                           "Your card was declined. This transaction requires authentication.")
INSUFFICIENT_FUNDS = ("card_declined", "insufficient_funds", "Your card has insufficient funds.")
GENERIC_DECLINE = ("card_declined", "generic_decline", "Your card was declined.")
PROCESSING_ERROR = ("processing_error", "processing_error",
                    "An error occurred while processing your card. Try again in a little bit.")

# Behaviour name -> (a card Source's card.three_d_secure, authenticates on setup, on session,
# what an off-session payment declines with (None: it succeeds), what it declines with once
# authenticated, whether a card once set up pays without authenticating again[, whether
# 3D Secure requested (request_three_d_secure=any) asks the customer: True unless given]).
_REQUIRED = ("required", True, True, AUTHENTICATION_REQUIRED, None, False)
BEHAVIOURS = {
    "optional": ("optional", False, False, None, None, False),
    "not_supported": ("not_supported", False, False, None, None, False),
    # "3D Secure is supported for this card, but this card is not enrolled in 3D Secure. This
    # means that if 3D Secure is invoked, the customer is not asked to authenticate."
    "not_enrolled": ("optional", False, False, None, None, False, False),
    "required": _REQUIRED,
    # "Requires authentication for the initial purchase, but succeeds for subsequent payments
    # (including off-session ones) as long as the card is setup with setup_future_usage."
    "required_on_setup": _REQUIRED[:5] + (True,),
    # "… fails for subsequent payments (including off-session ones) with an
    # insufficient_funds decline code."
    "required_then_insufficient_funds": ("required", True, True, INSUFFICIENT_FUNDS,
                                         INSUFFICIENT_FUNDS, False),
    # UNCERTAIN (Stripe: "already set up for off-session use"): setting it up and paying off
    # session need nothing; an on-session payment authenticates.
    "set_up_for_off_session": ("required", False, True, None, None, False),
    "required_then_declined": _REQUIRED[:4] + (GENERIC_DECLINE, False),
    # Required, but nobody is asked: the frictionless card ("The authentication proceeds
    # through a frictionless flow, and succeeds") and the one whose "3D Secure lookup
    # request fails with a processing error. Payments are declined with a card_declined
    # failure code" (testcards/cards.py's charge-fail cards). UNCERTAIN: the frictionless card's
    # charge shows no three_d_secure result.
    "required_without_challenge": ("required", False, False, None, None, False),
    # "attempts to perform 3D Secure result in a processing error". UNCERTAIN: asked for
    # (request_three_d_secure=any), the customer is sent to authenticate and the payment then
    # fails with processing_error.
    "optional_then_processing_error": ("optional", False, False, None, PROCESSING_ERROR,
                                       False),
}

# Number -> its behaviour; any other card is "optional". UNCERTAIN: Stripe's page says 3D
# Secure is "supported" on 4000000000003055 and 4242424242424242 and "not supported" on
# 378282246310005, which card Sources spell optional and not_supported.
CARDS = {
    "4000000000003063": "required", "4000000000003220": "required",
    "4000002500003155": "required_on_setup", "4000002760003184": "required",
    "4000008260003178": "required_then_insufficient_funds",
    "4000003800000446": "set_up_for_off_session",
    "4000008400001629": "required_then_declined",
    "4000008400000027": "required",
    "4000008400001280": "required_without_challenge",
    "4000000032200000": "required_without_challenge",
    "4000000000003097": "optional_then_processing_error",
    "378282246310005": "not_supported", "4242424242424242": "not_enrolled",
}

# Their magic tokens (the testing page's "Tokens" tables), each with its pm_card_ twin.
TOKENS = {
    "tok_threeDSecure2Required": "4000000000003220",
    "tok_threeDSecureRequiredChargeDeclined": "4000008400001629",
    "tok_threeDSecureRequiredProcessingError": "4000008400001280",
    "tok_threeDSecureOptional": "4000000000003055",
    "tok_threeDSecureOptionalProcessingError": "4000000000003097",
    "tok_amex_threeDSecureNotSupported": "378282246310005",
}
# The magic PaymentMethods without a token twin (Visa credit cards).
PAYMENT_METHODS = {
    "pm_card_threeDSecureRequired": "4000000000003063",
    "pm_card_authenticationRequiredOnSetup": "4000002500003155",
    "pm_card_authenticationRequired": "4000002760003184",
    "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds": "4000008260003178",
    "pm_card_authenticationRequiredSetupForOffSession": "4000003800000446",
}
