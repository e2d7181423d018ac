"""Customer payment sources: adding cards and bank accounts (tokens, hashes, legacy
parameters), declines at attach, attaching and detaching Sources, deleting, and the
default_source rules, with the events each records."""
import pytest

from sources_kit import ach_source, add, count, customer, not_linked, recorded, stored

DECLINES = [  # token -> (code, decline_code, message, param)
    ("tok_chargeDeclined", "card_declined", "generic_decline", "Your card was declined.", None),
    ("tok_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds",
     "Your card has insufficient funds.", None),
    ("tok_chargeDeclinedLostCard", "card_declined", "lost_card", "Your card was declined.", None),
    ("tok_chargeDeclinedExpiredCard", "expired_card", "expired_card", "Your card has expired.",
     "exp_month"),
    ("tok_chargeDeclinedIncorrectCvc", "incorrect_cvc", "incorrect_cvc",
     "Your card's security code is incorrect.", "cvc"),
    ("tok_chargeDeclinedProcessingError", "processing_error", "processing_error",
     "An error occurred while processing your card. Try again in a little bit.", None),
]


# -- adding cards and bank accounts -------------------------------------------------------

def test_a_card_token_creates_a_card_that_becomes_the_default(api, app):
    cus = customer(api)
    card = add(api, cus, "tok_visa")
    assert card["object"] == "card" and card["id"].startswith("card_")
    assert card["customer"] == cus
    assert (card["brand"], card["last4"], card["funding"]) == ("Visa", "4242", "credit")
    assert api.get(f"/v1/customers/{cus}")["default_source"] == card["id"]
    assert api.get(f"/v1/customers/{cus}/sources/{card['id']}") == card
    created = recorded(app, "customer.source.created")
    assert [event["data"]["object"] for event in created] == [card]
    updated = recorded(app, "customer.updated")[0]["data"]
    assert updated["object"]["default_source"] == card["id"]
    assert updated["previous_attributes"] == {"default_source": None}


def test_a_second_source_does_not_change_the_default(api, app):
    cus = customer(api)
    first = add(api, cus, "tok_visa")
    second = add(api, cus, "tok_mastercard")
    assert second["brand"] == "MasterCard"
    assert api.get(f"/v1/customers/{cus}")["default_source"] == first["id"]
    assert len(recorded(app, "customer.updated")) == 1
    listed = api.get(f"/v1/customers/{cus}/sources")
    assert [item["id"] for item in listed["data"]] == [second["id"], first["id"]]
    assert listed["url"] == f"/v1/customers/{cus}/sources" and listed["has_more"] is False


def test_the_same_magic_token_mints_a_new_card_each_time(api):
    cus = customer(api)
    one, two = add(api, cus, "tok_visa"), add(api, cus, "tok_visa")
    assert one["id"] != two["id"] and one["fingerprint"] == two["fingerprint"]


def test_a_bank_token_creates_a_new_bank_account(api):
    cus = customer(api)
    bank = add(api, cus, "btok_us")
    assert bank["object"] == "bank_account" and bank["id"].startswith("ba_")
    assert (bank["status"], bank["customer"], bank["last4"]) == ("new", cus, "6789")
    assert bank["routing_number"] == "110000000"


def test_legacy_card_and_bank_account_parameters(api):
    cus = customer(api)
    card = api.post(f"/v1/customers/{cus}/cards", {"card": "tok_amex"})
    assert card["brand"] == "American Express" and card["customer"] == cus
    bank = api.post(f"/v1/customers/{cus}/bank_accounts", {"bank_account": "btok_us"})
    assert bank["object"] == "bank_account"
    hashed = api.post(f"/v1/customers/{cus}/sources", {
        "card[number]": "4000056655665556", "card[exp_month]": "12", "card[exp_year]": "2040",
        "card[cvc]": "123", "card[name]": "Jenny Rosen"})
    assert (hashed["funding"], hashed["exp_month"], hashed["exp_year"]) == ("debit", 12, 2040)
    assert hashed["name"] == "Jenny Rosen" and hashed["cvc_check"] == "pass"
    bank_hash = api.post(f"/v1/customers/{cus}/sources", {
        "bank_account[country]": "US", "bank_account[currency]": "usd",
        "bank_account[routing_number]": "110000000", "bank_account[account_number]":
        "000111111116", "bank_account[account_holder_name]": "Jenny Rosen",
        "bank_account[account_holder_type]": "individual"})
    assert (bank_hash["object"], bank_hash["status"]) == ("bank_account", "new")
    assert bank_hash["account_holder_name"] == "Jenny Rosen"


