"""Charges against Stripe's API reference, a second pass: the update and capture parameters
and the Charge object's fields at 2023-08-16, where the emulator answered otherwise."""


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
