"""Keys and accounts: Stripe.js's `key` parameter on publishable routes only, paired keys
(serve --account, make_app(accounts=...)), and read-only restricted keys."""
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import webtest

from conftest import PUBLISHABLE_KEY, SECRET_KEY, Api, check_body, running_server
from stripe_emu import auth, control, make_app, routes
from test_tokens import VISA

ROOT = Path(__file__).resolve().parent.parent
# As Stripe's dashboard gives them: one account, keys that differ after a common start.
SHOP_PK = "pk_test_51AbcDEFghiJKLmnoPQ"
SHOP_SK = "sk_test_51AbcDEFghiJKLmnoZZ"


def browser(app, method, path, params):
    """A request as Stripe.js makes it: the key among the parameters, no Authorization."""
    web = webtest.TestApp(app)
    if method == "GET":
        response = web.get(path, params, expect_errors=True)
    else:
        response = web.post(path, params, expect_errors=True)
    check_body(method, path, response.status_int, response.json)
    return response


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def shop():
    app = make_app(db=":memory:", accounts={"shop": [SHOP_PK, SHOP_SK]})
    yield app
    app.close()


# -- the `key` parameter ----------------------------------------------------------------------

def test_stripejs_creates_a_token_with_the_key_parameter(app, api):
    response = browser(app, "POST", "/v1/tokens", {**VISA, "key": PUBLISHABLE_KEY})
    assert response.status_int == 200, response.text
    token = response.json
    # The server's secret key of the same account redeems it.
    customer = api.post("/v1/customers", {"source": token["id"]})
    assert customer["default_source"] == token["card"]["id"]
    assert "key" not in app.recent_requests[0]["params"]


def test_stripejs_telemetry_is_taken_on_publishable_routes_only(app, api):
    """Stripe.js sends fraud signals and its version beside the card; Stripe takes them."""
    telemetry = {"guid": "g-1", "muid": "m-1", "sid": "s-1", "time_on_page": "5012",
                 "payment_user_agent": "stripe.js/abc; stripe-js-v3/abc; split-card-element",
                 "referrer": "https://shop.example", "pasted_fields": "number",
                 "client_attribution_metadata[client_session_id]": "c-1"}
    response = browser(app, "POST", "/v1/tokens", {**VISA, **telemetry, "key": PUBLISHABLE_KEY})
    assert response.status_int == 200, response.text
    assert "guid" not in response.json and "guid" not in app.recent_requests[-1]["params"]
    error = api.post("/v1/customers", {"guid": "g-1"}, status=400)["error"]
    assert error["message"] == "Received unknown parameter: guid"


def test_stripejs_reads_a_source_with_its_client_secret(app):
    created = browser(app, "POST", "/v1/sources", {
        "type": "ach_credit_transfer", "currency": "usd", "key": PUBLISHABLE_KEY}).json
    found = browser(app, "GET", f"/v1/sources/{created['id']}",
                    {"key": PUBLISHABLE_KEY, "client_secret": created["client_secret"]})
    assert found.status_int == 200 and found.json["id"] == created["id"]


@pytest.mark.parametrize("key", [PUBLISHABLE_KEY, SECRET_KEY])
def test_the_key_parameter_is_refused_on_other_routes(app, key):
    response = browser(app, "POST", "/v1/customers", {"key": key, "email": "a@example.com"})
    assert response.status_int == 401
    assert response.json["error"]["message"].startswith("You did not provide an API key.")
    assert Api(app).get("/v1/customers")["data"] == []


def test_a_bad_key_parameter_is_stripes_401(app):
    response = browser(app, "POST", "/v1/tokens", {**VISA, "key": "pk_test_"})
    assert response.status_int == 401
    assert response.json["error"]["message"] == "Invalid API Key provided: ****est_"
    response = browser(app, "POST", "/v1/tokens", {**VISA, "key": ""})
    assert response.json["error"]["message"].startswith("You did not provide an API key.")


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer sk_live_abcdefghijklmnop",
                                           "Bearer not_a_key_at_all"])
def test_a_401_without_an_account_is_message_and_type_alone(app, authorization):
    """Stripe's body when no key names an account: {"error": {"message", "type"}}, no request
    log to link to."""
    headers = {} if authorization is None else {"Authorization": authorization}
    response = webtest.TestApp(app).get("/v1/customers", headers=headers, expect_errors=True)
    assert response.status_int == 401
    assert set(response.json["error"]) == {"message", "type"}
    check_body("GET", "/v1/customers", 401, response.json)


