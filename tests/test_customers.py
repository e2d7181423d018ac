"""The Customers API: create, retrieve, update, delete, list."""
import re

import pytest

from conftest import Api, ten_seconds_apart

CUSTOMER_FIELDS = {
    "id", "object", "address", "balance", "business_name", "created", "currency",
    "default_source", "delinquent", "description", "discount", "email", "individual_name",
    "invoice_prefix", "invoice_settings", "livemode", "metadata", "name",
    "next_invoice_sequence", "phone", "preferred_locales", "shipping", "tax_exempt",
    "test_clock"}


def test_create_returns_every_field_stripe_returns(api):
    customer = api.post("/v1/customers", {"email": "jenny@example.com", "name": "Jenny Rosen"})
    assert set(customer) == CUSTOMER_FIELDS
    assert list(customer)[:2] == ["id", "object"]
    assert customer["id"].startswith("cus_") and len(customer["id"]) == 18
    assert customer["object"] == "customer"
    assert (customer["email"], customer["name"]) == ("jenny@example.com", "Jenny Rosen")
    assert customer["balance"] == 0 and customer["delinquent"] is False
    assert customer["business_name"] is None and customer["individual_name"] is None
    assert customer["invoice_settings"] == {"custom_fields": None, "default_payment_method": None,
                                            "footer": None, "rendering_options": None}
    assert customer["metadata"] == {} and customer["preferred_locales"] == []
    assert customer["tax_exempt"] == "none" and customer["next_invoice_sequence"] == 1
    # Stripe's prefixes are eight upper-case hex digits; all digits is a valid draw, so no isupper()
    assert re.fullmatch(r"[0-9A-F]{8}", customer["invoice_prefix"])
    assert isinstance(customer["created"], int)


def test_retrieve_returns_what_create_returned(api):
    customer = api.post("/v1/customers", {"description": "d", "metadata[k]": "v"})
    assert api.get(f"/v1/customers/{customer['id']}") == customer


def test_create_with_every_simple_field(api):
    customer = api.post("/v1/customers", {
        "balance": "-500", "description": "desc", "phone": "+15555550100",
        "invoice_prefix": "ABCD", "next_invoice_sequence": "7", "tax_exempt": "exempt",
        "invoice_settings[footer]": "Thanks", "preferred_locales[0]": "en",
        "address[line1]": "1 Main St", "address[postal_code]": "94107",
        "shipping[name]": "Ship To", "shipping[address][city]": "SF", "shipping[phone]": "1"})
    assert customer["balance"] == -500 and customer["next_invoice_sequence"] == 7
    assert customer["invoice_settings"]["footer"] == "Thanks"
    assert customer["tax_exempt"] == "exempt" and customer["invoice_prefix"] == "ABCD"
    assert customer["address"] == {"city": None, "country": None, "line1": "1 Main St",
                                   "line2": None, "postal_code": "94107", "state": None}
    assert customer["shipping"]["address"]["city"] == "SF"
    assert customer["shipping"]["phone"] == "1"


def test_update_changes_only_what_is_given(api):
    customer = api.post("/v1/customers", {"email": "a@example.com", "name": "A"})
    updated = api.post(f"/v1/customers/{customer['id']}", {"name": "B"})
    assert updated["name"] == "B" and updated["email"] == "a@example.com"
    assert api.get(f"/v1/customers/{customer['id']}")["name"] == "B"


def test_missing_customer(api):
    for method in ("get", "post", "delete"):
        error = getattr(api, method)("/v1/customers/cus_404", status=404)["error"]
        assert error["message"] == "No such customer: 'cus_404'"
        assert (error["code"], error["param"]) == ("resource_missing", "id")


def test_unsupported_references_name_the_missing_object(api):
    error = api.post("/v1/customers", {"coupon": "SUMMER"}, status=400)["error"]
    assert error["message"] == "No such coupon: 'SUMMER'" and error["param"] == "coupon"
    assert api.get("/v1/customers")["data"] == []


def test_business_and_individual_names_are_set_and_unset(api):
    customer = api.post("/v1/customers", {"business_name": "Rocket Rides",
                                          "individual_name": "Jenny Rosen"})
    assert (customer["business_name"], customer["individual_name"]) == (
        "Rocket Rides", "Jenny Rosen")
    path = f"/v1/customers/{customer['id']}"
    updated = api.post(path, {"business_name": "", "individual_name": "Jen Rosen"})
    assert (updated["business_name"], updated["individual_name"]) == (None, "Jen Rosen")
    assert api.get(path) == updated


