"""Parameter and error fidelity (issue 12, items 12, 14, 15, 16, 17): how Stripe reports
several unknown parameters, non-numeric card numbers, arrays with gaps in their indexes,
empty required sub-fields, and the request log link of every error."""
import re
import time

import pytest

from conftest import PUBLISHABLE_KEY
from test_tokens import VISA, snapshot


def test_several_unknown_parameters_are_reported_together(api):
    error = api.post("/v1/customers", {"email": "jenny@example.com", "foo": "1",
                                       "bar": "2"}, status=400)["error"]
    assert (error["code"], error["param"], error["message"]) == (
        "parameter_unknown", "foo", "Received unknown parameters: foo, bar")
    assert api.get("/v1/customers")["data"] == []


def test_one_unknown_parameter_keeps_the_singular(api):
    error = api.post("/v1/customers", {"foo": "1"}, status=400)["error"]
    assert error["message"] == "Received unknown parameter: foo"


def test_unknown_nested_parameters_are_named_with_brackets(api):
    error = api.post("/v1/customers", {"address[town]": "x", "address[zip]": "y"},
                     status=400)["error"]
    assert (error["param"], error["message"]) == (
        "address[town]", "Received unknown parameters: address[town], address[zip]")


def test_an_unknown_card_field_of_a_card_source_names_the_payment_method(api):
    params = {"type": "card", **VISA, "card[card]": "x"}
    error = api.post("/v1/sources", params, status=400)["error"]
    assert (error["code"], error["param"], error["message"]) == (
        "parameter_unknown", "card[card]",
        "Received an unknown parameter for payment method `card`: card[card].")


@pytest.mark.parametrize("number", ["-1", "4242abcd42424242", "four"])
def test_a_card_number_that_is_not_numeric_is_invalid_number(app, api, number):
    before = snapshot(app)
    error = api.post("/v1/tokens", {**VISA, "card[number]": number}, status=402)["error"]
    assert (error["type"], error["code"], error["param"], error["message"]) == (
        "card_error", "invalid_number", "number",
        "Your card number is not a valid credit card number.")
    assert snapshot(app) == before


def test_a_luhn_failure_stays_incorrect_number(api):
    error = api.post("/v1/tokens", {**VISA, "card[number]": "4242424242424241"},
                     status=402)["error"]
    assert error["code"] == "incorrect_number"


@pytest.mark.parametrize("params", [{"expand[1]": "sources"},
                                    {"expand[0]": "sources", "expand[2]": "tax_ids"}])
def test_explicit_array_indexes_must_be_sequential_from_zero(api, params):
    error = api.post("/v1/customers", params, status=400)["error"]
    assert error["param"] == "expand"
    assert "sequential" in error["message"] and "starting at 0" in error["message"]
    assert api.get("/v1/customers")["data"] == []


def test_sequential_indexes_and_appended_items_are_arrays(api):
    customer = api.post("/v1/customers", {"expand[0]": "sources", "expand[1]": "tax_ids"})
    assert customer["sources"]["object"] == "list"
    assert api.post("/v1/customers", {"preferred_locales[]": ["en", "fr"]})[
        "preferred_locales"] == ["en", "fr"]


def test_request_log_url_carries_the_time_of_the_request(api):
    before = int(time.time())
    error = api.get("/v1/customers/cus_nope", status=404)["error"]
    found = re.fullmatch(r"https://dashboard\.stripe\.com/test/logs/(req_\w+)\?t=([0-9]+)",
                         error["request_log_url"])
    assert found is not None, error["request_log_url"]
    assert found.group(1) == api.last.headers["Request-Id"]
    assert before <= int(found.group(2)) <= time.time() + 1


def _logged_at(error):
    return int(error["request_log_url"].rpartition("?t=")[2])


def test_request_log_url_dates_the_request_by_the_apps_clock(app, api):
    # Tests step the app's clock: the log link must agree with every other timestamp.
    app.clock = lambda: 1_600_000_000
    assert _logged_at(api.get("/v1/customers/cus_nope", status=404)["error"]) == 1_600_000_000
    assert _logged_at(api.post("/v1/customers", {"foo": "1"}, status=400)["error"]) == \
        1_600_000_000
    # (a 401 without a key has no log link at all: test_keys)
    assert _logged_at(api.get("/v1/customers", key=PUBLISHABLE_KEY, status=401)["error"]) == \
        1_600_000_000
    assert _logged_at(api.get("/_emu/nope", status=404)["error"]) == 1_600_000_000


def test_an_idempotent_replay_repeats_the_first_requests_log_time(app, api):
    now = [1_600_000_000]
    app.clock = lambda: now[0]
    key = {"Idempotency-Key": "refund-nope"}
    first = api.post("/v1/refunds", {"charge": "ch_nope"}, headers=key, status=400)
    now[0] += 3600
    again = api.post("/v1/refunds", {"charge": "ch_nope"}, headers=key, status=400)
    assert api.last.headers["Idempotent-Replayed"] == "true"
    assert _logged_at(first["error"]) == _logged_at(again["error"]) == 1_600_000_000


@pytest.mark.parametrize("params, missing", [
    ({"shipping[name]": "", "shipping[address][line1]": "1 Main St"}, "shipping[name]"),
    ({"shipping[name]": "Jenny"}, "shipping[address]"),
])
def test_required_fields_of_a_given_hash_are_required(api, params, missing):
    error = api.post("/v1/customers", params, status=400)["error"]
    assert (error["code"], error["param"], error["message"]) == (
        "parameter_missing", missing, f"Missing required param: {missing}.")
    assert api.get("/v1/customers")["data"] == []


def test_shipping_with_its_required_fields_is_kept(api):
    customer = api.post("/v1/customers", {"shipping[name]": "Jenny",
                                          "shipping[address][line1]": "1 Main St"})
    assert customer["shipping"]["name"] == "Jenny"