def test_a_publishable_key_on_a_secret_route_names_its_account_log(app):
    response = webtest.TestApp(app).get(
        "/v1/customers", headers={"Authorization": f"Bearer {PUBLISHABLE_KEY}"},
        expect_errors=True)
    assert response.status_int == 401
    assert response.json["error"]["code"] == "secret_key_required"
    assert response.json["error"]["request_log_url"].startswith(
        "https://dashboard.stripe.com/test/logs/req_")


# -- paired keys ------------------------------------------------------------------------------

def test_paired_keys_share_one_account(shop):
    token = browser(shop, "POST", "/v1/tokens", {**VISA, "key": SHOP_PK}).json
    server = Api(shop, key=SHOP_SK)
    customer = server.post("/v1/customers", {"source": token["id"]})
    assert server.get(f"/v1/customers/{customer['id']}")["default_source"] == token["card"]["id"]
    with shop.store.transaction(write=False) as db:
        assert {row[0] for row in db.execute("SELECT account FROM objects")} == {"shop"}


@pytest.mark.parametrize("derived", [
    "sk_test_51AbcDEFghiJKLmnoPQ",   # the publishable key's suffix: today's rule would use it
    "sk_test_shop",                  # the account's name
    "rk_test_51AbcDEFghiJKLmnoZZ",   # the secret key's suffix with another prefix
])
def test_a_paired_account_is_reached_by_its_listed_keys_only(shop, derived):
    Api(shop, key=SHOP_SK).post("/v1/customers")
    error = Api(shop, key=derived).get("/v1/customers", status=401)["error"]
    assert error["message"].startswith("Invalid API Key provided: ")


def test_a_paired_publishable_key_never_reaches_secret_routes(shop):
    error = Api(shop, key=SHOP_PK).post("/v1/customers", status=401)["error"]
    assert error["code"] == "secret_key_required"


def test_invented_keys_keep_the_suffix_rule_beside_pairs(shop):
    Api(shop, key="sk_test_abc").post("/v1/customers", {"email": "a@example.com"})
    token = Api(shop, key="pk_test_abc").post("/v1/tokens", VISA)
    Api(shop, key="sk_test_abc").post("/v1/customers", {"source": token["id"]})
    assert len(Api(shop, key="sk_test_abc").get("/v1/customers")["data"]) == 2
    assert Api(shop, key=SHOP_SK).get("/v1/customers")["data"] == []


def test_the_control_plane_knows_paired_keys(shop):
    Api(shop, key=SHOP_SK).post("/v1/customers")
    Api(shop, key="sk_test_other").post("/v1/customers")
    assert auth.account_named(SHOP_SK, shop.keys) == "shop"
    control.reset(shop, SHOP_SK)
    assert Api(shop, key=SHOP_SK).get("/v1/customers")["data"] == []
    assert len(Api(shop, key="sk_test_other").get("/v1/customers")["data"]) == 1


@pytest.mark.parametrize("accounts, message", [
    ({"shop": ["sk_live_abc"]}, "is not a test key"),
    ({"shop": [SHOP_SK], "other": [SHOP_SK]}, "is listed for two accounts"),
    ({"a shop": [SHOP_SK]}, "an account name is letters"),
    ({"shop": SHOP_SK}, "give its keys as a list"),
    (["shop:" + SHOP_SK], "expected NAME=pk_test_"),
])
def test_a_bad_pairing_is_refused_at_start(accounts, message):
    with pytest.raises(ValueError, match=message):
        make_app(db=":memory:", accounts=accounts)


def _post(port, path, key):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=b"",
                                     headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_serve_takes_paired_keys_and_the_restricted_mode():
    port = free_port()
    command = [sys.executable, "-m", "stripe_emu", "serve", "--db", ":memory:", "--port",
               str(port), "--account", f"shop={SHOP_PK},{SHOP_SK}",
               "--restricted-keys", "read_only"]
    with running_server(command, port, cwd=ROOT):
        assert _post(port, "/v1/customers", SHOP_SK) == 200
        assert _post(port, "/v1/customers", "sk_test_51AbcDEFghiJKLmnoPQ") == 401
        assert _post(port, "/v1/customers", "rk_test_abc") == 403


