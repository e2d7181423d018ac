"""PaymentIntents under the API versions clients still pin: before 2023-08-16 (no automatic
payment methods by default, so no return_url needed) and before 2022-11-15 (an intent lists
its `charges`)."""


def test_before_2023_08_16_an_intent_takes_cards_without_a_return_url(api):
    # "2023-08-16: automatic_payment_methods is enabled by default" (Stripe's changelog):
    # clients pinned before it (stripe-node 12 pins 2022-11-15) confirm cards without one.
    old = {"Stripe-Version": "2022-11-15"}
    done = api.post("/v1/payment_intents", {"amount": "2000", "currency": "usd",
                                            "payment_method": "pm_card_visa",
                                            "confirm": "true"}, headers=old)
    assert (done["status"], done["automatic_payment_methods"],
            done["payment_method_types"]) == ("succeeded", None, ["card"])
    saved = api.post("/v1/setup_intents", {"payment_method": "pm_card_visa", "confirm": "true"},
                     headers=old)
    assert (saved["status"], saved["automatic_payment_methods"]) == ("succeeded", None)
    assert api.post("/v1/payment_intents", {"amount": "2000", "currency": "usd",
                                            "confirmation_method": "manual"},
                    headers=old)["confirmation_method"] == "manual"


def test_before_2022_11_15_an_intent_lists_its_charges(api):
    # "2022-11-15: The charges property on PaymentIntent has been removed. You can use the
    # latest_charge property instead" (Stripe's changelog); stripe-node 11 pins 2022-08-01.
    old = {"Stripe-Version": "2022-08-01"}
    done = api.post("/v1/payment_intents", {"amount": "2000", "currency": "usd",
                                            "payment_method": "pm_card_visa",
                                            "confirm": "true"}, headers=old)
    charges = done["charges"]
    assert (charges["object"], charges["total_count"], charges["has_more"], charges["url"]) == (
        "list", 1, False, f"/v1/charges?payment_intent={done['id']}")
    assert [charge["id"] for charge in charges["data"]] == [done["latest_charge"]]
    path = f"/v1/payment_intents/{done['id']}"
    assert api.get(path, headers=old)["charges"] == charges
    assert api.get("/v1/payment_intents", headers=old)["data"][0]["charges"] == charges
    assert "charges" not in api.get(path)
