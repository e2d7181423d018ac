"""Issue 12, item 1: DNS rebinding. The API and the control plane answer only Host names
that cannot be rebound (localhost, *.localhost, IP literals) and those the operator allows
(`serve --allow-host`, the name `--host` binds, make_app(allow_hosts=...))."""
import pytest
import webtest

from conftest import SECRET_KEY
from conformance import validate_against
from stripe_emu import make_app, testing
from test_serve import served_processes  # noqa: F401  (a fixture: `serve` subprocesses)

AUTH = {"Authorization": f"Bearer {SECRET_KEY}"}


def web(app, host):
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": host})


@pytest.mark.parametrize("path, headers", [("/_emu/snapshot", {}), ("/_emu/requests", {}),
                                           ("/v1/customers", AUTH)])
def test_a_rebound_name_is_refused_on_the_control_plane_and_the_api(app, path, headers):
    client = web(app, "rebind.example:12111")
    client.post("/v1/customers", {"email": "a@example.com"}, headers=AUTH, status=400)
    answer = client.get(path, headers=headers, status=400)
    validate_against("error", answer.json)
    assert "rebind.example" in answer.json["error"]["message"]
    assert "--allow-host" in answer.json["error"]["message"]
    assert answer.headers["Request-Id"].startswith("req_")
    # Nothing was created or logged by the refused requests.
    local = web(app, "127.0.0.1:12111")
    assert local.get("/v1/customers", headers=AUTH).json["data"] == []
    assert local.get("/_emu/requests").json["data"][0]["path"] == "/v1/customers"


@pytest.mark.parametrize("host", ["localhost", "localhost:12111", "127.0.0.1:12111",
                                  "[::1]:12111", "app.localhost:8000", "LOCALHOST.", "10.1.2.3"])
def test_loopback_names_and_addresses_are_answered(app, host):
    assert web(app, host).get("/_emu/health").json["status"] == "ok"
    web(app, host).get("/v1/customers", headers=AUTH, status=200)


def test_a_request_without_host_is_answered(app):
    # The in-process client hands requests over with no Host header at all.
    client = testing.stripe_client(app, SECRET_KEY)
    assert client.v1.customers.create(params={"email": "a@example.com"}).id.startswith("cus_")


@pytest.mark.parametrize("allowed, host, status", [
    (["stripe.internal"], "stripe.internal:12111", 200),
    (["stripe.internal"], "STRIPE.internal", 200),
    (["stripe.internal"], "other.internal", 400),
    (["*"], "anything.example:1", 200),
])
def test_the_operator_allows_names(allowed, host, status):
    app = make_app(db=":memory:", allow_hosts=allowed)
    try:
        web(app, host).get("/_emu/health", status=status)
    finally:
        app.close()


def test_serve_allow_host(served_processes):
    served = served_processes("--db", ":memory:", "--allow-host", "stripe.internal")
    served.line()
    assert served.request("GET", "/v1/customers",
                          headers={**AUTH, "Host": "stripe.internal:12111"})[0] == 200
    assert served.request("GET", "/v1/customers",
                          headers={**AUTH, "Host": "rebind.example"})[0] == 400


def test_wsgi_servers_take_allowed_hosts_from_the_environment(monkeypatch, tmp_path):
    from stripe_emu import wsgi
    monkeypatch.setenv("STRIPE_EMU_DB", str(tmp_path / "emu.db"))
    monkeypatch.setenv("STRIPE_EMU_ALLOW_HOSTS", "stripe.internal, billing.internal")
    monkeypatch.setattr(wsgi, "_apps", {})
    client = webtest.TestApp(wsgi.app)
    try:
        for host, status in [("billing.internal", 200), ("stripe.internal:80", 200),
                             ("rebind.example", 400)]:
            client.get("/_emu/health", extra_environ={"HTTP_HOST": host}, status=status)
    finally:
        for app in wsgi._apps.values():
            app.close()
