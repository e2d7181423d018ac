"""Issue 11, item 7: customer tax IDs (/v1/customers/{customer}/tax_ids, `tax_id_data` on
customer creation), with customer.tax_id.created / deleted, in process (bodies checked
against the spec) and through the official client over a socket."""
import pytest

from test_tokens import snapshot

VAT = {"type": "eu_vat", "value": "DE123456789"}


def events(api, event_type):
    return api.get("/v1/events", {"type": event_type, "limit": 100})["data"]


def test_create_retrieve_list_and_delete_a_tax_id(api):
    customer = api.post("/v1/customers")["id"]
    tax_id = api.post(f"/v1/customers/{customer}/tax_ids", VAT)
    assert tax_id["id"].startswith("txi_")
    assert (tax_id["object"], tax_id["type"], tax_id["value"], tax_id["country"],
            tax_id["customer"], tax_id["livemode"]) == (
        "tax_id", "eu_vat", "DE123456789", "DE", customer, False)
    assert tax_id["verification"]["status"] == "pending"
    assert api.get(f"/v1/customers/{customer}/tax_ids/{tax_id['id']}") == tax_id
    second = api.post(f"/v1/customers/{customer}/tax_ids", {"type": "us_ein",
                                                             "value": "12-3456789"})
    assert (second["country"], second["verification"]["status"]) == ("US", "unavailable")
    listed = api.get(f"/v1/customers/{customer}/tax_ids")
    assert [item["id"] for item in listed["data"]] == [second["id"], tax_id["id"]]
    assert listed["url"] == f"/v1/customers/{customer}/tax_ids"
    assert api.get(f"/v1/customers/{customer}/tax_ids", {"limit": 1})["has_more"] is True
    deleted = api.delete(f"/v1/customers/{customer}/tax_ids/{tax_id['id']}")
    assert deleted == {"id": tax_id["id"], "object": "tax_id", "deleted": True}
    error = api.get(f"/v1/customers/{customer}/tax_ids/{tax_id['id']}", status=404)["error"]
    assert (error["code"], error["message"]) == (
        "resource_missing", f"No such tax ID: '{tax_id['id']}'")
    assert [e["data"]["object"]["id"] for e in events(api, "customer.tax_id.created")] == [
        second["id"], tax_id["id"]]
    [gone] = events(api, "customer.tax_id.deleted")
    assert gone["data"]["object"] == tax_id


@pytest.mark.parametrize("params", [{"type": "eu_vat", "value": "123"},
                                    {"type": "gb_vat", "value": "GB12"},
                                    {"type": "us_ein", "value": "abc"}])
def test_a_malformed_value_is_refused_and_changes_nothing(app, api, params):
    customer = api.post("/v1/customers")["id"]
    before = snapshot(app)
    error = api.post(f"/v1/customers/{customer}/tax_ids", params, status=400)["error"]
    assert (error["code"], error["param"], error["message"]) == (
        "tax_id_invalid", "value", f"Invalid value for {params['type']}.")
    assert snapshot(app) == before


# Stripe's documented example of each country's eu_vat value (docs.stripe.com/billing/
# customer/tax-ids), and the country each one names.
STRIPE_EU_VAT_EXAMPLES = [
    ("ATU12345678", "AT"), ("BE0123456789", "BE"), ("BG0123456789", "BG"),
    ("HR12345678912", "HR"), ("CY12345678Z", "CY"), ("CZ1234567890", "CZ"),
    ("DK12345678", "DK"), ("EE123456789", "EE"), ("FI12345678", "FI"),
    ("FRAB123456789", "FR"), ("DE123456789", "DE"), ("EL123456789", "GR"),
    ("HU12345678912", "HU"), ("IE1234567AB", "IE"), ("IT12345678912", "IT"),
    ("LV12345678912", "LV"), ("LT123456789123", "LT"), ("LU12345678", "LU"),
    ("MT12345678", "MT"), ("NL123456789B12", "NL"), ("PL1234567890", "PL"),
    ("PT123456789", "PT"), ("RO1234567891", "RO"), ("SK1234567891", "SK"),
    ("SI12345678", "SI"), ("ESA1234567Z", "ES"), ("SE123456789123", "SE"),
    ("XI123456789", "GB")]


@pytest.mark.parametrize("value, country", STRIPE_EU_VAT_EXAMPLES)
def test_each_countrys_documented_eu_vat_example_is_taken(api, value, country):
    customer = api.post("/v1/customers")["id"]
    tax_id = api.post(f"/v1/customers/{customer}/tax_ids", {"type": "eu_vat", "value": value})
    assert (tax_id["value"], tax_id["country"]) == (value, country)


@pytest.mark.parametrize("value", [
    "nope",  # upper-cased it starts with NO: Norway is not in the Union
    "US123456789", "GB123456789", "CH123456789", "GR123456789",  # not a Union prefix
    "DE12345678", "DE1234567890", "DEA23456789",  # Germany takes nine digits
    "ATU1234567", "AT12345678",  # Austria: U and eight digits
    "NL123456789012", "FR123456789", "ES123456789", "IE12345678"])
