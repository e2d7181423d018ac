"""stripe_emu.testing: the in-process stripe-python client answers exactly as the socket does;
serve_in_thread serves other clients; seed loads fixtures and snapshots."""
import asyncio
import http.client
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from stripe_emu import make_app, testing

stripe = pytest.importorskip("stripe")

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk_test_transport"
# Added by the HTTP server, not by the app: the only headers allowed to differ.
TRANSPORT_HEADERS = {"date", "server", "content-length", "connection", "keep-alive"}
_VOLATILE = re.compile(r"\b(?:cus|req|card|src|tok|evt)_[A-Za-z0-9]+|"
                       r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_LOGGED_AT = re.compile(r"\?t=[0-9]+")


def _normalizer():
    """Replace ids, keys and timestamps by their order of appearance, so two runs of one
    scenario compare equal exactly when they answered the same things."""
    seen = {}

    def text(value):
        # A request log link's ?t= is the request's second: the two runs may straddle one.
        value = _LOGGED_AT.sub("?t=<t>", value)
        return _VOLATILE.sub(lambda m: seen.setdefault(m.group(), f"<{len(seen)}>"), value)

    def walk(value, key=None):
        if key in ("created", "invoice_prefix"):
            return f"<{key}>"
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return text(value) if isinstance(value, str) else value

    def answer(status, headers, body):
        headers = {name.lower(): text(value) for name, value in headers.items()
                   if name.lower() not in TRANSPORT_HEADERS}
        return status, headers, walk(json.loads(body))

    return answer


def _scenario(client):
    """The same calls through any transport; returns every answer, normalized."""
    normalize = _normalizer()
    transcript = []

    def ok(obj):
        response = obj.last_response
        transcript.append(normalize(response.code, response.headers, response.body))
        return obj

    def fails(error_class, call):
        with pytest.raises(error_class) as info:
            call()
        error = info.value
        transcript.append(normalize(error.http_status, error.headers, error.http_body))

    customers = client.v1.customers
    keyed = {"idempotency_key": "scenario-key-1"}
    created = ok(customers.create(params={"email": "jenny@example.com",
                                          "metadata": {"order": "6735"}}, options=keyed))
    replayed = ok(customers.create(params={"email": "jenny@example.com",
                                           "metadata": {"order": "6735"}}, options=keyed))
    assert replayed.id == created.id
    fails(stripe.IdempotencyError,
          lambda: customers.create(params={"email": "other@example.com"}, options=keyed))
    ok(customers.retrieve(created.id))
    ok(customers.update(created.id, params={"name": "Jenny Rosen", "metadata": {"order": ""}}))
    second = ok(customers.create(params={"email": "second@example.com"}))
    page = ok(customers.list(params={"limit": 1}))
    assert [c.id for c in page.data] == [second.id] and page.has_more
    ok(customers.list(params={"starting_after": second.id}))
    ok(customers.delete(created.id))
    ok(customers.retrieve(created.id))
    fails(stripe.InvalidRequestError, lambda: customers.retrieve("cus_missing"))
    fails(stripe.InvalidRequestError, lambda: customers.create(params={"bogus": "1"}))
    fails(stripe.InvalidRequestError, lambda: customers.update(created.id, params={"name": "x"}))
    return transcript


def test_in_process_client_answers_exactly_as_the_socket_does():
    in_process_app, socket_app = make_app(db=":memory:"), make_app(db=":memory:")
    try:
        in_process = _scenario(testing.stripe_client(in_process_app, KEY,
                                                     max_network_retries=0))
        with testing.serve_in_thread(socket_app) as url:
            over_socket = _scenario(stripe.StripeClient(KEY, base_addresses={"api": url},
                                                        max_network_retries=0))
    finally:
        in_process_app.close()
        socket_app.close()
    assert len(in_process) == len(over_socket) == 13
    for step, (mine, theirs) in enumerate(zip(in_process, over_socket)):
        assert mine == theirs, f"step {step} differs"
    statuses = [status for status, _, _ in in_process]
    assert statuses == [200, 200, 400, 200, 200, 200, 200, 200, 200, 200, 404, 400, 404]


def test_the_client_is_stripes_http_client_and_keeps_the_app_state(app):
    client = testing.InProcessHTTPClient(app)
    assert isinstance(client, stripe.HTTPClient)
    stripe_client = stripe.StripeClient(KEY, http_client=client)
    created = stripe_client.v1.customers.create(params={"email": "a@example.com"})
    # The app's own database holds what the client created.
    with app.store.transaction(write=False) as db:
        row = db.execute("SELECT account, object FROM objects WHERE id = ?",
                         (created.id,)).fetchone()
    assert tuple(row) == ("transport", "customer")
    assert created.last_response.headers["request-id"] == created.last_response.request_id


def test_stripe_client_helper_gives_each_client_its_own_account(app):
    first, second = testing.stripe_client(app), testing.stripe_client(app)
    first.v1.customers.create(params={"email": "mine@example.com"})
    assert [c.email for c in first.v1.customers.list().data] == ["mine@example.com"]
    assert second.v1.customers.list().data == []


def test_async_methods_work_in_process(app):
    client = testing.stripe_client(app, KEY)

    async def scenario():
        created = await client.v1.customers.create_async(params={"email": "async@example.com"})
        return await client.v1.customers.retrieve_async(created.id)

    assert asyncio.run(scenario()).email == "async@example.com"


def test_testing_imports_with_the_standard_library_alone():
    code = ("import sys, stripe_emu, stripe_emu.testing as t\n"
            "assert 'stripe' not in sys.modules\n"
            "with t.serve_in_thread() as url: assert url.startswith('http://127.0.0.1:')\n"
            "try:\n    t.InProcessHTTPClient\nexcept ModuleNotFoundError as e: print(e.name)\n")
    done = subprocess.run([sys.executable, "-S", "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "stripe"


def test_serve_in_thread_serves_any_http_client_and_stops():
    with testing.serve_in_thread() as url:
        host, port = url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        connection.request("POST", "/v1/customers", "email=jenny%40example.com",
                           {"Authorization": "Bearer sk_test_other_language",
                            "Content-Type": "application/x-www-form-urlencoded"})
        created = json.loads(connection.getresponse().read())
        connection.request("GET", f"/v1/customers/{created['id']}",
                           headers={"Authorization": "Bearer sk_test_other_language"})
        assert json.loads(connection.getresponse().read())["email"] == "jenny@example.com"
        connection.close()
    with pytest.raises(ConnectionRefusedError):
        http.client.HTTPConnection(host, int(port), timeout=5).connect()


def test_seed_creates_fixture_objects_through_the_api(app):
    created = testing.seed(app, {"api_key": "sk_test_seeded", "customers": [
        {"email": "jenny@example.com", "metadata": {"plan": "gold"}, "preferred_locales": ["fr"]},
        {"email": "joe@example.com", "tax_exempt": "exempt"}]})
    assert [c["email"] for c in created] == ["jenny@example.com", "joe@example.com"]
    client = testing.stripe_client(app, "sk_test_seeded")
    listed = client.v1.customers.list().data
    assert [(c.email, c.metadata.to_dict(), c.preferred_locales, c.tax_exempt) for c in listed] \
        == [("joe@example.com", {}, [], "exempt"),
            ("jenny@example.com", {"plan": "gold"}, ["fr"], "none")]
    # A customer.created event each: the fixture went through the handlers.
    assert client.v1.events.list().data[0].type == "customer.created"
    # A list of fixtures seeds several accounts.
    testing.seed(app, [{"api_key": "sk_test_a", "customers": [{"email": "a@example.com"}]},
                       {"api_key": "sk_test_b", "customers": [{"email": "b@example.com"}]}])
    assert [c.email for c in testing.stripe_client(app, "sk_test_b").v1.customers.list()] \
        == ["b@example.com"]


def test_seed_reports_stripes_error_for_a_bad_fixture(app, tmp_path):
    fixture = tmp_path / "fixture.json"
    fixture.write_text(json.dumps({"api_key": "sk_test_seeded",
                                   "customers": [{"email": "ok@example.com"},
                                                 {"emial": "typo@example.com"}]}))
    with pytest.raises(testing.SeedError, match="Received unknown parameter: emial"):
        testing.seed(app, fixture)
    with pytest.raises(testing.SeedError, match="api_key"):
        testing.seed(app, {"customers": [{}]})


def test_seed_with_a_snapshot_replaces_state(app):
    testing.seed(app, {"api_key": "sk_test_seeded", "customers": [{"email": "kept@example.com"}]})
    snapshot = json.loads(json.dumps(testing.control.export_snapshot(app)))
    other = make_app(db=":memory:")
    try:
        testing.seed(other, {"api_key": "sk_test_seeded", "customers": [{"email": "x@y.z"}]})
        assert testing.seed(other, snapshot)["objects"] == 2  # the customer and its event
        listed = testing.stripe_client(other, "sk_test_seeded").v1.customers.list().data
        assert [c.email for c in listed] == ["kept@example.com"]
    finally:
        other.close()


def test_reset_empties_one_account_or_all_in_process(app):
    mine, theirs = testing.stripe_client(app, "sk_test_mine"), testing.stripe_client(app)
    mine.v1.customers.create(params={"email": "mine@example.com"})
    theirs.v1.customers.create(params={"email": "theirs@example.com"})
    testing.reset(app, account="sk_test_mine")
    assert mine.v1.customers.list().data == []
    assert [c.email for c in theirs.v1.customers.list().data] == ["theirs@example.com"]
    testing.reset(app)
    assert theirs.v1.customers.list().data == []
