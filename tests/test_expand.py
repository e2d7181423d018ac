"""expand[] (Stripe's "Expanding responses" docs): every expandable field of the objects
served, on create, retrieve, update and list responses, nested up to 4 levels, and Stripe's
errors."""
import pytest
import stripe


@pytest.fixture
def customer(api):
    """A customer with a card (its default source) and a bank account."""
    customer = api.post("/v1/customers", {"email": "jenny@example.com"})
    card = api.post(f"/v1/customers/{customer['id']}/sources", {"source": "tok_visa"})
    bank = api.post(f"/v1/customers/{customer['id']}/sources", {"source": "btok_us"})
    return dict(customer, default_source=card["id"], card=card, bank=bank)


def test_default_source_on_retrieve_update_and_create(api, customer):
    got = api.get(f"/v1/customers/{customer['id']}", {"expand[]": "default_source"})
    assert got["default_source"] == customer["card"]
    updated = api.post(f"/v1/customers/{customer['id']}",
                       {"metadata[a]": "1", "expand[]": "default_source"})
    assert updated["default_source"]["id"] == customer["card"]["id"]
    assert updated["metadata"] == {"a": "1"}
    created = api.post("/v1/customers", {"source": "tok_mastercard",
                                         "expand[0]": "default_source"})
    assert created["default_source"]["object"] == "card"
    assert created["default_source"]["brand"] == "MasterCard"


def test_null_or_embedded_fields_expand_to_themselves(api):
    customer = api.post("/v1/customers", {"address[city]": "Paris", "expand[]": "address"})
    assert customer["address"]["city"] == "Paris"
    got = api.get(f"/v1/customers/{customer['id']}", {
        "expand[0]": "default_source", "expand[1]": "default_source.customer",
        "expand[2]": "invoice_settings", "expand[3]": "shipping", "expand[4]": "discount"})
    assert got["default_source"] is None
    assert got["shipping"] is None


def test_sources_are_included_only_when_expanded(api, customer):
    plain = api.get(f"/v1/customers/{customer['id']}")
    assert "sources" not in plain
    got = api.get(f"/v1/customers/{customer['id']}", {"expand[]": "sources"})
    assert got["sources"]["object"] == "list"
    assert got["sources"]["url"] == f"/v1/customers/{customer['id']}/sources"
    assert {s["id"] for s in got["sources"]["data"]} == {customer["card"]["id"],
                                                         customer["bank"]["id"]}


def test_sub_lists_the_emulator_does_not_keep_expand_empty(api, customer):
    got = api.get(f"/v1/customers/{customer['id']}",
                  {"expand[0]": "subscriptions", "expand[1]": "tax_ids"})
    assert got["subscriptions"] == {"object": "list", "data": [], "has_more": False,
                                    "url": f"/v1/customers/{customer['id']}/subscriptions"}
    assert got["tax_ids"]["data"] == [] and got["tax_ids"]["url"].endswith("/tax_ids")
    # Nor are bank transfers kept: the cash balance Stripe shows when expanded is empty.
    assert api.get(f"/v1/customers/{customer['id']}", {"expand[]": "cash_balance"})[
        "cash_balance"]["available"] is None


def test_nested_paths_through_objects_and_lists(api, customer):
    got = api.get(f"/v1/customers/{customer['id']}",
                  {"expand[]": "default_source.customer.default_source"})
    nested = got["default_source"]["customer"]
    assert nested["id"] == customer["id"] and nested["object"] == "customer"
    assert nested["default_source"]["id"] == customer["card"]["id"]
    got = api.get(f"/v1/customers/{customer['id']}", {"expand[]": "sources.data.customer"})
    assert {s["customer"]["id"] for s in got["sources"]["data"]} == {customer["id"]}


def test_card_and_bank_account_customer(api, customer):
    card = api.get(f"/v1/customers/{customer['id']}/sources/{customer['card']['id']}",
                   {"expand[]": "customer"})
    assert card["customer"]["email"] == "jenny@example.com"
    bank = api.post(f"/v1/customers/{customer['id']}/sources/{customer['bank']['id']}",
                    {"account_holder_name": "Jenny", "expand[]": "customer"})
    assert bank["customer"]["id"] == customer["id"]
    created = api.post(f"/v1/customers/{customer['id']}/sources",
                       {"source": "tok_amex", "expand[]": "customer"})
    assert created["customer"]["id"] == customer["id"]


def test_lists_expand_through_data(api, customer):
    sources = api.get(f"/v1/customers/{customer['id']}/sources", {"expand[]": "data.customer"})
    assert [s["customer"]["id"] for s in sources["data"]] == [customer["id"]] * 2
    customers = api.get("/v1/customers", {"expand[]": "data.default_source"})
    assert customers["data"][0]["default_source"]["id"] == customer["card"]["id"]
    assert api.get("/v1/customers", {"expand[]": "data"})["data"][0]["id"] == customer["id"]


def test_source_objects(api, customer):
    source = api.post("/v1/sources", {"type": "card", "token": "tok_visa",
                                      "owner[email]": "jenny@example.com"})
    attached = api.post(f"/v1/customers/{customer['id']}/sources", {"source": source["id"]})
    got = api.get(f"/v1/sources/{source['id']}", {"expand[0]": "owner",
                                                  "expand[1]": "owner.address"})
    assert got["owner"]["email"] == "jenny@example.com"
    # A Source's `customer` is not expandable (the spec lists no such field) ...
    error = api.get(f"/v1/sources/{source['id']}", {"expand[]": "customer"}, status=400)
    assert error["error"]["message"] == "This property cannot be expanded (customer)."
    # ... but in a list of mixed sources `data.customer` expands the cards and bank accounts.
    listed = api.get(f"/v1/customers/{customer['id']}/sources", {"expand[]": "data.customer"})
    by_id = {s["id"]: s for s in listed["data"]}
    assert by_id[attached["id"]]["customer"] == customer["id"]
    assert by_id[customer["card"]["id"]]["customer"]["id"] == customer["id"]


