"""The core request conventions: routing, decoding, authentication, headers, errors."""
import base64
import io
import json
import wsgiref.util

import pytest
import webtest

from conftest import PUBLISHABLE_KEY, SECRET_KEY, Api
from conformance import assert_conforms


def raw(app, method, path, body=None, headers=None, content_type=None):
    """A request with full control over headers and body, for malformed input."""
    web = webtest.TestApp(app)
    headers = {"Authorization": f"Bearer {SECRET_KEY}", **(headers or {})}
    return web.request(path, method=method, body=body, headers=headers,
                       content_type=content_type, expect_errors=True)


def count_customers(app):
    with app.store.transaction(write=False) as db:
        return db.execute("SELECT count(*) FROM objects WHERE object = 'customer'").fetchone()[0]


# -- routing ------------------------------------------------------------------------------

def test_unknown_url_gets_stripes_404(api):
    error = api.get("/v1/nothing_here", status=404)["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"] == (
        "Unrecognized request URL (GET: /v1/nothing_here). Please see https://stripe.com/docs "
        "or we can help at https://support.stripe.com/.")


def test_empty_identifier_hints_at_trailing_slash(api):
    message = api.post("/v1/customers//sources", status=404)["error"]["message"]
    assert message.startswith("Unrecognized request URL (POST: /v1/customers//sources). If you"
                              " are trying to list objects, remove the trailing slash.")


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_known_path_with_wrong_method_is_a_stripe_error(app, method):
    response = raw(app, method, "/v1/customers")
    assert response.status_int == 404
    assert response.json["error"]["message"].startswith(f"Unrecognized request URL ({method}:")


def test_delete_on_a_collection_is_unrecognized(api):
    assert api.delete("/v1/customers", status=404)["error"]["message"].startswith(
        "Unrecognized request URL (DELETE: /v1/customers)")


# -- responses ----------------------------------------------------------------------------

def test_every_response_has_request_id_version_and_json(api):
    api.post("/v1/customers")
    headers = api.last.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["Request-Id"].startswith("req_") and len(headers["Request-Id"]) == 18
    assert headers["Stripe-Version"] == "2023-08-16"
    api.get("/v1/customers/cus_missing", status=404)
    assert api.last.headers["Request-Id"].startswith("req_")


def test_request_ids_are_unique(api):
    ids = set()
    for _ in range(5):
        api.get("/v1/customers")
        ids.add(api.last.headers["Request-Id"])
    assert len(ids) == 5


@pytest.mark.parametrize("version", ["2024-06-20", "2026-10-28.endive", "2020-08-27"])
def test_stripe_version_is_echoed(api, version):
    api.get("/v1/customers", headers={"Stripe-Version": version})
    assert api.last.headers["Stripe-Version"] == version


@pytest.mark.parametrize("version", ["yesterday", "2024-6-20", "2024-06-20.Bad!", "2023-13-45"])
def test_malformed_stripe_version_is_refused(api, version):
    error = api.get("/v1/customers", headers={"Stripe-Version": version}, status=400)["error"]
    assert error == {"message": f"Invalid Stripe API version: {version}",
                     "request_log_url": error["request_log_url"],
                     "type": "invalid_request_error"}


def test_error_bodies_leave_out_null_keys_and_link_the_docs(api):
    error = api.get("/v1/customers/cus_nope", status=404)["error"]
    assert error == {
        "code": "resource_missing",
        "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
        "message": "No such customer: 'cus_nope'",
        "param": "id",
        "request_log_url": "https://dashboard.stripe.com/test/logs/"
                           f"{api.last.headers['Request-Id']}"
                           f"?t={error['request_log_url'].rpartition('=')[2]}",
        "type": "invalid_request_error",
    }
    assert list(error) == sorted(error)


