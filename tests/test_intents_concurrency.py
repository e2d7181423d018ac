"""Races on one intent over a file database shared by two apps, each behind its own HTTP
server (as two server processes would be): of concurrent confirms, captures or
authentications exactly one wins; the others get Stripe's unexpected-state error, and the
database holds one Charge and one set of events."""
from intents_kit import CARD_ONLY
from sources_kit import count, recorded
from stripe_emu import errors, testing
from test_payment_sources_concurrency import RACERS, over_http, race, two_servers  # noqa: F401


def _intent(api, **params):
    return api.post("/v1/payment_intents", {"amount": "2000", "currency": "usd",
                                            "payment_method": "pm_card_visa", **CARD_ONLY,
                                            **params})


def test_a_double_confirm_charges_once(two_servers):
    api, urls = two_servers
    intent = _intent(api)
    path = f"/v1/payment_intents/{intent['id']}/confirm"
    results = race([lambda url=url: over_http(url, "POST", path) for url in urls * (RACERS // 2)])
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [400] * (RACERS - 1)
    for status, body in results:
        if status == 400:
            assert body["error"]["code"] == "payment_intent_unexpected_state"
    assert count(api.app, "charge") == 1
    assert len(recorded(api.app, "payment_intent.succeeded")) == 1


def test_a_double_capture_captures_once(two_servers):
    api, urls = two_servers
    intent = _intent(api, confirm="true", capture_method="manual")
    path = f"/v1/payment_intents/{intent['id']}/capture"
    results = race([lambda url=url: over_http(url, "POST", path) for url in urls * (RACERS // 2)])
    assert sorted(status for status, _ in results) == [200] + [400] * (RACERS - 1)
    assert len(recorded(api.app, "charge.captured")) == 1
    assert api.get(f"/v1/charges/{intent['latest_charge']}")["amount_captured"] == 2000


def test_a_double_setup_confirm_attaches_once(two_servers):
    api, urls = two_servers
    cus = api.post("/v1/customers")["id"]
    intent = api.post("/v1/setup_intents", {"customer": cus, "payment_method": "pm_card_visa",
                                            **CARD_ONLY})
    path = f"/v1/setup_intents/{intent['id']}/confirm"
    results = race([lambda url=url: over_http(url, "POST", path) for url in urls * (RACERS // 2)])
    assert sorted(status for status, _ in results) == [200] + [400] * (RACERS - 1)
    assert len(recorded(api.app, "payment_method.attached")) == 1


def test_authenticating_twice_at_once_pays_once(two_servers):
    api, _ = two_servers
    intent = _intent(api, payment_method="pm_card_threeDSecure2Required", confirm="true")

    def approve():
        try:
            return testing.authenticate(api.app, intent["id"])["status"]
        except errors.StripeError as error:
            return error.code
    results = race([approve] * RACERS)
    assert sorted(results) == ["payment_intent_unexpected_state"] * (RACERS - 1) + [
        "succeeded"]
    assert count(api.app, "charge") == 1
