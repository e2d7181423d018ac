"""A charge's `outcome` and decline, decided from the test-card table at charge time.

Pure: the card's stored test behaviour in (`_decline`, `_charge_fails`, `_charge` as
cards.card_object keeps them), Stripe's `outcome` hash and a testcards.Decline (or None)
out. The outcome rows are the ones observed in test mode (see STRIPE_SEMANTICS_PAYMENTS
§10.3).
"""
from .. import testcards

_GENERIC = testcards.Decline("card_declined", "generic_decline", "Your card was declined.")
_BLOCKED = testcards.Decline("card_declined", "fraudulent", "Your card was declined.")
_SCORES = {"normal": (0, 64), "elevated": (65, 74), "highest": (75, 99)}
# The legacy ACH failure codes of the test account numbers, and what Stripe says of them.
# UNCERTAIN: the messages (after Stripe's ACH failure-code table).
BANK_FAILURES = {
    "no_account": "The customer's bank account could not be located.",
    "account_closed": "The customer's bank account has been closed.",
    "insufficient_funds": "The customer's account has insufficient funds to cover this "
                          "payment.",
    "debit_not_authorized": "The customer has notified their bank that this payment was "
                            "unauthorized.",
    "invalid_currency": "The bank was unable to process this payment because of its "
                        "currency.",
}


def decide(card):
    """(outcome, Decline or None) of a charge whose test behaviour is that of `card` (None
    for bank debits and non-card Sources, which Radar does not assess)."""
    if card is None:
        return _outcome("approved_by_network", None, "not_assessed", None,
                        "Payment complete.", "authorized"), None
    risk = (card.get("_charge") or {}).get("risk_level", "normal")
    decline = testcards.Decline(*card["_decline"]) if card.get("_decline") else None
    score = _score(risk, card)
    if risk == "highest" or (decline and decline.decline_code == "fraudulent"):
        return _outcome("not_sent_to_network", "highest_risk_level", "highest", score,
                        "Stripe blocked this payment as too risky.", "blocked",
                        "block_if_high_risk"), _BLOCKED
    if decline is None and card.get("_charge_fails"):
        # Cards kept before charge_decline existed decline generically.
        fails = (card.get("_charge") or {}).get("charge_decline")
        decline = testcards.Decline(*fails) if fails else _GENERIC
    if decline is not None:
        seller = ("The bank did not return any further details with this decline."
                  if decline.decline_code == "generic_decline" else
                  f"The bank returned the decline code `{decline.decline_code}`.")
        return _outcome("declined_by_network", decline.decline_code, risk, score, seller,
                        "issuer_declined"), decline
    if risk == "elevated":
        return _outcome("approved_by_network", "elevated_risk_level", risk, score,
                        "Stripe evaluated this payment as having elevated risk, and placed it "
                        "in your manual review queue.", "manual_review",
                        "manual_review_if_elevated_risk"), None
    return _outcome("approved_by_network", None, risk, score, "Payment complete.",
                    "authorized"), None


def bank_failure(code):
    """The outcome of a bank debit that the bank refused. UNCERTAIN: the fields Stripe sets."""
    return _outcome("declined_by_network", code, "not_assessed", None,
                    BANK_FAILURES[code], "issuer_declined")


def _score(risk, card):
    """A risk score in the level's range, stable for a card number (its fingerprint)."""
    low, high = _SCORES[risk]
    fingerprint = card.get("fingerprint") or (card.get("card") or {}).get("fingerprint", "")
    return low + sum(map(ord, fingerprint)) % (high - low + 1)


def _outcome(network_status, reason, risk_level, risk_score, seller_message, kind,
             rule=None):
    """The outcome hash; `risk_score` and `rule` (the Radar rule that matched: Stripe's
    default rules' ids, as real blocked and reviewed charges show them) only when there is
    one, as Stripe leaves them out."""
    outcome = {"network_status": network_status, "reason": reason, "risk_level": risk_level,
               "risk_score": risk_score, "rule": rule, "seller_message": seller_message,
               "type": kind}
    return {key: value for key, value in outcome.items()
            if value is not None or key not in ("risk_score", "rule")}
