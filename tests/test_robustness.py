"""Malformed input never breaks the API: every route of the route table, walked with wrongly
typed, nested, over-nested, huge, unicode, non-ASCII-digit and empty parameters, answers with
Stripe's error object (or a valid success), never a 500; the cases a review found, each
pinned with Stripe's answer; and the parameters Stripe takes beyond the bundled spec."""
import base64
import re
from urllib.parse import quote

import pytest
import webtest

from conftest import SECRET_KEY, Api, check_body
from stripe_emu import routes, spec

ERROR_KEYS = {"code", "decline_code", "doc_url", "message", "param", "request_log_url", "type"}
# The objects an error is about, embedded whole as Stripe's api_errors schema lists them (an
# intent in the wrong state names itself; a decline its intent and PaymentMethod).
ERROR_OBJECTS = {"charge", "payment_intent", "payment_method", "setup_intent"}
ERROR_TYPES = {"api_error", "card_error", "idempotency_error", "invalid_request_error"}
# Values that are wrong for most parameters, and right for a few: none may break anything.
SCALARS = ["", "x", "-1", "99999999999999999999999", "²", "١٠", "1e3", "NaN", "true",
           "\x00", "é€😀", "a" * 6000, "http://[::1", "src_nope", "tok_visa"]
NESTED = ["[a]", "[0]", "[]", "[a][b]", "[0][a]", "[²]", "[a]" * 12]
FORM = "application/x-www-form-urlencoded"


def send(web, method, path, pairs, headers=None, encoded=None):
    """A request with `pairs` (or the `encoded` text) as its form body (POST) or query
    string; the JSON answer, checked: never a 500, a success as the spec describes it, and an
    error as Stripe's error object."""
    query = encoded if encoded is not None else "&".join(
        f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in pairs)
    headers = {"Authorization": f"Bearer {SECRET_KEY}", **(headers or {})}
    if method == "POST":
        response = web.post(path, query.encode(), headers=headers, content_type=FORM,
                            expect_errors=True)
    else:
        response = web.request(f"{path}?{query}", method=method, headers=headers,
                               expect_errors=True)
    assert response.status_int < 500, (method, path, pairs[:3], response.text[:500])
    body = response.json
    if response.status_int == 200:
        check_body(method, path, 200, body)
    else:
        error = body["error"]
        assert set(body) == {"error"} and set(error) <= ERROR_KEYS | ERROR_OBJECTS, body
        assert error["type"] in ERROR_TYPES and isinstance(error["message"], str), body
        assert all(isinstance(value, str) for key, value in error.items()
                   if key not in ERROR_OBJECTS), body
    return response.status_int, body


def objects(api):
    """One object of each kind, named as the route templates name their placeholders."""
    customer = api.post("/v1/customers", {"email": "fuzz@example.com"})["id"]
    card = api.post(f"/v1/customers/{customer}/sources", {"source": "tok_visa"})["id"]
    # Its owner email lands a transfer on it: a source transaction to name.
    source = api.post("/v1/sources", {"type": "ach_credit_transfer", "currency": "usd",
                                      "owner[email]": "amount_500@example.com"})["id"]
    endpoint = api.post("/v1/webhook_endpoints", {
        "url": "http://127.0.0.1:9/hooks", "enabled_events[0]": "source.canceled"})["id"]
    transaction = api.post(f"/v1/customers/{customer}/balance_transactions",
                           {"amount": "100", "currency": "usd"})["id"]
    charge = api.post("/v1/charges", {"customer": customer, "amount": 2000,
                                      "currency": "usd"})["id"]
    refund = api.post("/v1/refunds", {"charge": charge, "amount": 100})["id"]
    payment_method = api.post("/v1/payment_methods/pm_card_visa/attach",
                              {"customer": customer})["id"]
    return {"customer": customer, "id": card, "source": source, "webhook_endpoint": endpoint,
            "transaction": transaction, "charge": charge, "refund": refund,
            "payment_method": payment_method,
            "source_transaction": api.get(
                f"/v1/sources/{source}/source_transactions")["data"][0]["id"],
            "mandate_notification": "srcmn_fuzz",
            # {intent} names a SetupIntent or a PaymentIntent, by the route's collection.
            "setup_intents": api.post("/v1/setup_intents")["id"],
            "payment_intents": api.post("/v1/payment_intents", {"amount": 2000,
                                                                "currency": "usd"})["id"],
            "token": api.post("/v1/tokens", {"card[number]": "4242424242424242",
                                             "card[exp_month]": "12",
                                             "card[exp_year]": "2040"})["id"]}


