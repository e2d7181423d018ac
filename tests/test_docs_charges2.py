"""Charges against Stripe's API reference, a second pass: the update and capture parameters
and the Charge object's fields at 2023-08-16, where the emulator answered otherwise."""

import pytest


def charge(api, status=200, **params):
    return api.post("/v1/charges", {"amount": 2000, "currency": "usd", "source": "tok_visa",
                                    **params}, status=status)


def charge_events(api, kind):
    return [event for event in api.get("/v1/events", {"type": kind, "limit": 100})["data"]]


# -- fraud_details[user_report]: "fraudulent", "safe", or "" (the spec's enum) to withdraw it --

def test_an_empty_user_report_withdraws_the_report(api):
    made = charge(api)
    api.post(f"/v1/charges/{made['id']}", {"fraud_details[user_report]": "safe"})
    cleared = api.post(f"/v1/charges/{made['id']}", {"fraud_details[user_report]": ""})
    assert cleared["fraud_details"] == {}
    assert api.get(f"/v1/charges/{made['id']}")["fraud_details"] == {}
    latest = charge_events(api, "charge.updated")[0]["data"]
    assert latest["previous_attributes"] == {"fraud_details": {"user_report": "safe"}}


def test_a_user_report_stripe_does_not_know_is_refused(api):
    made = charge(api)
    error = api.post(f"/v1/charges/{made['id']}", {"fraud_details[user_report]": "bogus"},
                     status=400)["error"]
    assert (error["param"], error["type"]) == ("fraud_details[user_report]",
                                               "invalid_request_error")
    assert api.get(f"/v1/charges/{made['id']}")["fraud_details"] == {}


# -- a statement descriptor past 22 characters: Stripe's own sentence, not the generic one ------

@pytest.mark.parametrize("param", ["statement_descriptor", "statement_descriptor_suffix"])
def test_a_statement_descriptor_past_22_characters_gets_stripes_sentence(api, param):
    # Answers integrations recorded (sagemathinc/cocalc#5712, woocommerce-android#7586).
    error = charge(api, 400, **{param: "COCALC LICENSE 1096DAYS"})["error"]
    assert (error["message"], error["param"], error["type"]) == (
        "The statement descriptor must be at most 22 characters. COCALC LICENSE 1096DAYS is "
        "23 characters long.", param, "invalid_request_error")
    assert api.get("/v1/charges")["data"] == []
    made = charge(api, capture="false")
    error = api.post(f"/v1/charges/{made['id']}/capture", {param: "X" * 30},
                     status=400)["error"]
    assert error["message"] == ("The statement descriptor must be at most 22 characters. "
                                + "X" * 30 + " is 30 characters long.")
    assert api.get(f"/v1/charges/{made['id']}")["captured"] is False


# -- capturing: a charge that shows captured:true is "already captured", whatever its status -

def test_capturing_a_pending_bank_debit_says_it_is_already_captured(api):
    # A bank debit is captured at once (captured: true) and pending until the bank answers.
    customer = api.post("/v1/customers", {"source": "btok_us_verified"})
    made = api.post("/v1/charges", {"amount": 2000, "currency": "usd",
                                    "customer": customer["id"]})
    assert (made["status"], made["captured"]) == ("pending", True)
    error = api.post(f"/v1/charges/{made['id']}/capture", status=400)["error"]
    assert (error["message"], error["code"]) == (
        f"Charge {made['id']} has already been captured.", "charge_already_captured")
    assert api.get(f"/v1/charges/{made['id']}") == made


# -- update's transfer_group: "may only be provided if it has not been set", as on capture ----

def test_an_update_cannot_change_a_transfer_group_once_set(api):
    made = charge(api, transfer_group="ORDER_1")
    error = api.post(f"/v1/charges/{made['id']}", {"transfer_group": "ORDER_2"},
                     status=400)["error"]
    assert (error["param"], error["type"]) == ("transfer_group", "invalid_request_error")
    assert api.get(f"/v1/charges/{made['id']}")["transfer_group"] == "ORDER_1"
    assert charge_events(api, "charge.updated") == []
    # The same value again changes nothing and is accepted.
    assert api.post(f"/v1/charges/{made['id']}",
                    {"transfer_group": "ORDER_1"})["transfer_group"] == "ORDER_1"


