"""Capturing an authorization, as a test reaches it right after moving the app's clock:
the amount rules of a capture, and an expiry that falls due in the very request that is
refused because of it."""
from test_charges import DAY, charge, customer_with, events_of


def authorized(api, app, now):
    app.clock = lambda: now[0]
    return charge(api, customer=customer_with(api)["id"], capture="false")


def test_a_capture_below_the_currency_minimum_is_refused(api, app):
    """Stripe checks a capture's amount against the currency's minimum charge amount (the
    WooCommerce Stripe plugins report this refusal of captures)."""
    held = authorized(api, app, [1_700_000_000])
    error = api.post(f"/v1/charges/{held['id']}/capture", {"amount": 49}, status=400)["error"]
    assert (error["code"], error["param"], error["message"]) == (
        "amount_too_small", "amount", "Amount must be at least $0.50 usd")
    assert api.get(f"/v1/charges/{held['id']}")["captured"] is False
    captured = api.post(f"/v1/charges/{held['id']}/capture", {"amount": 50})
    assert (captured["amount_captured"], captured["amount_refunded"]) == (50, 1950)


def test_capturing_more_than_authorized_answers_stripes_message(api, app):
    held = authorized(api, app, [1_700_000_000])
    error = api.post(f"/v1/charges/{held['id']}/capture", {"amount": 2001}, status=400)["error"]
    assert (error["code"], error["param"], error["message"]) == (
        "amount_too_large", "amount",
        "The requested capture amount is greater than the amount you can capture for this "
        "charge.")


def test_a_capture_refused_as_expired_leaves_the_charge_expired(api, app):
    """The first write after the clock passes seven days is the capture itself: the expiry
    it runs first is kept although the capture is refused."""
    now = [1_700_000_000]
    held = authorized(api, app, now)
    now[0] += 7 * DAY
    error = api.post(f"/v1/charges/{held['id']}/capture", status=400)["error"]
    assert error["code"] == "charge_expired_for_capture"
    shown = api.get(f"/v1/charges/{held['id']}")
    assert (shown["refunded"], shown["amount_refunded"], shown["captured"]) == (True, 2000, False)
    assert [e["data"]["object"]["id"] for e in events_of(api, "charge.expired")] == [held["id"]]


def test_a_refund_refused_after_expiry_leaves_the_charge_expired(api, app):
    now = [1_700_000_000]
    held = authorized(api, app, now)
    now[0] += 8 * DAY
    error = api.post("/v1/refunds", {"charge": held["id"]}, status=400)["error"]
    assert error["code"] == "charge_already_refunded"
    assert api.get(f"/v1/charges/{held['id']}")["refunded"] is True
    assert len(events_of(api, "charge.expired")) == 1
    [refund] = api.get("/v1/refunds", {"charge": held["id"]})["data"]
    assert refund["reason"] == "expired_uncaptured_charge"


def test_with_an_idempotency_key_the_expiry_is_kept_and_the_refusal_replayed(api, app):
    now = [1_700_000_000]
    held = authorized(api, app, now)
    now[0] += 7 * DAY
    key = {"Idempotency-Key": "capture-late"}
    first = api.post(f"/v1/charges/{held['id']}/capture", headers=key, status=400)
    assert api.get(f"/v1/charges/{held['id']}")["refunded"] is True
    assert api.post(f"/v1/charges/{held['id']}/capture", headers=key, status=400) == first
    assert api.last.headers["Idempotent-Replayed"] == "true"
    assert len(events_of(api, "charge.expired")) == 1