def test_browsers_may_call_the_api_cors(app, api):
    """Stripe.js calls the API from web pages: a preflight needs no key, and every answer,
    refusals included, carries Stripe's Access-Control-* headers."""
    preflight = webtest.TestApp(app).options("/v1/tokens", headers={
        "Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, stripe-version"})
    assert preflight.status_int == 200 and preflight.body == b""
    assert preflight.headers["Access-Control-Allow-Headers"] == (
        "authorization, content-type, stripe-version")
    token = Api(app, PUBLISHABLE_KEY).post("/v1/tokens", {"card[number]": "4242424242424242",
                                                           "card[exp_month]": "12",
                                                           "card[exp_year]": "2040"})
    assert token["id"].startswith("tok_")
    api.get("/v1/customers/cus_nope", status=404)
    for response in (preflight, api.last, auth_response(app, None)):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Access-Control-Allow-Credentials"] == "true"
        assert response.headers["Access-Control-Allow-Methods"] == (
            "GET, POST, HEAD, OPTIONS, DELETE")
        assert response.headers["Access-Control-Expose-Headers"] == (
            "Request-Id, Stripe-Manage-Version, X-Stripe-External-Auth-Required, "
            "X-Stripe-Privileged-Session-Required")
        assert response.headers["Access-Control-Max-Age"] == "300"
    assert Api(app).get("/v1/customers")["data"] == []


@pytest.mark.parametrize("params, key, status", [
    ({"email": "a@example.com"}, SECRET_KEY, 200),
    ({"emial": "a@example.com"}, SECRET_KEY, 400),
    ({"email": "a@example.com"}, "sk_test_", 401),
])
def test_the_idempotency_key_is_echoed_on_every_post_answer(api, params, key, status):
    api.post("/v1/customers", params, headers={"Idempotency-Key": "echo-1"}, key=key,
             status=status)
    assert api.last.headers["Idempotency-Key"] == "echo-1"


# -- decoding -----------------------------------------------------------------------------

def test_bracket_nesting_and_both_array_forms(api):
    customer = api.post("/v1/customers", {
        "metadata[order]": "42", "address[city]": "Paris", "address[country]": "FR",
        "shipping[name]": "Jenny", "shipping[address][line1]": "1 rue X",
        "preferred_locales[]": "fr", "expand[0]": "sources"})
    assert customer["metadata"] == {"order": "42"}
    assert customer["address"]["city"] == "Paris" and customer["address"]["line2"] is None
    assert customer["shipping"]["name"] == "Jenny"
    assert customer["shipping"]["address"]["line1"] == "1 rue X"
    assert customer["preferred_locales"] == ["fr"]
    assert customer["sources"]["object"] == "list"


def test_indexed_arrays_keep_their_order(api):
    customer = api.post("/v1/customers", {"preferred_locales[1]": "en", "preferred_locales[0]": "fr"})
    assert customer["preferred_locales"] == ["fr", "en"]


def test_empty_value_unsets_a_field(api):
    customer = api.post("/v1/customers", {"description": "vip", "phone": "+331"})
    updated = api.post(f"/v1/customers/{customer['id']}", {"description": "", "address": ""})
    assert updated["description"] is None and updated["address"] is None
    assert updated["phone"] == "+331"


def test_query_string_parameters_on_get_and_delete(api):
    customer = api.post("/v1/customers", {"email": "q@example.com"})
    listed = api.get("/v1/customers", {"email": "q@example.com", "limit": "1"})
    assert [c["id"] for c in listed["data"]] == [customer["id"]]
    error = api.delete(f"/v1/customers/{customer['id']}?color=blue", status=400)["error"]
    assert error["message"] == "Received unknown parameter: color"
    assert api.delete(f"/v1/customers/{customer['id']}", {"expand[0]": "x"}, status=400)[
        "error"]["message"] == "This property cannot be expanded (x)."
    assert api.delete(f"/v1/customers/{customer['id']}")["deleted"] is True


@pytest.mark.parametrize("body, content_type", [
    (b'{"email": "x@example.com"}', "application/json"),
    (b"email=x@example.com", "text/plain; charset=utf-8"),
])
def test_wrong_content_type_is_a_400(app, body, content_type):
    response = raw(app, "POST", "/v1/customers", body, content_type=content_type)
    assert response.status_int == 400
    assert_conforms("POST", "/v1/customers", 400, response.json)
    assert response.json["error"]["message"] == (
        f"Invalid request: unsupported Content-Type {content_type}. If error persists and you "
        "need assistance, please contact support@stripe.com.")
    assert count_customers(app) == 0