def variants(name, schema):
    """(key, value) pairs: junk for the parameter itself and for each of its fields."""
    yield from ((name, value) for value in SCALARS)
    yield from ((name + suffix, "x") for suffix in NESTED)
    schema = spec.resolve(schema)
    for option in schema.get("anyOf", [schema]):
        for field in spec.resolve(option).get("properties", {}):
            yield from ((f"{name}[{field}]", value) for value in ("", "x", "²", "9" * 30))
            yield f"{name}[{field}][a]", "x"


def test_every_route_answers_malformed_parameters_with_stripes_errors(app):
    api, web = Api(app), webtest.TestApp(app)
    statuses = {}
    for route in routes.ROUTES:
        ids = objects(api)
        ids["intent"] = ids.get(route.template.split("/")[2])
        path = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], route.template)
        if route.template == "/v1/events/{id}":
            path = "/v1/events/" + api.get("/v1/events", {"limit": 1})["data"][0]["id"]
        properties = spec.request_schema(route.method, route.template)["properties"]
        for name, schema in properties.items():
            for pair in variants(name, schema):
                status, _ = send(web, route.method, path, [pair])
                statuses[status] = statuses.get(status, 0) + 1
        for key in ("a]b", "[a]", "a[[b]]", "a[b", "é[€]", "metadata[a]b]", "a" * 300):
            send(web, route.method, path, [(key, "x")])
        for encoded in ("%zz=1", "a=%ff", "=x", "&&&", "a[=1", "%5B%5D=1", "a%00=1"):
            send(web, route.method, path, [], encoded=encoded)
        status, body = send(web, route.method, path.replace("/v1/", "/v1//"), [])
        assert status == 404
    assert statuses.get(400, 0) > 1000 and statuses.get(200, 0) > 100


# --- what the review found --------------------------------------------------------------------

def error_of(api, method, path, params, status=400):
    return api.request(method, path, params, status=status)["error"]


@pytest.mark.parametrize("param", ["metadata", "address", "shipping", "invoice_settings"])
def test_a_string_where_a_hash_belongs_is_an_invalid_hash(api, param):
    error = error_of(api, "POST", "/v1/customers", {param: "x"})
    assert (error["message"], error["param"]) == ("Invalid hash", param)
    assert api.get("/v1/customers")["data"] == []


def test_metadata_as_a_string_everywhere_it_is_taken(api):
    customer = api.post("/v1/customers")["id"]
    card = api.post(f"/v1/customers/{customer}/sources", {"source": "tok_visa"})["id"]
    source = api.post("/v1/sources", {"type": "ach_credit_transfer", "currency": "usd"})["id"]
    endpoint = api.post("/v1/webhook_endpoints", {"url": "http://127.0.0.1:9/",
                                                  "enabled_events[0]": "*"})["id"]
    for path in (f"/v1/sources/{source}", f"/v1/webhook_endpoints/{endpoint}",
                 *(f"/v1/customers/{customer}/{kind}/{card}"
                   for kind in ("sources", "cards", "bank_accounts"))):
        assert error_of(api, "POST", path, {"metadata": "x"})["message"] == "Invalid hash"
    assert api.post(f"/v1/sources/{source}", {"metadata": ""})["metadata"] == {}


def test_a_scalar_is_judged_by_the_scalar_form_of_a_parameter(api):
    error = error_of(api, "GET", "/v1/customers", {"created": "abc"})
    assert (error["message"], error["param"], error["code"]) == (
        "Invalid integer: abc", "created", "parameter_invalid_integer")
    assert error_of(api, "GET", "/v1/customers", {"created[gt]": "abc"})["param"] == \
        "created[gt]"


