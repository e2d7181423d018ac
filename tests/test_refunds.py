"""Refunds: /v1/refunds and the legacy /v1/charges/{charge}/refunds paths; partial and full
refunds, Stripe's refusals, releasing an authorization, and the events."""
import pytest

from conftest import ten_seconds_apart


@pytest.fixture
def paid(api):
    customer = api.post("/v1/customers", {"source": "tok_visa"})["id"]
    return api.post("/v1/charges", {"customer": customer, "amount": 1000, "currency": "usd"})


def event_types(api):
    return [event["type"] for event in api.get("/v1/events", {"limit": 100})["data"]]


def test_partial_then_full_refunds(api, paid):
    first = api.post("/v1/refunds", {"charge": paid["id"], "amount": 300,
                                     "reason": "requested_by_customer",
                                     "metadata[ticket]": "T-1"})
    assert first["id"].startswith("re_")
    assert (first["amount"], first["charge"], first["currency"], first["status"],
            first["reason"], first["metadata"], first["payment_intent"]) == (
        300, paid["id"], "usd", "succeeded", "requested_by_customer", {"ticket": "T-1"}, None)
    charge = api.get(f"/v1/charges/{paid['id']}")
    assert (charge["amount_refunded"], charge["refunded"]) == (300, False)
    assert event_types(api)[:2] == ["refund.created", "charge.refunded"]
    refunded = api.get("/v1/events", {"type": "charge.refunded"})["data"][0]
    assert refunded["data"]["previous_attributes"] == {"amount_refunded": 0}
    rest = api.post("/v1/refunds", {"charge": paid["id"]})  # the rest by default
    assert rest["amount"] == 700
    charge = api.get(f"/v1/charges/{paid['id']}")
    assert (charge["amount_refunded"], charge["refunded"]) == (1000, True)
    last = api.get("/v1/events", {"type": "charge.refunded"})["data"][0]
    assert last["data"]["previous_attributes"] == {"amount_refunded": 300, "refunded": False}
    error = api.post("/v1/refunds", {"charge": paid["id"]}, status=400)["error"]
    assert (error["code"], error["message"]) == (
        "charge_already_refunded", f"Charge {paid['id']} has already been refunded.")


def test_over_refunds_name_the_amounts(api, paid):
    error = api.post("/v1/refunds", {"charge": paid["id"], "amount": 1500}, status=400)["error"]
    assert error == {"message": "Refund amount ($15.00) is greater than charge amount ($10.00)",
                     "param": "amount", "request_log_url": error["request_log_url"],
                     "type": "invalid_request_error"}
    api.post("/v1/refunds", {"charge": paid["id"], "amount": 400})
    error = api.post("/v1/refunds", {"charge": paid["id"], "amount": 601}, status=400)["error"]
    assert error["message"] == ("Refund amount ($6.01) is greater than unrefunded amount on "
                                "charge ($6.00)")
    error = api.post("/v1/refunds", {"charge": paid["id"], "amount": 0}, status=400)["error"]
    assert (error["message"], error["param"]) == ("Invalid positive integer", "amount")
    assert api.get(f"/v1/charges/{paid['id']}")["amount_refunded"] == 400
    assert len(api.get("/v1/refunds")["data"]) == 1


def test_refunding_an_authorization_releases_it(api):
    customer = api.post("/v1/customers", {"source": "tok_visa"})["id"]
    held = api.post("/v1/charges", {"customer": customer, "amount": 1000, "currency": "usd",
                                    "capture": "false"})
    error = api.post("/v1/refunds", {"charge": held["id"], "amount": 400}, status=400)["error"]
    assert error["message"].startswith("You cannot partially refund an uncaptured charge.")
    released = api.post("/v1/refunds", {"charge": held["id"]})
    assert (released["amount"], released["balance_transaction"]) == (1000, None)
    charge = api.get(f"/v1/charges/{held['id']}")
    assert (charge["captured"], charge["refunded"], charge["amount_refunded"]) == (
        False, True, 1000)
    error = api.post(f"/v1/charges/{held['id']}/capture", status=400)["error"]
    assert error["code"] == "charge_already_refunded"


