"""Who may use the control plane: loopback clients (unless it is opened), and never a web
page in the developer's browser nor one of the emulator's own webhook deliveries, both of
which come from loopback too."""
import json
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
import webtest

from conformance import validate_against
from stripe_emu import make_app, testing
from conftest import Api
from test_control import AUTH, ROOT, _rows
from test_source_lifecycle import three_d_secure


@pytest.mark.parametrize("address, allowed", [
    ("127.0.0.1", True), ("127.3.2.1", True), ("::1", True), ("::ffff:127.0.0.1", True),
    (None, True), ("10.0.0.7", False), ("192.0.2.2", False), ("fd00::2", False),
    ("not-an-address", False)])
def test_only_loopback_clients_may_use_it_by_default(app, address, allowed):
    environ = {} if address is None else {"REMOTE_ADDR": address}
    response = webtest.TestApp(app, extra_environ=environ).get("/_emu/health",
                                                              expect_errors=True)
    assert response.status_int == (200 if allowed else 403)
    if not allowed:
        assert "--control-plane-open" in response.json["error"]["message"]


def test_an_open_control_plane_answers_anyone_and_needs_no_key():
    app = make_app(db=":memory:", control_plane="open")
    try:
        web = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "192.0.2.2"})
        assert web.get("/_emu/health").json["status"] == "ok"
    finally:
        app.close()
    with pytest.raises(ValueError):
        make_app(db=":memory:", control_plane="everyone")


# --- who may use it: not a web page, not a webhook delivery -----------------------------------

@pytest.mark.parametrize("headers, allowed", [
    ({}, True),
    ({"Sec-Fetch-Site": "none"}, True),  # typed into the address bar
    ({"Sec-Fetch-Site": "same-origin"}, True),
    ({"Sec-Fetch-Site": "cross-site"}, False),
    ({"Sec-Fetch-Site": "same-site"}, False),
    ({"Origin": "https://evil.example"}, False),
    ({"Origin": "null"}, False),
    ({"Origin": "http://127.0.0.1:12111", "Sec-Fetch-Site": "same-origin"}, False),
    ({"Stripe-Signature": "t=1,v1=00"}, False),
])
def test_web_pages_and_webhook_deliveries_are_refused(app, headers, allowed):
    web = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    web.post("/v1/customers", headers=AUTH)
    answer = web.post("/_emu/reset", headers=headers, status=200 if allowed else 403)
    assert (_rows(app)["objects"] == 0) == allowed
    if not allowed:
        validate_against("error", answer.json)
        assert answer.json["error"]["message"].startswith("The stripe_emu control plane")


def test_the_redirect_page_is_a_web_page(app):
    """A shop sends its customer there from another site: cross-site navigations are let in
    (the client_secret is the credential), deliveries are not."""
    source = three_d_secure(Api(app))
    url = urllib.parse.urlsplit(source["redirect"]["url"])
    page = f"{url.path}?{url.query}"
    browser = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    assert "Authorize test payment" in browser.get(
        page, headers={"Sec-Fetch-Site": "cross-site"}).text
    browser.get(page, headers={"Stripe-Signature": "t=1,v1=00"}, status=403)


def test_a_forged_delivery_over_a_socket_changes_nothing(app, live_url):
    """What a webhook endpoint registered at /_emu/reset would send, signature and all."""
    testing.seed(app, {"api_key": "sk_test_alice", "customers": [{"email": "a@example.com"}]})
    request = urllib.request.Request(
        f"{live_url}/_emu/reset", method="POST", data=b'{"id": "evt_1"}',
        headers={"Content-Type": "application/json; charset=utf-8",
                 "Stripe-Signature": "t=1700000000,v1=" + "0" * 64,
                 "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 403
    assert "webhook deliveries" in json.load(refused.value)["error"]["message"]
    assert _rows(app)["objects"] == 2  # the customer and its event


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _outside_address():
    """An address of this machine other than loopback, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 9))  # UDP: nothing is sent
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.mark.parametrize("open_plane", [False, True])
def test_cli_control_plane_open_lets_other_hosts_in(tmp_path, open_plane):
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address")
    port = _free_port()
    flags = ["--control-plane-open"] if open_plane else []
    server = subprocess.Popen(
        [sys.executable, "-m", "stripe_emu", "serve", "--host", "0.0.0.0", "--port", str(port),
         "--db", ":memory:", *flags], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        assert "listening" in server.stderr.readline()
        try:
            with urllib.request.urlopen(f"http://{address}:{port}/_emu/health",
                                        timeout=5) as answer:
                status = answer.status
        except urllib.error.HTTPError as refused:
            status = refused.code
        assert status == (200 if open_plane else 403)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emu/health",
                                    timeout=5) as answer:
            assert answer.status == 200
    finally:
        server.terminate()
        server.wait(10)
        server.stderr.close()