def test_parameters_newer_than_the_bundled_spec_are_accepted(api):
    customer = api.post("/v1/customers", {"validate": "true",
                                          "tax[validate_location]": "deferred"})
    card = api.post(f"/v1/customers/{customer['id']}/sources",
                    {"source": "tok_visa", "validate": "false"})
    assert card["object"] == "card"


@pytest.mark.parametrize("email", ["x", "a@b", "@b.com", " a@example.com", "a@example.com ",
                                   "a b@example.com", "a@@example.com", "a@example..com"])
def test_invalid_email_addresses_are_refused(api, email):
    error = api.post("/v1/customers", {"email": email}, status=400)["error"]
    assert error == {**error, "message": f"Invalid email address: {email}", "param": "email",
                     "code": "email_invalid", "type": "invalid_request_error"}
    customer = api.post("/v1/customers", {"email": "jenny@example.com"})
    path = f"/v1/customers/{customer['id']}"
    assert api.post(path, {"email": email}, status=400)["error"]["code"] == "email_invalid"
    assert api.get(path)["email"] == "jenny@example.com"
    assert len(api.get("/v1/customers")["data"]) == 1


def test_valid_email_addresses_and_unsetting(api):
    customer = api.post("/v1/customers", {"email": "jenny.rosen+tag@mail.example.co.uk"})
    assert customer["email"] == "jenny.rosen+tag@mail.example.co.uk"
    assert api.post(f"/v1/customers/{customer['id']}", {"email": ""})["email"] is None


# -- metadata -----------------------------------------------------------------------------

def test_metadata_set_unset_one_and_clear_all(api):
    customer = api.post("/v1/customers", {"metadata[a]": "1", "metadata[b]": "2"})
    path = f"/v1/customers/{customer['id']}"
    assert api.post(path, {"metadata[c]": "3"})["metadata"] == {"a": "1", "b": "2", "c": "3"}
    assert api.post(path, {"metadata[a]": ""})["metadata"] == {"b": "2", "c": "3"}
    assert api.post(path, {"metadata": ""})["metadata"] == {}


def test_metadata_key_too_long(api):
    key = "k" * 41
    error = api.post("/v1/customers", {f"metadata[{key}]": "v"}, status=400)["error"]
    assert error["message"] == ("Metadata keys can have up to 40 characters, but you passed in "
                                f"a key that is 41 characters. Invalid key: {key}")
    assert api.post("/v1/customers", {f"metadata[{'k' * 40}]": "v"})["metadata"]


def test_metadata_value_too_long(api):
    value = "v" * 501
    error = api.post("/v1/customers", {"metadata[k]": value}, status=400)["error"]
    assert error["message"] == ("Metadata values can have up to 500 characters, but you passed "
                                f"in a value that is 501 characters. Invalid value: {value}")


def test_metadata_at_most_50_keys_counting_existing_ones(api):
    customer = api.post("/v1/customers", {f"metadata[k{i}]": "v" for i in range(50)})
    error = api.post(f"/v1/customers/{customer['id']}", {"metadata[one_more]": "v"},
                     status=400)["error"]
    assert error["message"] == ("Metadata can have up to 50 keys, but you've set 51. Email us at "
                                "support+metadata@stripe.com for more information.")
    assert len(api.get(f"/v1/customers/{customer['id']}")["metadata"]) == 50


def test_metadata_keys_cannot_hold_brackets(api):
    error = api.post("/v1/customers", {"metadata[a[b]": "v"}, status=400)["error"]
    assert "square brackets" in error["message"] and error["param"] == "metadata"


# -- delete -------------------------------------------------------------------------------

def test_delete_then_retrieve_gives_the_stub(api):
    customer = api.post("/v1/customers", {"email": "gone@example.com"})
    path = f"/v1/customers/{customer['id']}"
    assert api.delete(path) == {"id": customer["id"], "object": "customer", "deleted": True}
    assert api.get(path) == {"id": customer["id"], "object": "customer", "deleted": True}


def test_a_deleted_customer_refuses_everything_else(api):
    customer = api.post("/v1/customers")
    path = f"/v1/customers/{customer['id']}"
    api.delete(path)
    for method, kwargs in (("post", {"params": {"name": "x"}}), ("delete", {})):
        error = getattr(api, method)(path, **kwargs, status=404)["error"]
        assert error["message"] == f"No such customer: '{customer['id']}'"
    assert api.get("/v1/customers")["data"] == []