@pytest.mark.parametrize("params, param, message", [
    ({"source[number]": "4242424242424242", "source[exp_month]": "12",
      "source[exp_year]": "2030", "source[metadata]": ""}, "source[metadata]", "Invalid hash"),
    ({"source[number]": "4242424242424242", "source[exp_month]": "12",
      "source[exp_year]": "2030", "source[metadata][k][j]": "x"}, "source[metadata][k]",
     'Invalid string: {"j":"x"}'),
    ({"source[number]": "4242424242424242", "source[exp_month]": "12",
      "source[exp_year]": "2030", "source[name][a]": "x"}, "source[name]",
     'Invalid string: {"a":"x"}'),
    ({"source[number]": "4242424242424242", "source[exp_month]": "twelve",
      "source[exp_year]": "2030"}, "source[exp_month]", "Invalid integer: twelve"),
    ({"source[exp_month]": "12", "source[exp_year]": "2030"}, "source[number]",
     "Missing required param: source[number]."),
    ({"source[object]": "bank_account", "source[account_number]": "000123456789"},
     "source[country]", "Missing required param: source[country]."),
])
def test_a_source_hash_is_checked_as_card_or_bank_account_details(api, params, param, message):
    customer = api.post("/v1/customers")["id"]
    for kind in ("sources", "cards"):
        error = error_of(api, "POST", f"/v1/customers/{customer}/{kind}", params)
        assert (error["param"], error["message"]) == (param, message)
    assert error_of(api, "POST", "/v1/customers", params)["param"] == param
    assert api.get(f"/v1/customers/{customer}/sources")["data"] == []


@pytest.mark.parametrize("params, param, message", [
    ({"type": "card", "card[number]": "4242424242424242", "card[exp_month]": "12",
      "card[exp_year]": "2030", "card[metadata]": "x"}, "card[metadata]",
     "Received an unknown parameter for payment method `card`: card[metadata]."),
    ({"type": "sepa_debit", "currency": "eur", "owner[name]": "x", "sepa_debit[iban][a]": "b"},
     "sepa_debit[iban]", 'Invalid string: {"a":"b"}'),
    ({"type": "three_d_secure", "amount": "100", "currency": "usd",
      "redirect[return_url]": "http://x/", "three_d_secure[card][a]": "b"},
     "three_d_secure[card]", 'Invalid string: {"a":"b"}'),
    ({"type": "ach_debit", "currency": "usd", "ach_debit[account_holder_type][a]": "1"},
     "ach_debit[account_holder_type]", 'Invalid string: {"a":"1"}'),
    ({"type": "ach_debit", "currency": "usd", "ach_debit[bank]": "x"}, "ach_debit[bank]",
     "Received an unknown parameter for payment method `ach_debit`: ach_debit[bank]."),
])
def test_the_type_hashes_of_a_source_have_typed_fields(api, params, param, message):
    error = error_of(api, "POST", "/v1/sources", params)
    assert (error["param"], error["message"]) == (param, message)


@pytest.mark.parametrize("path, param, value", [
    ("/v1/customers", "created", "99999999999999999999999"),
    ("/v1/customers", "created", "-9223372036854775809"),
    ("/v1/events", "created[gt]", "9223372036854775808"),
    pytest.param("/v1/customers", "limit", "9" * 5000, id="more-digits-than-int-takes"),
])
def test_integers_beyond_64_bits_are_invalid_integers(api, path, param, value):
    error = error_of(api, "GET", path, {param: value})
    assert (error["param"], error["code"]) == (param, "parameter_invalid_integer")
    assert error["message"] == f"Invalid integer: {value}"


def test_the_largest_64_bit_integers_are_numbers(api):
    for value in ("9223372036854775807", "-9223372036854775808"):
        assert api.get("/v1/customers", {"created": value})["data"] == []
        assert api.get("/v1/events", {"created[lte]": value})["object"] == "list"


@pytest.mark.parametrize("params, param, message", [
    ({"limit": "١٠"}, "limit", "Invalid integer: ١٠"),
    ({"limit": "²"}, "limit", "Invalid integer: ²"),
    ({"expand[²]": "x"}, "expand", 'Invalid array'),
])
def test_only_ascii_digits_are_numbers(api, params, param, message):
    error = error_of(api, "GET", "/v1/customers", params)
    assert (error["param"], error["message"]) == (param, message)


def test_a_stripe_version_in_other_digits_is_refused(api):
    error = api.get("/v1/customers", headers={"Stripe-Version": "2024-06-2²"}, status=400)
    assert error["error"]["message"] == "Invalid Stripe API version: 2024-06-2²"


def test_over_nested_brackets_are_refused_before_anything_else(app, api):
    key = "metadata" + "[a]" * 3000
    for headers in ({}, {"Idempotency-Key": "deep"}):
        status, body = send(webtest.TestApp(app), "POST", "/v1/customers", [(key, "x")],
                            headers)
        assert status == 400 and body["error"]["param"] == "metadata"
        assert body["error"]["message"].endswith(
            "parameters can be nested at most 10 levels deep.")
    assert api.post("/v1/customers", {"metadata" + "[a]" * 9: "x"}, status=400)["error"][
        "message"] == 'Invalid string: {"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":"x"}}}}}}}}'
    assert webtest.TestApp(app).get("/_emu/requests").status_int == 200
    assert api.get("/v1/customers")["data"] == []


