"""Customers through the official stripe client over a real socket against `serve`."""
import pytest

stripe = pytest.importorskip("stripe")


def test_crud_and_list_through_stripe_python(stripe_http):
    customers = stripe_http.v1.customers
    created = customers.create(params={"email": "jenny@example.com", "metadata": {"n": "1"}})
    assert created.id.startswith("cus_") and created.email == "jenny@example.com"
    assert customers.retrieve(created.id).metadata.to_dict() == {"n": "1"}
    updated = customers.update(created.id, params={"name": "Jenny", "metadata": {"n": ""}})
    assert updated.name == "Jenny" and updated.metadata.to_dict() == {}
    others = [customers.create(params={"email": f"{i}@example.com"}).id for i in range(3)]
    page = customers.list(params={"limit": 2})
    assert [c.id for c in page.data] == others[::-1][:2] and page.has_more
    everyone = [c.id for c in page.auto_paging_iter()]
    assert everyone == others[::-1] + [created.id]
    deleted = customers.delete(created.id)
    assert deleted.deleted is True and deleted.id == created.id
    assert customers.retrieve(created.id).deleted is True


def test_errors_become_the_clients_exceptions(stripe_http, live_url):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe_http.v1.customers.retrieve("cus_missing")
    assert missing.value.http_status == 404
    assert missing.value.code == "resource_missing" and missing.value.param == "id"
    assert missing.value.user_message == "No such customer: 'cus_missing'"
    assert missing.value.request_id.startswith("req_")
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        stripe_http.v1.customers.create(params={"nonsense": "1"})
    assert unknown.value.code == "parameter_unknown"
    bad_key = stripe.StripeClient("sk_test_x!", base_addresses={"api": live_url})
    with pytest.raises(stripe.AuthenticationError) as denied:
        bad_key.v1.customers.list()
    assert denied.value.http_status == 401
    publishable = stripe.StripeClient("pk_test_emu4242", base_addresses={"api": live_url})
    with pytest.raises(stripe.AuthenticationError) as refused:
        publishable.v1.customers.list()
    # stripe-python builds 401 exceptions without `code`; the body still carries it.
    assert refused.value.json_body["error"]["code"] == "secret_key_required"


def test_client_api_version_is_accepted_and_echoed(stripe_http):
    customer = stripe_http.v1.customers.create()
    response = customer.last_response
    assert response.headers["Stripe-Version"] == stripe.api_version
    assert response.request_id.startswith("req_")


def test_newer_fields_and_email_validation_through_stripe_python(stripe_http):
    customers = stripe_http.v1.customers
    created = customers.create(params={"business_name": "Rocket Rides",
                                       "email": "jenny@example.com"})
    assert created.business_name == "Rocket Rides" and created.individual_name is None
    with pytest.raises(stripe.InvalidRequestError) as refused:
        customers.update(created.id, params={"email": "odatakeryu"})
    assert refused.value.http_status == 400 and refused.value.code == "email_invalid"
    assert refused.value.param == "email"
    assert refused.value.user_message == "Invalid email address: odatakeryu"
    assert customers.retrieve(created.id).email == "jenny@example.com"