def test_token_card(api):
    token = api.post("/v1/tokens", {"card[number]": "4242424242424242", "card[exp_month]": "12",
                                    "card[exp_year]": "2040", "expand[]": "card"})
    assert token["card"]["last4"] == "4242"
    # A path through an embedded object is accepted; a field the object lacks stays absent.
    got = api.get(f"/v1/tokens/{token['id']}", {"expand[]": "card.customer"})
    assert got["card"] == token["card"]


def test_event_data_and_request_are_accepted_and_change_nothing(api):
    api.post("/v1/customers", {"email": "a@example.com"})
    event = api.get("/v1/events")["data"][0]
    got = api.get(f"/v1/events/{event['id']}", {"expand[0]": "data", "expand[1]": "request"})
    assert got == event
    assert api.get("/v1/events", {"expand[]": "data.request"})["data"] == [event]


def test_deleted_customer_stays_a_stub_when_expanded(api, customer):
    api.delete(f"/v1/customers/{customer['id']}")
    stub = {"id": customer["id"], "object": "customer", "deleted": True}
    assert api.get(f"/v1/customers/{customer['id']}",
                   {"expand[0]": "default_source", "expand[1]": "sources"}) == stub
    # The path is still checked against the customer's expandable fields.
    api.get(f"/v1/customers/{customer['id']}", {"expand[]": "bogus"}, status=400)


@pytest.mark.parametrize("path, query, message", [
    ("/v1/customers/{id}", "bogus",
     "This property cannot be expanded (bogus)."),
    ("/v1/customers/{id}", "default_source.bogus",
     "This property cannot be expanded (default_source.bogus)."),
    ("/v1/customers/{id}", "email",
     "This property cannot be expanded (email)."),
    ("/v1/customers", "default_source",
     "This property cannot be expanded (default_source). You may want to try expanding "
     "'data.default_source' instead."),
    ("/v1/customers", "data.bogus",
     "This property cannot be expanded (data.bogus)."),
    ("/v1/customers/{id}/sources", "customer",
     "This property cannot be expanded (customer). You may want to try expanding "
     "'data.customer' instead."),
    ("/v1/events", "data.data.object",
     "This property cannot be expanded (data.data.object)."),
    ("/v1/customers/{id}", "sources.customer",
     "This property cannot be expanded (sources.customer)."),
])
def test_unexpandable_paths_are_refused_even_where_values_are_null(api, path, query, message):
    customer = api.post("/v1/customers", {})  # no sources: the check does not need data
    error = api.get(path.format(id=customer["id"]), {"expand[]": query}, status=400)
    assert error["error"]["message"] == message
    assert error["error"]["type"] == "invalid_request_error"


def test_four_levels_at_most_counting_data(api, customer):
    api.get(f"/v1/customers/{customer['id']}",
            {"expand[]": "default_source.customer.default_source.customer"})
    api.get("/v1/customers", {"expand[]": "data.default_source.customer.default_source"})
    error = api.get("/v1/customers", {"expand[]": "data.default_source.customer."
                                                  "default_source.customer"}, status=400)
    assert error["error"] == {
        "code": "property_expansion_max_depth",
        "doc_url": "https://stripe.com/docs/error-codes/property-expansion-max-depth",
        "message": "You cannot expand more than 4 levels of a property.",
        "request_log_url": error["error"]["request_log_url"],
        "type": "invalid_request_error"}


def test_a_bad_path_on_a_write_changes_nothing(api, customer):
    api.post(f"/v1/customers/{customer['id']}", {"email": "new@example.com",
                                                  "expand[]": "bogus"}, status=400)
    assert api.get(f"/v1/customers/{customer['id']}")["email"] == "jenny@example.com"
    api.post("/v1/customers", {"email": "x@example.com", "expand[]": "bogus"}, status=400)
    assert len(api.get("/v1/customers")["data"]) == 1


def test_official_client_expands(stripe_http):
    customer = stripe_http.v1.customers.create(params={"source": "tok_visa",
                                                       "expand": ["default_source"]})
    assert isinstance(customer.default_source, stripe.Card)
    card = stripe_http.v1.customers.payment_sources.retrieve(
        customer.id, customer.default_source.id, params={"expand": ["customer"]})
    assert isinstance(card.customer, stripe.Customer)
    page = stripe_http.v1.customers.list(params={"expand": ["data.sources"]})
    assert page.data[0].sources.data[0].id == card.id
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_http.v1.customers.retrieve(customer.id, params={"expand": ["nothing"]})
    assert raised.value.user_message == "This property cannot be expanded (nothing)."


def test_api_versions_before_2020_08_27_embed_customer_sources(api):
    old = {"Stripe-Version": "2020-03-02"}
    customer = api.post("/v1/customers", {"source": "tok_visa"}, headers=old)
    assert customer["sources"]["data"][0]["id"] == customer["default_source"]
    assert customer["subscriptions"]["data"] == [] and customer["tax_ids"]["data"] == []
    listed = api.get("/v1/customers", headers=old)["data"][0]
    assert listed["sources"]["url"] == f"/v1/customers/{customer['id']}/sources"
    # Current versions leave them out unless expanded.
    current = api.get(f"/v1/customers/{customer['id']}")
    assert "sources" not in current and "subscriptions" not in current
    assert api.delete(f"/v1/customers/{customer['id']}", headers=old) == {
        "id": customer["id"], "object": "customer", "deleted": True}
