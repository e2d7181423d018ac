"""A real Stripe endpoint that stripe_emu does not emulate says so; an unknown URL still gets
Stripe's "Unrecognized request URL"."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from stripe_emu import routes, routing

ROOT = Path(__file__).resolve().parent.parent


def _stripe_operations():
    lines = routing.STRIPE_OPERATIONS_PATH.read_text().splitlines()
    return [tuple(line.split()) for line in lines if line and not line.startswith("#")]


def test_the_shipped_list_is_stripes_whole_api():
    operations = _stripe_operations()
    assert len(operations) == len(set(operations)) >= 460
    assert ("POST", "/v1/subscriptions") in operations
    # Every emulated route is one of Stripe's operations, written as Stripe's spec writes it.
    emulated = {(route.method, route.template) for route in routes.ROUTES}
    assert emulated <= set(operations), emulated - set(operations)


def test_a_real_endpoint_that_is_not_emulated_says_so(api):
    error = api.post("/v1/subscriptions", {"customer": "cus_1"}, status=404)["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith(
        "stripe_emu does not emulate POST /v1/subscriptions: this is a real Stripe endpoint")
    error = api.get("/v1/customers/cus_123/subscriptions/sub_9", status=404)["error"]
    assert error["message"].startswith("stripe_emu does not emulate GET "
                                       "/v1/customers/{customer}/subscriptions/"
                                       "{subscription_exposed_id}:")
    assert "(request: GET /v1/customers/cus_123/subscriptions/sub_9)" in error["message"]


@pytest.mark.parametrize("method, path, template", [
    ("GET", "/v1/billing/meters", "/v1/billing/meters"),
    ("GET", "/v2/core/events/evt_1", "/v2/core/events/{id}"),
    ("POST", "/v1/invoices/create_preview", "/v1/invoices/create_preview"),
])
def test_endpoints_newer_than_the_spec_that_stripe_python_calls_say_so(api, method, path,
                                                                      template):
    """Stripe's API grew after 2023-08-16; a client pinned to a newer version calls those
    endpoints too, and a literal segment names its own operation, not an id."""
    answer = api.request(method, path, status=404)
    assert answer["error"]["message"].startswith(f"stripe_emu does not emulate {method} "
                                                 f"{template}:"), answer


def test_every_stripe_operation_missing_from_the_route_table_says_so(api):
    """Computed from the route table: what another engineer adds to ROUTES stops being
    'not emulated' by itself."""
    emulated = {(route.method, route.template) for route in routes.ROUTES}
    for method, template in _stripe_operations():
        if (method, template) in emulated:
            continue
        path = re.sub(r"\{\w+\}", "x_1", template)
        if method == "POST":  # the emulated /v1/customers/{customer} is not /v1/customers/search
            answer = api.post(path, status=404)
        else:
            answer = api.request(method, path, status=404)
        assert answer["error"]["message"].startswith(
            f"stripe_emu does not emulate {method} {template}"), (method, path, answer)


def test_an_emulated_route_is_never_called_not_emulated(api):
    customer = api.post("/v1/customers")
    assert api.get(f"/v1/customers/{customer['id']}")["id"] == customer["id"]
    message = api.get("/v1/customers/cus_none", status=404)["error"]["message"]
    assert message.startswith("No such customer")


@pytest.mark.parametrize("method, path", [
    ("GET", "/v1/nothing_here"),
    ("PUT", "/v1/subscriptions"),          # a real path, with a method Stripe does not have
    ("DELETE", "/v1/customers"),
    ("GET", "/v1/subscriptions/sub_1/extra"),
    ("POST", "/v1/customers//tax_ids"),    # an empty identifier matches no template
])
def test_anything_stripe_does_not_have_stays_unrecognized(app, method, path):
    import webtest
    response = webtest.TestApp(app).request(
        path, method=method, headers={"Authorization": "Bearer sk_test_abc"},
        expect_errors=True)
    assert response.status_int == 404
    assert response.json["error"]["message"].startswith(
        f"Unrecognized request URL ({method}: {path}).")


def test_a_key_is_still_needed_first(api):
    error = api.post("/v1/subscriptions", key="", status=401)["error"]
    assert error["message"].startswith("You did not provide an API key.")


def test_the_package_carries_the_list(tmp_path):
    """What `pip install .` installs: setuptools' build of the package keeps the list."""
    done = subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
         "--build-lib", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    shipped = tmp_path / "stripe_emu" / "stripe_operations.txt"
    assert shipped.read_text() == routing.STRIPE_OPERATIONS_PATH.read_text()
