"""What the platform guarantees holds for charges: idempotent replays (a decline included),
races for one charge across servers and processes, faults and the in-process client."""
import multiprocessing

from conftest import Api
from sources_kit import count, recorded
from stripe_emu import make_app, testing
from test_payment_sources_concurrency import RACERS, in_process, over_http, \
    post_in_a_process, race
from test_payment_sources_concurrency import two_servers  # noqa: F401 (a fixture)


def held_charge(api, amount=1000):
    customer = api.post("/v1/customers", {"source": "tok_visa"})["id"]
    return api.post("/v1/charges", {"customer": customer, "amount": amount, "currency": "usd",
                                    "capture": "false"})["id"]


def test_a_declined_charge_is_replayed_not_repeated(api, app):
    params = {"source": "tok_chargeDeclinedInsufficientFunds", "amount": 2000,
              "currency": "usd"}
    headers = {"Idempotency-Key": "order-17"}
    first = api.post("/v1/charges", params, status=402, headers=headers)
    first_body = api.last.body
    again = api.post("/v1/charges", params, status=402, headers=headers)
    assert api.last.body == first_body and again == first
    assert api.last.headers["Idempotent-Replayed"] == "true"
    assert [c["id"] for c in api.get("/v1/charges")["data"]] == [first["error"]["charge"]]
    assert len(recorded(app, "charge.failed")) == 1


def test_a_charge_whose_answer_was_lost_is_made_once(app):
    client = testing.stripe_client(app, "sk_test_emu4242", max_network_retries=2)
    testing.inject_fault(app, "connection_dropped", path="/v1/charges", after_execution=True)
    made = client.v1.charges.create(params={"amount": 2000, "currency": "usd",
                                            "source": "tok_visa"})
    assert made.last_response.headers["Idempotent-Replayed"] == "true"
    assert [c.id for c in client.v1.charges.list().data] == [made.id]
    assert count(app, "balance_transaction") == 1


def test_a_refused_capture_leaves_the_charge_as_it_was(api, app):
    charge = held_charge(api)
    testing.inject_fault(app, "api_error", path=f"/v1/charges/{charge}/capture")
    api.post(f"/v1/charges/{charge}/capture", status=500)
    assert api.get(f"/v1/charges/{charge}")["captured"] is False
    assert api.post(f"/v1/charges/{charge}/capture")["captured"] is True


def test_threads_capturing_one_charge(file_app):
    api = Api(file_app)
    charge = held_charge(api)
    results = race([lambda: in_process(file_app, "POST", f"/v1/charges/{charge}/capture")
                    for _ in range(RACERS)])
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [400] * (RACERS - 1)
    assert {body["error"]["code"] for status, body in results if status == 400} == \
        {"charge_already_captured"}
    assert len(recorded(file_app, "charge.captured")) == 1
    assert count(file_app, "balance_transaction") == 1


def test_two_servers_refunding_the_last_amount(two_servers):
    api, urls = two_servers
    customer = api.post("/v1/customers", {"source": "tok_visa"})["id"]
    charge = api.post("/v1/charges", {"customer": customer, "amount": 1000,
                                      "currency": "usd"})["id"]
    api.post("/v1/refunds", {"charge": charge, "amount": 600})
    results = race([lambda i=i: over_http(urls[i % 2], "POST", "/v1/refunds",
                                          {"charge": charge, "amount": 400})
                    for i in range(RACERS)])
    assert sorted(status for status, _ in results) == [200] + [400] * (RACERS - 1)
    assert {body["error"]["code"] for status, body in results if status == 400} == \
        {"charge_already_refunded"}
    final = api.get(f"/v1/charges/{charge}")
    assert (final["amount_refunded"], final["refunded"]) == (1000, True)
    assert len(api.get("/v1/refunds", {"charge": charge})["data"]) == 2
    assert len(recorded(api.app, "charge.refunded")) == 2


def test_spawned_processes_capturing_one_charge(tmp_path):
    path = str(tmp_path / "procs.db")
    app = make_app(db=path)
    api = Api(app)
    charge = held_charge(api)
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        statuses = pool.map(post_in_a_process,
                            [(path, f"/v1/charges/{charge}/capture", {"amount": 700})] * 4)
    assert sorted(statuses) == [200, 400, 400, 400]
    final = api.get(f"/v1/charges/{charge}")
    assert (final["amount_captured"], final["amount_refunded"]) == (700, 300)
    assert len(recorded(app, "charge.captured")) == 1
    assert count(app, "refund") == 1
    app.close()


def test_two_servers_charging_one_single_use_source(two_servers):
    api, urls = two_servers
    source = api.post("/v1/sources", {"type": "card", "token": "tok_visa",
                                      "usage": "single_use", "amount": 2000,
                                      "currency": "usd"})["id"]
    results = race([lambda i=i: over_http(urls[i % 2], "POST", "/v1/charges",
                                          {"source": source, "amount": 2000,
                                           "currency": "usd"})
                    for i in range(RACERS)])
    assert sorted(status for status, _ in results) == [200] + [400] * (RACERS - 1)
    assert len(api.get("/v1/charges")["data"]) == 1
    assert api.get(f"/v1/sources/{source}")["status"] == "consumed"
