"""Fault injection: Stripe's bodies and Stripe-Should-Retry headers, matching and counting,
nothing stored under the Idempotency-Key, and stripe-python's own retries ending with
exactly one object."""
import pytest

from stripe_emu import faults, testing

stripe = pytest.importorskip("stripe")

KEY = "sk_test_emu4242"  # the `api` fixture's key


@pytest.fixture
def quick_retries(monkeypatch):
    """stripe-python's backoff, minus the half-second waits: same retries, faster test."""
    monkeypatch.setattr(stripe.HTTPClient, "INITIAL_DELAY", 0.001)


def _customers(app, account="emu4242"):
    with app.store.transaction(write=False) as db:
        return db.execute("SELECT COUNT(*) FROM objects WHERE object = 'customer' AND "
                          "account = ?", (account,)).fetchone()[0]


@pytest.mark.parametrize("kind, status, code, should_retry, message", [
    ("rate_limit", 429, "rate_limit", None, faults.RATE_LIMIT_MESSAGE),
    ("lock_timeout", 429, "lock_timeout", "true", faults.LOCK_TIMEOUT_MESSAGE),
    ("api_error", 500, None, "true", faults.API_ERROR_MESSAGE),
])
def test_each_fault_answers_with_stripes_body_and_headers(app, api, kind, status, code,
                                                          should_retry, message):
    testing.inject_fault(app, kind)
    body = api.post("/v1/customers", {"email": "a@example.com"}, status=status)
    error = body["error"]
    assert error["message"] == message
    assert error.get("code") == code
    assert error["type"] == ("api_error" if kind == "api_error" else "invalid_request_error")
    if code:
        assert error["doc_url"] == "https://stripe.com/docs/error-codes/" + code.replace("_", "-")
    assert api.last.headers.get("Stripe-Should-Retry") == should_retry
    assert api.last.headers["Request-Id"].startswith("req_")
    assert _customers(app) == 0  # the request never ran
    api.post("/v1/customers", {"email": "a@example.com"})  # one occurrence: used up
    assert _customers(app) == 1


def test_idempotency_key_in_use_is_a_409_naming_the_key(app, api):
    testing.inject_fault(app, "idempotency_key_in_use")
    body = api.post("/v1/customers", status=409, headers={"Idempotency-Key": "busy-key"})
    assert body["error"]["code"] == "idempotency_key_in_use"
    # Word for word the 409 of a key whose first request is still executing.
    assert body["error"]["message"] == (
        "There is currently another in-progress request using this Idempotent Key (that "
        "probably means you submitted twice, and the other request is still going through): "
        "busy-key. Please try again later.")
    assert app.faults.pending() == []


def test_faults_match_method_path_and_account_and_count_down(app, api):
    testing.inject_fault(app, "api_error", 2, method="GET", path="/v1/customers/*",
                         account=KEY)
    created = api.post("/v1/customers")  # a POST: not matched
    api.get("/v1/customers")  # the list's path is not /v1/customers/...
    other = testing.stripe_client(app, "sk_test_someone_else", max_network_retries=0)
    other.v1.customers.list()
    with pytest.raises(stripe.InvalidRequestError):
        other.v1.customers.retrieve(created["id"])  # another account: 404, not the fault
    [pending] = app.faults.pending()
    assert (pending.kind, pending.remaining, pending.account) == ("api_error", 2, "emu4242")
    api.get(f"/v1/customers/{created['id']}", status=500)
    api.get(f"/v1/customers/{created['id']}", status=500)
    api.get(f"/v1/customers/{created['id']}")
    assert app.faults.pending() == []


def test_a_path_wildcard_crosses_slashes(app, api):
    customer = api.post("/v1/customers")
    testing.inject_fault(app, "api_error", path="/v1/customers/*")
    api.get(f"/v1/customers/{customer['id']}/sources", status=500)
    testing.inject_fault(app, "api_error", path="/v1/customers/cus_?*/sources")
    api.get(f"/v1/customers/{customer['id']}", status=200)
    api.get(f"/v1/customers/{customer['id']}/sources", status=500)


