"""How the emulator refuses malformed parameters, as Stripe's error reference and the answers
integrations quote from it describe: the status, type, code, param and message of each refusal,
and that a refused request changes nothing."""
import re

import pytest

from stripe_emu import control, routes, spec
from test_robustness import objects

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
    ("/v1/payment_intents", {"amount": "1000", "currency": "usd",
                             "payment_method_types[]": ""}, "payment_method_types[0]"),
    ("/v1/setup_intents", {"payment_method_types[]": "card", "payment_method_types[1]": ""},
     "payment_method_types[1]"),
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


def _wrong_values(name, schema):
    """(case, [(key, value)], error code) of values Stripe refuses for parameter `name`
    whatever the operation: each of its forms sent something of another type, or out of its
    enum."""
    options = [spec.resolve(option) for option in spec.resolve(schema).get("anyOf", [schema])]
    kinds = {option.get("type") for option in options}
    if "integer" in kinds:
        yield "integer", [(name, "abc")], "parameter_invalid_integer"
        yield "integer", [(name, "1" + "0" * 20)], "parameter_invalid_integer"
    if "boolean" in kinds:
        yield "boolean", [(name, "yes")], None
    if any(option.get("enum", [""]) != [""] for option in options if "enum" in option) \
            and kinds <= {"string", "boolean"}:
        yield "enum", [(name, "bogus_value")], None
    if "string" in kinds and not kinds & {"object", "array"}:
        yield "string", [(f"{name}[x]", "y")], None
    if kinds == {"object"}:
        yield "hash", [(name, "x")], None
    if kinds == {"array"}:
        yield "array", [(name, "x")], None


def _state(app):
    """Every stored row a request could change (deliveries run on their own thread)."""
    tables = control.export_snapshot(app)["tables"]
    return {table: rows for table, rows in tables.items()
            if not table.startswith(("webhook_", "idempotent_"))}


def _valid(template, ids):
    """Parameters that the operation needs to reach its own checks (of metadata)."""
    return {
        **{f"/v1/customers/{{customer}}/{kind}": {"source": "tok_visa"}
           for kind in ("sources", "cards", "bank_accounts")},
        "/v1/customers/{customer}/tax_ids": {"type": "eu_vat", "value": "DE123456789"},
        "/v1/customers/{customer}/balance_transactions": {"amount": "100", "currency": "usd"},
        "/v1/sources": {"type": "ach_credit_transfer", "currency": "usd"},
        "/v1/sources/{source}/verify": {"values[0]": "32", "values[1]": "45"},
        "/v1/webhook_endpoints": {"url": "http://127.0.0.1:9/", "enabled_events[0]": "*"},
        "/v1/charges": {"amount": "2000", "currency": "usd", "source": "tok_visa"},
        "/v1/charges/{charge}/refunds": {"amount": "100"},
        "/v1/refunds": {"charge": ids["charge"], "amount": "100"},
        "/v1/payment_methods": {"type": "card", "card[token]": "tok_visa"},
        "/v1/payment_methods/{payment_method}/attach": {"customer": ids["customer"]},
        "/v1/payment_intents": {"amount": "2000", "currency": "usd"},
    }.get(template, {})


def test_every_operation_refuses_wrongly_typed_parameters_and_changes_nothing(app, api):
    refusals = 0
    for route in routes.ROUTES:
        ids = objects(api)
        ids["intent"] = ids.get(route.template.split("/")[2])
        path = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], route.template)
        valid = _valid(route.template, ids) if route.method == "POST" else {}
        schema = spec.request_schema(route.method, route.template)
        cases = [case for name, param in schema["properties"].items()
                 for case in _wrong_values(name, param)]
        cases += [("unknown", [("bogus_param", "1")], "parameter_unknown")]
        # An action (capture, cancel...) checks its object's state first: which of the two
        # errors Stripe reports first is not known.
        if "metadata" in schema["properties"] and route.template.endswith(("}", "s")):
            cases += [("metadata", [(f"metadata[k{i}]", "v") for i in range(51)], None),
                      ("metadata", [("metadata[" + "k" * 41 + "]", "v")], None),
                      ("metadata", [("metadata[k]", "v" * 501)], None)]
        for case, pairs, code in cases:
            before = _state(app)
            given = {key: value for key, value in valid.items()
                     if key.split("[")[0] not in {k.split("[")[0] for k, _ in pairs}}
            body = api.request(route.method, path, {**given, **dict(pairs)}, status=400)
            assert body["error"].get("code") == code, (route.template, case, pairs[:1], body)
            assert body["error"]["param"] == pairs[0][0].split("[x]")[0] \
                or case in ("metadata",), (route.template, case, body)
            assert _state(app) == before, (route.template, case)
            refusals += 1
    assert refusals > 700
