"""Idempotent requests (Stripe's "Idempotent requests" docs): replays, mismatches, the 409
while in flight, what is and is not stored, expiry, restarts, and exactly-once under real
concurrency."""
import contextlib
import threading

import pytest
import stripe

from conftest import SECRET_KEY, Api, serving
from stripe_emu import make_app, routes
from stripe_emu.resources import customers
from stripe_emu.routing import Route, Router

KEY = {"Idempotency-Key": "order-42"}


def _customer_ids(api):
    return [c["id"] for c in api.get("/v1/customers", {"limit": 100})["data"]]


def _events(api, event_type):
    return api.get("/v1/events", {"type": event_type, "limit": 100})["data"]


def _override(app, template, handler):
    """Serve `handler` for POST `template` on this app (the spec template keeps its params)."""
    app.router = Router([*routes.ROUTES, Route("POST", template, handler)])


@contextlib.contextmanager
def blocked_creation(app):
    """POST /v1/customers on `app` waits inside its handler, holding the write lock, until
    released: the first request with a key is deterministically still in flight."""
    entered, release = threading.Event(), threading.Event()

    def create(req):
        entered.set()
        assert release.wait(10)
        return customers.create_customer(req)

    _override(app, "/v1/customers", create)
    try:
        yield entered, release
    finally:
        release.set()


# --- replays ----------------------------------------------------------------------------------

def test_official_client_replays_a_retried_create(stripe_http, api):
    first = stripe_http.v1.customers.create(params={"email": "jenny@example.com"},
                                            options={"idempotency_key": "k1"})
    again = stripe_http.v1.customers.create(params={"email": "jenny@example.com"},
                                            options={"idempotency_key": "k1"})
    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert again.last_response.headers["Original-Request"] == first.last_response.request_id
    assert again.last_response.idempotency_key == "k1"
    assert _customer_ids(api) == [first.id]


def test_replay_is_byte_for_byte_with_its_headers_and_creates_no_event(api):
    api.post("/v1/customers", {"email": "a@example.com", "metadata[n]": "1"}, headers=KEY)
    first = api.last
    assert first.headers["Idempotency-Key"] == "order-42"
    assert first.headers["Original-Request"] == first.headers["Request-Id"]
    assert "Idempotent-Replayed" not in first.headers

    api.post("/v1/customers", {"metadata[n]": "1", "email": "a@example.com"}, headers=KEY)
    replay = api.last
    assert replay.body == first.body
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.headers["Original-Request"] == first.headers["Request-Id"]
    assert replay.headers["Request-Id"] != first.headers["Request-Id"]
    assert replay.headers["Idempotency-Key"] == "order-42"

    created = _events(api, "customer.created")
    assert len(created) == 1
    assert created[0]["request"] == {"id": first.headers["Request-Id"],
                                     "idempotency_key": "order-42"}


def test_bracket_and_indexed_arrays_are_the_same_request(api):
    first = api.post("/v1/customers", {"preferred_locales[]": "fr"}, headers=KEY)
    again = api.post("/v1/customers", {"preferred_locales[0]": "fr"}, headers=KEY)
    assert again["id"] == first["id"]


def test_keys_are_per_account(app):
    one, two = Api(app, "sk_test_one"), Api(app, "sk_test_two")
    a = one.post("/v1/customers", {"email": "x@example.com"}, headers=KEY)
    b = two.post("/v1/customers", {"email": "x@example.com"}, headers=KEY)
    assert a["id"] != b["id"]
    assert "Idempotent-Replayed" not in two.last.headers


# --- mismatches -------------------------------------------------------------------------------

MISMATCH = ("Keys for idempotent requests can only be used with the same parameters they were "
            "first used with. Try using a key other than 'order-42' if you meant to execute a "
            "different request.")


def test_other_parameters_or_endpoint_are_an_idempotency_error(api):
    customer = api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY)
    error = api.post("/v1/customers", {"email": "b@example.com"}, headers=KEY, status=400)
    assert error["error"] == {"type": "idempotency_error", "message": MISMATCH,
                              "request_log_url": error["error"]["request_log_url"]}
    api.post(f"/v1/customers/{customer['id']}", {"email": "a@example.com"}, headers=KEY,
             status=400)
    assert api.last.json["error"]["type"] == "idempotency_error"
    # The mismatches were not stored: the original still replays, and nothing changed.
    assert api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY)["id"] \
        == customer["id"]
    assert api.get(f"/v1/customers/{customer['id']}")["email"] == "a@example.com"
    assert _customer_ids(api) == [customer["id"]]


def test_official_client_raises_idempotency_error(stripe_http):
    stripe_http.v1.customers.create(params={"email": "a@example.com"},
                                    options={"idempotency_key": "order-42"})
    with pytest.raises(stripe.IdempotencyError) as raised:
        stripe_http.v1.customers.create(params={"email": "b@example.com"},
                                        options={"idempotency_key": "order-42"})
    assert raised.value.http_status == 400
    assert raised.value.user_message == MISMATCH


