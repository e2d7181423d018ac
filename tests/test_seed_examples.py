"""The three examples of Stripe's reference pages that this product is built around (attach a
Source, detach it, delete a card; tests/data/seed_examples.json) come back from the emulator
with the same keys and the same JSON value types, all the way down. Ids, timestamps and values
differ, by design."""
import json
from pathlib import Path

import pytest

SEEDS = json.loads((Path(__file__).parent / "data" / "seed_examples.json").read_text())
# What Stripe has added to a Source since these examples were written: new fields show under
# every API version, so the emulator shows them too.
NEWER_SOURCE_FIELDS = {"allow_redisplay": "unspecified"}


def seed_source(name):
    """A Source example of SEEDS, with the fields added since."""
    return {**SEEDS[name], **NEWER_SOURCE_FIELDS}


def shape(value):
    """The JSON type of every value, keyed like the value itself."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return {bool: "boolean", int: "number", float: "number", str: "string",
            type(None): "null"}[type(value)]


def ach_credit_transfer_source(api):
    # The seed's source: $10.00 landed (the emulator's amount_<cents>@ owner email convention).
    return api.post("/v1/sources", {"type": "ach_credit_transfer", "currency": "usd",
                                    "owner[email]": "amount_1000@example.com"})


def test_shape_sees_types_not_values():
    assert shape({"a": 1, "b": [None, "x"]}) == shape({"a": 2, "b": [None, "y"]})
    assert shape({"a": 1}) != shape({"a": "1"}) and shape({"a": None}) != shape({"a": {}})


def test_attach_a_source_matches_stripes_example(api):
    customer = api.post("/v1/customers")["id"]
    source = ach_credit_transfer_source(api)
    attached = api.post(f"/v1/customers/{customer}/sources", {"source": source["id"]})
    assert shape(attached) == shape(seed_source("attach_source"))
    assert attached["allow_redisplay"] == "unspecified"
    assert attached["customer"] == customer and attached["id"] == source["id"]


def test_detach_a_source_matches_stripes_example(api):
    customer = api.post("/v1/customers")["id"]
    source = ach_credit_transfer_source(api)
    api.post(f"/v1/customers/{customer}/sources", {"source": source["id"]})
    detached = api.delete(f"/v1/customers/{customer}/sources/{source['id']}")
    assert shape(detached) == shape(seed_source("detach_source"))
    assert (detached["status"], detached["customer"]) == ("consumed", customer)


@pytest.mark.parametrize("path", ["sources", "cards"])
def test_delete_a_card_matches_stripes_example(api, path):
    customer = api.post("/v1/customers")["id"]
    card = api.post(f"/v1/customers/{customer}/sources", {"source": "tok_visa"})
    deleted = api.delete(f"/v1/customers/{customer}/{path}/{card['id']}")
    assert shape(deleted) == shape(SEEDS["delete_card"])
    assert deleted == {"id": card["id"], "object": "card", "deleted": True}