def test_serve_refuses_a_bad_pairing_in_one_line():
    done = subprocess.run([sys.executable, "-m", "stripe_emu", "serve", "--db", ":memory:",
                           "--account", "shop"], cwd=ROOT, capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 2
    assert "expected NAME=pk_test_...,sk_test_..." in done.stderr.splitlines()[-1]


# -- restricted keys --------------------------------------------------------------------------

def test_restricted_keys_act_as_secret_keys_by_default(app):
    Api(app, key="rk_test_emu4242").post("/v1/customers")
    assert len(Api(app).get("/v1/customers")["data"]) == 1


def test_read_only_restricted_keys_may_only_read():
    app = make_app(db=":memory:", restricted_keys="read_only")
    try:
        customer = Api(app).post("/v1/customers", {"email": "a@example.com"})
        reader = Api(app, key="rk_test_emu4242")
        assert reader.get(f"/v1/customers/{customer['id']}")["email"] == "a@example.com"
        for method, path in (("POST", "/v1/customers"), ("DELETE", f"/v1/customers/"
                                                                   f"{customer['id']}"),
                             ("POST", "/v1/tokens")):
            error = reader.request(method, path, status=403)["error"]
            assert error["type"] == "invalid_request_error"
            assert error["message"].startswith("The provided key '***********4242' does ")
            assert "does not have the required permissions for this endpoint" in error["message"]
        assert "'rak_customer_write'" in reader.post("/v1/customers", status=403)["error"][
            "message"]
        assert len(Api(app).get("/v1/customers")["data"]) == 1
    finally:
        app.close()


def test_an_unknown_restricted_mode_is_refused():
    with pytest.raises(ValueError, match="restricted_keys must be one of"):
        make_app(db=":memory:", restricted_keys="none")


def test_the_control_plane_names_paired_accounts_and_masks_invented_ones(shop):
    # A paired account's name is the operator's, not a key: shown whole. An invented
    # account is its key's suffix: masked.
    Api(shop, key=SHOP_SK).post("/v1/customers")
    Api(shop, key="sk_test_other1234").post("/v1/customers")
    web = webtest.TestApp(shop)
    logged = web.get("/_emu/requests").json["data"]
    assert [entry["account"] for entry in logged] == ["…1234", "shop"]
    fault = web.post("/_emu/faults", {"kind": "api_error", "account": SHOP_SK}).json
    assert fault["account"] == "shop"


# -- every route of the table -----------------------------------------------------------------

# The calls Stripe takes a publishable key for (STRIPE_SEMANTICS_PAYMENTS.md §19): a route
# added to routes.py is a secret-key route unless it is listed here on purpose.
PUBLISHABLE = {("POST", "/v1/tokens"), ("POST", "/v1/sources"), ("GET", "/v1/sources/{source}"),
               ("POST", "/v1/payment_methods"), ("GET", "/v1/setup_intents/{intent}"),
               ("POST", "/v1/setup_intents/{intent}/confirm"),
               ("GET", "/v1/payment_intents/{intent}"),
               ("POST", "/v1/payment_intents/{intent}/confirm")}


def _filled(template):
    return re.sub(r"\{(\w+)\}", lambda found: f"x_{found.group(1)}", template)


@pytest.mark.parametrize("route", routes.ROUTES, ids=lambda r: f"{r.method} {r.template}")
def test_a_publishable_key_reaches_only_the_routes_stripe_allows(app, route):
    web = webtest.TestApp(app)
    response = web.request(_filled(route.template), method=route.method, expect_errors=True,
                           headers={"Authorization": f"Bearer {PUBLISHABLE_KEY}"})
    refused = response.status_int == 401 and \
        response.json["error"].get("code") == "secret_key_required"
    assert refused == ((route.method, route.template) not in PUBLISHABLE), response.text
    assert Api(app).get("/v1/events")["data"] == []  # nothing happened either way


@pytest.mark.parametrize("route", [r for r in routes.ROUTES if r.method != "GET"],
                         ids=lambda r: f"{r.method} {r.template}")
def test_a_read_only_restricted_key_changes_nothing_anywhere(route):
    app = make_app(db=":memory:", restricted_keys="read_only")
    try:
        response = webtest.TestApp(app).request(
            _filled(route.template), method=route.method, expect_errors=True,
            headers={"Authorization": "Bearer rk_test_readonly"})
        assert response.status_int == 403, response.text
        assert "does not have the required permissions" in response.json["error"]["message"]
    finally:
        app.close()


# -- Stripe-Account (Connect) -----------------------------------------------------------------

@pytest.mark.parametrize("method, path", [("GET", "/v1/customers"), ("POST", "/v1/customers")])
def test_acting_as_a_connected_account_is_refused_as_stripe_refuses_an_unknown_one(
        app, api, method, path):
    # stripe-node's `{stripeAccount: 'acct_…'}` (stripe-python's stripe_account) sends
    # Stripe-Account. No account is ever connected here (Connect is not emulated): acting
    # on the platform's own objects instead would be silently wrong.
    error = api.request(method, path, status=403,
                        headers={"Stripe-Account": "acct_1NopeConnected"})["error"]
    assert error["code"] == "account_invalid" and error["type"] == "invalid_request_error"
    assert error["message"].startswith(
        f"The provided key '{auth.mask(SECRET_KEY)}' does not have access to account "
        "'acct_1NopeConnected' (or that account does not exist). Application access may "
        "have been revoked.")
    assert api.get("/v1/customers")["data"] == []
