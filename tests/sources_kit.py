"""Helpers shared by the payment-sources tests: a customer, a source added to it, an
ach_credit_transfer Source, and a look at what the database holds (objects, events)."""
from conftest import Api
from stripe_emu.store import objects

ACCOUNT = "emu4242"  # the account of conftest's sk_test_emu4242


def stored(app, object_id):
    with app.store.transaction(write=False) as db:
        return objects.get(db, ACCOUNT, object_id)


def count(app, kind):
    with app.store.transaction(write=False) as db:
        return db.execute("SELECT count(*) FROM objects WHERE object = ?", (kind,)).fetchone()[0]


def recorded(app, event_type):
    """The events of this type, newest first, as GET /v1/events lists them."""
    return Api(app).get("/v1/events", {"type": event_type, "limit": 100})["data"]


def customer(api, **params):
    return api.post("/v1/customers", params)["id"]


def add(api, cus, source, status=200, path="sources"):
    return api.post(f"/v1/customers/{cus}/{path}", {"source": source}, status=status)


def ach_source(api, **extra):
    return api.post("/v1/sources", {"type": "ach_credit_transfer", "currency": "usd",
                                    "owner[email]": "jenny.rosen@example.com", **extra})


def not_linked(cus, source_id):
    return f"Customer {cus} does not have a linked source with ID {source_id}."