# --- what is stored, and what is not ----------------------------------------------------------

def test_execution_error_is_stored_and_replayed(api):
    error = api.post("/v1/customers/cus_missing", {"email": "a@example.com"}, headers=KEY,
                     status=404)
    first = api.last
    assert error["error"]["code"] == "resource_missing"
    api.post("/v1/customers/cus_missing", {"email": "a@example.com"}, headers=KEY, status=404)
    assert api.last.body == first.body  # even the original request's log URL
    assert api.last.headers["Idempotent-Replayed"] == "true"


def test_500_is_stored_and_replayed_and_the_handler_runs_once(app, api):
    calls = []

    def flaky(req):
        calls.append(req.request_id)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return customers.create_customer(req)

    _override(app, "/v1/customers", flaky)
    error = api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY, status=500)
    assert error["error"]["type"] == "api_error"
    first = api.last
    api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY, status=500)
    assert api.last.body == first.body
    assert len(calls) == 1
    assert _customer_ids(api) == []
    api.post("/v1/customers", {"email": "a@example.com"}, headers={"Idempotency-Key": "new"})
    assert len(calls) == 2


def test_official_client_retries_a_500_with_the_same_key(app, live_url):
    calls = []

    def failing(req):
        calls.append(req.idempotency_key)
        raise RuntimeError("boom")

    _override(app, "/v1/customers", failing)
    client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": live_url},
                                 max_network_retries=1)
    with pytest.raises(stripe.APIError) as raised:
        client.v1.customers.create(params={"email": "a@example.com"})
    assert raised.value.http_status == 500
    # The client retried with its generated key, and got the stored 500 back.
    assert len(calls) == 1 and calls[0]
    assert raised.value.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("bad", [
    {"metadata[note]": "x" * 501},       # refused by the handler
    {"unknown_param": "1"},              # refused before the handler
])
def test_validation_failures_are_not_stored(api, bad):
    api.post("/v1/customers", bad, headers=KEY, status=400)
    assert api.last.json["error"]["type"] == "invalid_request_error"
    created = api.post("/v1/customers", {"email": "ok@example.com"}, headers=KEY)
    assert "Idempotent-Replayed" not in api.last.headers
    assert _customer_ids(api) == [created["id"]]


def test_authentication_failures_are_not_stored(api):
    api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY, key="sk_test_",
             status=401)
    api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY)
    assert "Idempotent-Replayed" not in api.last.headers


@pytest.mark.parametrize("length, status", [(255, 200), (256, 400), (0, 400)])
def test_keys_are_1_to_255_characters(api, length, status):
    body = api.post("/v1/customers", {}, headers={"Idempotency-Key": "k" * length},
                    status=status)
    if status == 400:
        assert body["error"]["message"] == (
            f"Idempotent key length is {length}, which is outside accepted lengths. "
            "Idempotent Keys must be 1-255 characters long. If you're looking for a decent "
            "generator, try using a UUID defined by IETF RFC 4122.")
        assert _customer_ids(api) == []


def test_get_and_delete_ignore_the_header(api):
    customer = api.post("/v1/customers", {})
    api.delete(f"/v1/customers/{customer['id']}", headers=KEY)
    assert "Idempotency-Key" not in api.last.headers
    # A second DELETE runs again (and finds nothing), rather than replaying the first.
    api.delete(f"/v1/customers/{customer['id']}", headers=KEY, status=404)
    api.get("/v1/customers", headers=KEY)
    assert "Idempotent-Replayed" not in api.last.headers
    # Nothing was stored under the key: a POST may use it for anything.
    api.post("/v1/customers", {"email": "new@example.com"}, headers=KEY)
    assert "Idempotent-Replayed" not in api.last.headers


# --- time and restarts ------------------------------------------------------------------------

def test_keys_expire_after_24_hours():
    now = [1_700_000_000]
    app = make_app(clock=lambda: now[0])
    try:
        api = Api(app)
        first = api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY)
        now[0] += 24 * 3600 - 1
        assert api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY)["id"] \
            == first["id"]
        now[0] += 1
        fresh = api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY)
        assert fresh["id"] != first["id"]
        assert "Idempotent-Replayed" not in api.last.headers
        # Once pruned, a key may even come back with other parameters.
        now[0] += 24 * 3600
        api.post("/v1/customers", {"email": "other@example.com"}, headers=KEY)
        assert len(_customer_ids(api)) == 3
    finally:
        app.close()


def test_replays_survive_a_restart(tmp_path):
    path = str(tmp_path / "emu.db")
    app = make_app(db=path)
    first_body = None
    try:
        api = Api(app)
        api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY)
        first_body = api.last.body
    finally:
        app.close()
    app = make_app(db=path)
    try:
        api = Api(app)
        api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY)
        assert api.last.body == first_body
        assert api.last.headers["Idempotent-Replayed"] == "true"
    finally:
        app.close()


