"""Customer payment sources, continued: `source` and `default_source` on customer create and
update, listing, expansion, updating, bank account verification, deleted customers, and what
the operations cost in SQL."""
import re

import webtest

from conftest import Api, SECRET_KEY
from sources_kit import ach_source, add, count, customer, not_linked, recorded, stored
from stripe_emu import make_app


# -- customer create/update with source and default_source -------------------------------

def test_customer_create_with_a_source(api, app):
    created = api.post("/v1/customers", {"source": "tok_visa", "email": "j@example.com"})
    card_id = created["default_source"]
    assert card_id.startswith("card_")
    card = api.get(f"/v1/customers/{created['id']}/sources/{card_id}")
    assert card["customer"] == created["id"]
    assert recorded(app, "customer.created")[0]["data"]["object"]["default_source"] == card_id
    assert recorded(app, "customer.source.created")[0]["data"]["object"]["id"] == card_id
    assert recorded(app, "customer.updated") == []
    assert card["metadata"] == {}


def test_customer_update_with_a_source_replaces_the_default(api, app):
    cus = customer(api)
    old = add(api, cus, "tok_visa")["id"]
    kept = add(api, cus, "tok_amex")["id"]
    updated = api.post(f"/v1/customers/{cus}", {"source": "tok_mastercard",
                                                "metadata[k]": "v"})
    new = updated["default_source"]
    assert new not in (old, kept) and updated["metadata"] == {"k": "v"}
    assert api.get(f"/v1/customers/{cus}/sources/{new}")["metadata"] == {}
    ids = [item["id"] for item in api.get(f"/v1/customers/{cus}/sources")["data"]]
    assert ids == [new, kept]
    assert recorded(app, "customer.source.deleted")[0]["data"]["object"]["id"] == old
    change = recorded(app, "customer.updated")[0]["data"]["previous_attributes"]
    assert change == {"default_source": old, "metadata": {"k": None}}


def test_customer_update_with_a_source_detaches_an_old_default_source(api):
    cus = customer(api)
    source = ach_source(api)
    add(api, cus, source["id"])
    api.post(f"/v1/customers/{cus}", {"source": "tok_visa"})
    assert api.get(f"/v1/sources/{source['id']}")["status"] == "consumed"


def test_legacy_card_parameter_on_update_replaces_the_default(api):
    cus = customer(api)
    old = add(api, cus, "tok_visa")["id"]
    updated = api.post(f"/v1/customers/{cus}", {"card": "tok_mastercard"})
    card = api.get(f"/v1/customers/{cus}/sources/{updated['default_source']}")
    assert card["brand"] == "MasterCard"
    api.get(f"/v1/customers/{cus}/sources/{old}", status=404)
    error = api.post(f"/v1/customers/{cus}", {"card": "tok_visa", "source": "tok_amex"},
                     status=400)["error"]
    assert error["message"] == "You may only specify one of these parameters: source, card."
    assert api.get(f"/v1/customers/{cus}")["default_source"] == card["id"]


def test_a_declined_source_on_update_changes_nothing(api, app):
    cus = customer(api, email="a@example.com")
    old = add(api, cus, "tok_visa")["id"]
    api.post(f"/v1/customers/{cus}", {"source": "tok_chargeDeclined", "email": "b@example.com"},
             status=402)
    after = api.get(f"/v1/customers/{cus}")
    assert (after["default_source"], after["email"]) == (old, "a@example.com")
    assert stored(app, old) is not None


def test_update_default_source(api, app):
    cus = customer(api)
    first, second = add(api, cus, "tok_visa")["id"], add(api, cus, "btok_us")["id"]
    updated = api.post(f"/v1/customers/{cus}", {"default_source": second})
    assert updated["default_source"] == second
    event = recorded(app, "customer.updated")[0]["data"]
    assert event["previous_attributes"] == {"default_source": first}
    other = add(api, customer(api), "tok_visa")["id"]
    error = api.post(f"/v1/customers/{cus}", {"default_source": other}, status=400)["error"]
    assert (error["message"], error["param"], error["code"]) == (
        f"No such source: '{other}'", "default_source", "resource_missing")
    assert api.get(f"/v1/customers/{cus}")["default_source"] == second


