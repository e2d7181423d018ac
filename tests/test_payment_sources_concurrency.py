"""Races on one payment source, with real concurrency on a file database: threads in one app,
two apps (two sets of connections, as two server processes would have) each behind its own
HTTP server, and spawned processes. Exactly one request wins; the others get Stripe's error,
and the database shows one change and one event."""
import json
import multiprocessing
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
import webtest

from conftest import SECRET_KEY, Api, check_body, serving
from sources_kit import ach_source, recorded
from stripe_emu import make_app

RACERS = 8
ALREADY_ATTACHED = "The source you provided has already been attached to a customer."


def race(calls):
    """Run every call at once (a barrier releases them together); their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()
    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def in_process(app, method, path, params=None):
    """(status, body) through WebTest, each caller with its own TestApp."""
    web = webtest.TestApp(app)
    headers = {"Authorization": f"Bearer {SECRET_KEY}"}
    if method == "POST":
        response = web.post(path, params or {}, headers=headers, expect_errors=True)
    else:
        response = web.request(path, method=method, headers=headers, expect_errors=True)
    check_body(method, path, response.status_int, response.json)
    return response.status_int, response.json


def over_http(base_url, method, path, params=None):
    """(status, body) over a real socket."""
    data = urllib.parse.urlencode(params or {}).encode() if method == "POST" else None
    request = urllib.request.Request(base_url + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {SECRET_KEY}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, body = response.status, json.load(response)
    except urllib.error.HTTPError as error:
        status, body = error.code, json.load(error)
    check_body(method, path, status, body)
    return status, body


@pytest.fixture
def two_servers(tmp_path):
    """Two apps on one file, each behind its own HTTP server."""
    path = str(tmp_path / "shared.db")
    apps = [make_app(db=path), make_app(db=path)]
    with serving(apps[0]) as first, serving(apps[1]) as second:
        yield Api(apps[0]), [first, second]
    for app in apps:
        app.close()


def test_threads_attaching_one_source_to_many_customers(file_app):
    api = Api(file_app)
    source = ach_source(api)["id"]
    customers = [api.post("/v1/customers")["id"] for _ in range(RACERS)]
    results = race([lambda c=c: in_process(file_app, "POST", f"/v1/customers/{c}/sources",
                                           {"source": source}) for c in customers])
    winners = [c for c, (status, _) in zip(customers, results) if status == 200]
    assert len(winners) == 1
    for status, body in results:
        if status != 200:
            assert (status, body["error"]["message"]) == (400, ALREADY_ATTACHED)
    assert api.get(f"/v1/sources/{source}")["customer"] == winners[0]
    defaults = [api.get(f"/v1/customers/{c}")["default_source"] for c in customers]
    assert defaults.count(source) == 1 and defaults.count(None) == RACERS - 1
    assert len(recorded(file_app, "customer.source.created")) == 1


def test_two_servers_attaching_one_source(two_servers):
    api, urls = two_servers
    for _ in range(3):
        source = ach_source(api)["id"]
        customers = [api.post("/v1/customers")["id"] for _ in range(RACERS)]
        results = race([lambda i=i, c=c: over_http(urls[i % 2], "POST",
                                                   f"/v1/customers/{c}/sources",
                                                   {"source": source})
                        for i, c in enumerate(customers)])
        statuses = sorted(status for status, _ in results)
        assert statuses == [200] + [400] * (RACERS - 1)
        winner = next(body for status, body in results if status == 200)
        assert api.get(f"/v1/sources/{source}")["customer"] == winner["customer"]
    assert len(recorded(api.app, "customer.source.created")) == 3


def test_two_servers_deleting_one_card(two_servers):
    api, urls = two_servers
    customer = api.post("/v1/customers")["id"]
    card = api.post(f"/v1/customers/{customer}/sources", {"source": "tok_visa"})["id"]
    results = race([lambda i=i: over_http(urls[i % 2], "DELETE",
                                          f"/v1/customers/{customer}/sources/{card}")
                    for i in range(RACERS)])
    ok = [body for status, body in results if status == 200]
    assert ok == [{"id": card, "object": "card", "deleted": True}]
    message = f"Customer {customer} does not have a linked source with ID {card}."
    assert sorted((s, b.get("error", {}).get("message")) for s, b in results if s != 200) \
        == [(404, message)] * (RACERS - 1)
    assert api.get(f"/v1/customers/{customer}")["default_source"] is None
    assert len(recorded(api.app, "customer.source.deleted")) == 1
    assert len(recorded(api.app, "customer.updated")) == 2  # became default, then none


def test_two_servers_detaching_one_source(two_servers):
    api, urls = two_servers
    customer = api.post("/v1/customers")["id"]
    source = ach_source(api)["id"]
    api.post(f"/v1/customers/{customer}/sources", {"source": source})
    results = race([lambda i=i: over_http(urls[i % 2], "DELETE",
                                          f"/v1/customers/{customer}/sources/{source}")
                    for i in range(RACERS)])
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [404] * (RACERS - 1)
    assert api.get(f"/v1/sources/{source}")["status"] == "consumed"
    assert len(recorded(api.app, "customer.source.deleted")) == 1


def test_detach_racing_a_second_attach(two_servers):
    """A detach and attaches of the same Source to other customers: whatever the order, the
    Source ends consumed or attached once, never both, and no customer keeps a stale default."""
    api, urls = two_servers
    owner = api.post("/v1/customers")["id"]
    source = ach_source(api)["id"]
    api.post(f"/v1/customers/{owner}/sources", {"source": source})
    others = [api.post("/v1/customers")["id"] for _ in range(RACERS - 1)]
    calls = [lambda: over_http(urls[0], "DELETE", f"/v1/customers/{owner}/sources/{source}")]
    calls += [lambda i=i, c=c: over_http(urls[i % 2], "POST", f"/v1/customers/{c}/sources",
                                         {"source": source}) for i, c in enumerate(others)]
    results = race(calls)
    assert results[0][0] == 200 and results[0][1]["status"] == "consumed"
    assert all(status == 400 for status, _ in results[1:])
    assert all(api.get(f"/v1/customers/{c}")["default_source"] is None for c in others)


def post_in_a_process(args):
    """The status of one POST (db path, URL path, parameters) made by an app of its own, as
    a process of a multi-process server would make it."""
    path, url, params = args
    app = make_app(db=path)
    try:
        return in_process(app, "POST", url, params)[0]
    finally:
        app.close()


def test_spawned_processes_attaching_one_source(tmp_path):
    path = str(tmp_path / "procs.db")
    app = make_app(db=path)
    api = Api(app)
    source = ach_source(api)["id"]
    customers = [api.post("/v1/customers")["id"] for _ in range(4)]
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        statuses = pool.map(post_in_a_process, [(path, f"/v1/customers/{c}/sources",
                                                 {"source": source}) for c in customers])
    assert sorted(statuses) == [200, 400, 400, 400]
    attached_to = api.get(f"/v1/sources/{source}")["customer"]
    assert customers[statuses.index(200)] == attached_to
    app.close()