def test_an_eu_vat_value_must_fit_its_countrys_format(app, api, value):
    customer = api.post("/v1/customers")["id"]
    before = snapshot(app)
    error = api.post(f"/v1/customers/{customer}/tax_ids", {"type": "eu_vat", "value": value},
                     status=400)["error"]
    assert (error["type"], error["code"], error["param"], error["message"]) == (
        "invalid_request_error", "tax_id_invalid", "value", "Invalid value for eu_vat.")
    assert snapshot(app) == before


def test_type_and_value_are_required_and_typed(api):
    customer = api.post("/v1/customers")["id"]
    error = api.post(f"/v1/customers/{customer}/tax_ids", {"type": "eu_vat"}, status=400)
    assert error["error"]["param"] == "value"
    error = api.post(f"/v1/customers/{customer}/tax_ids", {"type": "xx_nope", "value": "1"},
                     status=400)["error"]
    assert error["param"] == "type" and error["message"].startswith("Invalid type")


def test_test_values_verify_at_once(api):
    customer = api.post("/v1/customers")["id"]
    verified = api.post(f"/v1/customers/{customer}/tax_ids",
                        {"type": "eu_vat", "value": "FRAB000000000"})["verification"]
    assert verified["status"] == "verified"
    unverified = api.post(f"/v1/customers/{customer}/tax_ids",
                          {"type": "eu_vat", "value": "EL111111111"})
    assert (unverified["verification"]["status"], unverified["country"]) == ("unverified", "GR")


def test_tax_ids_of_another_customer_or_a_missing_one_are_not_found(api):
    alice, bob = api.post("/v1/customers")["id"], api.post("/v1/customers")["id"]
    tax_id = api.post(f"/v1/customers/{alice}/tax_ids", VAT)["id"]
    api.get(f"/v1/customers/{bob}/tax_ids/{tax_id}", status=404)
    api.delete(f"/v1/customers/{bob}/tax_ids/{tax_id}", status=404)
    error = api.get("/v1/customers/cus_nope/tax_ids", status=404)["error"]
    assert error["message"] == "No such customer: 'cus_nope'"
    assert api.get(f"/v1/customers/{bob}/tax_ids")["data"] == []


def test_tax_id_data_on_customer_create(api):
    customer = api.post("/v1/customers", {
        "tax_id_data[0][type]": "eu_vat", "tax_id_data[0][value]": "DE123456789",
        "tax_id_data[1][type]": "gb_vat", "tax_id_data[1][value]": "GB123456789",
        "expand[]": "tax_ids"})
    assert [(t["type"], t["country"]) for t in customer["tax_ids"]["data"]] == [
        ("gb_vat", "GB"), ("eu_vat", "DE")]
    types = [event["type"] for event in reversed(api.get("/v1/events")["data"])]
    assert types == ["customer.created", "customer.tax_id.created", "customer.tax_id.created"]


def test_a_bad_tax_id_data_item_creates_no_customer(app, api):
    before = snapshot(app)
    error = api.post("/v1/customers", {
        "tax_id_data[0][type]": "eu_vat", "tax_id_data[0][value]": "DE123456789",
        "tax_id_data[1][type]": "eu_vat", "tax_id_data[1][value]": "12"},
        status=400)["error"]
    assert (error["code"], error["param"]) == ("tax_id_invalid", "tax_id_data[1][value]")
    assert snapshot(app) == before


def test_deleting_the_customer_deletes_its_tax_ids(api):
    customer = api.post("/v1/customers")["id"]
    tax_id = api.post(f"/v1/customers/{customer}/tax_ids", VAT)["id"]
    api.delete(f"/v1/customers/{customer}")
    api.get(f"/v1/customers/{customer}/tax_ids/{tax_id}", status=404)
    with api.app.store.transaction(write=False) as db:
        assert db.execute("SELECT count(*) FROM objects WHERE object = 'tax_id'").fetchone()[0] \
            == 0


def test_old_api_versions_embed_the_tax_ids(api):
    customer = api.post("/v1/customers")["id"]
    api.post(f"/v1/customers/{customer}/tax_ids", VAT)
    old = api.get(f"/v1/customers/{customer}", headers={"Stripe-Version": "2020-03-02"})
    assert [t["value"] for t in old["tax_ids"]["data"]] == ["DE123456789"]


def test_the_official_client_over_a_socket(stripe_http):
    customer = stripe_http.v1.customers.create()
    created = stripe_http.v1.customers.tax_ids.create(customer.id, params=VAT)
    assert stripe_http.v1.customers.tax_ids.retrieve(customer.id, created.id).value == \
        "DE123456789"
    assert [t.id for t in stripe_http.v1.customers.tax_ids.list(customer.id).data] == [
        created.id]
    assert stripe_http.v1.customers.tax_ids.delete(customer.id, created.id).deleted is True