def test_a_raw_card_hash_as_source(api):
    cus = customer(api)
    card = api.post(f"/v1/customers/{cus}/sources", {
        "source[object]": "card", "source[number]": "4242424242424242",
        "source[exp_month]": "8", "source[exp_year]": "2041"})
    assert (card["last4"], card["exp_month"], card["exp_year"]) == ("4242", 8, 2041)
    assert card["customer"] == cus


def test_a_real_token_is_used_once(api):
    token = api.post("/v1/tokens", {"card[number]": "4242424242424242",
                                    "card[exp_month]": "12", "card[exp_year]": "2040"})
    cus = customer(api)
    card = add(api, cus, token["id"])
    assert card["last4"] == "4242"
    assert api.get(f"/v1/tokens/{token['id']}")["used"] is True
    error = add(api, cus, token["id"], status=400)["error"]
    assert error["code"] == "token_already_used"
    assert error["message"] == f"You cannot use a Stripe token more than once: {token['id']}."


def test_metadata_is_set_on_the_new_source(api):
    cus = customer(api)
    card = api.post(f"/v1/customers/{cus}/sources",
                    {"source": "tok_visa", "metadata[order]": "42"})
    assert card["metadata"] == {"order": "42"}


@pytest.mark.parametrize("token,code,decline_code,message,param", DECLINES)
def test_decline_cards_fail_at_attach_and_leave_nothing(api, app, token, code, decline_code,
                                                         message, param):
    cus = customer(api)
    error = add(api, cus, token, status=402)["error"]
    assert (error["type"], error["code"], error["message"]) == ("card_error", code, message)
    assert error.get("decline_code") == decline_code and error.get("param") == param
    assert count(app, "card") == 0
    assert api.get(f"/v1/customers/{cus}")["default_source"] is None
    assert recorded(app, "customer.source.created") == []
    assert api.get(f"/v1/customers/{cus}/sources")["data"] == []


def test_a_declined_card_on_customer_create_creates_no_customer(api, app):
    error = api.post("/v1/customers", {"source": "tok_chargeDeclined"}, status=402)["error"]
    assert error["code"] == "card_declined"
    assert api.get("/v1/customers")["data"] == []
    assert count(app, "customer") == count(app, "card") == count(app, "event") == 0


def test_a_declined_real_token_stays_unused(api):
    token = api.post("/v1/tokens", {"card[number]": "4000000000000002",
                                    "card[exp_month]": "12", "card[exp_year]": "2040"})
    add(api, customer(api), token["id"], status=402)
    assert api.get(f"/v1/tokens/{token['id']}")["used"] is False


def test_a_declining_card_source_fails_to_attach(api):
    source = api.post("/v1/sources", {"type": "card", "token": "tok_chargeDeclined"})
    cus = customer(api)
    assert add(api, cus, source["id"], status=402)["error"]["code"] == "card_declined"
    assert "customer" not in api.get(f"/v1/sources/{source['id']}")
    assert api.get(f"/v1/customers/{cus}")["default_source"] is None


def test_the_charge_fail_card_attaches(api):
    cus = customer(api)
    card = add(api, cus, "tok_chargeCustomerFail")
    assert card["last4"] == "0341"


@pytest.mark.parametrize("params,status,message,param", [
    ({}, 400, "Missing required param: source.", "source"),
    ({"source": "tok_nope"}, 400, "No such token: 'tok_nope'", "source"),
    ({"source": "src_nope"}, 400, "No such source: 'src_nope'", "source"),
    ({"source": "tok_visa", "card": "tok_visa"}, 400,
     "You may only specify one of these parameters: source, card.", "source"),
])
def test_bad_source_parameters(api, app, params, status, message, param):
    cus = customer(api)
    error = api.post(f"/v1/customers/{cus}/sources", params, status=status)["error"]
    assert (error["message"], error.get("param")) == (message, param)
    assert count(app, "card") == 0


def test_a_payment_method_is_not_a_source(api):
    cus = customer(api)
    error = add(api, cus, "pm_card_visa", status=400)["error"]
    assert error["message"].startswith("You cannot use a PaymentMethod as a source for Customers.")


# -- Sources: attach and detach -----------------------------------------------------------