def test_a_chunked_body_handed_over_dechunked(app):
    """gunicorn takes chunked bodies and hands them over de-chunked, with no Content-Length."""
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/v1/customers",
               "CONTENT_TYPE": "application/x-www-form-urlencoded",
               "HTTP_TRANSFER_ENCODING": "chunked", "HTTP_AUTHORIZATION": f"Bearer {SECRET_KEY}",
               "wsgi.input": io.BytesIO(b"email=chunked%40example.com")}
    wsgiref.util.setup_testing_defaults(environ)
    status, _, body = app.handle(environ)
    assert status == 200 and json.loads(body)["email"] == "chunked@example.com"


def test_invalid_utf8_is_a_400(app):
    response = raw(app, "POST", "/v1/customers", b"name=%ff%fe",
                   content_type="application/x-www-form-urlencoded")
    assert response.status_int == 400
    assert response.json["error"]["type"] == "invalid_request_error"
    assert count_customers(app) == 0


def test_oversized_body_is_a_413(app):
    body = b"description=" + b"a" * (1 << 20)
    response = raw(app, "POST", "/v1/customers", body,
                   content_type="application/x-www-form-urlencoded")
    assert response.status_int == 413
    assert_conforms("POST", "/v1/customers", 413, response.json)
    assert count_customers(app) == 0


@pytest.mark.parametrize("body", [b"metadata=1&metadata[a]=2", b"metadata[a]=1&metadata[a][b]=2",
                                  b"a]b=1", b"email[]=x"])
def test_malformed_or_conflicting_keys_are_a_400(app, body):
    response = raw(app, "POST", "/v1/customers", body,
                   content_type="application/x-www-form-urlencoded")
    assert response.status_int == 400, response.text
    assert_conforms("POST", "/v1/customers", 400, response.json)


def test_unknown_parameter(api):
    error = api.post("/v1/customers", {"emial": "x"}, status=400)["error"]
    assert (error["code"], error["param"], error["message"]) == (
        "parameter_unknown", "emial", "Received unknown parameter: emial")


def test_unknown_nested_parameter_is_named_with_brackets(api):
    error = api.post("/v1/customers", {"address[town]": "x"}, status=400)["error"]
    assert error["message"] == "Received unknown parameter: address[town]"
    assert error["param"] == "address[town]"


def test_idempotency_key_as_a_body_parameter_is_unknown(api):
    error = api.post("/v1/customers", {"idempotency_key": "k"}, status=400)["error"]
    assert error["message"] == "Received unknown parameter: idempotency_key"


@pytest.mark.parametrize("value", ["10.0", "abc", "", "NaN"])
def test_invalid_integer(api, value):
    error = api.post("/v1/customers", {"balance": value}, status=400)["error"]
    assert error["message"] == f"Invalid integer: {value}"
    assert (error["code"], error["param"]) == ("parameter_invalid_integer", "balance")


def test_hash_where_a_string_belongs(api):
    error = api.post("/v1/customers", {"email[0]": "a", "email[1]": "b"}, status=400)["error"]
    assert error["message"] == 'Invalid string: {"0":"a","1":"b"}'
    assert error["param"] == "email"


def test_enum_values_are_checked(api):
    error = api.post("/v1/customers", {"tax_exempt": "sometimes"}, status=400)["error"]
    assert error["param"] == "tax_exempt"
    assert error["message"] == "Invalid tax_exempt: must be one of exempt, none, or reverse"


def test_string_length_limit(api):
    error = api.post("/v1/customers", {"email": "a" * 513}, status=400)["error"]
    assert error["param"] == "email" and "512" in error["message"]


def test_boolean_parsing(app):
    # invoice_settings[rendering_options] takes no booleans; the webhook test exercises them.
    # Here: a boolean-typed query parameter does not exist on customers, so check the coercer.
    from stripe_emu import params
    schema = {"type": "object", "properties": {"flag": {"type": "boolean"}}}
    assert params._coerce({"flag": "true"}, schema, "") == {"flag": True}
    assert params._coerce({"flag": "false"}, schema, "") == {"flag": False}
    with pytest.raises(Exception, match="Invalid boolean: yes"):
        params._coerce({"flag": "yes"}, schema, "")


# -- authentication -----------------------------------------------------------------------

NO_KEY = ("You did not provide an API key. You need to provide your API key in the "
          "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
          "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we "
          "can help at https://support.stripe.com/.")


def auth_response(app, authorization, path="/v1/customers"):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = webtest.TestApp(app).get(path, headers=headers, expect_errors=True)
    assert response.status_int == 401
    assert_conforms("GET", path, 401, response.json)
    assert response.headers["Request-Id"].startswith("req_")
    return response