def test_default_source_and_source_together_are_refused(api, app):
    cus = customer(api)
    default = add(api, cus, "tok_visa")["id"]
    other = add(api, cus, "tok_amex")["id"]
    for param in ("source", "card"):
        error = api.post(f"/v1/customers/{cus}", {"default_source": other,
                                                  param: "tok_mastercard"}, status=400)["error"]
        assert error["message"] == ("You may only specify one of these parameters: "
                                    f"default_source, {param}.")
        assert error["param"] == "default_source"
    assert api.get(f"/v1/customers/{cus}")["default_source"] == default
    assert [i["id"] for i in api.get(f"/v1/customers/{cus}/sources")["data"]] == [other, default]
    assert recorded(app, "customer.source.deleted") == []
    # An empty default_source is no default_source.
    replaced = api.post(f"/v1/customers/{cus}", {"default_source": "", "source": "tok_jcb"})
    assert replaced["default_source"] not in (default, other)


def test_a_default_source_that_fails_or_is_canceled_gives_way(api, app):
    """Stripe moving an attached Source to failed or canceled detaches it from its customer:
    the default moves on to the most recently added remaining source, as on deletion."""
    control = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    cus = customer(api)
    card = add(api, cus, "tok_visa")["id"]
    failing = add(api, cus, ach_source(api)["id"])["id"]
    bank = add(api, cus, "btok_us")["id"]
    canceled = add(api, cus, ach_source(api)["id"])["id"]
    api.post(f"/v1/customers/{cus}", {"default_source": failing})
    control.post(f"/_emu/sources/{failing}/status", {"status": "failed", "account": SECRET_KEY})
    assert api.get(f"/v1/customers/{cus}")["default_source"] == canceled
    update = recorded(app, "customer.updated")[0]
    assert update["data"]["previous_attributes"] == {"default_source": failing}
    assert update["request"] == {"id": None, "idempotency_key": None}
    control.post(f"/_emu/sources/{canceled}/status", {"status": "canceled"})
    assert api.get(f"/v1/customers/{cus}")["default_source"] == bank
    assert [i["id"] for i in api.get(f"/v1/customers/{cus}/sources")["data"]] == [bank, card]
    # A Source that becomes chargeable stays; one that is not the default moves no default.
    updates = len(recorded(app, "customer.updated"))
    funded, dropped = (add(api, cus, ach_source(api)["id"])["id"] for _ in range(2))
    control.post(f"/_emu/sources/{funded}/status", {"status": "chargeable"})
    control.post(f"/_emu/sources/{dropped}/status", {"status": "canceled"})
    assert api.get(f"/v1/customers/{cus}")["default_source"] == bank
    assert [i["id"] for i in api.get(f"/v1/customers/{cus}/sources")["data"]] == [
        funded, bank, card]
    assert len(recorded(app, "customer.updated")) == updates


def test_expand_sources_and_default_source(api):
    cus = customer(api)
    card = add(api, cus, "tok_visa")
    bank = add(api, cus, "btok_us")
    expanded = api.get(f"/v1/customers/{cus}",
                       {"expand[0]": "default_source", "expand[1]": "sources"})
    assert expanded["default_source"] == card
    assert expanded["sources"] == {"object": "list", "data": [bank, card], "has_more": False,
                                   "url": f"/v1/customers/{cus}/sources"}
    created = api.post(f"/v1/customers/{cus}/sources",
                       {"source": "tok_visa", "expand[]": "customer"})
    assert created["customer"]["id"] == cus and created["customer"]["object"] == "customer"


# -- listing -------------------------------------------------------------------------------

def test_list_filters_and_paginates(api):
    cus = customer(api)
    cards = [add(api, cus, "tok_visa")["id"] for _ in range(3)]
    bank = add(api, cus, "btok_us")["id"]
    source = add(api, cus, ach_source(api)["id"])["id"]
    base = f"/v1/customers/{cus}"
    everything = [item["id"] for item in api.get(f"{base}/sources", {"limit": 10})["data"]]
    assert everything == [source, bank, *cards[::-1]]
    only = lambda kind: [i["id"] for i in api.get(f"{base}/sources", {"object": kind})["data"]]
    assert only("card") == cards[::-1] and only("bank_account") == [bank]
    assert only("source") == [source]
    legacy = api.get(f"{base}/cards")
    assert [item["id"] for item in legacy["data"]] == cards[::-1]
    assert legacy["url"] == f"{base}/cards"
    assert [i["id"] for i in api.get(f"{base}/bank_accounts")["data"]] == [bank]
    page = api.get(f"{base}/sources", {"limit": 2})
    assert [i["id"] for i in page["data"]] == [source, bank] and page["has_more"] is True
    page = api.get(f"{base}/sources", {"limit": 2, "starting_after": bank})
    assert [i["id"] for i in page["data"]] == cards[::-1][:2] and page["has_more"] is True
    page = api.get(f"{base}/sources", {"limit": 2, "ending_before": cards[1]})
    assert [i["id"] for i in page["data"]] == [bank, cards[2]]
    error = api.get(f"{base}/cards", {"starting_after": bank}, status=400)["error"]
    assert error["message"] == f"Customer {cus} does not have card with ID {bank}"
    assert error["param"] == "starting_after"
    error = api.get(f"{base}/sources", {"object": "alipay"}, status=400)["error"]
    assert error["param"] == "object"


