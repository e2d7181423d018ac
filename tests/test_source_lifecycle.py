"""Driving a Source through its lifecycle from a test: POST /_emu/sources/{id}/status and
testing.set_source_status make Stripe's own moves (pending → chargeable, failed or canceled;
an unused chargeable single-use Source → canceled) and record the source.* events with a null
request; a redirect Source's test page is followed like a browser, over a real socket."""
import html
import http.client
import re
import threading
import urllib.parse

import pytest
import stripe
import webtest

from conftest import SECRET_KEY, Api, serving
from sources_kit import ach_source, add, customer, recorded
from test_tokens import NEXT_YEAR, VISA, snapshot
from test_webhooks import FAST, Receiver
from stripe_emu import errors, make_app, testing
from stripe_emu.store import objects

CARD = {"type": "card", **VISA}
RETURN_URL = "https://shop.test/done?order=7&source=mine"
NOT_LIVE = "The source you provided is not in a chargeable or pending state."


@pytest.fixture
def control(app):
    return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})


def three_d_secure(api):
    card = api.post("/v1/sources", CARD)
    return api.post("/v1/sources", {
        "type": "three_d_secure", "amount": "2000", "currency": "eur",
        "three_d_secure[card]": card["id"], "redirect[return_url]": RETURN_URL})


def move(control, source_id, status=None, **params):
    answer = control.post(f"/_emu/sources/{source_id}/status",
                          {**({"status": status} if status else {}), **params},
                          expect_errors=True)
    assert answer.content_type == "application/json"
    return answer


# -- the control plane ----------------------------------------------------------------------

def test_the_control_plane_makes_a_pending_source_chargeable(app, api, control):
    source = ach_source(api)
    assert source["status"] == "pending"
    answer = move(control, source["id"], "chargeable", account=SECRET_KEY)
    assert answer.status_int == 200
    moved = answer.json
    assert (moved["id"], moved["status"]) == (source["id"], "chargeable")
    assert not [key for key in moved if key.startswith("_")]
    assert api.get(f"/v1/sources/{source['id']}") == moved
    [event] = recorded(app, "source.chargeable")
    # Stripe's own doing, not an API request's: request.id and idempotency_key are null.
    assert event["request"] == {"id": None, "idempotency_key": None}
    assert event["data"]["object"] == moved
    assert api.get(f"/v1/events/{event['id']}") == event


@pytest.mark.parametrize("status", ["failed", "canceled"])
def test_a_failed_or_canceled_source_cannot_be_attached(app, api, status):
    source = ach_source(api)
    cus = customer(api)
    moved = testing.set_source_status(app, source["id"], status, account=SECRET_KEY)
    assert moved["status"] == status
    [event] = recorded(app, f"source.{status}")
    assert event["request"]["id"] is None and event["data"]["object"]["status"] == status
    before = snapshot(app)
    error = add(api, cus, source["id"], status=400)["error"]
    assert (error["message"], error["param"]) == (NOT_LIVE, "source")
    assert snapshot(app) == before
    assert api.get(f"/v1/customers/{cus}/sources")["data"] == []


def test_an_attached_source_that_fails_leaves_its_customer(app, api):
    source = ach_source(api)
    cus = customer(api)
    add(api, cus, source["id"])
    testing.set_source_status(app, source["id"], "failed")
    assert api.get(f"/v1/customers/{cus}/sources")["data"] == []
    assert api.get(f"/v1/sources/{source['id']}")["status"] == "failed"


@pytest.mark.parametrize("status, redirect, authenticated", [
    ("chargeable", {"status": "succeeded"}, True),
    ("failed", {"status": "failed", "failure_reason": "declined"}, False),
    ("canceled", {"status": "failed", "failure_reason": "user_abort"}, False)])
def test_a_three_d_secure_source_moves_with_its_redirect(app, api, control, status, redirect,
                                                         authenticated):
    source = three_d_secure(api)
    # The account may be given by name, as well as by key.
    assert move(control, source["id"], status, account="emu4242").status_int == 200
    found = api.get(f"/v1/sources/{source['id']}")
    assert found["status"] == status
    assert found["redirect"] == {**source["redirect"], **redirect}
    assert found["three_d_secure"]["authenticated"] is authenticated


