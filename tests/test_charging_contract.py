"""The contract PaymentIntents build on: payments.charging and payments.refunding called
directly, with a card PaymentMethod as the instrument and the ids a PaymentIntent writes."""
from conftest import Api
from sources_kit import ACCOUNT
from stripe_emu import events, testcards
from stripe_emu.payments import charging, refunding


def payment_method(number="4242424242424242"):
    """A card PaymentMethod dict as PaymentIntents would hand it over: the card hash in the
    charge's vocabulary, and the test behaviour keys of the card it was made from."""
    profile = testcards.card_profile(number)
    return {
        "id": "pm_1test", "object": "payment_method", "type": "card",
        "billing_details": {"address": {"city": None, "country": None, "line1": None,
                                        "line2": None, "postal_code": "94107", "state": None},
                            "email": "jenny@example.com", "name": "Jenny", "phone": None},
        "card": {"brand": "visa", "checks": {"address_line1_check": None,
                                             "address_postal_code_check": "pass",
                                             "cvc_check": "pass"},
                 "country": "US", "exp_month": 12, "exp_year": 2040,
                 "fingerprint": profile.fingerprint(ACCOUNT), "funding": profile.funding,
                 "last4": profile.last4},
        "_decline": list(profile.decline) if profile.decline else None,
        "_charge_fails": profile.charge_fails,
        "_charge": testcards.charge_behaviour(number),
    }


def in_a_transaction(app, work):
    with app.store.transaction() as db:
        return work(events.by_stripe(app, db, ACCOUNT))


def test_a_payment_intents_charge_capture_and_refund(app):
    held = in_a_transaction(app, lambda ctx: charging.create_charge(
        ctx, amount=3000, currency="usd", source=payment_method(), capture=False,
        payment_intent="pi_1test", payment_method="pm_1test", metadata={"a": "b"}))
    api = Api(app)
    shown = api.get(f"/v1/charges/{held['id']}")  # checked against the spec too
    assert (shown["source"], shown["payment_method"], shown["payment_intent"]) == (
        None, "pm_1test", "pi_1test")
    assert (shown["captured"], shown["metadata"]) == (False, {"a": "b"})
    assert shown["billing_details"]["email"] == "jenny@example.com"
    assert shown["payment_method_details"]["card"]["checks"]["address_postal_code_check"] == \
        "pass"
    captured = in_a_transaction(app, lambda ctx: charging.capture_charge(ctx, held, 2500))
    assert (captured["amount_captured"], captured["amount_refunded"]) == (2500, 500)
    refund, after = in_a_transaction(app, lambda ctx: refunding.refund_charge(
        ctx, captured, 1000, reason="duplicate"))
    assert (refund["payment_intent"], refund["reason"], after["amount_refunded"]) == (
        "pi_1test", "duplicate", 1500)
    assert [c["id"] for c in api.get("/v1/charges", {"payment_intent": "pi_1test"})["data"]] \
        == [held["id"]]
    assert [r["id"] for r in api.get("/v1/refunds", {"payment_intent": "pi_1test"})["data"]][0] \
        == refund["id"]


def test_a_declined_payment_method_is_stored_failed_and_its_error_names_it(app):
    failed = in_a_transaction(app, lambda ctx: charging.create_charge(
        ctx, amount=3000, currency="usd", source=payment_method("4000000000009995"),
        payment_intent="pi_1test", payment_method="pm_1test"))
    assert (failed["status"], failed["failure_code"]) == ("failed", "card_declined")
    error = charging.decline_error(failed)
    assert error.commit and error.status == 402
    body = error.body()["error"]
    assert (body["charge"], body["decline_code"], body["message"]) == (
        failed["id"], "insufficient_funds", "Your card has insufficient funds.")
    assert Api(app).get(f"/v1/charges/{failed['id']}")["status"] == "failed"