# -- updating --------------------------------------------------------------------------------

def test_update_a_card(api, app):
    cus = customer(api)
    card = add(api, cus, "tok_visa")
    updated = api.post(f"/v1/customers/{cus}/sources/{card['id']}", {
        "name": "Jenny Rosen", "address_zip": "94107", "exp_month": "12", "exp_year": "2045",
        "metadata[k]": "v"})
    assert (updated["name"], updated["address_zip"]) == ("Jenny Rosen", "94107")
    assert (updated["exp_month"], updated["exp_year"]) == (12, 2045)
    assert updated["metadata"] == {"k": "v"}
    assert api.get(f"/v1/customers/{cus}/cards/{card['id']}") == updated
    event = recorded(app, "customer.source.updated")[0]["data"]
    assert event["object"] == updated
    assert event["previous_attributes"] == {
        "name": None, "address_zip": None, "exp_month": card["exp_month"],
        "exp_year": card["exp_year"], "metadata": {"k": None}}
    cleared = api.post(f"/v1/customers/{cus}/sources/{card['id']}", {"name": ""})
    assert cleared["name"] is None


def test_card_updates_are_validated(api):
    cus = customer(api)
    card = add(api, cus, "tok_visa")
    path = f"/v1/customers/{cus}/sources/{card['id']}"
    error = api.post(path, {"exp_month": "13"}, status=402)["error"]
    assert (error["code"], error["param"]) == ("invalid_expiry_month", "exp_month")
    error = api.post(path, {"exp_year": "2001"}, status=402)["error"]
    assert (error["code"], error["param"]) == ("invalid_expiry_year", "exp_year")
    error = api.post(path, {"account_holder_name": "x"}, status=400)["error"]
    assert (error["code"], error["param"]) == ("parameter_unknown", "account_holder_name")
    assert api.get(path) == card


def test_update_a_bank_account_and_a_source(api, app):
    cus = customer(api)
    bank = add(api, cus, "btok_us")
    updated = api.post(f"/v1/customers/{cus}/bank_accounts/{bank['id']}", {
        "account_holder_name": "Jenny Rosen", "account_holder_type": "company"})
    assert (updated["account_holder_name"], updated["account_holder_type"]) == (
        "Jenny Rosen", "company")
    error = api.post(f"/v1/customers/{cus}/sources/{bank['id']}", {"exp_month": "1"},
                     status=400)["error"]
    assert error["param"] == "exp_month"
    source = add(api, cus, ach_source(api)["id"])
    changed = api.post(f"/v1/customers/{cus}/sources/{source['id']}", {
        "owner[name]": "Jenny Rosen", "metadata[a]": "b"})
    assert changed["owner"]["name"] == "Jenny Rosen" and changed["metadata"] == {"a": "b"}
    assert changed["owner"]["email"] == "jenny.rosen@example.com"
    assert api.get(f"/v1/sources/{source['id']}") == changed
    previous = recorded(app, "customer.source.updated")[0]["data"]["previous_attributes"]
    assert previous["metadata"] == {"a": None} and previous["owner"]["name"] is None


def test_an_update_that_changes_nothing_records_no_event(api, app):
    cus = customer(api)
    card = add(api, cus, "tok_visa")
    assert api.post(f"/v1/customers/{cus}/sources/{card['id']}", {}) == card
    assert recorded(app, "customer.source.updated") == []


# -- bank account verification --------------------------------------------------------------