def test_attach_and_detach_a_source(api, app):
    cus = customer(api)
    source = ach_source(api)
    attached = add(api, cus, source["id"])
    assert attached["object"] == "source" and attached["customer"] == cus
    assert attached["status"] == source["status"]
    assert api.get(f"/v1/sources/{source['id']}")["customer"] == cus
    assert api.get(f"/v1/customers/{cus}")["default_source"] == source["id"]
    listed = api.get(f"/v1/customers/{cus}/sources", {"object": "source"})["data"]
    assert [item["id"] for item in listed] == [source["id"]]
    detached = api.delete(f"/v1/customers/{cus}/sources/{source['id']}")
    assert detached["id"] == source["id"] and detached["object"] == "source"
    assert detached["status"] == "consumed" and detached["customer"] == cus
    assert "deleted" not in detached
    assert api.get(f"/v1/sources/{source['id']}")["status"] == "consumed"
    assert api.get(f"/v1/customers/{cus}")["default_source"] is None
    assert api.get(f"/v1/customers/{cus}/sources")["data"] == []
    error = api.get(f"/v1/customers/{cus}/sources/{source['id']}", status=404)["error"]
    assert error["message"] == not_linked(cus, source["id"])
    deleted = recorded(app, "customer.source.deleted")[0]["data"]["object"]
    assert deleted["id"] == source["id"] and deleted["object"] == "source"


def test_a_detached_source_can_never_be_attached_again(api):
    cus = customer(api)
    source = ach_source(api)
    add(api, cus, source["id"])
    api.delete(f"/v1/customers/{cus}/sources/{source['id']}")
    for target in (cus, customer(api)):
        error = add(api, target, source["id"], status=400)["error"]
        assert error["type"] == "invalid_request_error"
    assert api.get(f"/v1/sources/{source['id']}")["status"] == "consumed"


def test_a_source_attached_to_one_customer_cannot_join_another(api):
    source = ach_source(api)
    first, second = customer(api), customer(api)
    add(api, first, source["id"])
    error = add(api, second, source["id"], status=400)["error"]
    assert error["message"] == "The source you provided has already been attached to a customer."
    assert api.get(f"/v1/sources/{source['id']}")["customer"] == first
    assert api.get(f"/v1/customers/{second}")["default_source"] is None
    error = api.delete(f"/v1/customers/{second}/sources/{source['id']}", status=404)["error"]
    assert (error["message"], error["code"], error["param"]) == (
        not_linked(second, source["id"]), "resource_missing", "id")


def test_a_source_attach_carries_metadata(api):
    cus = customer(api)
    source = ach_source(api)
    attached = api.post(f"/v1/customers/{cus}/sources",
                        {"source": source["id"], "metadata[plan]": "gold"})
    assert attached["metadata"] == {"plan": "gold"}


# -- deleting and the next default ---------------------------------------------------------

def test_delete_a_card(api, app):
    cus = customer(api)
    card = add(api, cus, "tok_visa")
    assert api.delete(f"/v1/customers/{cus}/sources/{card['id']}") == {
        "id": card["id"], "object": "card", "deleted": True}
    assert stored(app, card["id"]) is None
    for method in ("get", "delete"):
        error = getattr(api, method)(f"/v1/customers/{cus}/sources/{card['id']}",
                                     status=404)["error"]
        assert (error["message"], error["code"], error["param"]) == (
            not_linked(cus, card["id"]), "resource_missing", "id")
    event = recorded(app, "customer.source.deleted")[0]["data"]["object"]
    assert event == card  # the full card as it was, not the deleted stub
    update = recorded(app, "customer.updated")[0]["data"]
    assert update["previous_attributes"] == {"default_source": card["id"]}
    assert update["object"]["default_source"] is None


def test_deleting_the_default_promotes_the_most_recently_added(api, app):
    cus = customer(api)
    first, second, third = (add(api, cus, token)["id"]
                            for token in ("tok_visa", "btok_us", "tok_mastercard"))
    assert api.get(f"/v1/customers/{cus}")["default_source"] == first
    api.delete(f"/v1/customers/{cus}/sources/{first}")
    assert api.get(f"/v1/customers/{cus}")["default_source"] == third
    api.delete(f"/v1/customers/{cus}/sources/{third}")
    assert api.get(f"/v1/customers/{cus}")["default_source"] == second
    api.delete(f"/v1/customers/{cus}/sources/{second}")
    assert api.get(f"/v1/customers/{cus}")["default_source"] is None
    previous = [e["data"]["previous_attributes"] for e in recorded(app, "customer.updated")]
    assert previous == [{"default_source": second}, {"default_source": third},
                        {"default_source": first}, {"default_source": None}]


