"""The API's cross-cutting conventions as Stripe's reference documents them (pagination,
search, expanding, metadata, idempotent requests, errors, events, deleting a customer),
driven through the official client over a socket."""
import pytest

stripe = pytest.importorskip("stripe")


# -- deleting a customer ------------------------------------------------------------------

def test_a_deleted_customers_payment_methods_are_detached_for_good(stripe_http):
    # "Deleting customers removes all credit card details and prevents any further
    # operations to be performed" (docs api customers delete): its PaymentMethods stay
    # retrievable, no longer attached to anyone, and cannot be paid with or attached again.
    customer = stripe_http.v1.customers.create()
    pm = stripe_http.v1.payment_methods.attach("pm_card_visa",
                                               params={"customer": customer.id})
    stripe_http.v1.customers.delete(customer.id)

    assert stripe_http.v1.payment_methods.retrieve(pm.id).customer is None
    with pytest.raises(stripe.InvalidRequestError) as paying:
        stripe_http.v1.payment_intents.create(params={
            "amount": 500, "currency": "usd", "payment_method": pm.id, "confirm": True,
            "payment_method_types": ["card"]})
    assert paying.value.param == "payment_method"
    assert "was detached from a Customer" in paying.value.user_message
    other = stripe_http.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError) as attaching:
        stripe_http.v1.payment_methods.attach(pm.id, params={"customer": other.id})
    assert "may not be used again" in attaching.value.user_message
    assert stripe_http.v1.customers.payment_methods.list(other.id).data == []


def test_deleting_a_customer_detaches_every_payment_method_it_holds(app, stripe_http):
    customer = stripe_http.v1.customers.create()
    held = [stripe_http.v1.payment_methods.attach("pm_card_visa",
                                                  params={"customer": customer.id}).id
            for _ in range(3)]
    kept = stripe_http.v1.payment_methods.attach(
        "pm_card_visa", params={"customer": stripe_http.v1.customers.create().id})
    types_before = [e.type for e in stripe_http.v1.events.list(params={"limit": 100})]

    stripe_http.v1.customers.delete(customer.id)

    assert [stripe_http.v1.payment_methods.retrieve(pm).customer for pm in held] == [None] * 3
    assert stripe_http.v1.payment_methods.retrieve(kept.id).customer == kept.customer
    # UNCERTAIN (as for its cards and Sources): no payment_method.detached events.
    types_after = [e.type for e in stripe_http.v1.events.list(params={"limit": 100})]
    assert types_after == ["customer.deleted"] + types_before


# -- events ---------------------------------------------------------------------------------

def test_the_events_list_goes_back_30_days_and_retrieve_further(app, stripe_http):
    # "List events, going back up to 30 days." (the list's reference at 2023-08-16; the
    # retrieve reference of that version sets no such limit).
    now = [1_700_000_000]
    app.clock = lambda: now[0]
    old = stripe_http.v1.customers.create(params={"email": "old@example.com"})
    now[0] += 20 * 86400
    recent = stripe_http.v1.customers.create(params={"email": "new@example.com"})
    old_event = stripe_http.v1.events.list(params={"limit": 2}).data[-1]
    assert old_event.data.object.id == old.id
    now[0] += 10 * 86400 + 1  # `old` is now 30 days and a second back

    listed = stripe_http.v1.events.list()
    assert [event.data.object.id for event in listed.data] == [recent.id]
    assert stripe_http.v1.events.list(params={"created": {"lt": now[0]}}).data == listed.data
    assert stripe_http.v1.events.list(params={"created": old_event.created}).data == []
    assert stripe_http.v1.events.retrieve(old_event.id).id == old_event.id


# -- expanding includable fields ------------------------------------------------------------

def test_a_customers_tax_is_shown_when_expanded(stripe_http):
    # Stripe Tax's guides create the customer with its address and IP address, expanding
    # `tax` to learn whether its location is recognized (customer.tax: never null).
    customer = stripe_http.v1.customers.create(params={
        "address": {"country": "US", "state": "CA", "postal_code": "94107"},
        "tax": {"ip_address": "127.0.0.1"}, "expand": ["tax"]})
    assert customer.tax.to_dict() == {"automatic_tax": "not_collecting", "ip_address": "127.0.0.1",
                            "location": {"country": "US", "source": "billing_address",
                                         "state": "CA"}}
    assert "tax" not in stripe_http.v1.customers.retrieve(customer.id)

    bare = stripe_http.v1.customers.create(params={"expand": ["tax"]})
    assert bare.tax.to_dict() == {"automatic_tax": "unrecognized_location", "ip_address": None,
                        "location": None}
    listed = stripe_http.v1.customers.list(params={"expand": ["data.tax"]})
    assert [c.tax.automatic_tax for c in listed] == ["unrecognized_location", "not_collecting"]

    updated = stripe_http.v1.customers.update(customer.id, params={
        "tax": {"ip_address": ""}, "shipping": {"name": "J", "address": {"country": "FR"}},
        "expand": ["tax"]})
    assert updated.tax.ip_address is None
    assert updated.tax.location.to_dict() == {"country": "FR", "source": "shipping_destination",
                                    "state": None}


def test_a_customers_cash_balance_is_shown_when_expanded(stripe_http):
    customer = stripe_http.v1.customers.create()
    shown = stripe_http.v1.customers.retrieve(customer.id, params={"expand": ["cash_balance"]})
    assert shown.cash_balance.to_dict() == {
        "object": "cash_balance", "available": None, "customer": customer.id,
        "livemode": False,
        "settings": {"reconciliation_mode": "automatic", "using_merchant_default": True}}
    assert "cash_balance" not in stripe_http.v1.customers.retrieve(customer.id)


def test_changing_only_the_tax_ip_address_records_no_customer_updated(stripe_http):
    customer = stripe_http.v1.customers.create()
    stripe_http.v1.customers.update(customer.id, params={"tax": {"ip_address": "10.0.0.1"}})
    shown = stripe_http.v1.customers.retrieve(customer.id, params={"expand": ["tax"]})
    assert shown.tax.ip_address == "10.0.0.1"
    assert [e.type for e in stripe_http.v1.events.list()] == ["customer.created"]


def test_previous_attributes_name_only_the_changed_keys_of_a_hash(stripe_http):
    # A live customer.updated event (API 2022-11-15) setting an invoice default:
    # "previous_attributes": {"invoice_settings": {"default_payment_method": null}}; and
    # charge.refunded's {"refunds": {"data": [], "total_count": 0}} (Stripe CLI's fixture)
    # leaves out the list's unchanged keys the same way.
    customer = stripe_http.v1.customers.create(params={
        "address": {"city": "Paris", "country": "FR"}, "invoice_settings": {"footer": "Hi"}})
    pm = stripe_http.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    stripe_http.v1.customers.update(customer.id, params={
        "invoice_settings": {"default_payment_method": pm.id}, "address": {"city": "Lyon", "country": "FR"}})
    [event] = stripe_http.v1.events.list(params={"type": "customer.updated"}).data
    assert event.data.previous_attributes.to_dict() == {
        "address": {"city": "Paris"}, "invoice_settings": {"default_payment_method": None}}
