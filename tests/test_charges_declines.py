"""Test cards decide a charge's outcome: declines (stored as failed charges, answered 402
with the charge named), processing errors, checks, and Radar's risk levels."""
import pytest

from test_payment_sources import DECLINES

DECLINED = "Your card was declined."
GENERIC = "The bank did not return any further details with this decline."


def charge(api, source, status=200, **params):
    return api.post("/v1/charges", {"amount": 2000, "currency": "usd", "source": source,
                                    **params}, status=status)


@pytest.mark.parametrize("token, code, decline_code, message, param", DECLINES + [
    ("tok_chargeDeclinedStolenCard", "card_declined", "stolen_card", DECLINED, None),
    ("tok_visa_chargeDeclinedVelocityLimitExceeded", "card_declined", "card_velocity_exceeded",
     "Your card was declined for making repeated attempts too frequently or exceeding its "
     "amount limit.", None),
])
def test_declines_are_stored_failed_and_answered_402(api, token, code, decline_code, message,
                                                     param):
    error = charge(api, token, 402)["error"]
    assert (error["type"], error["code"], error["decline_code"], error["message"],
            error.get("param")) == ("card_error", code, decline_code, message, param)
    failed = api.get(f"/v1/charges/{error['charge']}")
    assert (failed["status"], failed["paid"], failed["captured"], failed["failure_code"],
            failed["failure_message"], failed["balance_transaction"], failed["receipt_url"]) \
        == ("failed", False, False, code, message, None, None)
    outcome = failed["outcome"]
    assert (outcome["network_status"], outcome["type"], outcome["reason"]) == (
        "declined_by_network", "issuer_declined", decline_code)
    assert outcome["seller_message"] == (
        GENERIC if decline_code == "generic_decline"
        else f"The bank returned the decline code `{decline_code}`.")
    assert [c["id"] for c in api.get("/v1/charges")["data"]] == [failed["id"]]
    [event] = api.get("/v1/events", {"type": "charge.failed"})["data"]
    assert event["data"]["object"]["id"] == failed["id"]
    assert api.get("/v1/balance_transactions")["data"] == []


def test_charge_customer_fail_attaches_then_every_charge_declines(api):
    customer = api.post("/v1/customers", {"source": "tok_chargeCustomerFail"})
    assert customer["default_source"].startswith("card_")
    for _ in range(2):
        error = api.post("/v1/charges", {"customer": customer["id"], "amount": 900,
                                         "currency": "usd"}, status=402)["error"]
        assert (error["code"], error["decline_code"], error["message"]) == (
            "card_declined", "generic_decline", DECLINED)
        assert api.get(f"/v1/charges/{error['charge']}")["customer"] == customer["id"]
    assert len(api.get("/v1/charges", {"customer": customer["id"]})["data"]) == 2


def test_radar_blocks_the_highest_risk(api):
    for source in ("tok_chargeDeclinedFraudulent", "tok_riskLevelHighest"):
        error = charge(api, source, 402)["error"]
        assert (error["code"], error["decline_code"], error["message"]) == (
            "card_declined", "fraudulent", DECLINED)
        blocked = api.get(f"/v1/charges/{error['charge']}")
        assert blocked["outcome"] == {
            "network_status": "not_sent_to_network", "reason": "highest_risk_level",
            "risk_level": "highest", "risk_score": blocked["outcome"]["risk_score"],
            "rule": "block_if_high_risk",
            "seller_message": "Stripe blocked this payment as too risky.", "type": "blocked"}
        assert 75 <= blocked["outcome"]["risk_score"] <= 99
        assert blocked["fraud_details"] == {"stripe_report": "fraudulent"}


def test_a_highest_risk_card_attaches_and_is_blocked_when_charged(api):
    token = api.post("/v1/tokens", {"card[number]": "4000000000004954", "card[exp_month]": "1",
                                    "card[exp_year]": "2040"})["id"]
    customer = api.post("/v1/customers", {"source": token})["id"]
    error = api.post("/v1/charges", {"customer": customer, "amount": 900, "currency": "usd"},
                     status=402)["error"]
    assert error["decline_code"] == "fraudulent"


