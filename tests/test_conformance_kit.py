"""The conformance kit must accept Stripe's own examples and reject bodies that break the spec.

A checker that passes everything is worse than none, so every acceptance test here is
paired with rejections of near-miss bodies.
"""
import copy
import json
import time
from pathlib import Path

import pytest

from conformance import assert_conforms, schema_for, validate_against

# Copies of Stripe's documented responses: CI runs on a clean clone without ../shared.
SEEDS = json.loads((Path(__file__).parent / "data" / "seed_examples.json").read_text())

# The "Create a card" docs example (../shared/STRIPE_SEMANTICS.md 2.2) with its elided
# fields left out; the keys kept include every property the `card` schema requires.
CARD = {
    "id": "card_1NGTaT2eZvKYlo2CZWSctn5n", "object": "card", "brand": "Visa",
    "country": "US", "customer": "cus_9s6XGDTHzA66Po", "cvc_check": "pass",
    "exp_month": 8, "exp_year": 2024, "fingerprint": "Xt5EWLLDS7FJjR1c",
    "funding": "credit", "last4": "4242", "metadata": {}, "name": None,
    "redaction": None, "tokenization_method": None, "wallet": None,
}
NOT_FOUND = {"error": {"type": "invalid_request_error", "message": "x"}}


def rejects(method, path, status, body, *needles):
    """Assert the body fails, and that the message points at the fault."""
    with pytest.raises(AssertionError) as info:
        assert_conforms(method, path, status, body)
    for needle in needles:
        assert needle in str(info.value), str(info.value)


# --- Stripe's examples pass (these need the nullable pre-pass: owner.address is null) ---

def test_attach_source_example_conforms():
    assert_conforms("POST", "/v1/customers/cus_x/sources", 200, SEEDS["attach_source"])
    validate_against("source", SEEDS["attach_source"])


def test_detach_source_example_conforms():
    assert_conforms("DELETE", "/v1/customers/cus_x/sources/src_x", 200, SEEDS["detach_source"])


def test_delete_card_example_conforms():
    assert_conforms("DELETE", "/v1/customers/cus_x/sources/card_x", 200, SEEDS["delete_card"])
    validate_against("deleted_card", SEEDS["delete_card"])


def test_card_example_conforms():
    assert_conforms("POST", "/v1/customers/cus_x/sources", 200, CARD)
    validate_against("card", CARD)


def test_error_body_conforms_under_default_response():
    # Stripe documents errors only as "default"; any status without its own entry uses it.
    assert_conforms("GET", "/v1/customers/cus_1", 404, NOT_FOUND)
    validate_against("error", NOT_FOUND)


def test_query_string_is_ignored():
    assert_conforms("POST", "/v1/customers/cus_x/sources?expand[]=customer", 200,
                    SEEDS["attach_source"])


def test_nullable_enum_accepts_null():
    # customer.tax_exempt is a nullable enum whose values do not list null.
    customer = {"id": "cus_1", "object": "customer", "created": 1, "livemode": False,
                "tax_exempt": None}
    validate_against("customer", customer)
    with pytest.raises(AssertionError, match=r"\$\.tax_exempt"):
        validate_against("customer", {**customer, "tax_exempt": "sometimes"})


# --- near-miss bodies fail, with the JSON path of the fault in the message ---

def test_source_missing_client_secret_fails():
    body = copy.deepcopy(SEEDS["attach_source"])
    del body["client_secret"]
    rejects("POST", "/v1/customers/cus_x/sources", 200, body,
            "PostCustomersCustomerSources", "'client_secret' is a required property")


def test_card_with_string_exp_month_fails():
    body = {**CARD, "exp_month": "8"}
    rejects("POST", "/v1/customers/cus_x/sources", 200, body,
            "$.exp_month", "'8' is not of type 'integer'")
    with pytest.raises(AssertionError, match=r"\$\.exp_month"):
        validate_against("card", body)


@pytest.mark.parametrize("address", ["1 Main St", 5, ["x"], {"city": 5}])
def test_owner_address_of_wrong_shape_fails(address):
    # The null branch added by the pre-pass must admit null only, not any value.
    body = copy.deepcopy(SEEDS["attach_source"])
    body["owner"]["address"] = address
    rejects("POST", "/v1/customers/cus_x/sources", 200, body, "$.owner.address")


def test_null_where_spec_does_not_allow_it_fails():
    rejects("POST", "/v1/customers/cus_x/sources", 200, {**CARD, "exp_month": None},
            "$.exp_month", "null is not allowed")
    rejects("POST", "/v1/customers/cus_x/sources", 200,
            {**SEEDS["attach_source"], "id": None}, "$.id")


def test_error_missing_type_fails():
    rejects("GET", "/v1/customers/cus_1", 404, {"error": {"message": "x"}},
            "$.error", "'type' is a required property")
    rejects("GET", "/v1/customers/cus_1", 404,
            {"error": {"type": "not_a_stripe_error", "message": "x"}}, "$.error.type")


def test_deleted_marker_must_be_true():
    with pytest.raises(AssertionError):
        validate_against("deleted_card", {**SEEDS["delete_card"], "deleted": False})


# --- routing ---

@pytest.mark.parametrize("method,path", [
    ("GET", "/v1/nope"),
    ("GET", "/v1/customers/cus_1/sources/src_1/extra/segments"),
    ("PUT", "/v1/customers/cus_1"),
])
def test_undocumented_request_raises(method, path):
    with pytest.raises(AssertionError, match="spec"):
        assert_conforms(method, path, 200, {})


def test_unknown_component_schema_raises():
    with pytest.raises(AssertionError, match="no_such_schema"):
        validate_against("no_such_schema", {})


def test_literal_segment_beats_template():
    # /v1/customers/search must not be read as /v1/customers/{customer}.
    search = schema_for("GET", "/v1/customers/search", 200)
    assert search["properties"]["object"]["enum"] == ["search_result"]
    assert "anyOf" in schema_for("GET", "/v1/customers/cus_1", 200)
    result = {"object": "search_result", "data": [], "has_more": False,
              "next_page": None, "url": "/v1/customers/search"}
    assert_conforms("GET", "/v1/customers/search?query=x", 200, result)
    rejects("GET", "/v1/customers/search", 200, {"id": "cus_1", "object": "customer"},
            "GetCustomersSearch")


def test_validation_is_cached_and_fast():
    # Generous bound: only a rebuild of validators per call (tens of ms) should trip it.
    body = SEEDS["attach_source"]
    assert_conforms("POST", "/v1/customers/cus_x/sources", 200, body)
    start = time.perf_counter()
    for _ in range(200):
        assert_conforms("POST", "/v1/customers/cus_x/sources", 200, body)
    assert (time.perf_counter() - start) / 200 < 0.005


def test_a_charges_legacy_source_field_passes_unchecked(api):
    charge = api.post("/v1/charges", {"source": "tok_visa", "amount": 2000, "currency": "usd"})
    assert charge["source"]["object"] == "card"  # absent from the spec, as Stripe sends it
    assert_conforms("GET", f"/v1/charges/{charge['id']}", 200, charge)
    rejects("GET", f"/v1/charges/{charge['id']}", 200, {**charge, "amount": "2000"},
            "$.amount")
