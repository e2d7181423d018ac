"""Issue 12, item 13: an Idempotency-Key reused on another endpoint gets Stripe's endpoint
wording, naming both endpoints; reused with other parameters, its parameters wording."""
from test_tokens import VISA

KEY = {"Idempotency-Key": "signup-7"}


def test_a_key_reused_on_another_endpoint_names_both_endpoints(api):
    api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY)
    error = api.post("/v1/tokens", VISA, headers=KEY, status=400)["error"]
    assert error["type"] == "idempotency_error"
    assert error["message"] == (
        "Keys for idempotent requests can only be used for the same endpoint they were first "
        "used for ('/v1/customers' vs '/v1/tokens'). Try using a key other than 'signup-7' if "
        "you meant to execute a different request.")
    with api.app.store.transaction(write=False) as db:
        tokens = db.execute("SELECT count(*) FROM objects WHERE object = 'token'").fetchone()[0]
    assert tokens == 0


def test_a_key_reused_with_other_parameters_keeps_the_parameters_wording(api):
    api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY)
    error = api.post("/v1/customers", {"email": "b@example.com"}, headers=KEY,
                     status=400)["error"]
    assert error["message"].startswith("Keys for idempotent requests can only be used with "
                                       "the same parameters they were first used with.")