def test_elevated_risk_succeeds_in_review(api):
    made = charge(api, "tok_riskLevelElevated")
    assert made["status"] == "succeeded" and made["paid"]
    assert made["outcome"]["type"] == "manual_review"
    assert (made["outcome"]["risk_level"], made["outcome"]["reason"],
            made["outcome"]["rule"]) == (
        "elevated", "elevated_risk_level", "manual_review_if_elevated_risk")
    assert 65 <= made["outcome"]["risk_score"] <= 74
    assert made["review"].startswith("prv_")


@pytest.mark.parametrize("number, line1, postal", [
    ("4000000000000010", "fail", "fail"), ("4000000000000028", "fail", "pass"),
    ("4000000000000036", "pass", "fail"), ("4000000000000044", "unavailable", "unavailable")])
def test_address_checks_succeed_with_their_results(api, number, line1, postal):
    made = api.post("/v1/charges", {
        "amount": 2000, "currency": "usd", "source[object]": "card", "source[number]": number,
        "source[exp_month]": "1", "source[exp_year]": "2040",
        "source[address_line1]": "1 Main St", "source[address_zip]": "94107"})
    checks = made["payment_method_details"]["card"]["checks"]
    assert (made["status"], checks["address_line1_check"], checks["address_postal_code_check"]) \
        == ("succeeded", line1, postal)
    assert made["billing_details"]["address"]["line1"] == "1 Main St"


def test_only_outcomes_of_a_radar_rule_name_it(api):
    """A real authorized or declined charge's outcome has no `rule` key at all."""
    for source in ("tok_visa", "tok_chargeDeclinedInsufficientFunds"):
        made = charge(api, source, 200 if source == "tok_visa" else 402)
        shown = api.get(f"/v1/charges/{made.get('id') or made['error']['charge']}")
        assert "rule" not in shown["outcome"]


def test_cvc_check_failure_still_succeeds(api):
    made = charge(api, "tok_cvcCheckFail")
    assert made["status"] == "succeeded"
    assert made["payment_method_details"]["card"]["checks"]["cvc_check"] == "fail"


def test_cards_that_decline_at_attach_decline_from_a_card_source_too(api):
    source = api.post("/v1/sources", {"type": "card", "token": "tok_chargeDeclined"})
    error = charge(api, source["id"], 402)["error"]
    assert error["decline_code"] == "generic_decline"
    # A reusable Source charged unattached is consumed, whatever the charge's outcome.
    assert api.get(f"/v1/sources/{source['id']}")["status"] == "consumed"


@pytest.mark.parametrize("token, line1, postal", [
    ("tok_avsFail", "fail", "fail"), ("tok_avsLine1Fail", "fail", "pass"),
    ("tok_avsZipFail", "pass", "fail"), ("tok_avsUnchecked", "unavailable", "unavailable")])
def test_the_avs_tokens_show_their_address_checks(api, token, line1, postal):
    """The AVS tokens exist to show their checks: Stripe's test mode reports them as if an
    address had been given (charges of pm_card_avsFail show both checks failed)."""
    checks = charge(api, token)["payment_method_details"]["card"]["checks"]
    assert (checks["address_line1_check"], checks["address_postal_code_check"]) == \
        (line1, postal)
    customer = api.post("/v1/customers", {"source": token})
    card = api.get(f"/v1/customers/{customer['id']}/sources")["data"][0]
    assert (card["address_line1_check"], card["address_zip_check"]) == (line1, postal)
    # Any other magic token carries no address: its address checks stay null.
    plain = charge(api, "tok_visa")["payment_method_details"]["card"]["checks"]
    assert plain["address_line1_check"] is None and plain["address_postal_code_check"] is None