def test_deleting_another_source_keeps_the_default(api, app):
    cus = customer(api)
    first, second = add(api, cus, "tok_visa")["id"], add(api, cus, "tok_visa")["id"]
    api.delete(f"/v1/customers/{cus}/sources/{second}")
    assert api.get(f"/v1/customers/{cus}")["default_source"] == first
    assert len(recorded(app, "customer.updated")) == 1  # only when the first became default


def test_legacy_paths_update_and_delete_every_kind_of_source(api):
    cus = customer(api)
    card = add(api, cus, "tok_visa")
    bank = add(api, cus, "btok_us")
    source = add(api, cus, ach_source(api)["id"])
    base = f"/v1/customers/{cus}"
    renamed = api.post(f"{base}/cards/{bank['id']}", {"account_holder_name": "Jenny Rosen"})
    assert renamed["object"] == "bank_account" and renamed["account_holder_name"] == "Jenny Rosen"
    assert api.post(f"{base}/bank_accounts/{card['id']}", {"name": "J"})["name"] == "J"
    # Retrieving stays typed as the spec types it: a card on /cards, a bank account on
    # /bank_accounts.
    error = api.get(f"{base}/cards/{bank['id']}", status=404)["error"]
    assert error["message"] == not_linked(cus, bank["id"])
    assert api.get(f"{base}/bank_accounts/{bank['id']}") == renamed
    assert api.delete(f"{base}/cards/{bank['id']}") == {
        "id": bank["id"], "object": "bank_account", "deleted": True}
    detached = api.delete(f"{base}/bank_accounts/{source['id']}")
    assert (detached["object"], detached["status"]) == ("source", "consumed")
    assert api.delete(f"{base}/bank_accounts/{card['id']}")["deleted"] is True
    assert api.get(f"{base}/sources")["data"] == []
    error = api.delete(f"{base}/cards/{card['id']}", status=404)["error"]
    assert error["message"] == not_linked(cus, card["id"])


# -- the same bank account twice -----------------------------------------------------------

BANK_HASH = {"bank_account[country]": "US", "bank_account[currency]": "usd",
             "bank_account[routing_number]": "110000000",
             "bank_account[account_number]": "000123456789"}


@pytest.mark.parametrize("first, second, param", [
    ({"source": "btok_us"}, {"source": "btok_us"}, "source"),
    ({"source": "btok_us"}, BANK_HASH, "bank_account"),
    (BANK_HASH, {"source": "btok_us_verified"}, "source"),
])
def test_a_customer_cannot_have_the_same_bank_account_twice(api, app, first, second, param):
    cus = customer(api)
    kept = api.post(f"/v1/customers/{cus}/sources", first)
    error = api.post(f"/v1/customers/{cus}/sources", second, status=400)["error"]
    assert error["message"] == ("A bank account with that routing number and account number "
                                "already exists for this customer.")
    assert (error["code"], error["param"]) == ("bank_account_exists", param)
    assert [item["id"] for item in api.get(f"/v1/customers/{cus}/sources")["data"]] == [
        kept["id"]]
    assert len(recorded(app, "customer.source.created")) == 1
    # Another customer, or another account number, is another bank account.
    assert add(api, customer(api), "btok_us")["object"] == "bank_account"
    other = dict(BANK_HASH, **{"bank_account[account_number]": "000111111116"})
    assert api.post(f"/v1/customers/{cus}/sources", other)["last4"] == "1116"


def test_a_refused_duplicate_leaves_its_token_unused(api):
    cus = customer(api)
    add(api, cus, "btok_us")
    token = api.post("/v1/tokens", BANK_HASH)
    error = add(api, cus, token["id"], status=400)["error"]
    assert error["code"] == "bank_account_exists"
    assert api.get(f"/v1/tokens/{token['id']}")["used"] is False


def test_another_customers_source_is_not_found(api):
    owner, other = customer(api), customer(api)
    card = add(api, owner, "tok_visa")
    for method, params in (("get", None), ("post", {"name": "x"}), ("delete", None)):
        error = getattr(api, method)(f"/v1/customers/{other}/sources/{card['id']}", params,
                                     status=404)["error"]
        assert error["message"] == not_linked(other, card["id"])
    assert api.get(f"/v1/customers/{owner}/sources/{card['id']}")["name"] is None