def test_an_update_sets_a_transfer_group_the_charge_does_not_have(api):
    made = charge(api)
    updated = api.post(f"/v1/charges/{made['id']}", {"transfer_group": "ORDER_9"})
    assert updated["transfer_group"] == "ORDER_9"
    event = charge_events(api, "charge.updated")[0]
    assert event["data"]["previous_attributes"] == {"transfer_group": None}


# -- a refund with reason fraudulent reports the charge as fraudulent --------------------------

def test_a_fraudulent_refund_reports_the_charge_as_fraudulent(api):
    # A real charge refunded with reason fraudulent (a 2020 charge.refunded payload in public
    # test code) shows fraud_details {"user_report": "fraudulent"}; the reason's docs: it
    # "will also help us improve our fraud detection algorithms", as a user report does.
    made = charge(api)
    api.post("/v1/refunds", {"charge": made["id"], "amount": 500, "reason": "fraudulent"})
    assert api.get(f"/v1/charges/{made['id']}")["fraud_details"] == {
        "user_report": "fraudulent"}
    event = charge_events(api, "charge.refunded")[0]
    assert event["data"]["object"]["fraud_details"] == {"user_report": "fraudulent"}
    assert event["data"]["previous_attributes"]["fraud_details"] == {"user_report": None}


def test_other_refund_reasons_leave_fraud_details_alone(api):
    made = charge(api)
    api.post("/v1/refunds", {"charge": made["id"], "reason": "requested_by_customer"})
    assert api.get(f"/v1/charges/{made['id']}")["fraud_details"] == {}


# -- a charge Radar blocks never reached the network: its checks are "unavailable" and it has
#    no calculated statement descriptor (a 2020 test-mode charge of 4100000000000019 and a 2024
#    live one, both recorded in public code) ---------------------------------------------------

def test_a_blocked_charge_has_unavailable_checks_and_no_calculated_descriptor(api):
    error = api.post("/v1/charges", {
        "amount": 2000, "currency": "usd", "source[object]": "card",
        "source[number]": "4100000000000019", "source[exp_month]": "11",
        "source[exp_year]": "2030", "source[cvc]": "123", "source[address_zip]": "94107"},
        status=402)["error"]
    blocked = api.get(f"/v1/charges/{error['charge']}")
    assert blocked["outcome"]["type"] == "blocked"
    assert blocked["payment_method_details"]["card"]["checks"] == {
        "address_line1_check": None, "address_postal_code_check": "unavailable",
        "cvc_check": "unavailable"}
    assert blocked["calculated_statement_descriptor"] is None
    failed = charge_events(api, "charge.failed")[0]["data"]["object"]
    assert failed["calculated_statement_descriptor"] is None


def test_an_issuer_decline_keeps_its_checks_and_descriptor(api):
    error = charge(api, 402, source="tok_chargeDeclinedInsufficientFunds")["error"]
    declined = api.get(f"/v1/charges/{error['charge']}")
    assert declined["payment_method_details"]["card"]["checks"]["cvc_check"] == "pass"
    assert declined["calculated_statement_descriptor"] == "Stripe"


# -- the concatenated descriptor: at most 22 characters, the suffix cut (chargebee's docs:
#    "Since this exceeds the limit, Stripe truncates the suffix") ---------------------------------

def test_a_long_suffix_is_cut_to_fit_the_22_character_descriptor(api):
    made = charge(api, statement_descriptor_suffix="ORDER 1234567890ABCD")
    assert made["statement_descriptor_suffix"] == "ORDER 1234567890ABCD"
    assert made["calculated_statement_descriptor"] == "Stripe* ORDER 12345678"
    held = charge(api, capture="false")
    captured = api.post(f"/v1/charges/{held['id']}/capture",
                        {"statement_descriptor": "A VERY LONG DESCRIPTOR"})
    assert captured["calculated_statement_descriptor"] == "Stripe* A VERY LONG DE"
