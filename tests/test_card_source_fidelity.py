"""Issue 12, item 10 (the part not about 3-D Secure): a card Source's checks have not run
yet ("unchecked" for a field given, null for one absent: they run when it is charged), and
a card Source, chargeable at once, records source.chargeable."""
import pytest

from sources_kit import recorded
from test_tokens import VISA

CARD = {"type": "card", **VISA}


@pytest.mark.parametrize("given, expected", [
    ({"card[address_line1]": "1 Main St", "card[address_zip]": "94107"},
     ("unchecked", "unchecked", "unchecked")),
    ({"card[cvc]": ""}, (None, None, None)),
    ({"card[address_zip]": "94107"}, (None, "unchecked", "unchecked")),
])
def test_card_source_checks_are_unchecked_when_given_and_null_when_absent(api, given, expected):
    card = api.post("/v1/sources", {**CARD, **given})["card"]
    assert (card["address_line1_check"], card["address_zip_check"], card["cvc_check"]) \
        == expected


def test_a_card_source_from_a_token_shows_its_checks_unchecked(api):
    token = api.post("/v1/tokens", {**VISA, "card[address_zip]": "94107"})
    card = api.post("/v1/sources", {"type": "card", "token": token["id"]})["card"]
    assert (card["address_line1_check"], card["address_zip_check"], card["cvc_check"]) == (
        None, "unchecked", "unchecked")


def test_a_card_source_records_source_chargeable(app, api):
    source = api.post("/v1/sources", CARD)
    [event] = recorded(app, "source.chargeable")
    assert event["data"]["object"]["id"] == source["id"]
    assert event["data"]["object"]["status"] == "chargeable"
    assert event["request"]["id"] == api.last.headers["Request-Id"]


def test_a_refused_card_source_records_nothing(app, api):
    api.post("/v1/sources", {**CARD, "card[number]": "4242424242424241"}, status=402)
    assert recorded(app, "source.chargeable") == []