def auth_error(app, authorization, path="/v1/customers"):
    return auth_response(app, authorization, path).json["error"]


def test_missing_key(app):
    assert auth_error(app, None)["message"] == NO_KEY


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "null", "Basic", "Token abc"])
def test_authorization_header_without_a_key(app, header):
    message = auth_error(app, header)["message"]
    assert message.startswith("You did not provide an API key, though you did set your "
                              f"Authorization header to \"{header}\".")


def test_invalid_key_is_masked(app):
    key = "sk_test_this_is_not_valid!Aso0"
    assert auth_error(app, f"Bearer {key}")["message"] == (
        "Invalid API Key provided: sk_test_******************Aso0")
    assert auth_error(app, "Bearer undefined")["message"] == (
        "Invalid API Key provided: *****ined")


def test_live_keys_are_refused(app):
    message = auth_error(app, "Bearer sk_live_abcdefghijklmnop")["message"]
    assert message.startswith("Invalid API Key provided: sk_live_")
    assert "test mode" in message


def test_publishable_key_needs_a_secret_key_here(app):
    error = auth_error(app, f"Bearer {PUBLISHABLE_KEY}")
    assert error["code"] == "secret_key_required"
    assert error["message"].startswith("This API call cannot be made with a publishable API key.")


def test_basic_auth_with_the_key_as_user_name(app):
    token = base64.b64encode(f"{SECRET_KEY}:".encode()).decode()
    response = webtest.TestApp(app).post("/v1/customers", {"email": "b@example.com"},
                                         headers={"Authorization": f"Basic {token}"})
    assert response.json["email"] == "b@example.com"
    listed = Api(app).get("/v1/customers")
    assert [c["email"] for c in listed["data"]] == ["b@example.com"]


def test_accounts_never_see_each_others_objects(app):
    mine, theirs = Api(app, "sk_test_alice"), Api(app, "sk_test_bob")
    customer = mine.post("/v1/customers", {"email": "a@example.com"})
    error = theirs.get(f"/v1/customers/{customer['id']}", status=404)["error"]
    assert error["message"] == f"No such customer: '{customer['id']}'"
    theirs.post(f"/v1/customers/{customer['id']}", {"name": "x"}, status=404)
    theirs.delete(f"/v1/customers/{customer['id']}", status=404)
    assert theirs.get("/v1/customers")["data"] == []
    assert mine.get(f"/v1/customers/{customer['id']}")["name"] is None


def test_restricted_and_secret_keys_of_one_account_share_objects(app):
    customer = Api(app, "sk_test_same").post("/v1/customers")
    assert Api(app, "rk_test_same").get(f"/v1/customers/{customer['id']}")["id"] == customer["id"]


def test_objects_are_never_live(api):
    assert api.post("/v1/customers")["livemode"] is False


# -- robustness ---------------------------------------------------------------------------

def test_unexpected_exception_is_a_stripe_500_without_traceback(app, monkeypatch):
    from stripe_emu.resources import customers

    def explode(req):
        raise RuntimeError("secret internals")
    monkeypatch.setattr(app.router.match("GET", "/v1/customers")[0], "handler", explode)
    response = raw(app, "GET", "/v1/customers")
    assert response.status_int == 500
    assert response.json["error"]["type"] == "api_error"
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert customers.list_customers is not explode


def test_a_failed_request_changes_nothing(app, monkeypatch):
    """The handler's writes and the response rendering share one transaction."""
    api = Api(app)
    from stripe_emu import expand

    def broken(req, result, paths):
        raise RuntimeError("rendering failed")
    monkeypatch.setattr(expand, "apply", broken)
    raw(app, "POST", "/v1/customers", b"email=x@example.com",
        content_type="application/x-www-form-urlencoded")
    monkeypatch.undo()
    assert count_customers(app) == 0
    assert api.get("/v1/events")["data"] == [] if _has_events(app) else True


def _has_events(app):
    try:
        app.router.match("GET", "/v1/events")
        return True
    except Exception:
        return False


def test_json_is_pretty_printed_like_stripe(api):
    api.post("/v1/customers")
    assert json.loads(api.last.body) and api.last.body.startswith(b'{\n  "id": "cus_')
