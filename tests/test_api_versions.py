"""Issue 12, item 11: Stripe-Version must name a released API version (the list ships in
stripe_emu/api_versions.py), or one newer than every version the package knows; under
versions before 2019-10-17 customers show `account_balance` and their embedded `sources`
list its `total_count`."""
import pytest

from stripe_emu import api_versions


@pytest.mark.parametrize("version", ["2022-08-02", "2024-10-28", "2024-09-30.basil",
                                     "2020-08-28", "2011-01-02"])
def test_a_well_formed_version_stripe_never_released_is_refused(api, version):
    error = api.get("/v1/customers", headers={"Stripe-Version": version}, status=400)["error"]
    assert (error["type"], error["message"]) == (
        "invalid_request_error", f"Invalid Stripe API version: {version}")
    assert api.last.headers["Stripe-Version"] == version


# Versions pinned by stripe-python releases (stripe/_api_version.py of 12.4, 14.3, 15.2, 16.0).
@pytest.mark.parametrize("version", ["2011-01-01", "2019-10-17", "2020-08-27", "2022-11-15",
                                     "2023-10-16", "2024-06-20", "2024-09-30.acacia",
                                     "2025-03-31.basil", "2025-07-30.basil", "2025-09-30.clover",
                                     "2026-01-28.clover", "2026-05-27.dahlia",
                                     "2026-09-30.endive", "2026-10-28.endive", "2031-01-01"])
def test_released_and_newer_versions_are_answered(api, version):
    api.post("/v1/customers", {"email": "a@example.com"}, headers={"Stripe-Version": version})
    assert api.last.headers["Stripe-Version"] == version


def test_the_list_is_ordered_and_named_from_acacia_on():
    assert list(api_versions.RELEASED) == sorted(api_versions.RELEASED)
    assert len(set(api_versions.RELEASED)) == len(api_versions.RELEASED)
    for version in api_versions.RELEASED:
        assert api_versions.well_formed(version)
        assert ("." in version) == (version >= "2024-09-30")
    assert "2024-09-30.acacia" in api_versions.RELEASED


def test_the_installed_clients_version_is_accepted():
    # Listed, or newer than the list (a client released after this package): never refused.
    stripe = pytest.importorskip("stripe")
    assert api_versions.accepted(stripe.api_version)
    assert stripe.api_version in api_versions.RELEASED or \
        stripe.api_version[:10] > api_versions.NEWEST


OLD = {"Stripe-Version": "2019-10-08"}


def test_before_2019_10_17_customers_show_account_balance(api):
    customer = api.post("/v1/customers", {"balance": "-500", "source": "tok_visa"}, headers=OLD)
    assert (customer["account_balance"], customer["balance"]) == (-500, -500)
    assert list(customer)[:3] == ["id", "object", "account_balance"]
    assert customer["sources"]["total_count"] == 1
    listed = api.get("/v1/customers", headers=OLD)["data"][0]
    assert listed["account_balance"] == -500 and listed["sources"]["total_count"] == 1


def test_events_keep_the_version_they_were_recorded_in(api):
    """An event's data is rendered once, in its `api_version`; reading it with an older
    Stripe-Version does not re-render the customer inside it."""
    api.post("/v1/customers", {"balance": "-500"})
    for event in (api.get("/v1/events", headers=OLD)["data"][0],
                  api.get(f"/v1/events/{api.get('/v1/events')['data'][0]['id']}", headers=OLD)):
        customer = event["data"]["object"]
        assert event["api_version"] == "2023-08-16" and customer["object"] == "customer"
        assert "account_balance" not in customer and customer["balance"] == -500


def test_total_count_counts_beyond_the_first_page(api):
    customer = api.post("/v1/customers", headers=OLD)["id"]
    for _ in range(11):
        api.post(f"/v1/customers/{customer}/sources", {"source": "tok_visa"})
    sources = api.get(f"/v1/customers/{customer}", headers=OLD)["sources"]
    assert (len(sources["data"]), sources["has_more"], sources["total_count"]) == (10, True, 11)


@pytest.mark.parametrize("version", ["2019-10-17", "2020-03-02"])
def test_from_2019_10_17_on_neither_shows(api, version):
    customer = api.post("/v1/customers", {"source": "tok_visa"},
                        headers={"Stripe-Version": version})
    assert "account_balance" not in customer and "total_count" not in customer["sources"]