def test_a_forged_search_page_is_refused(api):
    for text in ("seq:99999999999999999999999", "seq:²", "seq:-1"):
        page = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
        error = error_of(api, "GET", "/v1/customers/search", {"query": "email:'a@b.co'",
                                                              "page": page})
        assert error["param"] == "page"


# --- parameters Stripe takes beyond the bundled 2023-08-16 spec -------------------------------

NEWER_CUSTOMER_PARAMS = {"business_name": "Rosen GmbH", "individual_name": "Jenny Rosen",
                         "validate": "true", "tax[validate_location]": "deferred",
                         "invoice_settings[rendering_options][template]": "inrtem_123"}


def test_parameters_current_clients_send_are_accepted(api, stripe_http):
    customer = api.post("/v1/customers", NEWER_CUSTOMER_PARAMS)
    api.post(f"/v1/customers/{customer['id']}", {**NEWER_CUSTOMER_PARAMS,
                                                  "tax[validate_location]": "auto"})
    for kind in ("sources", "cards"):
        api.post(f"/v1/customers/{customer['id']}/{kind}", {"source": "tok_visa",
                                                             "validate": "false"})
    api.post("/v1/tokens", {"card[number]": "4242424242424242", "card[exp_month]": "12",
                            "card[exp_year]": "2040", "card[networks][preferred]": "visa"})
    created = stripe_http.v1.customers.create(params={
        "business_name": "Rosen GmbH", "validate": True,
        "tax": {"validate_location": "immediately"},
        "invoice_settings": {"rendering_options": {"template": "inrtem_123"}}})
    stripe_http.v1.customers.payment_sources.create(created.id, params={
        "source": "tok_mastercard", "validate": True})


@pytest.mark.parametrize("path, params, param, message", [
    ("/v1/customers", {"tax[validate_location]": "auto"}, "tax[validate_location]",
     "Invalid tax[validate_location]: must be one of deferred or immediately"),
    ("/v1/customers", {"business_name": "x" * 151}, "business_name", None),
    ("/v1/customers", {"validate": "yes"}, "validate", "Invalid boolean: yes"),
    ("/v1/customers", {"invoice_settings[rendering_options][template][a]": "x"},
     "invoice_settings[rendering_options][template]", 'Invalid string: {"a":"x"}'),
    ("/v1/tokens", {"card[number]": "4242424242424242", "card[exp_month]": "12",
                    "card[exp_year]": "2040", "card[networks][preferred]": "amex"},
     "card[networks][preferred]",
     "Invalid card[networks][preferred]: must be one of cartes_bancaires, mastercard, or visa"),
])
def test_newer_parameters_are_typed(api, path, params, param, message):
    error = error_of(api, "POST", path, params)
    assert error["param"] == param and error["message"] == (message or error["message"])


@pytest.mark.parametrize("api_version", ["2026-10-28.endive", "2024-06-20", "2023-10-16"])
def test_webhook_endpoints_take_api_versions_newer_than_the_spec(api, api_version):
    endpoint = api.post("/v1/webhook_endpoints", {
        "url": "http://127.0.0.1:9/", "api_version": api_version,
        "enabled_events[0]": "invoice.overdue", "enabled_events[1]": "invoice_payment.paid",
        "enabled_events[2]": "entitlements.active_entitlement_summary.updated"})
    assert endpoint["api_version"] == api_version
    updated = api.post(f"/v1/webhook_endpoints/{endpoint['id']}", {
        "enabled_events[0]": "billing.alert.triggered", "enabled_events[1]": "*"})
    assert updated["enabled_events"] == ["billing.alert.triggered", "*"]


@pytest.mark.parametrize("params, param", [
    ({"api_version": "2024-6-20"}, "api_version"),
    ({"api_version": "latest"}, "api_version"),
    ({"enabled_events[0]": "invoice"}, "enabled_events[0]"),
    ({"enabled_events[0]": "Invoice.Paid"}, "enabled_events[0]"),
    ({"enabled_events[0]": "invoice..paid"}, "enabled_events[0]"),
])
def test_webhook_endpoints_refuse_malformed_versions_and_event_types(api, params, param):
    error = error_of(api, "POST", "/v1/webhook_endpoints", {
        "url": "http://127.0.0.1:9/", "enabled_events[0]": "*", **params})
    assert error["param"] == param
    assert api.get("/v1/webhook_endpoints")["data"] == []
