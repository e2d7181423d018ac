"""How the emulator refuses malformed parameters, as Stripe's error reference and the answers
integrations quote from it describe: the status, type, code, param and message of each refusal,
and that a refused request changes nothing."""
import pytest

EMPTY = ("You passed an empty string for '{0}'. We assume empty values are an attempt to unset "
         "a parameter; however '{0}' cannot be unset. You should remove '{0}' from your request "
         "or supply a non-empty value.")


def _refused(api, method, path, params):
    return api.request(method, path, params, status=400)["error"]


@pytest.mark.parametrize("path, params, param", [
    # Quoted by integrations, all on creates: 'customer', 'plan' (customer create),
    # 'description' (product create), 'success_url' (checkout session create).
    ("/v1/payment_intents", {"amount": "1000", "currency": "usd", "customer": ""}, "customer"),
    ("/v1/customers", {"description": ""}, "description"),
    ("/v1/charges", {"amount": "1000", "currency": "usd", "source": "tok_visa",
                     "description": ""}, "description"),
    ("/v1/setup_intents", {"payment_method": ""}, "payment_method"),
])
def test_an_empty_value_for_a_parameter_that_cannot_be_unset_is_refused(
        api, path, params, param):
    error = _refused(api, "POST", path, params)
    assert (error["type"], error["code"], error["param"], error["message"]) == (
        "invalid_request_error", "parameter_invalid_empty", param, EMPTY.format(param))
    assert error["doc_url"] == "https://stripe.com/docs/error-codes/parameter-invalid-empty"
    for listed in ("/v1/customers", "/v1/charges", "/v1/payment_intents"):
        assert api.get(listed)["data"] == []


def test_an_empty_value_still_unsets_on_an_update_and_where_the_spec_allows_it(api):
    # `metadata=` and a metadata key may be emptied on a create too (the spec's "" option);
    # an update's strings are unset by an empty value.
    customer = api.post("/v1/customers", {"metadata": "", "description": "vip"})
    assert customer["metadata"] == {}
    customer = api.post("/v1/customers", {"metadata[a]": "1", "metadata[b]": "",
                                          "description": "vip"})
    assert customer["metadata"] == {"a": "1"}
    updated = api.post(f"/v1/customers/{customer['id']}", {"description": ""})
    assert updated["description"] is None


def test_a_list_of_payment_methods_without_customer_checks_its_limit(api):
    for limit, message in (("0", "This value must be greater than or equal to 1."),
                           ("101", "This value must be less than or equal to 100.")):
        error = _refused(api, "GET", "/v1/payment_methods", {"limit": limit})
        assert (error["param"], error["message"]) == ("limit", message)


def test_a_hash_or_an_array_where_a_string_belongs_is_echoed_as_compact_json(api):
    # Stripe's answer, verbatim: `Invalid string: {"0":"wrong","1":"type","2":"array"}`.
    error = _refused(api, "POST", "/v1/customers", {"name[0]": "wrong", "name[1]": "type",
                                                    "name[2]": "array"})
    assert (error["param"], error["message"]) == (
        "name", 'Invalid string: {"0":"wrong","1":"type","2":"array"}')
    assert "code" not in error
    assert api.get("/v1/customers")["data"] == []