def test_failed_charges_and_unknown_ones_cannot_be_refunded(api):
    failed = api.post("/v1/charges", {"source": "tok_chargeDeclined", "amount": 1000,
                                      "currency": "usd"}, status=402)["error"]["charge"]
    error = api.post("/v1/refunds", {"charge": failed}, status=400)["error"]
    assert error["param"] == "charge"
    error = api.post("/v1/refunds", {"charge": "ch_nope"}, status=400)["error"]
    assert (error["message"], error["param"]) == ("No such charge: 'ch_nope'", "charge")
    error = api.post("/v1/refunds", {}, status=400)["error"]
    assert "payment_intent or charge" in error["message"]
    assert api.get("/v1/refunds")["data"] == []


def test_a_payment_intent_without_a_successful_charge_cannot_be_refunded(api):
    """Stripe's sentence, as integrations match it (the status is activemerchant's own)."""
    unpaid = api.post("/v1/payment_intents", {"amount": 1000, "currency": "usd",
                                              "payment_method_types[]": "card"})["id"]
    declined = api.post("/v1/payment_intents", {
        "amount": 1000, "currency": "usd", "payment_method_types[]": "card",
        "payment_method": "pm_card_chargeDeclined", "confirm": "true"}, status=402)
    declined = declined["error"]["payment_intent"]["id"]
    for intent in (unpaid, declined):
        error = api.post("/v1/refunds", {"payment_intent": intent}, status=400)["error"]
        assert (error["message"], error["param"]) == (
            f"This PaymentIntent ({intent}) does not have a successful charge to refund.",
            "payment_intent")


def test_retrieve_update_list_and_cancel(api, app, paid):
    made = ten_seconds_apart(app, lambda: api.post("/v1/refunds", {"charge": paid["id"],
                                                                   "amount": 100})["id"], 3)
    assert api.get(f"/v1/refunds/{made[0]}")["amount"] == 100
    updated = api.post(f"/v1/refunds/{made[0]}", {"metadata[note]": "late"})
    assert updated["metadata"] == {"note": "late"}
    [event] = api.get("/v1/events", {"type": "charge.refund.updated"})["data"]
    assert event["data"]["previous_attributes"] == {"metadata": {"note": None}}
    error = api.post(f"/v1/refunds/{made[0]}", {"amount": 5}, status=400)["error"]
    assert error["message"] == "Received unknown parameter: amount"
    assert [r["id"] for r in api.get("/v1/refunds", {"charge": paid["id"]})["data"]] == \
        made[::-1]
    assert [r["id"] for r in api.get("/v1/refunds", {"limit": 1, "ending_before": made[0]})[
        "data"]] == [made[1]]
    # "If you provide a non-existent charge ID, this call raises an error." (the reference)
    assert api.get("/v1/refunds", {"charge": "ch_other"}, status=400)["error"]["param"] == \
        "charge"
    error = api.post(f"/v1/refunds/{made[0]}/cancel", status=400)["error"]
    assert "status of succeeded" in error["message"]
    error = api.get("/v1/refunds/re_nope", status=404)["error"]
    assert error["message"] == "No such refund: 're_nope'"


def test_the_legacy_paths_under_a_charge(api, paid):
    base = f"/v1/charges/{paid['id']}/refunds"
    made = api.post(base, {"amount": 250})
    assert (made["charge"], made["amount"]) == (paid["id"], 250)
    listed = api.get(base)
    assert ([r["id"] for r in listed["data"]], listed["url"]) == ([made["id"]], base)
    assert api.get(f"{base}/{made['id']}") == made
    assert api.post(f"{base}/{made['id']}", {"metadata[a]": "b"})["metadata"] == {"a": "b"}
    other = api.post("/v1/charges", {"source": "tok_visa", "amount": 900, "currency": "usd"})
    error = api.get(f"/v1/charges/{other['id']}/refunds/{made['id']}", status=404)["error"]
    assert error["message"] == f"No such refund: '{made['id']}'"
    assert api.get(f"/v1/charges/{other['id']}/refunds")["data"] == []
    assert api.get("/v1/charges/ch_nope/refunds", status=404)["error"]["message"] == \
        "No such charge: 'ch_nope'"


def test_expanding_refunds_and_their_charge(api, paid):
    refund = api.post("/v1/refunds", {"charge": paid["id"], "amount": 100,
                                      "expand[]": ["charge", "balance_transaction"]})
    assert refund["charge"]["id"] == paid["id"] and refund["charge"]["amount_refunded"] == 100
    assert refund["balance_transaction"]["amount"] == -100
    charge = api.get(f"/v1/charges/{paid['id']}", {"expand[]": "refunds"})
    assert [r["id"] for r in charge["refunds"]["data"]] == [refund["id"]]