# --- concurrency ------------------------------------------------------------------------------

IN_USE = ("There is currently another in-progress request using this Idempotent Key (that "
          "probably means you submitted twice, and the other request is still going through): "
          "order-42. Please try again later.")


def test_a_key_in_flight_answers_409_across_apps_sharing_a_file(tmp_path):
    path = str(tmp_path / "emu.db")
    first_app, second_app = make_app(db=path), make_app(db=path)
    try:
        with blocked_creation(first_app) as (entered, release):
            results = {}
            worker = threading.Thread(target=lambda: results.setdefault(
                "first", Api(first_app).post("/v1/customers", {"email": "a@example.com"},
                                             headers=KEY)))
            worker.start()
            assert entered.wait(10)
            for app in (first_app, second_app):
                api = Api(app)
                error = api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY,
                                 status=409)
                assert error["error"]["code"] == "idempotency_key_in_use"
                assert error["error"]["type"] == "invalid_request_error"
                assert error["error"]["message"] == IN_USE
            release.set()
            worker.join(10)
        api = Api(second_app)
        assert api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY)["id"] \
            == results["first"]["id"]
        assert api.last.headers["Idempotent-Replayed"] == "true"
        assert _customer_ids(api) == [results["first"]["id"]]
    finally:
        first_app.close()
        second_app.close()


@pytest.mark.parametrize("database", ["memory", "file"])
def test_same_key_from_many_threads_creates_exactly_one_customer(tmp_path, database):
    path = str(tmp_path / "emu.db") if database == "file" else ":memory:"
    apps = [make_app(db=path)]
    if database == "file":
        apps.append(make_app(db=path))  # a second "process" serving the same file
    threads_per_app, outcomes, lock = 6, [], threading.Lock()
    barrier = threading.Barrier(threads_per_app * len(apps))
    try:
        with contextlib.ExitStack() as stack:
            urls = [stack.enter_context(serving(app)) for app in apps]

            def attempt(url):
                client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": url},
                                             max_network_retries=0)
                barrier.wait()
                try:
                    result = client.v1.customers.create(params={"email": "a@example.com"},
                                                        options={"idempotency_key": "order-42"})
                    outcome = result.id
                except stripe.StripeError as error:
                    outcome = (error.http_status, error.json_body["error"].get("code"))
                with lock:
                    outcomes.append(outcome)

            workers = [threading.Thread(target=attempt, args=(url,))
                       for url in urls for _ in range(threads_per_app)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(30)
        api = Api(apps[0])
        ids = _customer_ids(api)
        assert len(ids) == 1
        assert set(outcomes) <= {ids[0], (409, "idempotency_key_in_use")}
        assert ids[0] in outcomes
        assert len(_events(api, "customer.created")) == 1
    finally:
        for app in apps:
            app.close()


def test_official_client_retries_a_409_until_the_first_request_is_done(tmp_path):
    app = make_app(db=str(tmp_path / "emu.db"))
    try:
        with serving(app) as url, blocked_creation(app) as (entered, release):
            first = {}
            worker = threading.Thread(target=lambda: first.setdefault(
                "customer", Api(app).post("/v1/customers", {"email": "a@example.com"},
                                          headers=KEY)))
            worker.start()
            assert entered.wait(10)
            client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": url},
                                         max_network_retries=2)
            retried = {}
            duplicate = threading.Thread(target=lambda: retried.setdefault(
                "customer", client.v1.customers.create(
                    params={"email": "a@example.com"},
                    options={"idempotency_key": KEY["Idempotency-Key"]})))
            duplicate.start()
            while not any(entry["status"] == 409 for entry in list(app.recent_requests)):
                assert duplicate.is_alive()
                duplicate.join(0.01)
            release.set()
            worker.join(10)
            duplicate.join(10)
        assert retried["customer"].id == first["customer"]["id"]
        assert retried["customer"].last_response.headers["Idempotent-Replayed"] == "true"
        assert [entry["status"] for entry in app.recent_requests] == [409, 200, 200]
    finally:
        app.close()


class WorkerDied(BaseException):
    """Escapes every handler of the app, as a killed process would leave a request."""


def test_a_key_whose_request_died_is_taken_over_at_once(app, api):
    """Issue 12, item 5: no 409 for a holder that is gone (a killed process: see
    test_idempotency_takeover.py)."""
    def dying(req):
        customers.create_customer(req)
        raise WorkerDied

    _override(app, "/v1/customers", dying)
    with pytest.raises(WorkerDied):
        api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY)
    _override(app, "/v1/customers", customers.create_customer)
    created = api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY)
    assert "Idempotent-Replayed" not in api.last.headers
    assert api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY)["id"] \
        == created["id"]
    assert _customer_ids(api) == [created["id"]]