# -- list ---------------------------------------------------------------------------------

def make(api, n, **params):
    return [api.post("/v1/customers", params)["id"] for _ in range(n)]


def test_list_is_newest_first_with_default_limit_10(api):
    ids = make(api, 12)
    page = api.get("/v1/customers")
    assert set(page) == {"object", "data", "has_more", "url"}
    assert page["object"] == "list" and page["url"] == "/v1/customers"
    assert [c["id"] for c in page["data"]] == ids[::-1][:10]
    assert page["has_more"] is True


def test_pagination_walks_every_object_once(api):
    ids = make(api, 7)
    seen, params = [], {"limit": "3"}
    while True:
        page = api.get("/v1/customers", params)
        seen += [c["id"] for c in page["data"]]
        if not page["has_more"]:
            break
        params = {"limit": "3", "starting_after": page["data"][-1]["id"]}
    assert seen == ids[::-1]


def test_ending_before_pages_backwards(api):
    ids = make(api, 5)[::-1]  # newest first
    page = api.get("/v1/customers", {"ending_before": ids[3], "limit": "2"})
    assert [c["id"] for c in page["data"]] == ids[1:3]
    assert page["has_more"] is True
    page = api.get("/v1/customers", {"ending_before": ids[1], "limit": "2"})
    assert [c["id"] for c in page["data"]] == ids[:1] and page["has_more"] is False


@pytest.mark.parametrize("limit, message", [
    ("0", "This value must be greater than or equal to 1."),
    ("101", "This value must be less than or equal to 100."),
])
def test_limit_range(api, limit, message):
    error = api.get("/v1/customers", {"limit": limit}, status=400)["error"]
    assert (error["message"], error["param"]) == (message, "limit")


def test_limit_100_is_allowed(api):
    make(api, 2)
    assert len(api.get("/v1/customers", {"limit": "100"})["data"]) == 2


def test_unknown_cursor(api):
    error = api.get("/v1/customers", {"starting_after": "cus_nope"}, status=400)["error"]
    assert error["message"] == "No such customer: 'cus_nope'"
    assert (error["code"], error["param"]) == ("resource_missing", "starting_after")


def test_both_cursors(api):
    a, b = make(api, 2)
    error = api.get("/v1/customers", {"starting_after": a, "ending_before": b},
                    status=400)["error"]
    assert error["message"] == ("Received both starting_after and ending_before parameters. "
                                "Please pass in only one.")


def test_email_filter_is_exact_and_case_sensitive(api):
    target = api.post("/v1/customers", {"email": "Find@Example.com"})["id"]
    api.post("/v1/customers", {"email": "find@example.com"})
    page = api.get("/v1/customers", {"email": "Find@Example.com"})
    assert [c["id"] for c in page["data"]] == [target]


def test_created_filters(app):
    api = Api(app)
    ids = ten_seconds_apart(app, lambda: api.post("/v1/customers")["id"])

    def listed(params):
        return [c["id"] for c in api.get("/v1/customers", params)["data"]][::-1]
    assert listed({"created[gt]": "1700000010"}) == ids[2:]
    assert listed({"created[gte]": "1700000010"}) == ids[1:]
    assert listed({"created[lt]": "1700000010"}) == ids[:1]
    assert listed({"created[lte]": "1700000010", "created[gt]": "1700000000"}) == ids[1:2]
    assert listed({"created": "1700000020"}) == ids[2:3]


def test_test_clock_filter_names_the_missing_clock(api):
    make(api, 1)
    error = api.get("/v1/customers", {"test_clock": "clock_x"}, status=400)["error"]
    assert (error["message"], error["param"], error["code"]) == (
        "No such test clock: 'clock_x'", "test_clock", "resource_missing")


def test_created_beyond_64_bits_is_an_invalid_integer(api):
    for params in ({"created": "9" * 23}, {"created[gt]": "9" * 23}):
        error = api.get("/v1/customers", params, status=400)["error"]
        assert error["message"] == f"Invalid integer: {'9' * 23}"


def test_deleted_customers_are_not_listed(api):
    keep, gone = make(api, 2)
    api.delete(f"/v1/customers/{gone}")
    assert [c["id"] for c in api.get("/v1/customers")["data"]] == [keep]