def test_code_verification_follows_the_source(app, api):
    verified = api.post("/v1/sources", {"type": "ach_debit", "token": "btok_us"})
    declined = api.post("/v1/sources", {"type": "ach_debit", "token": "btok_us"})
    testing.set_source_status(app, verified["id"], "chargeable")
    testing.set_source_status(app, declined["id"], "failed")
    assert api.get(f"/v1/sources/{verified['id']}")["code_verification"]["status"] == "succeeded"
    assert api.get(f"/v1/sources/{declined['id']}")["code_verification"] == {
        "attempts_remaining": 3, "status": "failed"}


def test_an_unused_chargeable_single_use_source_can_expire(app, api):
    single = api.post("/v1/sources", {**CARD, "usage": "single_use", "amount": "1000",
                                      "currency": "usd"})
    assert single["status"] == "chargeable"
    assert testing.set_source_status(app, single["id"], "canceled")["status"] == "canceled"
    assert [e["data"]["object"]["id"] for e in recorded(app, "source.canceled")] == [single["id"]]
    with pytest.raises(errors.StripeError) as again:
        testing.set_source_status(app, single["id"], "canceled")
    assert again.value.message == (f"The source {single['id']} is canceled: only a pending "
                                   "source, or an unused chargeable single-use one, can be "
                                   "canceled.")


def test_moves_stripe_never_makes_are_refused_and_change_nothing(app, api, control):
    pending = ach_source(api)
    reusable = api.post("/v1/sources", CARD)
    cus = customer(api)
    detached = ach_source(api)
    add(api, cus, detached["id"])
    api.delete(f"/v1/customers/{cus}/sources/{detached['id']}")
    before = snapshot(app)
    cases = [
        (pending["id"], {"status": "consumed"}, 400, "status"),
        (pending["id"], {}, 400, "status"),
        ("src_nothing", {"status": "chargeable"}, 404, "id"),
        (pending["id"], {"status": "chargeable", "account": "sk_test_someone_else"}, 404, "id"),
        (reusable["id"], {"status": "canceled"}, 400, "status"),
        (reusable["id"], {"status": "failed"}, 400, "status"),
        (detached["id"], {"status": "chargeable"}, 400, "status"),
        (cus, {"status": "chargeable"}, 404, "id"),
    ]
    for source_id, params, status, param in cases:
        answer = move(control, source_id, **params)
        assert answer.status_int == status, (source_id, params, answer.text)
        assert answer.json["error"]["param"] == param
    assert control.get(f"/_emu/sources/{pending['id']}/status", status=405)
    assert snapshot(app) == before
    missing = move(control, pending["id"]).json["error"]
    assert (missing["code"], missing["message"]) == ("parameter_missing",
                                                     "Missing required param: status.")
    refused = move(control, detached["id"], "chargeable").json["error"]["message"]
    assert refused == (f"The source {detached['id']} is consumed: only a pending source can "
                       "become chargeable.")


def test_json_bodies_and_the_official_client_see_the_move(app, control, stripe_http):
    source = stripe_http.v1.sources.create({"type": "ach_credit_transfer", "currency": "usd"})
    answer = control.post_json(f"/_emu/sources/{source.id}/status", {"status": "canceled"})
    assert answer.json["status"] == "canceled"
    assert stripe_http.v1.sources.retrieve(source.id).status == "canceled"
    [event] = stripe_http.v1.events.list({"type": "source.canceled"}).data
    assert event.request.id is None and event.data.object.id == source.id


def test_only_loopback_clients_may_move_sources(app, api):
    source = three_d_secure(api)
    remote = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "10.0.0.7"})
    for answer in (remote.post(f"/_emu/sources/{source['id']}/status",
                               {"status": "chargeable"}, expect_errors=True),
                   remote.get(urllib.parse.urlsplit(source["redirect"]["url"]).path,
                              expect_errors=True)):
        assert answer.status_int == 403
    assert api.get(f"/v1/sources/{source['id']}")["status"] == "pending"


def test_events_of_the_control_plane_are_delivered_as_webhooks():
    with Receiver() as receiver:
        app = make_app(db=":memory:", webhooks=[(receiver.url, "whsec_lifecycle")],
                       webhook_retry=FAST)
        try:
            source = ach_source(Api(app))
            testing.set_source_status(app, source["id"], "chargeable")
            receiver.wait_for(1)
            [event] = receiver.events("whsec_lifecycle")
            assert (event.type, event.data.object.id) == ("source.chargeable", source["id"])
            assert event.request.id is None
        finally:
            app.close()


