"""Objects with chosen ids (`cus_123`, as suites written for stripe-mock use), created by a
seed (testing.seed, serve --seed) or the control plane (POST /_emu/seed)."""
import json

import pytest
import webtest

from stripe_emu import testing

KEY = "sk_test_mocksuite"


def _count(app):
    with app.store.transaction(write=False) as db:
        return db.execute("SELECT count(*) FROM objects").fetchone()[0]


def test_a_seed_creates_objects_with_the_ids_it_chooses(app):
    created = testing.seed(app, {
        "api_key": KEY,
        "customers": [{"id": "cus_123", "email": "jenny@example.com"}, {"email": "joe@x.com"}],
        "customers/cus_123/sources": [{"id": "card_123", "source": "tok_visa"}],
        "sources": [{"id": "src_123", "type": "ach_credit_transfer", "currency": "usd"}]})
    assert [obj["id"] for obj in created][0::2] == ["cus_123", "card_123"]
    assert created[1]["id"] != "cus_123" and created[1]["id"].startswith("cus_")
    client = testing.stripe_client(app, KEY)
    customer = client.v1.customers.retrieve("cus_123")
    assert customer.email == "jenny@example.com" and customer.default_source == "card_123"
    assert client.v1.customers.payment_sources.retrieve("cus_123", "card_123").last4 == "4242"
    assert client.v1.sources.retrieve("src_123").type == "ach_credit_transfer"
    created_event = [e for e in client.v1.events.list().data if e.type == "customer.created"][-1]
    assert created_event.data.object.id == "cus_123"
    # Stateful answers: what the suite changes, it finds changed.
    client.v1.customers.update("cus_123", params={"description": "changed"})
    assert client.v1.customers.retrieve("cus_123").description == "changed"
    # Outside a seed, ids are Stripe's random ones again.
    assert client.v1.customers.create().id != "cus_123"


@pytest.mark.parametrize("item, message", [
    ({"id": "src_123", "email": "a@example.com"},
     "The id src_123 was chosen, but this request creates no object with its prefix "
     "(it made ids starting with: cus_)"),
    ({"id": "xyz_123"}, "The id xyz_123 was chosen, but this request creates no object "
                        "with its prefix (it made ids starting with: cus_)"),
    ({"id": "evt_123"}, "'evt_123' cannot be an object's id"),
    ({"id": "cus_"}, "'cus_' cannot be an object's id: an id is its object's prefix"),
    ({"id": "cus_1 2"}, "'cus_1 2' cannot be an object's id"),
    ({"id": 123}, "123 cannot be an object's id"),
])
def test_an_id_that_does_not_fit_is_refused_and_changes_nothing(app, item, message):
    with pytest.raises(testing.SeedError) as refused:
        testing.seed(app, {"api_key": KEY, "customers": [item]})
    assert message in str(refused.value)
    assert _count(app) == 0


def test_an_id_taken_already_is_refused_in_any_account(app):
    testing.seed(app, {"api_key": KEY, "customers": [{"id": "cus_123"}]})
    for key in (KEY, "sk_test_another"):
        with pytest.raises(testing.SeedError, match="an object with id cus_123 exists already"):
            testing.seed(app, {"api_key": key, "customers": [{"id": "cus_123"}]})
    assert _count(app) == 2  # the customer and its event


@pytest.mark.parametrize("fixture, message", [
    ({"api_key": KEY, "../customers": [{}]}, "a fixture's keys are collections under /v1/"),
    ({"api_key": KEY, "customers": {"email": "a@b.c"}}, "a fixture's keys are collections"),
    ({"api_key": KEY, "customers": ["cus_1"]}, "an item is an object of parameters"),
    ([["not a fixture"]], "A fixture is a JSON object"),
])
def test_a_malformed_fixture_is_a_clear_error(app, fixture, message):
    with pytest.raises(testing.SeedError, match=message):
        testing.seed(app, fixture)


def test_the_control_plane_seeds_with_chosen_ids(app):
    web = webtest.TestApp(app)
    fixture = {"api_key": KEY, "customers": [{"id": "cus_123", "metadata": {"a": "b"}}]}
    answer = web.post("/_emu/seed", json.dumps(fixture),
                      headers={"Content-Type": "application/json"}).json
    assert answer["object"] == "list" and answer["data"][0]["id"] == "cus_123"
    assert testing.stripe_client(app, KEY).v1.customers.retrieve("cus_123").metadata.a == "b"
    refused = web.post("/_emu/seed", json.dumps(fixture), expect_errors=True,
                       headers={"Content-Type": "application/json"})
    assert refused.status_int == 400
    assert "an object with id cus_123 exists already" in refused.json["error"]["message"]
    as_form = web.post("/_emu/seed", {"api_key": KEY}, expect_errors=True)
    assert as_form.status_int == 400
    assert as_form.json["error"]["message"] == "The fixture must be the body, as application/json."


def test_ids_of_any_emulated_object_may_be_chosen(app):
    """The prefix is whatever the request creates: charges' are defined in payments/."""
    [charge] = testing.seed(app, {"api_key": KEY, "charges": [
        {"id": "ch_123", "amount": 500, "currency": "usd", "source": "tok_visa"}]})
    assert charge["id"] == "ch_123" and charge["status"] == "succeeded"
    assert testing.stripe_client(app, KEY).v1.charges.retrieve("ch_123").amount == 500