def test_faults_are_consumed_in_the_order_injected(app, api):
    testing.inject_fault(app, "lock_timeout")
    testing.inject_fault(app, "api_error")
    assert [api.post("/v1/customers", status=s)["error"]["type"] for s in (429, 500)] \
        == ["invalid_request_error", "api_error"]


def test_a_faulted_request_is_not_stored_under_its_idempotency_key(app, api):
    testing.inject_fault(app, "api_error")
    headers = {"Idempotency-Key": "retry-me"}
    api.post("/v1/customers", {"email": "a@example.com"}, status=500, headers=headers)
    first = api.post("/v1/customers", {"email": "a@example.com"}, headers=headers)
    again = api.post("/v1/customers", {"email": "a@example.com"}, headers=headers)
    assert again["id"] == first["id"] and _customers(app) == 1


def test_bad_faults_are_refused(app):
    for kind, options, message in [
            ("flood", {}, "Unknown fault kind"),
            ("api_error", {"after_execution": True}, "Only a connection_dropped"),
            ("api_error", {"method": "PUT"}, "method"),
            ("api_error", {"path": "v1/customers"}, "path")]:
        with pytest.raises(ValueError, match=message):
            testing.inject_fault(app, kind, **options)
    for count in (0, faults.MAX_COUNT + 1, 10 ** 30, True, "2"):
        with pytest.raises(ValueError, match="count"):
            testing.inject_fault(app, "api_error", count)
    assert app.faults.pending() == []


def test_stripe_python_retries_through_faults_and_creates_exactly_one_object(app,
                                                                             quick_retries):
    for kind in ("lock_timeout", "api_error", "connection_dropped",
                 "idempotency_key_in_use"):
        testing.inject_fault(app, kind, path="/v1/customers")
    client = testing.stripe_client(app, KEY, max_network_retries=4)
    customer = client.v1.customers.create(params={"email": "retried@example.com"})
    assert _customers(app) == 1
    attempts = list(app.recent_requests)  # oldest first
    assert [entry["status"] for entry in attempts] == [429, 500, None, 409, 200]
    keys = {entry["idempotency_key"] for entry in attempts}
    assert keys == {customer.last_response.idempotency_key}  # one key for every attempt


def test_a_response_lost_after_execution_is_replayed_not_executed_twice(app, quick_retries):
    testing.inject_fault(app, "connection_dropped", after_execution=True)
    client = testing.stripe_client(app, KEY, max_network_retries=2)
    customer = client.v1.customers.create(params={"email": "once@example.com"})
    assert _customers(app) == 1
    assert customer.last_response.headers.get("Idempotent-Replayed") == "true"
    first, second = app.recent_requests
    assert first["status"] is None and second["status"] == 200


def test_without_retries_the_client_sees_each_fault(app):
    client = testing.stripe_client(app, KEY, max_network_retries=0)
    testing.inject_fault(app, "rate_limit")
    with pytest.raises(stripe.RateLimitError) as limited:
        client.v1.customers.list()
    assert limited.value.http_status == 429
    assert limited.value.json_body["error"]["code"] == "rate_limit"
    testing.inject_fault(app, "connection_dropped")
    with pytest.raises(stripe.APIConnectionError) as dropped:
        client.v1.customers.list()
    assert dropped.value.should_retry


def test_rate_limits_are_not_retried_by_stripe_python(app, quick_retries):
    testing.inject_fault(app, "rate_limit")
    client = testing.stripe_client(app, KEY, max_network_retries=3)
    with pytest.raises(stripe.RateLimitError):
        client.v1.customers.create()
    assert len(app.recent_requests) == 1 and _customers(app) == 0


def test_retries_over_a_socket_survive_a_dropped_connection(app, live_url, quick_retries):
    testing.inject_fault(app, "connection_dropped", method="POST")
    testing.inject_fault(app, "connection_dropped", method="POST", after_execution=True)
    client = stripe.StripeClient(KEY, base_addresses={"api": live_url}, max_network_retries=3)
    customer = client.v1.customers.create(params={"email": "socket@example.com"})
    assert client.v1.customers.retrieve(customer.id).email == "socket@example.com"
    assert _customers(app) == 1
    assert [entry["status"] for entry in app.recent_requests] == [None, None, 200, 200]