def test_verify_a_bank_account(api, app):
    cus = customer(api)
    bank = add(api, cus, "btok_us")
    path = f"/v1/customers/{cus}/sources/{bank['id']}/verify"
    error = api.post(path, {"amounts[]": ["32", "46"]}, status=400)["error"]
    assert error["message"] == ("The amounts provided do not match the amounts that were sent "
                                "to the bank account.")
    assert api.get(f"/v1/customers/{cus}/sources/{bank['id']}")["status"] == "new"
    verified = api.post(path, {"amounts[0]": "32", "amounts[1]": "45"})
    assert verified["status"] == "verified" and verified["id"] == bank["id"]
    previous = recorded(app, "customer.source.updated")[0]["data"]["previous_attributes"]
    assert previous == {"status": "new"}
    error = api.post(path, {"amounts[]": ["32", "45"]}, status=400)["error"]
    assert error["message"] == "This bank account has already been verified."


def test_verify_through_the_legacy_path_and_refusals(api):
    cus = customer(api)
    bank = add(api, cus, "btok_us")
    legacy = api.post(f"/v1/customers/{cus}/bank_accounts/{bank['id']}/verify",
                      {"amounts[]": ["45", "32"]})
    assert legacy["status"] == "verified"
    owner = customer(api)  # one customer cannot have the same bank account twice
    verified = add(api, owner, "btok_us_verified")
    assert verified["status"] == "verified"
    api.post(f"/v1/customers/{owner}/sources/{verified['id']}/verify",
             {"amounts[]": ["32", "45"]}, status=400)
    card = add(api, cus, "tok_visa")
    api.post(f"/v1/customers/{cus}/sources/{card['id']}/verify",
             {"amounts[]": ["32", "45"]}, status=400)
    error = api.post(f"/v1/customers/{cus}/sources/ba_missing/verify",
                     {"amounts[]": ["32", "45"]}, status=404)["error"]
    assert error["message"] == not_linked(cus, "ba_missing")


# -- deleted customers -----------------------------------------------------------------------

def test_a_deleted_customer_has_no_sources_operations(api):
    cus = customer(api)
    card = add(api, cus, "tok_visa")
    api.delete(f"/v1/customers/{cus}")
    calls = [("get", "sources", None), ("post", "sources", {"source": "tok_visa"}),
             ("get", f"sources/{card['id']}", None), ("post", f"sources/{card['id']}",
                                                      {"name": "x"}),
             ("delete", f"sources/{card['id']}", None), ("get", "cards", None),
             ("post", f"bank_accounts/{card['id']}/verify", {"amounts[]": ["32", "45"]})]
    for method, tail, params in calls:
        error = getattr(api, method)(f"/v1/customers/{cus}/{tail}", params, status=404)
        assert error["error"]["message"] == f"No such customer: '{cus}'"


def test_deleting_a_customer_removes_cards_and_detaches_sources(api, app):
    cus = customer(api)
    card = add(api, cus, "tok_visa")
    bank = add(api, cus, "btok_us")
    source = add(api, cus, ach_source(api)["id"])
    api.delete(f"/v1/customers/{cus}")
    assert stored(app, card["id"]) is None and stored(app, bank["id"]) is None
    assert api.get(f"/v1/sources/{source['id']}")["status"] == "consumed"
    assert count(app, "card") == count(app, "bank_account") == 0


# -- cost -----------------------------------------------------------------------------------

def _statements(app, call):
    """(the SQL statements `call` ran, the connection they ran on)."""
    seen = []
    with app.store.connection() as conn:  # a :memory: app has this one connection
        conn.set_trace_callback(seen.append)
    try:
        call()
    finally:
        conn.set_trace_callback(None)
    return [s for s in seen if s.split(None, 1)[0].upper() in (
        "SELECT", "INSERT", "UPDATE", "DELETE")], conn


def test_attach_detach_and_delete_cost_the_same_however_many_sources():
    """A constant number of indexed statements: finding the next default reads one row."""
    costs = []
    for existing in (2, 80):
        app = make_app()
        api = Api(app)
        cus = customer(api)
        for _ in range(existing):
            add(api, cus, "tok_visa")
        default = api.get(f"/v1/customers/{cus}")["default_source"]
        source = ach_source(api)["id"]
        steps = {
            "attach a card": lambda: add(api, cus, "tok_visa"),
            "attach a Source": lambda: add(api, cus, source),
            "delete the default": lambda: api.delete(f"/v1/customers/{cus}/sources/{default}"),
            "detach": lambda: api.delete(f"/v1/customers/{cus}/sources/{source}"),
        }
        cost = {}
        for name, step in steps.items():
            statements, conn = _statements(app, step)
            cost[name] = len(statements)
            for statement in statements:
                for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}"):
                    assert not re.match(r"SCAN objects(?! USING)", row[-1]), statement
        costs.append(cost)
        app.close()
    assert costs[0] == costs[1]