def test_authorizing_on_the_redirect_page_sends_its_webhook_at_once():
    """The page's move wakes the webhook worker when it commits: no other request need come
    (nothing had been delivered before, so no worker was running)."""
    with Receiver() as receiver:
        app = make_app(db=":memory:", webhook_retry=FAST)
        try:
            api = Api(app)
            source = three_d_secure(api)
            endpoint = api.post("/v1/webhook_endpoints", {
                "url": receiver.url, "enabled_events[0]": "source.chargeable"})
            page = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
            answer = page.get(f"/_emu/redirect/{source['id']}/authorize",
                              {"client_secret": source["client_secret"]})
            assert answer.status_int == 302
            receiver.wait_for(1)
            [event] = receiver.events(endpoint["secret"])
            assert (event.type, event.data.object.id) == ("source.chargeable", source["id"])
        finally:
            app.close()


def test_concurrent_moves_exactly_one_wins(file_app):
    api = Api(file_app)
    for _ in range(6):
        source = ach_source(api)
        barrier = threading.Barrier(2)
        outcomes = []

        def attempt(status, source_id=source["id"], barrier=barrier, outcomes=outcomes):
            barrier.wait()
            try:
                outcomes.append(testing.set_source_status(file_app, source_id, status)["status"])
            except errors.StripeError as error:
                outcomes.append(error.status)

        threads = [threading.Thread(target=attempt, args=(status,))
                   for status in ("chargeable", "failed")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        [winner] = [outcome for outcome in outcomes if isinstance(outcome, str)]
        assert outcomes.count(400) == 1
        assert api.get(f"/v1/sources/{source['id']}")["status"] == winner
    assert len(recorded(file_app, "source.chargeable") + recorded(file_app, "source.failed")) == 6


# -- the redirect page ----------------------------------------------------------------------

def _get(connection, target):
    connection.request("GET", target)
    answer = connection.getresponse()
    return answer.status, answer, answer.read().decode()


def _link(page, name):
    return html.unescape(re.search(rf'id="{name}" href="([^"]+)"', page).group(1))


def _create_over_http(client):
    card = client.v1.sources.create({"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": NEXT_YEAR, "cvc": "123"}})
    return client.v1.sources.create({
        "type": "three_d_secure", "amount": 2000, "currency": "eur",
        "three_d_secure": {"card": card.id}, "redirect": {"return_url": RETURN_URL}})


def test_authorizing_on_the_redirect_page_returns_to_the_shop(app, live_url, stripe_http):
    source = _create_over_http(stripe_http)
    url = urllib.parse.urlsplit(source.redirect.url)
    assert f"{url.scheme}://{url.netloc}" == live_url  # the emulator's own page
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    status, answer, page = _get(connection, f"{url.path}?{url.query}")
    assert status == 200 and answer.getheader("Content-Type").startswith("text/html")
    assert "Authorize test payment" in page and "Fail test payment" in page
    status, answer, _ = _get(connection, _link(page, "authorize"))
    assert status == 302
    back = urllib.parse.urlsplit(answer.getheader("Location"))
    assert (back.scheme, back.netloc, back.path) == ("https", "shop.test", "/done")
    # Stripe's parameters replace the return_url's own of the same name; others are kept.
    assert urllib.parse.parse_qs(back.query) == {
        "order": ["7"], "source": [source.id], "livemode": ["false"],
        "client_secret": [source.client_secret]}
    found = stripe_http.v1.sources.retrieve(source.id)
    assert (found.status, found.redirect.status) == ("chargeable", "succeeded")
    assert found.three_d_secure.authenticated is True
    # A reload, or the back button and the other choice, changes nothing.
    for choice in ("authorize", "fail"):
        status, again, _ = _get(connection, _link(page, choice))
        assert (status, again.getheader("Location")) == (302, answer.getheader("Location"))
    # The card Source behind it recorded its own source.chargeable when it was created.
    [event] = [event for event in stripe_http.v1.events.list({"type": "source.chargeable"})
               if event.data.object.id == source.id]
    assert event.request.id is None and event.data.object.status == "chargeable"
    assert stripe_http.v1.events.list({"type": "source.failed"}).data == []
    connection.close()


def test_failing_on_the_redirect_page_and_wrong_secrets(app, live_url, stripe_http):
    source = _create_over_http(stripe_http)
    url = urllib.parse.urlsplit(source.redirect.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    before = snapshot(app)
    for target in (url.path, f"{url.path}?client_secret=src_client_secret_wrong",
                   f"{url.path}/authorize?client_secret=src_client_secret_wrong",
                   f"/_emu/redirect/src_nothing?client_secret={source.client_secret}"):
        status, answer, page = _get(connection, target)
        assert status == 404 and answer.getheader("Content-Type").startswith("text/html")
        assert "No such source" in page
    assert snapshot(app) == before
    status, _, page = _get(connection, f"{url.path}?{url.query}")
    status, answer, _ = _get(connection, _link(page, "fail"))
    assert status == 302 and f"source={source.id}" in answer.getheader("Location")
    found = stripe_http.v1.sources.retrieve(source.id)
    assert (found.status, found.redirect.status, found.redirect.failure_reason) == (
        "failed", "failed", "declined")
    assert found.three_d_secure.authenticated is False
    assert [e.data.object.id for e in stripe_http.v1.events.list(
        {"type": "source.failed"}).data] == [source.id]
    with pytest.raises(stripe.InvalidRequestError, match="not in a chargeable or pending"):
        stripe_http.v1.customers.payment_sources.create(
            stripe_http.v1.customers.create().id, {"source": source.id})
    connection.close()


def _set_return_url(app, source_id, url):
    """A return_url as a Source from an older snapshot may hold: not checked at creation."""
    with app.store.transaction() as db:
        stored = objects.get(db, "emu4242", source_id)
        objects.update(db, "emu4242",
                       dict(stored, redirect=dict(stored["redirect"], return_url=url)))


def test_the_way_back_is_percent_encoded(app, api, live_url):
    source = three_d_secure(api)
    _set_return_url(app, source["id"],
                    "https://shop.test/caf\u00e9 \u20ac/\r\nSet-Cookie: a=b?q=\u00fc")
    url = urllib.parse.urlsplit(source["redirect"]["url"])
    connection = http.client.HTTPConnection("127.0.0.1", urllib.parse.urlsplit(live_url).port,
                                            timeout=10)
    status, answer, _ = _get(connection, f"{url.path}/authorize?{url.query}")
    connection.close()
    assert status == 302 and answer.getheader("Set-Cookie") is None
    location = answer.getheader("Location")
    assert location.isascii() and " " not in location
    back = urllib.parse.urlsplit(location)
    # CR and LF are dropped (as URL parsers do), never sent as a header break.
    assert urllib.parse.unquote(back.path) == "/caf\u00e9 \u20ac/Set-Cookie: a=b"
    assert urllib.parse.parse_qs(back.query)["q"] == ["\u00fc"]
    assert api.get(f"/v1/sources/{source['id']}")["status"] == "chargeable"


@pytest.mark.parametrize("return_url", ["http://[x/", "javascript:alert(1)", "/relative"])
def test_a_way_back_that_cannot_be_followed_changes_nothing(app, api, control, return_url):
    source = three_d_secure(api)
    _set_return_url(app, source["id"], return_url)
    before = snapshot(app)
    url = urllib.parse.urlsplit(source["redirect"]["url"])
    answer = control.get(f"{url.path}/authorize?{url.query}", status=400)
    assert answer.content_type == "text/html" and "return_url" in answer.text
    assert snapshot(app) == before
    assert [event for event in recorded(app, "source.chargeable")
            if event["data"]["object"]["id"] == source["id"]] == []


def test_a_race_on_the_redirect_page_moves_the_source_once(file_app):
    api = Api(file_app)
    source = three_d_secure(api)
    with serving(file_app) as base:
        url = urllib.parse.urlsplit(source["redirect"]["url"])
        assert source["redirect"]["url"].startswith("http://localhost")  # WebTest's host
        port = urllib.parse.urlsplit(base).port
        barrier = threading.Barrier(2)
        locations = []

        def choose(choice):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            barrier.wait()
            status, answer, _ = _get(connection, f"{url.path}/{choice}?{url.query}")
            locations.append((status, answer.getheader("Location")))
            connection.close()

        threads = [threading.Thread(target=choose, args=(c,)) for c in ("authorize", "fail")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert [status for status, _ in locations] == [302, 302]
    status = api.get(f"/v1/sources/{source['id']}")["status"]
    assert status in ("chargeable", "failed")
    assert len([event for event in recorded(file_app, "source.chargeable")
                + recorded(file_app, "source.failed")
                if event["data"]["object"]["id"] == source["id"]]) == 1
